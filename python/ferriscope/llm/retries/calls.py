"""Retry calls: a retry prompt bound to a default model, like `llm.call` (docs/spec.md §2.1)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from ferriscope.llm.calls import _CallBase
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.models.model import Model
from ferriscope.llm.retries.config import RetryConfig
from ferriscope.llm.retries.models import RetryModel
from ferriscope.llm.retries.prompts import AsyncRetryPrompt, RetryPrompt, ensure_retry_model
from ferriscope.llm.retries.responses import AsyncRetryResponse, RetryResponse
from ferriscope.llm.retries.stream_responses import AsyncRetryStreamResponse, RetryStreamResponse
from ferriscope.llm.types import P

__all__ = ["AsyncRetryCall", "BaseRetryCall", "RetryCall"]


RetryPromptT = TypeVar("RetryPromptT", bound="RetryPrompt[..., Any] | AsyncRetryPrompt[..., Any]")


class BaseRetryCall(_CallBase, Generic[RetryPromptT]):
    """The model, with retries: `with llm.model(...)` still redirects the call, as for a
    plain `Call`, but the redirected model keeps this call's policy."""

    prompt: RetryPromptT

    def __init__(self, prompt: RetryPromptT, default_model: Model) -> None:
        super().__init__(prompt, default_model)

    @property
    def retry_config(self) -> RetryConfig:
        return self.prompt.retry_config

    @property
    def model(self) -> RetryModel:
        return ensure_retry_model(super().model, self.retry_config)


class RetryCall(BaseRetryCall[RetryPrompt[P, FormattableT]], Generic[P, FormattableT]):
    """A `Call` whose calls and streams retry: `c(*args)` → `RetryResponse`."""

    prompt: RetryPrompt[P, FormattableT]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> RetryResponse[FormattableT]:
        return self.call(*args, **kwargs)

    def call(self, *args: P.args, **kwargs: P.kwargs) -> RetryResponse[FormattableT]:
        return self.prompt.call(self.model, *args, **kwargs)

    def stream(self, *args: P.args, **kwargs: P.kwargs) -> RetryStreamResponse[FormattableT]:
        return self.prompt.stream(self.model, *args, **kwargs)


class AsyncRetryCall(BaseRetryCall[AsyncRetryPrompt[P, FormattableT]], Generic[P, FormattableT]):
    """An `AsyncCall` whose calls and streams retry."""

    prompt: AsyncRetryPrompt[P, FormattableT]

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> AsyncRetryResponse[FormattableT]:
        return await self.call(*args, **kwargs)

    async def call(self, *args: P.args, **kwargs: P.kwargs) -> AsyncRetryResponse[FormattableT]:
        return await self.prompt.call(self.model, *args, **kwargs)

    async def stream(
        self, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncRetryStreamResponse[FormattableT]:
        return await self.prompt.stream(self.model, *args, **kwargs)

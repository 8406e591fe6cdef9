"""Retry calls: a retry prompt bound to a default model, like `llm.call` (API.md §2.1)."""

from __future__ import annotations

from typing import Any

from ferriscope.llm.calls import _CallBase
from ferriscope.llm.models.model import Model
from ferriscope.llm.retries.config import RetryConfig
from ferriscope.llm.retries.models import RetryModel
from ferriscope.llm.retries.prompts import AsyncRetryPrompt, RetryPrompt, ensure_retry_model
from ferriscope.llm.retries.responses import AsyncRetryResponse, RetryResponse
from ferriscope.llm.retries.stream_responses import AsyncRetryStreamResponse, RetryStreamResponse

__all__ = ["AsyncRetryCall", "BaseRetryCall", "RetryCall"]


class BaseRetryCall(_CallBase):
    """The model, with retries: `with llm.model(...)` still redirects the call, as for a
    plain `Call`, but the redirected model keeps this call's policy."""

    prompt: RetryPrompt | AsyncRetryPrompt

    def __init__(self, prompt: RetryPrompt | AsyncRetryPrompt, default_model: Model) -> None:
        super().__init__(prompt, default_model)

    @property
    def retry_config(self) -> RetryConfig:
        return self.prompt.retry_config

    @property
    def model(self) -> RetryModel:
        return ensure_retry_model(super().model, self.retry_config)


class RetryCall(BaseRetryCall):
    """A `Call` whose calls and streams retry: `c(*args)` → `RetryResponse`."""

    prompt: RetryPrompt

    def __call__(self, *args: Any, **kwargs: Any) -> RetryResponse[Any]:
        return self.call(*args, **kwargs)

    def call(self, *args: Any, **kwargs: Any) -> RetryResponse[Any]:
        return self.prompt.call(self.model, *args, **kwargs)

    def stream(self, *args: Any, **kwargs: Any) -> RetryStreamResponse[Any]:
        return self.prompt.stream(self.model, *args, **kwargs)


class AsyncRetryCall(BaseRetryCall):
    """An `AsyncCall` whose calls and streams retry."""

    prompt: AsyncRetryPrompt

    async def __call__(self, *args: Any, **kwargs: Any) -> AsyncRetryResponse[Any]:
        return await self.call(*args, **kwargs)

    async def call(self, *args: Any, **kwargs: Any) -> AsyncRetryResponse[Any]:
        return await self.prompt.call(self.model, *args, **kwargs)

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncRetryStreamResponse[Any]:
        return await self.prompt.stream(self.model, *args, **kwargs)

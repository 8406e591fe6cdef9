"""Retry prompts: a prompt that runs every model it is given through a `RetryModel`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic

from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.models.model import Model
from ferriscope.llm.prompts import AsyncPrompt, Prompt
from ferriscope.llm.retries.config import RetryConfig
from ferriscope.llm.retries.models import RetryModel
from ferriscope.llm.retries.responses import AsyncRetryResponse, RetryResponse
from ferriscope.llm.retries.stream_responses import AsyncRetryStreamResponse, RetryStreamResponse
from ferriscope.llm.types import P

__all__ = ["AsyncRetryPrompt", "BaseRetryPrompt", "RetryPrompt", "ensure_retry_model"]


def ensure_retry_model(model: Model | str, config: RetryConfig) -> RetryModel:
    """The model with retries: a `RetryModel` passed in keeps its own policy (the caller
    chose it explicitly), anything else gets the prompt's."""
    if isinstance(model, RetryModel):
        return model
    return RetryModel(model, config)


class BaseRetryPrompt:
    """What sync and async retry prompts share: the policy."""

    retry_config: RetryConfig


class RetryPrompt(BaseRetryPrompt, Prompt[P, FormattableT], Generic[P, FormattableT]):
    """A `Prompt` whose calls and streams retry; `p(model, *args)` → `RetryResponse`."""

    def __init__(
        self, fn: Callable[..., Any], tools: Any, format: Any, *, retry_config: RetryConfig
    ) -> None:
        super().__init__(fn, tools, format)
        self.retry_config = retry_config

    def __call__(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> RetryResponse[FormattableT]:
        return self.call(model, *args, **kwargs)

    def call(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> RetryResponse[FormattableT]:
        # Messages are rendered once: the prompt function runs a single time however many
        # attempts follow.
        messages = self.messages(*args, **kwargs)
        retry_model = ensure_retry_model(model, self.retry_config)
        return retry_model.call(messages, tools=self.tools, format=self.format)

    def stream(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> RetryStreamResponse[FormattableT]:
        messages = self.messages(*args, **kwargs)
        retry_model = ensure_retry_model(model, self.retry_config)
        return retry_model.stream(messages, tools=self.tools, format=self.format)


class AsyncRetryPrompt(BaseRetryPrompt, AsyncPrompt[P, FormattableT], Generic[P, FormattableT]):
    """An `AsyncPrompt` whose calls and streams retry."""

    def __init__(
        self, fn: Callable[..., Any], tools: Any, format: Any, *, retry_config: RetryConfig
    ) -> None:
        super().__init__(fn, tools, format)
        self.retry_config = retry_config

    async def __call__(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncRetryResponse[FormattableT]:
        return await self.call(model, *args, **kwargs)

    async def call(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncRetryResponse[FormattableT]:
        messages = await self.messages(*args, **kwargs)
        retry_model = ensure_retry_model(model, self.retry_config)
        response: AsyncRetryResponse[FormattableT] = await retry_model.call_async(
            messages, tools=self.tools, format=self.format
        )
        return response

    async def stream(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncRetryStreamResponse[FormattableT]:
        messages = await self.messages(*args, **kwargs)
        retry_model = ensure_retry_model(model, self.retry_config)
        response: AsyncRetryStreamResponse[FormattableT] = await retry_model.stream_async(
            messages, tools=self.tools, format=self.format
        )
        return response

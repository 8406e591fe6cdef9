"""`llm.retry`: add a retry policy to a Call or Prompt, directly or as a decorator."""

from __future__ import annotations

from typing import Any, overload

from typing_extensions import Unpack

from ferriscope.llm.calls import AsyncCall, Call
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.prompts import AsyncPrompt, Prompt
from ferriscope.llm.retries.calls import AsyncRetryCall, RetryCall
from ferriscope.llm.retries.config import RetryArgs, RetryConfig
from ferriscope.llm.retries.prompts import AsyncRetryPrompt, RetryPrompt
from ferriscope.llm.types import P

__all__ = ["RetryDecorator", "retry"]

RetryTarget = (
    Call[..., Any]
    | AsyncCall[..., Any]
    | RetryCall[..., Any]
    | AsyncRetryCall[..., Any]
    | Prompt[..., Any]
    | AsyncPrompt[..., Any]
)
RetryResult = (
    RetryCall[..., Any]
    | AsyncRetryCall[..., Any]
    | RetryPrompt[..., Any]
    | AsyncRetryPrompt[..., Any]
)


def _prompt_parts(prompt: Any) -> tuple[Any, Any, Any]:
    return prompt.fn, prompt.tools, prompt.format


def _wrap(target: Any, config: RetryConfig) -> RetryResult:
    """The retry version of `target`. Wrapping a retry target again replaces its policy
    rather than nesting loops, which would multiply the attempts."""
    if isinstance(target, (AsyncCall, AsyncRetryCall)):
        prompt: AsyncRetryPrompt[..., Any] = AsyncRetryPrompt(
            *_prompt_parts(target.prompt), retry_config=config
        )
        return AsyncRetryCall(prompt, target.default_model)
    if isinstance(target, (Call, RetryCall)):
        sync_prompt: RetryPrompt[..., Any] = RetryPrompt(
            *_prompt_parts(target.prompt), retry_config=config
        )
        return RetryCall(sync_prompt, target.default_model)
    if isinstance(target, AsyncPrompt):
        return AsyncRetryPrompt(*_prompt_parts(target), retry_config=config)
    if isinstance(target, Prompt):
        return RetryPrompt(*_prompt_parts(target), retry_config=config)
    raise ValueError(
        f"Unsupported target type for retry: {type(target).__name__}. llm.retry wraps a Call "
        "or Prompt (sync or async); for context calls, or any model, pass "
        "llm.retry_model(...) as the model instead."
    )


class RetryDecorator:
    """What `llm.retry(**args)` returns: applies one policy to the Call/Prompt it decorates."""

    def __init__(self, config: RetryConfig) -> None:
        self.config = config

    @overload
    def __call__(
        self, target: Call[P, FormattableT] | RetryCall[P, FormattableT]
    ) -> RetryCall[P, FormattableT]: ...
    @overload
    def __call__(
        self, target: AsyncCall[P, FormattableT] | AsyncRetryCall[P, FormattableT]
    ) -> AsyncRetryCall[P, FormattableT]: ...
    @overload
    def __call__(
        self, target: AsyncPrompt[P, FormattableT]
    ) -> AsyncRetryPrompt[P, FormattableT]: ...
    @overload
    def __call__(self, target: Prompt[P, FormattableT]) -> RetryPrompt[P, FormattableT]: ...
    def __call__(self, target: RetryTarget) -> RetryResult:
        return _wrap(target, self.config)


@overload
def retry(
    target: Call[P, FormattableT] | RetryCall[P, FormattableT], **config: Unpack[RetryArgs]
) -> RetryCall[P, FormattableT]: ...
@overload
def retry(
    target: AsyncCall[P, FormattableT] | AsyncRetryCall[P, FormattableT],
    **config: Unpack[RetryArgs],
) -> AsyncRetryCall[P, FormattableT]: ...
@overload
def retry(
    target: AsyncPrompt[P, FormattableT], **config: Unpack[RetryArgs]
) -> AsyncRetryPrompt[P, FormattableT]: ...
@overload
def retry(
    target: Prompt[P, FormattableT], **config: Unpack[RetryArgs]
) -> RetryPrompt[P, FormattableT]: ...
@overload
def retry(target: None = None, **config: Unpack[RetryArgs]) -> RetryDecorator: ...
def retry(
    target: RetryTarget | None = None, **config: Unpack[RetryArgs]
) -> RetryResult | RetryDecorator:
    """`llm.retry(my_call, max_retries=2)` or, as a decorator above `@llm.call`/`@llm.prompt`,
    `@llm.retry(max_retries=2, fallback_models=[...])`.

    The policy is checked here, so a bad value fails at import time, not during an outage.
    """
    retry_config = RetryConfig.from_args(**config)
    if target is None:
        return RetryDecorator(retry_config)
    return _wrap(target, retry_config)

"""`llm.retry`: add a retry policy to a Call or Prompt, directly or as a decorator."""

from __future__ import annotations

from typing import Any, overload

from typing_extensions import Unpack

from ferriscope.llm.calls import AsyncCall, Call
from ferriscope.llm.prompts import AsyncPrompt, Prompt
from ferriscope.llm.retries.calls import AsyncRetryCall, RetryCall
from ferriscope.llm.retries.config import RetryArgs, RetryConfig
from ferriscope.llm.retries.prompts import AsyncRetryPrompt, RetryPrompt

__all__ = ["RetryDecorator", "retry"]

RetryTarget = Call | AsyncCall | RetryCall | AsyncRetryCall | Prompt | AsyncPrompt
RetryResult = RetryCall | AsyncRetryCall | RetryPrompt | AsyncRetryPrompt


def _prompt_parts(prompt: Any) -> tuple[Any, Any, Any]:
    return prompt.fn, prompt.tools, prompt.format


def _wrap(target: Any, config: RetryConfig) -> RetryResult:
    """The retry version of `target`. Wrapping a retry target again replaces its policy
    rather than nesting loops, which would multiply the attempts."""
    if isinstance(target, (AsyncCall, AsyncRetryCall)):
        prompt = AsyncRetryPrompt(*_prompt_parts(target.prompt), retry_config=config)
        return AsyncRetryCall(prompt, target.default_model)
    if isinstance(target, (Call, RetryCall)):
        sync_prompt = RetryPrompt(*_prompt_parts(target.prompt), retry_config=config)
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
    def __call__(self, target: Call | RetryCall) -> RetryCall: ...
    @overload
    def __call__(self, target: AsyncCall | AsyncRetryCall) -> AsyncRetryCall: ...
    @overload
    def __call__(self, target: AsyncPrompt) -> AsyncRetryPrompt: ...
    @overload
    def __call__(self, target: Prompt) -> RetryPrompt: ...
    def __call__(self, target: RetryTarget) -> RetryResult:
        return _wrap(target, self.config)


@overload
def retry(target: Call | RetryCall, **config: Unpack[RetryArgs]) -> RetryCall: ...
@overload
def retry(target: AsyncCall | AsyncRetryCall, **config: Unpack[RetryArgs]) -> AsyncRetryCall: ...
@overload
def retry(target: AsyncPrompt, **config: Unpack[RetryArgs]) -> AsyncRetryPrompt: ...
@overload
def retry(target: Prompt, **config: Unpack[RetryArgs]) -> RetryPrompt: ...
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

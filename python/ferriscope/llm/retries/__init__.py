"""Retries, backoff and fallback models for calls, prompts and models (docs/spec.md §10).

`llm.retry(...)` wraps a Call or Prompt, `llm.retry_model(...)` builds a retrying Model; both
return Retry* responses that record the failed attempts. Streams that fail after content was
shown are reset and raise `StreamRestarted` instead of repeating text.
"""

from ferriscope.llm.retries.backoff import calculate_delay
from ferriscope.llm.retries.calls import AsyncRetryCall, BaseRetryCall, RetryCall
from ferriscope.llm.retries.config import DEFAULT_RETRYABLE_ERRORS, RetryArgs, RetryConfig
from ferriscope.llm.retries.decorator import RetryDecorator, retry
from ferriscope.llm.retries.failures import RetryFailure
from ferriscope.llm.retries.models import RetryModel, RetryModelParams, retry_model
from ferriscope.llm.retries.prompts import AsyncRetryPrompt, BaseRetryPrompt, RetryPrompt
from ferriscope.llm.retries.responses import (
    AsyncContextRetryResponse,
    AsyncRetryResponse,
    ContextRetryResponse,
    RetryResponse,
)
from ferriscope.llm.retries.stream_responses import (
    AsyncContextRetryStreamResponse,
    AsyncRetryStreamResponse,
    ContextRetryStreamResponse,
    RetryStreamResponse,
)

__all__ = [
    "DEFAULT_RETRYABLE_ERRORS",
    "AsyncContextRetryResponse",
    "AsyncContextRetryStreamResponse",
    "AsyncRetryCall",
    "AsyncRetryPrompt",
    "AsyncRetryResponse",
    "AsyncRetryStreamResponse",
    "BaseRetryCall",
    "BaseRetryPrompt",
    "ContextRetryResponse",
    "ContextRetryStreamResponse",
    "RetryArgs",
    "RetryCall",
    "RetryConfig",
    "RetryDecorator",
    "RetryFailure",
    "RetryModel",
    "RetryModelParams",
    "RetryPrompt",
    "RetryResponse",
    "RetryStreamResponse",
    "calculate_delay",
    "retry",
    "retry_model",
]

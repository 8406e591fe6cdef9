"""Non-streaming Retry* responses: the successful response plus how it was obtained."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic

from ferriscope.llm.context import DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.responses.response import (
    AsyncContextResponse,
    AsyncResponse,
    ContextResponse,
    Response,
)
from ferriscope.llm.retries.failures import RetryFailure

if TYPE_CHECKING:
    from ferriscope.llm.retries.config import RetryConfig
    from ferriscope.llm.retries.models import RetryModel

__all__ = [
    "AsyncContextRetryResponse",
    "AsyncRetryResponse",
    "ContextRetryResponse",
    "RetryResponse",
]


class _RetryMetadata:
    """What every retry response adds: the failures before success, and a `model` that
    keeps retrying.

    `model` is what `resume()` and `validate()` call, so returning a `RetryModel` whose active
    model is the one that succeeded makes the whole conversation retried, starting where
    the last turn worked.
    """

    _retry_model: RetryModel
    retry_failures: list[RetryFailure]
    """Failed attempts before the one that produced this response (empty if none)."""

    def _take_over(
        self, response: Any, retry_model: RetryModel, retry_failures: list[RetryFailure]
    ) -> None:
        # The successful response's state becomes ours: its content lists are shared, not
        # copied, exactly as a plain response shares them with the stream it came from.
        vars(self).update(vars(response))
        self._retry_model = retry_model
        self.retry_failures = retry_failures

    @property
    def model(self) -> RetryModel:
        """The model that succeeded (in its retry pool), unless `with llm.model(...)` says
        otherwise."""
        return self._retry_model._in_context()

    @property
    def retry_config(self) -> RetryConfig:
        return self.model.retry_config


class RetryResponse(_RetryMetadata, Response[FormattableT], Generic[FormattableT]):
    """A `Response` obtained with retries; `resume()` returns a `RetryResponse` too."""

    def __init__(
        self,
        response: Response[FormattableT],
        retry_model: RetryModel,
        retry_failures: list[RetryFailure],
    ) -> None:
        self._take_over(response, retry_model, retry_failures)


class AsyncRetryResponse(_RetryMetadata, AsyncResponse[FormattableT], Generic[FormattableT]):
    """An `AsyncResponse` obtained with retries."""

    def __init__(
        self,
        response: AsyncResponse[FormattableT],
        retry_model: RetryModel,
        retry_failures: list[RetryFailure],
    ) -> None:
        self._take_over(response, retry_model, retry_failures)


class ContextRetryResponse(
    _RetryMetadata, ContextResponse[DepsT, FormattableT], Generic[DepsT, FormattableT]
):
    """A `ContextResponse` obtained with retries; `resume(ctx, content)` retries too."""

    def __init__(
        self,
        response: ContextResponse[DepsT, FormattableT],
        retry_model: RetryModel,
        retry_failures: list[RetryFailure],
    ) -> None:
        self._take_over(response, retry_model, retry_failures)


class AsyncContextRetryResponse(
    _RetryMetadata, AsyncContextResponse[DepsT, FormattableT], Generic[DepsT, FormattableT]
):
    """An `AsyncContextResponse` obtained with retries."""

    def __init__(
        self,
        response: AsyncContextResponse[DepsT, FormattableT],
        retry_model: RetryModel,
        retry_failures: list[RetryFailure],
    ) -> None:
        self._take_over(response, retry_model, retry_failures)

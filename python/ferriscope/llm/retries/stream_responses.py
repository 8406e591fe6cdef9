"""Streaming Retry* responses: one response object that becomes a fresh attempt on failure.

A stream can fail after part of the answer was shown. Silently retrying then would print the
beginning twice, so a retryable failure resets the response to a new attempt (cache, content,
usage cleared) and raises `StreamRestarted`; the caller clears what it printed and iterates
again. A failure before any content was cached cannot duplicate anything — typically the
request itself failing, which with the lazy start (docs/spec.md Δ2) happens at the first
pull — so that attempt is retried silently and the caller only sees the answer arrive.

Waits between attempts happen at the first pull of the new attempt, not when the failure is
reported, so the caller hears about a restart at once.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic

from ferriscope._core import TextChunk, TextEndChunk
from ferriscope._lazy import lazy_module
from ferriscope.llm.context import DepsT
from ferriscope.llm.exceptions import RetriesExhausted, StreamRestarted
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.responses.base_stream_response import BaseStreamResponse
from ferriscope.llm.responses.stream_response import (
    AsyncContextStreamResponse,
    AsyncStreamResponse,
    ContextStreamResponse,
    StreamResponse,
)
from ferriscope.llm.retries.backoff import Attempts
from ferriscope.llm.retries.failures import RetryFailure

if TYPE_CHECKING:
    import asyncio
else:
    asyncio = lazy_module("asyncio")

if TYPE_CHECKING:
    from ferriscope.llm.models.model import Model
    from ferriscope.llm.retries.config import RetryConfig
    from ferriscope.llm.retries.models import RetryModel

__all__ = [
    "AsyncContextRetryStreamResponse",
    "AsyncRetryStreamResponse",
    "ContextRetryStreamResponse",
    "RetryStreamResponse",
]


class _Restarts(BaseStreamResponse[FormattableT], Generic[FormattableT]):
    """The bookkeeping shared by the sync and async retry streams (pulling differs)."""

    _attempts: Attempts
    retry_failures: list[RetryFailure]
    """Failed attempts so far, oldest first (empty if the current attempt is the first)."""
    _pending_delay: float
    _terminal: BaseException | None
    _restarts: int
    _last_restart: RetryFailure | None

    def _start(self, retry_model: RetryModel, first: BaseStreamResponse[Any]) -> None:
        self._attempts = Attempts(retry_model)
        self.retry_failures = []
        self._pending_delay = 0.0
        self._terminal = None
        self._restarts = 0
        self._last_restart = None
        self._adopt(first, shown=False)

    def _adopt(self, fresh: BaseStreamResponse[Any], *, shown: bool) -> None:
        """Becomes `fresh`, an attempt that has not sent anything yet (lazy start).

        Taking over its whole state, rather than patching a few fields, also switches the
        model id, provider and encoded messages when the attempt is on a fallback. When
        nothing had been cached the old cache list is kept: the cursor that is pulling holds
        it and simply goes on reading the new attempt. After content, cursors must notice the
        switch instead, hence the restart counter.
        """
        cache = self._chunks if hasattr(self, "_chunks") else None
        previous_ops = vars(self).get("_ops")
        vars(self).update(vars(fresh))
        ops = vars(self).get("_ops")
        if previous_ops is not None and ops is not None and ops is not previous_ops:
            ops.inherit(previous_ops)  # every attempt's span under the first `.stream()`'s parent
        for stamp in ("_sent_wall", "_sent_at", "_first_at", "_last_at", "_first_count"):
            vars(self).pop(stamp, None)  # `timings` of the new attempt: not sent yet
        if shown:
            self._restarts += 1
        elif cache is not None:
            self._chunks = cache
            self.chunks = cache

    def _record_failure(self, error: Exception) -> RetryFailure:
        """Counts a failed attempt; raises `RetriesExhausted` (for good) when none is left."""
        failure = RetryFailure(model=self._attempts.model, exception=error)
        self.retry_failures.append(failure)
        delay = self._attempts.advance(error)
        if delay is None:
            exhausted = RetriesExhausted(self.retry_failures)
            self._terminal = exhausted
            raise exhausted from None
        self._pending_delay = delay
        return failure

    def _is_retryable(self, error: Exception) -> bool:
        return isinstance(error, self._attempts.config.retry_on)

    def _stale(self) -> StreamRestarted:
        """The error for a cursor opened before the latest restart: its chunks belong to a
        failed attempt, so it must stop instead of mixing two attempts."""
        assert self._last_restart is not None
        return StreamRestarted(self._last_restart)

    @property
    def model(self) -> RetryModel:
        """The model of the current attempt (in its retry pool), unless `with llm.model(...)`
        says otherwise; `resume()` goes through it, so follow-ups are retried too."""
        return self._attempts.variant._in_context()

    @property
    def retry_config(self) -> RetryConfig:
        return self.model.retry_config


class _SyncRestarts(_Restarts[FormattableT], StreamResponse[FormattableT], Generic[FormattableT]):
    # Stated here, ahead of the context tool-loop mixin in the MRO, so `resume()` of the
    # context variant streams as well (that mixin's default would make it a plain call).
    _streaming = True
    _stream_fn: Callable[[Model], StreamResponse[Any]]

    def __init__(
        self,
        retry_model: RetryModel,
        stream_fn: Callable[[Model], StreamResponse[Any]],
        initial_stream: StreamResponse[Any],
    ) -> None:
        """`initial_stream` is `stream_fn(retry_model.get_active_model())`, made by the
        caller so that encoding errors raise from `.stream()` itself (docs/spec.md §3.2)."""
        self._stream_fn = stream_fn
        self._start(retry_model, initial_stream)

    def _pull(self) -> bool:
        while True:
            if self._terminal is not None:
                raise self._terminal
            if self._pending_delay > 0:
                delay, self._pending_delay = self._pending_delay, 0.0
                time.sleep(delay)
            try:
                return super()._pull()
            except Exception as error:
                if not self._is_retryable(error):
                    raise
                shown = bool(self._chunks)
                failure = self._next_attempt(error, shown=shown)
                if shown:
                    raise StreamRestarted(failure) from error

    def _next_attempt(self, error: Exception, *, shown: bool) -> RetryFailure:
        failure = self._record_failure(error)
        while True:
            try:
                fresh = self._stream_fn(self._attempts.model)
            except Exception as open_error:
                # A fallback that cannot even be encoded counts as a failed attempt when the
                # policy says so; otherwise the stream is dead and says why from now on.
                if not self._is_retryable(open_error):
                    self._terminal = open_error
                    raise
                self._record_failure(open_error)
                continue
            self._adopt(fresh, shown=shown)
            if shown:
                self._last_restart = failure
            return failure

    def text_stream(self, sep: str = "\n") -> Iterator[str]:
        """Over `chunk_stream()` (not the inlined cursor of the base class), so a text
        iterator that outlives a restart raises `StreamRestarted` as every other one does."""
        for chunk in self.chunk_stream():
            if type(chunk) is TextChunk:
                yield chunk.delta
            elif type(chunk) is TextEndChunk:
                yield sep

    def chunk_stream(self) -> Iterator[Any]:
        """The §3.2 cursor, plus: a cursor that outlives a restart raises `StreamRestarted`
        rather than go on with chunks of the failed attempt."""
        restarts = self._restarts
        cache = self._chunks
        span: list[Any] = []  # the cursor of `StreamResponse.chunk_stream`
        at = j = 0
        while True:
            if self._restarts != restarts:
                raise self._stale()
            if j < len(span):
                j += 1
                self._seen_to = at + j
                yield span[j - 1]
            elif span is not cache.hot:
                i = at + j
                span, at = cache.hot, cache.base
                j = i - at
                if j < 0:
                    span, at, j = cache.span(i), i, 0
            elif not self._pull() and at + j >= len(cache):
                return


class _AsyncRestarts(
    _Restarts[FormattableT], AsyncStreamResponse[FormattableT], Generic[FormattableT]
):
    _streaming = True
    _stream_fn: Callable[[Model], Awaitable[AsyncStreamResponse[Any]]]

    def __init__(
        self,
        retry_model: RetryModel,
        stream_fn: Callable[[Model], Awaitable[AsyncStreamResponse[Any]]],
        initial_stream: AsyncStreamResponse[Any],
    ) -> None:
        """`initial_stream` is the awaited `stream_fn(retry_model.get_active_model())`: a
        constructor cannot await."""
        self._stream_fn = stream_fn
        self._start(retry_model, initial_stream)

    async def _pull(self) -> bool:
        while True:
            if self._terminal is not None:
                raise self._terminal
            if self._pending_delay > 0:
                delay, self._pending_delay = self._pending_delay, 0.0
                await asyncio.sleep(delay)
            try:
                return await super()._pull()
            except Exception as error:
                if not self._is_retryable(error):
                    raise
                shown = bool(self._chunks)
                failure = await self._next_attempt(error, shown=shown)
                if shown:
                    raise StreamRestarted(failure) from error

    async def _next_attempt(self, error: Exception, *, shown: bool) -> RetryFailure:
        failure = self._record_failure(error)
        while True:
            try:
                fresh = await self._stream_fn(self._attempts.model)
            except Exception as open_error:
                if not self._is_retryable(open_error):
                    self._terminal = open_error
                    raise
                self._record_failure(open_error)
                continue
            self._adopt(fresh, shown=shown)
            if shown:
                self._last_restart = failure
            return failure

    async def text_stream(self, sep: str = "\n") -> AsyncIterator[str]:
        async for chunk in self.chunk_stream():
            if type(chunk) is TextChunk:
                yield chunk.delta
            elif type(chunk) is TextEndChunk:
                yield sep

    async def chunk_stream(self) -> AsyncIterator[Any]:
        restarts = self._restarts
        cache = self._chunks
        span: list[Any] = []
        at = j = 0
        while True:
            if self._restarts != restarts:
                raise self._stale()
            if j < len(span):
                j += 1
                self._seen_to = at + j
                yield span[j - 1]
            elif span is not cache.hot:
                i = at + j
                span, at = cache.hot, cache.base
                j = i - at
                if j < 0:
                    span, at, j = cache.span(i), i, 0
            elif not await self._pull() and at + j >= len(cache):
                return


class RetryStreamResponse(_SyncRestarts[FormattableT], Generic[FormattableT]):
    """A `StreamResponse` that retries, backs off and falls back.

    Consume it in a loop that starts over on `StreamRestarted`::

        while True:
            try:
                for text in response.text_stream():
                    print(text, end="", flush=True)
                break
            except llm.StreamRestarted:
                print("\\n[retrying]")

    When every attempt failed, iteration raises `RetriesExhausted` (with all failures).
    """


class AsyncRetryStreamResponse(_AsyncRestarts[FormattableT], Generic[FormattableT]):
    """An `AsyncStreamResponse` that retries, backs off and falls back (see
    `RetryStreamResponse`; iterate with `async for`)."""


class ContextRetryStreamResponse(  # type: ignore[misc]
    _SyncRestarts[FormattableT],
    ContextStreamResponse[DepsT, FormattableT],
    Generic[DepsT, FormattableT],
):
    """A `ContextStreamResponse` that retries; `resume(ctx, content)` retries too."""


class AsyncContextRetryStreamResponse(  # type: ignore[misc]
    _AsyncRestarts[FormattableT],
    AsyncContextStreamResponse[DepsT, FormattableT],
    Generic[DepsT, FormattableT],
):
    """An `AsyncContextStreamResponse` that retries."""

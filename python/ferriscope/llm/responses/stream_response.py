"""`StreamResponse` and `AsyncStreamResponse` (+ context variants): the iterators.

Every iterator is a cursor over the chunk cache: it replays what is cached, then pulls the
next batch from the source when it reaches the end (docs/spec.md §3.2). Pulling is the only thing
that differs between sync and async, so everything else lives in `BaseStreamResponse`.

A cursor reads the cache through a local list and the index of its first entry: the cache's
hot list (the newest entries, the original objects; a compaction replaces it but leaves the
old list as it was, so a cursor may finish reading it), or a span of compacted entries
re-made (`ChunkCache.span`). It looks at the cache again only when it has read that list.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal

from ferriscope._core import TextChunk, TextEndChunk
from ferriscope.llm import exceptions
from ferriscope.llm.context import DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.messages import Message
from ferriscope.llm.responses.base_stream_response import BaseStreamResponse
from ferriscope.llm.responses.chunk_order import checked_async_chunks, checked_chunks
from ferriscope.llm.responses.methods import (
    AsyncContextToolLoop,
    AsyncToolLoop,
    ContextToolLoop,
    SyncToolLoop,
)
from ferriscope.llm.responses.streams import (
    AsyncStream,
    Stream,
    aiter_substreams,
    iter_substreams,
)
from ferriscope.llm.responses.timings import TimedStream

__all__ = [
    "AsyncContextStreamResponse",
    "AsyncStreamResponse",
    "ContextStreamResponse",
    "StreamResponse",
]

if TYPE_CHECKING:
    from ferriscope.llm.formatting import Partial

ToolkitKind = Literal["sync", "async", "context", "async_context"]

BatchSource = Iterator[Sequence[Any]]
AsyncBatchSource = AsyncIterator[Sequence[Any]]

_clock = time.perf_counter
_wall = time.time


def _singletons(chunks: Iterator[Any]) -> Iterator[Sequence[Any]]:
    for chunk in chunks:
        yield (chunk,)


async def _asingletons(chunks: AsyncIterator[Any]) -> AsyncIterator[Sequence[Any]]:
    async for chunk in chunks:
        yield (chunk,)


async def _no_chunks() -> AsyncIterator[Any]:
    return
    yield


def _toolkit(tools: Any, kind: ToolkitKind) -> Any:
    """`tools=` as the toolkit of the response's kind (an empty one for None), as Mirascope
    normalises it; a toolkit of the right kind (what providers pass) is kept as is, checked
    first without a call (every request passes one)."""
    kit_class = _KIT_CLASSES.get(kind)
    if kit_class is not None and type(tools) is kit_class:
        return tools
    from ferriscope.llm.tools.types import normalize_tools

    if kit_class is None:  # the toolkit class of this kind, exactly
        _KIT_CLASSES[kind] = type(normalize_tools(None, kind=kind))
    return normalize_tools(tools, kind=kind)


_KIT_CLASSES: dict[str, type] = {}


def _interrupted(exc: BaseException, provider: str) -> exceptions.ConnectionError:
    return exceptions.ConnectionError(
        f"the stream was interrupted while reading ({type(exc).__name__}); "
        "what was received is kept",
        provider,
    )


def _deliver_first(error: Exception, cache: Sequence[Any], cached: int) -> bool:
    """What a pull that failed returns: True when the failing batch had cached chunks ahead
    of its error (a network read often carries good events and then an error event or bad
    JSON), so every cursor yields them before the sticky error (`_fail`) is raised by the
    next pull; otherwise the error, at once."""
    if len(cache) > cached:
        return True
    raise error


class StreamResponse(
    BaseStreamResponse[FormattableT], SyncToolLoop[FormattableT], TimedStream, Generic[FormattableT]
):
    """A streaming response consumed with plain `for` loops."""

    _streaming = True
    _tool_kind: ClassVar[ToolkitKind] = "sync"
    _ops: Any = None
    """The observation `ferriscope.ops` attaches when instrumented: told when the stream
    ends (consumed, failed or closed); its batch-source wrapper covers start and collection."""

    def __init__(
        self,
        *,
        provider_id: str,
        model_id: str,
        provider_model_name: str,
        params: Any,
        tools: Any = None,
        format: Any = None,
        input_messages: Sequence[Message],
        chunk_iterator: Iterator[Any] | None = None,
        batches: Callable[[], BatchSource] | None = None,
    ) -> None:
        """`chunk_iterator` yields single chunks (the public form, checked for order; None is
        an empty stream); providers pass `batches`, a factory of the source, so that the
        request starts at the first pull (docs/spec.md Δ2)."""
        super().__init__(
            provider_id=provider_id,
            model_id=model_id,
            provider_model_name=provider_model_name,
            params=params,
            toolkit=_toolkit(tools, self._tool_kind),
            format=format,
            input_messages=input_messages,
        )
        if batches is None:
            source = () if chunk_iterator is None else chunk_iterator

            def batches() -> BatchSource:
                return _singletons(checked_chunks(source))

        self._open_source = batches
        self._source: BatchSource | None = None

    # ---- pulling ---------------------------------------------------------------------------

    def _pull(self) -> bool:
        """Applies the next batch of the source; False once the source is exhausted."""
        if self._error is not None:
            raise self._error
        if self.consumed or self._closed:
            return False
        cache = self._chunks
        cached = cache.base + len(cache.hot)  # len(cache), without a call
        try:
            if self._source is None:
                self._sent_wall, self._sent_at, self._first_at = _wall(), _clock(), 0.0
                self._source = self._open_source()
            batch = next(self._source)
            now = self._last_at = _clock()
            if self._first_at:
                self._apply(batch)
            else:
                self._first_at = now
                self._apply(batch)
                self._first_count = len(self._chunks)
        except StopIteration:
            self.consumed = True
            if self._ops is not None:
                self._ops.end(self)
            self._source = None
            self._ended()
            return False
        except Exception as error:
            self._fail(error)
            self._release()
            return _deliver_first(error, self._chunks, cached)
        except BaseException as interrupt:  # KeyboardInterrupt and the like
            self._fail(_interrupted(interrupt, self.provider_id))
            self._release()
            raise
        return True

    def _release(self) -> None:
        source, self._source = self._source, None
        if self._ops is not None:
            self._ops.end(self)
        close = getattr(source, "close", None)
        if close is not None:
            close()

    def close(self) -> None:
        """Releases the connection now; later pulls see the stream as ended (cache kept)."""
        self._closed = True
        self._release()
        self._chunks.compact()

    def __enter__(self) -> StreamResponse[FormattableT]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- iterators -------------------------------------------------------------------------

    def chunk_stream(self) -> Iterator[Any]:
        """Every content chunk: the cache first, then live chunks as they arrive."""
        cache = self._cursor_cache()
        span: list[Any] = []  # entries from index `at` on (see the module docstring)
        at = j = 0  # the next entry is span[j], entry at + j
        while True:
            if j < len(span):
                j += 1
                self._seen_to = at + j
                yield span[j - 1]
            elif span is not cache.hot:  # a replayed span, or compacted since: find the place
                i = at + j
                span, at = cache.hot, cache.base
                j = i - at
                if j < 0:
                    span, at, j = cache.span(i), i, 0
            elif not self._pull() and at + j >= len(cache):
                return  # another cursor may have pulled the last batch: replay it first

    def text_stream(self, sep: str = "\n") -> Iterator[str]:
        """Text deltas, with `sep` after each text part (the last one too).

        The cursor is inlined rather than layered on `chunk_stream()`: one generator step per
        chunk instead of two, on the path most streaming code runs."""
        cache = self._cursor_cache()
        span: list[Any] = []
        at = j = 0
        while True:
            if j < len(span):
                # A list iterator sees entries appended while this generator waits (another
                # cursor pulled); `_seen_to` need only be right where a chunk is yielded.
                # `seen` is the index of the entry after `chunk`: one counter, kept in C.
                seen = start = at + j
                for seen, chunk in enumerate(islice(span, j, None), start + 1):
                    if type(chunk) is TextChunk:
                        self._seen_to = seen
                        yield chunk.delta
                    elif type(chunk) is TextEndChunk:
                        self._seen_to = seen
                        yield sep
                j = seen - at
            elif span is not cache.hot:
                i = at + j
                span, at = cache.hot, cache.base
                j = i - at
                if j < 0:  # replaying compacted entries: their text, no chunks made
                    texts, n = cache.text_span(i, sep)
                    span, at, j = [], i + n, 0
                    yield from texts
            elif not self._pull() and at + j >= len(cache):
                return

    def pretty_stream(self) -> Iterator[str]:
        """One string per chunk; concatenated they give `pretty()`."""
        spacer = ""
        for chunk in self.chunk_stream():
            out = self._pretty_chunk(chunk, spacer)
            if out:
                spacer = "\n\n"
            yield out

    def streams(self) -> Iterator[Stream]:
        """One substream per content part, in the order parts start (docs/spec.md §3.6)."""
        return iter_substreams(self.chunk_stream())

    def finish(self) -> None:
        """Consumes the rest of the stream."""
        while self._pull():
            pass

    def structured_stream(self) -> Iterator[Partial[FormattableT]]:
        """`Partial[T]` after each text delta (truthy ones only), parsed incrementally."""
        self._check_structured()
        # chunk_stream() yields cache entry k as its k-th chunk: the partial is of the text up
        # to and including this chunk, not of the whole network read it arrived in.
        for entry, chunk in enumerate(self.chunk_stream(), 1):
            if type(chunk) is TextChunk:
                partial = self._parse_partial(entry, chunk)
                if partial:
                    yield partial


class AsyncStreamResponse(
    BaseStreamResponse[FormattableT],
    AsyncToolLoop[FormattableT],
    TimedStream,
    Generic[FormattableT],
):
    """A streaming response consumed with `async for`."""

    _streaming = True
    _tool_kind: ClassVar[ToolkitKind] = "async"
    _ops: Any = None

    def __init__(
        self,
        *,
        provider_id: str,
        model_id: str,
        provider_model_name: str,
        params: Any,
        tools: Any = None,
        format: Any = None,
        input_messages: Sequence[Message],
        chunk_iterator: AsyncIterator[Any] | None = None,
        batches: Callable[[], AsyncBatchSource] | None = None,
    ) -> None:
        super().__init__(
            provider_id=provider_id,
            model_id=model_id,
            provider_model_name=provider_model_name,
            params=params,
            toolkit=_toolkit(tools, self._tool_kind),
            format=format,
            input_messages=input_messages,
        )
        if batches is None:
            source = _no_chunks() if chunk_iterator is None else chunk_iterator

            def batches() -> AsyncBatchSource:
                return _asingletons(checked_async_chunks(source))

        self._open_source = batches
        self._source: AsyncBatchSource | None = None

    async def _pull(self) -> bool:
        if self._error is not None:
            raise self._error
        if self.consumed or self._closed:
            return False
        cache = self._chunks
        cached = cache.base + len(cache.hot)  # len(cache), without a call
        try:
            if self._source is None:
                self._sent_wall, self._sent_at, self._first_at = _wall(), _clock(), 0.0
                self._source = self._open_source()
            batch = await self._source.__anext__()
            now = self._last_at = _clock()
            if self._first_at:
                self._apply(batch)
            else:
                self._first_at = now
                self._apply(batch)
                self._first_count = len(self._chunks)
        except StopAsyncIteration:
            self.consumed = True
            if self._ops is not None:
                self._ops.end(self)
            self._source = None
            self._ended()
            return False
        except Exception as error:
            self._fail(error)
            await self._release()
            return _deliver_first(error, self._chunks, cached)
        except BaseException as interrupt:  # asyncio.CancelledError mid-read
            self._fail(_interrupted(interrupt, self.provider_id))
            await self._release()
            raise
        return True

    async def _release(self) -> None:
        source, self._source = self._source, None
        if self._ops is not None:
            self._ops.end(self)
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()

    async def aclose(self) -> None:
        """Releases the connection now; later pulls see the stream as ended (cache kept)."""
        self._closed = True
        await self._release()
        self._chunks.compact()

    async def __aenter__(self) -> AsyncStreamResponse[FormattableT]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def chunk_stream(self) -> AsyncIterator[Any]:
        cache = self._cursor_cache()
        span: list[Any] = []
        at = j = 0
        while True:
            if j < len(span):
                j += 1
                self._seen_to = at + j
                yield span[j - 1]
            elif span is not cache.hot:  # a replayed span, or compacted since: find the place
                i = at + j
                span, at = cache.hot, cache.base
                j = i - at
                if j < 0:
                    span, at, j = cache.span(i), i, 0
            elif not await self._pull() and at + j >= len(cache):
                return  # another cursor may have pulled the last batch: replay it first

    async def text_stream(self, sep: str = "\n") -> AsyncIterator[str]:
        cache = self._cursor_cache()
        span: list[Any] = []
        at = j = 0
        while True:
            if j < len(span):
                seen = start = at + j  # as in the sync text_stream
                for seen, chunk in enumerate(islice(span, j, None), start + 1):
                    if type(chunk) is TextChunk:
                        self._seen_to = seen
                        yield chunk.delta
                    elif type(chunk) is TextEndChunk:
                        self._seen_to = seen
                        yield sep
                j = seen - at
            elif span is not cache.hot:
                i = at + j
                span, at = cache.hot, cache.base
                j = i - at
                if j < 0:
                    texts, n = cache.text_span(i, sep)
                    span, at, j = [], i + n, 0
                    for text in texts:
                        yield text
            elif not await self._pull() and at + j >= len(cache):
                return

    async def pretty_stream(self) -> AsyncIterator[str]:
        spacer = ""
        async for chunk in self.chunk_stream():
            out = self._pretty_chunk(chunk, spacer)
            if out:
                spacer = "\n\n"
            yield out

    def streams(self) -> AsyncIterator[AsyncStream]:
        return aiter_substreams(self.chunk_stream())

    async def finish(self) -> None:
        while await self._pull():
            pass

    async def structured_stream(self) -> AsyncIterator[Partial[FormattableT]]:
        self._check_structured()
        entry = 0
        async for chunk in self.chunk_stream():
            entry += 1
            if type(chunk) is TextChunk:
                partial = self._parse_partial(entry, chunk)
                if partial:
                    yield partial


class ContextStreamResponse(  # type: ignore[misc]
    ContextToolLoop[DepsT, FormattableT], StreamResponse[FormattableT], Generic[DepsT, FormattableT]
):
    """A `StreamResponse` of a context call: its tool and resume methods take `ctx` first."""

    _streaming = True
    _tool_kind: ClassVar[ToolkitKind] = "context"


class AsyncContextStreamResponse(  # type: ignore[misc]
    AsyncContextToolLoop[DepsT, FormattableT],
    AsyncStreamResponse[FormattableT],
    Generic[DepsT, FormattableT],
):
    """An `AsyncStreamResponse` of a context call."""

    _streaming = True
    _tool_kind: ClassVar[ToolkitKind] = "async_context"

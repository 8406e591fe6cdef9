"""Substreams: one iterator per content part, as `response.streams()` hands them out.

A `_PartRouter` reads the response's chunk cursor and files each delta under its part, so
interleaved tool calls can be served one whole part after another (docs/spec.md Δ6): chunks
of parts not yet handed out wait in their part's buffer. Substreams are one-shot; a new
`streams()` call replays from the response's cache with fresh accumulators.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from ferriscope.llm.content import Text, Thought, ToolCall

__all__ = [
    "AsyncStream",
    "AsyncTextStream",
    "AsyncThoughtStream",
    "AsyncToolCallStream",
    "Stream",
    "TextStream",
    "ThoughtStream",
    "ToolCallStream",
]

_FOLD_AT = 256
"""Deltas a substream keeps as separate strings before joining them into one: a long part
then costs its text, not ~60 B per delta, for as long as the substream lives."""

_STARTS = {"text_start_chunk", "thought_start_chunk", "tool_call_start_chunk"}
_ENDS = {"text_end_chunk", "thought_end_chunk", "tool_call_end_chunk"}


class _Part:
    """One content part's buffered deltas and whether its end has been seen."""

    __slots__ = ("deltas", "ended", "id", "kind", "name")

    def __init__(self, kind: str, id: str = "", name: str = "") -> None:
        self.kind = kind
        self.id = id
        self.name = name
        self.deltas: deque[str] = deque()
        self.ended = False


class _PartRouter:
    """Files chunks by part; `route` returns a newly started part, if the chunk started one."""

    def __init__(self) -> None:
        self.waiting: deque[_Part] = deque()  # started, not yet handed out, in start order
        self._calls: dict[str, _Part] = {}
        self._open: _Part | None = None  # the open text or thought part

    def route(self, chunk: Any) -> None:
        t = chunk.type
        if t == "text_chunk" or t == "thought_chunk":
            if self._open is not None:
                self._open.deltas.append(chunk.delta)
        elif t == "tool_call_chunk":
            part = self._calls.get(chunk.id)
            if part is not None:
                part.deltas.append(chunk.delta)
        elif t in _STARTS:
            if t == "tool_call_start_chunk":
                part = _Part("tool_call", chunk.id, chunk.name)
                self._calls[chunk.id] = part
            else:
                part = _Part("text" if t == "text_start_chunk" else "thought")
                self._open = part
            self.waiting.append(part)
        elif t in _ENDS:
            if t == "tool_call_end_chunk":
                done = self._calls.pop(chunk.id, None)
                if done is not None:
                    done.ended = True
            elif self._open is not None:
                self._open.ended = True
                self._open = None


class _SubstreamBase:
    """Shared by every substream: the part it reads and its growing accumulator."""

    content_type: str
    type: str

    def __init__(self, part: _Part, feed: Any) -> None:
        self._part = part
        self._feed = feed  # pulls one more chunk into the router; False when exhausted
        self._pieces: list[str] = []

    def _partial(self) -> str:
        pieces = self._pieces
        if len(pieces) > 1:
            joined = "".join(pieces)
            pieces.clear()
            pieces.append(joined)
        return pieces[0] if pieces else ""

    def _result(self) -> Text | Thought | ToolCall:
        if self.content_type == "text":
            return Text(text=self._partial())
        if self.content_type == "thought":
            return Thought(thought=self._partial())
        return ToolCall(id=self._part.id, name=self._part.name, args=self._partial())


class Stream(_SubstreamBase):
    """Base of the sync substreams: iterating yields the part's deltas."""

    def __iter__(self) -> Iterator[str]:
        part = self._part
        deltas = part.deltas
        pieces = self._pieces
        while True:
            while deltas:
                delta = deltas.popleft()
                pieces.append(delta)
                yield delta
            if len(pieces) >= _FOLD_AT:
                pieces[-_FOLD_AT:] = ["".join(pieces[-_FOLD_AT:])]
            if part.ended or not self._feed():
                return

    def _drain(self) -> None:
        for _ in self:
            pass

    def collect(self) -> Any:
        """Consumes the rest of the part and returns it as a new content object."""
        self._drain()
        return self._result()


class AsyncStream(_SubstreamBase):
    """Base of the async substreams: `async for` yields the part's deltas."""

    async def _aiter(self) -> AsyncIterator[str]:
        part = self._part
        deltas = part.deltas
        pieces = self._pieces
        while True:
            while deltas:
                delta = deltas.popleft()
                pieces.append(delta)
                yield delta
            if len(pieces) >= _FOLD_AT:
                pieces[-_FOLD_AT:] = ["".join(pieces[-_FOLD_AT:])]
            if part.ended or not await self._feed():
                return

    def __aiter__(self) -> AsyncIterator[str]:
        return self._aiter()

    async def _drain(self) -> None:
        async for _ in self._aiter():
            pass

    async def collect(self) -> Any:
        """Consumes the rest of the part and returns it as a new content object."""
        await self._drain()
        return self._result()


class _TextPart(_SubstreamBase):
    content_type: Literal["text"] = "text"

    @property
    def partial_text(self) -> str:
        return self._partial()


class _ThoughtPart(_SubstreamBase):
    content_type: Literal["thought"] = "thought"

    @property
    def partial_thought(self) -> str:
        return self._partial()


class _ToolCallPart(_SubstreamBase):
    content_type: Literal["tool_call"] = "tool_call"

    @property
    def tool_id(self) -> str:
        return self._part.id

    @property
    def tool_name(self) -> str:
        return self._part.name

    @property
    def partial_args(self) -> str:
        return self._partial()


class TextStream(_TextPart, Stream):
    type: Literal["text_stream"] = "text_stream"


class ThoughtStream(_ThoughtPart, Stream):
    type: Literal["thought_stream"] = "thought_stream"


class ToolCallStream(_ToolCallPart, Stream):
    type: Literal["tool_call_stream"] = "tool_call_stream"


class AsyncTextStream(_TextPart, AsyncStream):
    type: Literal["async_text_stream"] = "async_text_stream"


class AsyncThoughtStream(_ThoughtPart, AsyncStream):
    type: Literal["async_thought_stream"] = "async_thought_stream"


class AsyncToolCallStream(_ToolCallPart, AsyncStream):
    type: Literal["async_tool_call_stream"] = "async_tool_call_stream"


_SYNC = {"text": TextStream, "thought": ThoughtStream, "tool_call": ToolCallStream}
_ASYNC = {"text": AsyncTextStream, "thought": AsyncThoughtStream, "tool_call": AsyncToolCallStream}


def iter_substreams(chunks: Iterator[Any]) -> Iterator[Stream]:
    """`streams()` over a chunk cursor: one substream per part, in order of part start."""
    router = _PartRouter()

    def feed() -> bool:
        for chunk in chunks:
            router.route(chunk)
            return True
        return False

    current: Stream | None = None
    while True:
        if current is not None:
            current._drain()  # a skipped part still reaches the accumulators
            current = None
        if router.waiting:
            part = router.waiting.popleft()
            current = _SYNC[part.kind](part, feed)
            yield current
        elif not feed():
            return


async def aiter_substreams(chunks: AsyncIterator[Any]) -> AsyncIterator[AsyncStream]:
    router = _PartRouter()

    async def feed() -> bool:
        async for chunk in chunks:
            router.route(chunk)
            return True
        return False

    current: AsyncStream | None = None
    while True:
        if current is not None:
            await current._drain()
            current = None
        if router.waiting:
            part = router.waiting.popleft()
            current = _ASYNC[part.kind](part, feed)
            yield current
        elif not await feed():
            return

"""Checks the order of a hand-built chunk sequence, as Mirascope's stream responses do.

Chunks given through the public `chunk_iterator=` come from user code (tests, adapters), so a
part opened while another is open, a delta or end for a part that is not open, or content
after the finish reason is a bug there and raises `RuntimeError` with Mirascope's messages.
The wire decoders feed responses through `batches=`, which is never checked: their own
serialisation of interleaved tool calls is documented, and checking would cost per chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

__all__ = ["ChunkOrder", "checked_async_chunks", "checked_chunks"]

_PART_TYPES = {
    "text_start_chunk": ("text", "start"),
    "text_chunk": ("text", "delta"),
    "text_end_chunk": ("text", "end"),
    "thought_start_chunk": ("thought", "start"),
    "thought_chunk": ("thought", "delta"),
    "thought_end_chunk": ("thought", "end"),
}


class ChunkOrder:
    """The open text/thought part and open tool calls of a chunk sequence so far."""

    def __init__(self) -> None:
        self.open_part: str | None = None
        self.open_calls: set[str] = set()
        self.finish_reason: Any = None

    def check(self, chunk: Any) -> None:
        kind = chunk.type
        if kind == "finish_reason_chunk":
            self.finish_reason = chunk.finish_reason
            return
        part = _PART_TYPES.get(kind)
        if part is None and not kind.startswith("tool_call"):
            return  # usage, raw events and raw messages may come at any point
        if self.finish_reason:
            raise RuntimeError(f"Stream already finished with reason: {self.finish_reason}")
        if part is not None:
            self._part(kind, *part)
        else:
            self._tool_call(kind, chunk.id)

    def _part(self, kind: str, content: str, step: str) -> None:
        if step == "start":
            if self.open_part or self.open_calls:
                raise RuntimeError(f"Received {kind} while processing another chunk")
            self.open_part = content
        elif self.open_part != content:
            raise RuntimeError(f"Received {kind} while not processing {content}.")
        elif step == "end":
            self.open_part = None

    def _tool_call(self, kind: str, call_id: str) -> None:
        if kind == "tool_call_start_chunk":
            if self.open_part:
                raise RuntimeError("Received tool_call_start_chunk while processing another chunk")
            if call_id in self.open_calls:
                raise RuntimeError("Got tool_call_start_chunk with conflicting id")
            self.open_calls.add(call_id)
            return
        if call_id not in self.open_calls:
            raise RuntimeError(f"Received {kind} for unknown tool call ID: {call_id}")
        if kind == "tool_call_end_chunk":
            self.open_calls.discard(call_id)


def checked_chunks(chunks: Iterable[Any]) -> Iterator[Any]:
    """`chunks`, raising `RuntimeError` at the first one out of order."""
    order = ChunkOrder()
    for chunk in chunks:
        order.check(chunk)
        yield chunk


async def checked_async_chunks(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """`checked_chunks` for an async source."""
    order = ChunkOrder()
    async for chunk in chunks:
        order.check(chunk)
        yield chunk

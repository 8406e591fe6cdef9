"""Incremental Server-Sent Events decoding (the WHATWG event-stream rules), in Rust.

`SSEDecoder` takes bytes in any split and returns each event once its blank line arrives;
`iter_sse` / `aiter_sse` drive it from an httpx response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from ferriscope._core import ServerSentEvent, SSEDecoder

if TYPE_CHECKING:
    import httpx

__all__ = ["SSEDecoder", "ServerSentEvent", "aiter_sse", "iter_sse"]


def iter_sse(
    response: httpx.Response, *, max_line_bytes: int = 64 * 1024 * 1024
) -> Iterator[ServerSentEvent]:
    """Yields the events of a streamed httpx response.

    Reads come from `iter_bytes()`, so a gzip or deflate content-encoding is already undone;
    each read is decoded as one batch.
    """
    decoder = SSEDecoder(max_line_bytes)
    for data in response.iter_bytes():
        yield from decoder.feed(data)
    yield from decoder.finish()


async def aiter_sse(
    response: httpx.Response, *, max_line_bytes: int = 64 * 1024 * 1024
) -> AsyncIterator[ServerSentEvent]:
    """Async form of `iter_sse`, over `aiter_bytes()`."""
    decoder = SSEDecoder(max_line_bytes)
    async for data in response.aiter_bytes():
        for event in decoder.feed(data):
            yield event
    for event in decoder.finish():
        yield event

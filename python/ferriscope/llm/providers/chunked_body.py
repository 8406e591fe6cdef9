"""Chunked response bodies de-framed in Rust, one network read at a time.

An SSE stream is usually sent as one HTTP/1.1 chunk per event. httpx hands the body to h11,
whose chunked reader produces one event per chunk, and each one then climbs httpcore's and
httpx's generators: about 8 µs per chunk, several times the cost of decoding the event itself.
`take_over_chunked_body` swaps h11's reader for one that removes the framing of everything
read so far in one Rust call and returns it as a single `Data` event, so the layers above run
once per network read. h11 still sees a `Data` ... `EndOfMessage` sequence, so timeouts,
content decoding, error mapping and connection reuse stay httpx's own.

This reaches into httpx's, httpcore's and h11's internals. Every step is checked and anything
unexpected (HTTP/2, a proxy, a mock transport, another version's layout, a body that is not
chunked) leaves the response untouched on the standard path, which behaves the same, only
slower. The tests check that the loopback server's responses do take this path, so an
upgrade that changes the layout is noticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import h11
import httpx

from ferriscope._core import ChunkedBodyDecoder
from ferriscope.llm.providers.socket_reads import take_over_socket_reads

__all__ = ["FastChunkedReader", "take_over_chunked_body"]

_H11_CHUNKED_READER: type[Any] | None = getattr(
    getattr(h11, "_readers", None), "ChunkedReader", None
)


class FastChunkedReader:
    """Stands in for h11's `ChunkedReader` (same call protocol: a receive buffer in, an event
    or None out; `read_eof()` when the peer closed)."""

    __slots__ = ("_decoder", "_ended", "_failed", "on_end")

    def __init__(self) -> None:
        self._decoder = ChunkedBodyDecoder()
        self._ended = False
        self._failed: str | None = None
        # Called once when the body has ended or failed: no more reads are coming for it.
        self.on_end: Callable[[], None] | None = None

    def __call__(self, buf: Any) -> h11.Data | h11.EndOfMessage | None:
        if self._failed is not None:
            raise h11.RemoteProtocolError(self._failed)
        if self._ended:
            return self._end_of_message()
        size = len(buf)
        if not size:
            return None
        decoder = self._decoder
        data = _buffer_of(buf)
        try:
            payload = decoder.feed(buf.maybe_extract_at_most(size) if data is None else data)
        except ValueError as error:
            raise h11.RemoteProtocolError(str(error)) from None
        finally:
            if data is not None:  # all of it was read: empty h11's buffer as extracting would
                data.clear()
                buf._next_line_search = 0
                buf._multiple_lines_search = 0
        if decoder.error is not None:
            # Good chunks came before the bad one in this read: deliver them, fail next call
            # (as h11's reader does, one chunk at a time).
            self._failed = decoder.error
            self._body_over()
            return h11.Data(data=payload)
        if decoder.done:
            self._body_over()
            leftover = decoder.take_leftover()
            if leftover:
                # Not ours: back to h11, which treats bytes after a response as it always does.
                buf += leftover
            if not payload:
                return self._end_of_message()
            self._ended = True
        return h11.Data(data=payload) if payload else None

    def _body_over(self) -> None:
        on_end, self.on_end = self.on_end, None
        if on_end is not None:
            on_end()

    def _end_of_message(self) -> h11.EndOfMessage:
        headers = []
        for line in self._decoder.trailers:
            name, sep, value = line.partition(b":")
            if not sep:
                raise h11.RemoteProtocolError(f"illegal trailer line: {line[:64]!r}")
            headers.append((name, value.strip(b" \t")))
        return h11.EndOfMessage(headers=headers)

    def read_eof(self) -> NoReturn:
        self._body_over()
        raise h11.RemoteProtocolError(
            "peer closed connection without sending complete message body (incomplete chunked read)"
        )


def _buffer_of(buf: Any) -> bytearray | None:
    """The `bytearray` inside h11's receive buffer, read in place by the de-framer. h11's own
    `maybe_extract_at_most` would copy it twice (a check slice, then the slice it returns) on
    every read. None if this h11 keeps its bytes another way."""
    data = getattr(buf, "_data", None)
    if type(data) is bytearray and hasattr(buf, "_multiple_lines_search"):
        return data
    return None


def _httpcore_connection(response: httpx.Response) -> Any:
    """The httpcore HTTP/1.1 connection under an httpx response on httpx's default transport."""
    bound = getattr(response, "stream", None)  # httpx's Bound(Sync|Async)Stream
    transport_stream = getattr(bound, "_stream", None)  # (Async)ResponseStream
    pool_stream = getattr(transport_stream, "_httpcore_stream", None)  # PoolByteStream
    h11_stream = getattr(pool_stream, "_stream", None)  # (Async)HTTP11ConnectionByteStream
    return getattr(h11_stream, "_connection", None)  # (Async)HTTP11Connection


def take_over_chunked_body(response: httpx.Response, *, socket_reads: bool = False) -> bool:
    """Installs the Rust de-framer on a response whose chunked body has not been read yet,
    and with `socket_reads` (async clients) the lighter socket reads of `socket_reads.py` for
    as long as the body lasts. Returns whether it did; False leaves the response exactly as
    it was."""
    if _H11_CHUNKED_READER is None or response.http_version != "HTTP/1.1":
        return False
    http11 = _httpcore_connection(response)
    connection = getattr(http11, "_h11_state", None)
    if not isinstance(connection, h11.Connection) or connection.their_state is not h11.SEND_BODY:
        return False
    reader = getattr(connection, "_reader", None)
    if (
        type(reader) is not _H11_CHUNKED_READER
        or getattr(reader, "_bytes_in_chunk", None) != 0
        or getattr(reader, "_bytes_to_discard", None) not in (b"", 0)
        or getattr(reader, "_reading_trailer", None) is not False
    ):
        return False  # not chunked, or already reading: h11 keeps it
    fast = FastChunkedReader()
    connection._reader = fast
    if socket_reads:
        reads = take_over_socket_reads(http11)
        if reads is not None:
            fast.on_end = reads.release
    return True

"""Socket reads for a streamed body without anyio's per-read cost.

httpcore's asyncio reads go through anyio: each one opens a cancel scope for the read
timeout (which asks sniffio which event loop is running) and then resumes the socket in the
selector, waits, and pauses it again, two `epoll_ctl` calls. For a stream whose reads each
carry one SSE event, that is most of the client's CPU: about 90 µs per read with 200 paced
streams on one loop, where the decoding of the event costs 2 µs.

`FastSocketReads` stands in for `AnyIOStream.read` on one connection while a chunked body
streams. It pops from the same anyio protocol queue, so anyio's own reads before and after
see a consistent state, and it differs only in bookkeeping:

- the socket stays registered while the body streams; it is paused only when data arrives
  and nobody is waiting for it (a consumer that stopped pulling), so the kernel buffer, not
  this process, holds what a slow consumer has not read, as with anyio;
- the read timeout is one watchdog timer per stream that re-arms itself, not a timer per
  read: the same deadline (no read waits longer than `timeout`), checked lazily.

When the body ends (`release()`) the socket is paused again and anyio's `read` is back.
Over TLS, anyio's TLS stream still decrypts and only the raw socket reads under it are
replaced. Only asyncio's own selector transport is taken over: uvloop, trio, HTTP/2, a
proxy tunnel or any other layout keeps httpcore's path, which behaves the same.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import weakref
from collections import deque
from typing import Any

__all__ = ["FastSocketReads", "take_over_socket_reads"]


@functools.cache
def _private_classes() -> tuple[type[Any], type[Any], type[Any], type[Any]] | None:
    """httpcore's anyio stream, anyio's asyncio socket stream and protocol, and anyio's TLS
    stream (private: checked on every take-over, never assumed). Imported at the first
    take-over, as httpx imports httpcore only when a client is made."""
    try:
        from anyio._backends._asyncio import SocketStream, StreamProtocol
        from anyio.streams.tls import TLSStream
        from httpcore._backends.anyio import AnyIOStream
    except ImportError:  # pragma: no cover - another anyio/httpcore layout
        return None
    return AnyIOStream, SocketStream, StreamProtocol, TLSStream


class FastSocketReads:
    """Replaces `read` on one httpcore `AnyIOStream` (same signature and errors) until
    `release()`."""

    __slots__ = (
        "__weakref__",
        "_buffered_event",
        "_loop",
        "_network_stream",
        "_paused",
        "_protocol",
        "_queue",
        "_released",
        "_socket_stream",
        "_timed_out",
        "_timeout",
        "_tls_stream",
        "_transport",
        "_waiter",
        "_waiting_since",
        "_watchdog",
    )

    def __init__(self, network_stream: Any, socket_stream: Any, tls_stream: Any = None) -> None:
        self._network_stream = network_stream
        self._socket_stream = socket_stream
        self._tls_stream = tls_stream
        self._transport = socket_stream._transport
        protocol = socket_stream._protocol
        self._protocol = protocol
        self._queue: deque[bytes] = protocol.read_queue
        self._buffered_event: asyncio.Event = protocol.read_event
        self._loop = asyncio.get_running_loop()
        is_reading = getattr(self._transport, "is_reading", None)
        self._paused = not is_reading() if is_reading is not None else True
        self._released = False
        self._waiting_since: float | None = None
        self._timeout: float | None = None
        self._timed_out = False
        self._watchdog: asyncio.TimerHandle | None = None
        self._waiter: asyncio.Future[None] | None = None
        if tls_stream is None:
            network_stream.read = self.read
        else:
            # TLS: anyio's TLS layer still decrypts; only the raw socket reads under it change.
            network_stream.read = self._tls_read
            socket_stream.receive = self._receive
        protocol.data_received = self._data_received
        protocol.eof_received = self._eof_received
        protocol.connection_lost = self._connection_lost

    # ---- the protocol side (called by the event loop) -------------------------------------

    def _data_received(self, data: bytes) -> None:
        self._queue.append(bytes(data))
        self._buffered_event.set()  # anyio's flag, for its reads after `release()`
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        elif self._waiting_since is None and not self._paused:
            # Nobody is waiting: the consumer is busy or stopped pulling. Leave the rest in
            # the kernel until it asks again.
            self._transport.pause_reading()
            self._paused = True

    def _eof_received(self) -> bool | None:
        keep_open: bool | None = type(self._protocol).eof_received(self._protocol)
        self._wake()
        return keep_open

    def _connection_lost(self, exc: Exception | None) -> None:
        type(self._protocol).connection_lost(self._protocol, exc)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        self._waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---- the reader side -------------------------------------------------------------------

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if not self._queue:
            await self._wait(timeout)
            if not self._queue:
                return self._empty()
        return self._pop(max_bytes)

    def _pop(self, max_bytes: int) -> bytes:
        """The next bytes received, at most `max_bytes`; anyio's flag follows the queue."""
        queue = self._queue
        chunk = queue.popleft()
        if len(chunk) > max_bytes:
            queue.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        if not queue:
            self._buffered_event.clear()
        return chunk

    async def _wait(self, timeout: float | None) -> None:
        protocol = self._protocol
        transport = self._transport
        if transport.is_closing() or protocol.is_at_eof or protocol.exception is not None:
            return
        if self._paused:
            transport.resume_reading()
            self._paused = False
        loop = self._loop
        self._timeout = timeout
        self._waiting_since = loop.time()
        if timeout is not None and self._watchdog is None:
            self._arm(self._waiting_since + timeout)
        self._waiter = waiter = loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None
            self._waiting_since = None
        if self._timed_out:
            self._timed_out = False
            if not self._queue:
                raise _httpcore().ReadTimeout("timed out waiting for the response body")

    def _check(self) -> None:
        """The watchdog: times out a read that has waited `timeout`, else re-arms for the
        one in progress, else stands down until the next wait."""
        self._watchdog = None
        since = self._waiting_since
        timeout = self._timeout
        if since is None or timeout is None or self._released:
            return
        deadline = since + timeout
        if self._loop.time() >= deadline:
            self._timed_out = True
            self._wake()
        else:
            self._arm(deadline)

    async def _tls_read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """`read` over TLS: anyio's TLS stream, reading through `_receive`, with the errors
        `AnyIOStream.read` maps."""
        import anyio

        self._timeout = timeout
        try:
            data: bytes = await self._tls_stream.receive(max_bytes)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as error:
            cause = error.__cause__ or error
            raise _httpcore().ReadError(str(cause) or type(cause).__name__) from error
        return data

    async def _receive(self, max_bytes: int = 65536) -> bytes:
        """Stands in for anyio's `SocketStream.receive` under the TLS layer: the same results
        and anyio errors, and `httpcore.ReadTimeout` (not an `OSError`, so the TLS layer
        lets it through) once a wait exceeds the timeout of the read in progress."""
        import anyio

        if not self._queue:
            await self._wait(self._timeout)
            if not self._queue:
                if self._socket_stream._closed:
                    raise anyio.ClosedResourceError
                if self._protocol.exception is not None:
                    raise anyio.BrokenResourceError from self._protocol.exception
                raise anyio.EndOfStream
        return self._pop(max_bytes)

    def _arm(self, when: float) -> None:
        # The timer holds this object weakly: an abandoned stream is freed with its
        # connection, not kept until the timer fires.
        self._watchdog = self._loop.call_at(
            when, _check_weakly, weakref.ref(self), context=_QUIET_CONTEXT
        )

    def __del__(self) -> None:
        # A dropped stream's timer is cancelled, so the loop sweeps it with the others.
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _empty(self) -> bytes:
        """What anyio's read does on an empty queue after its wait: end of stream, or the
        connection's failure."""
        if self._socket_stream._closed:
            raise _httpcore().ReadError("the connection was closed")
        exception = self._protocol.exception
        if exception is not None:
            message = str(exception) or type(exception).__name__
            raise _httpcore().ReadError(message) from exception
        return b""

    def release(self) -> None:
        """Gives the connection back to anyio as anyio leaves it between reads."""
        if self._released:
            return
        self._released = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self._network_stream.__dict__.pop("read", None)
        self._socket_stream.__dict__.pop("receive", None)
        for name in ("data_received", "eof_received", "connection_lost"):
            self._protocol.__dict__.pop(name, None)
        if not self._paused and not self._transport.is_closing():
            self._transport.pause_reading()
            self._paused = True


# The watchdog touches no context variables: one shared context instead of a copy per timer.
_QUIET_CONTEXT = contextvars.Context()


# Transports that look the protocol's callbacks up on every call, so the instance attributes
# set here are what they call. asyncio's own selector socket transport does; uvloop's binds
# `data_received` once when the connection is made, and would never wake a read (its
# streams keep anyio's reads).
_CALLS_PROTOCOL_BY_NAME: tuple[type[Any], ...] = tuple(
    cls
    for cls in (getattr(asyncio.selector_events, "_SelectorSocketTransport", None),)
    if isinstance(cls, type)
)


def _httpcore() -> Any:
    import httpcore  # loaded by then: the connection being read is httpcore's

    return httpcore


def _check_weakly(ref: weakref.ReferenceType[FastSocketReads]) -> None:
    reads = ref()
    if reads is not None:
        reads._check()


def take_over_socket_reads(connection: Any) -> FastSocketReads | None:
    """Installs `FastSocketReads` on an httpcore HTTP/1.1 connection over an asyncio socket,
    plain or under anyio's TLS stream. None leaves the connection exactly as it was."""
    classes = _private_classes()
    if classes is None:
        return None
    anyio_stream_class, socket_stream_class, protocol_class, tls_stream_class = classes
    network_stream = getattr(connection, "_network_stream", None)
    if type(network_stream) is not anyio_stream_class or "read" in vars(network_stream):
        return None
    socket_stream = getattr(network_stream, "_stream", None)
    tls_stream = None
    if type(socket_stream) is tls_stream_class:
        tls_stream = socket_stream
        socket_stream = getattr(tls_stream, "transport_stream", None)
    if type(socket_stream) is not socket_stream_class or "receive" in vars(socket_stream):
        return None  # another backend, or TLS over something else (a proxy tunnel)
    protocol = getattr(socket_stream, "_protocol", None)
    transport = getattr(socket_stream, "_transport", None)
    if (
        type(protocol) is not protocol_class
        or not isinstance(transport, _CALLS_PROTOCOL_BY_NAME)
        or not {"data_received", "eof_received", "connection_lost"}.isdisjoint(vars(protocol))
        or not isinstance(getattr(protocol, "read_queue", None), deque)
        or not isinstance(getattr(protocol, "read_event", None), asyncio.Event)
        or transport is None
        or transport.is_closing()
    ):
        return None
    try:
        return FastSocketReads(network_stream, socket_stream, tls_stream)
    except RuntimeError:  # no running loop
        return None

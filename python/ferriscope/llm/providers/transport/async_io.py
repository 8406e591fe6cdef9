"""The asyncio driver: each connection is an `asyncio.Protocol` whose `data_received` feeds
the Rust `HttpStream` and queues the batches it completes; the consumer pops them, waiting
on one future per wait (no cancel scope per read). Works on any loop that implements
asyncio's protocol interface (the default loops, uvloop).

Flow control: once the unconsumed batches stand for more than `HIGH_WATER` bytes read, the
transport stops reading, so a consumer that falls behind leaves the rest in the kernel (and
the sender's window) rather than in this process; reading resumes once it has caught up.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from typing import Any, cast

from ferriscope._core import HttpProtocolError, HttpStream
from ferriscope.llm.providers.errors import TransportTimeout
from ferriscope.llm.providers.transport.config import Limits, Timeouts
from ferriscope.llm.providers.transport.observer import NO_OBSERVER, AttemptObserver
from ferriscope.llm.providers.transport.origin import Origin, tls_context
from ferriscope.llm.providers.transport.tls_bio import TlsSession

__all__ = ["HIGH_WATER", "AsyncConnection", "AsyncPool", "start_exchange"]

HIGH_WATER = 256 * 1024
LOW_WATER = HIGH_WATER // 4


class ReadBuffer:
    """The buffer a pool's connections read into (`asyncio.BufferedProtocol`). A plain
    protocol gets each read as a new `bytes` the loop allocated at its full read size
    (256 KiB: a map and unmap per read, ~40 µs, when the read carries one SSE event); here
    the loop fills this buffer and only the bytes read are copied out. One buffer serves every
    connection of the loop: the loop asks for it and reports the read back to back."""

    __slots__ = ("view",)

    def __init__(self, size: int = 256 * 1024) -> None:
        self.view = memoryview(bytearray(size))


class AsyncConnection(asyncio.BufferedProtocol):
    """One connection, and the exchange it carries (if any)."""

    def __init__(
        self,
        origin: Origin,
        loop: asyncio.AbstractEventLoop,
        buffer: ReadBuffer,
        tls: TlsSession | None = None,
    ) -> None:
        self.origin = origin
        self.loop = loop
        self.view = buffer.view
        self.tls = tls
        """The TLS session of an https connection (`tls_bio.py`): this protocol decrypts
        what the plain TCP transport reads and encrypts what it writes."""
        self.transport: asyncio.Transport | None = None
        self.stream: HttpStream | None = None
        self.queue: deque[tuple[list[Any], int]] = deque()
        self.queued = 0
        self.paused = False
        self.waiter: asyncio.Future[bool] | None = None
        self.deadline: float | None = None
        """The deadline (loop time) of the wait under way."""
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self.write_ready: asyncio.Future[None] | None = None
        self.error: BaseException | None = None
        self.closed = False
        self.at_eof = False
        self.received = False
        self.stale = False
        self.draining = False
        """In the pool with an exchange that ended at its provider's terminal event before
        the body's own end: the loop feeds the rest of the framing as it arrives, and the
        connection is usable once the body has ended cleanly."""
        self.idle_since = 0.0

    # ---- called by the event loop ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing asyncio's.
        self.transport = cast(asyncio.Transport, transport)
        if self.tls is not None:
            self._handshake()  # the ClientHello

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        tls = self.tls
        if tls is None:
            self.data_received(bytes(self.view[:nbytes]))
            return
        tls.received(self.view[:nbytes])  # copied into the session: the buffer is free again
        if not tls.established and not self._handshake():
            return
        view = self.view
        while not self.at_eof:
            try:
                count, ended = tls.read_into(view)
            except OSError as error:  # ssl.SSLError: a corrupt record, an alert from the peer
                self._fail(error)
                return
            if count:
                self.data_received(bytes(view[:count]))
            if ended:
                self.eof_received()  # close_notify: the peer sends nothing more
            elif count == len(view) or tls.failure is not None:
                continue  # the buffer filled up, or a failure follows what was read
            return

    def _handshake(self) -> bool:
        """One step of the TLS handshake, its output sent; True once it is complete. A
        failure (an untrusted certificate, a protocol alert) ends the connection and is
        its error, which `AsyncPool._connect` raises."""
        tls = self.tls
        transport = self.transport
        assert tls is not None and transport is not None
        try:
            done = tls.handshake()
        except OSError as error:  # ssl.SSLError, ssl.SSLCertVerificationError
            self._fail(error)
            return False
        output = tls.pending_output()
        if output:
            transport.write(output)
        if done:
            self._wake(True)
        return done

    def data_received(self, data: bytes) -> None:
        stream = self.stream
        if self.draining and stream is not None:
            stream.feed(data)
            if stream.body_complete:
                self.draining = False
                self.stream = None
                self.stale = not stream.reusable
            return
        if stream is None or stream.done:
            self.stale = True  # bytes nobody asked for: this connection cannot be reused
            return
        self.received = True
        try:
            batch = stream.feed(data)
        except HttpProtocolError as error:
            self.error = error
        else:
            if batch:
                self.queue.append((batch, len(data)))
                self.queued += len(data)
                if self.queued > HIGH_WATER and not self.paused and not stream.done:
                    self.paused = True
                    assert self.transport is not None
                    self.transport.pause_reading()
        self._wake(True)

    def _fail(self, error: OSError) -> None:
        """The TLS session broke: the connection ends, with `error` as its error if the
        handshake or an unfinished exchange was under way (as a transport failure is in
        `connection_lost`)."""
        stream = self.stream
        if self.error is None and (stream is None or not (stream.done or stream.complete)):
            self.error = error
        self.stale = True
        assert self.transport is not None
        self.transport.abort()
        self._wake(True)

    def eof_received(self) -> bool | None:
        if self.at_eof:
            return None  # the TCP end after a TLS close_notify
        self.at_eof = True
        self._end()
        return None  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.disarm()
        if exc is not None and self.error is None and self.stream is not None:
            stream = self.stream
            if not stream.done and not stream.complete:
                self.error = exc
        self._end()
        ready = self.write_ready
        if ready is not None and not ready.done():
            ready.set_result(None)

    def pause_writing(self) -> None:
        self.write_ready = self.loop.create_future()

    def resume_writing(self) -> None:
        ready, self.write_ready = self.write_ready, None
        if ready is not None and not ready.done():
            ready.set_result(None)

    def _end(self) -> None:
        """The peer is gone: the stream learns it (ending a close-delimited body, or
        reporting a cut one), unless it already has all it needs."""
        stream = self.stream
        if stream is None or self.draining:
            self.stale = True
        elif not stream.done and self.error is None:
            try:
                batch = stream.eof()  # a cut framed body is reported there (docs/spec.md §11.0)
            except HttpProtocolError as error:
                self.error = error
            else:
                if batch:
                    self.queue.append((batch, 0))
        self._wake(True)

    def _wake(self, value: bool) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(value)

    # ---- called by the consumer ----------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Sends `data` (through the TLS session on an https connection)."""
        transport = self.transport
        assert transport is not None
        tls = self.tls
        transport.write(data if tls is None else tls.encrypt(data))

    async def wait(self, deadline: float | None) -> bool:
        """Until the loop delivers something for this connection (True) or the deadline
        (loop time) passes (False).

        The deadlines of successive waits only move forward (each read's starts when the
        last one ended), so the connection keeps one timer rather than a `call_at` and a
        cancel per wait (~2 µs each, once per network read): the timer stays armed at the
        earliest deadline and, when it fires under a later one, moves itself there."""
        waiter: asyncio.Future[bool] = self.loop.create_future()
        self.waiter = waiter
        self.deadline = deadline
        if deadline is not None:
            timer = self.timer
            if timer is None or deadline < self.timer_at:
                if timer is not None:
                    timer.cancel()
                self.timer = self.loop.call_at(deadline, self._deadline_reached)
                self.timer_at = deadline
        try:
            return await waiter
        finally:
            self.waiter = None

    def _deadline_reached(self) -> None:
        """The timer fired: the wait under way (if any) times out if its deadline is the
        one the timer was armed for, or the timer moves on to its later deadline."""
        self.timer = None
        waiter, deadline = self.waiter, self.deadline
        if waiter is None or deadline is None or waiter.done():
            return  # no timed wait now: the next one arms a timer of its own
        if deadline <= self.timer_at:
            waiter.set_result(False)
        else:
            self.timer = self.loop.call_at(deadline, self._deadline_reached)
            self.timer_at = deadline

    def disarm(self) -> None:
        """The exchange is over: its timer goes (an idle or closed connection waits for
        nothing, and a pending timer would keep it referenced until the deadline)."""
        timer = self.timer
        if timer is not None:
            self.timer = None
            timer.cancel()

    def pop(self) -> list[Any]:
        batch, size = self.queue.popleft()
        self.queued -= size
        if self.paused and self.queued <= LOW_WATER:
            self.paused = False
            if self.transport is not None and not self.closed:
                self.transport.resume_reading()
        return batch

    @property
    def finished(self) -> bool:
        """Nothing more will arrive for this exchange (the stream is done or the peer gone)."""
        stream = self.stream
        return stream is None or stream.done or self.closed or self.at_eof

    async def written(self, timeout: float | None) -> None:
        """Until the transport has taken what was written (it paused writing), within the
        write timeout."""
        ready = self.write_ready
        if ready is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(ready), timeout)
        except asyncio.TimeoutError as error:
            raise TransportTimeout("write", timeout, "the request could not be sent") from error
        if self.closed:
            raise ConnectionResetError("the connection closed while the request was sent")

    async def next_batch(
        self, read: float | None, idle_deadline: float | None, idle: float | None
    ) -> list[Any] | None:
        """The next batch of chunks; None when the exchange has nothing more. Raises
        `TransportTimeout` when the read wait or the idle deadline (loop time) runs out."""
        while True:
            if self.queue:
                return self.pop()
            if self.error is not None:
                raise self.error
            if self.finished:
                return None
            which, seconds = "read", read
            deadline = None if read is None else self.loop.time() + read
            if idle_deadline is not None and (deadline is None or idle_deadline < deadline):
                deadline, which, seconds = idle_deadline, "stream idle", idle
            if not await self.wait(deadline) and not self.queue:
                detail = (
                    "no content chunk arrived (keepalives do not count)"
                    if which == "stream idle"
                    else "the server sent nothing more"
                )
                raise TransportTimeout(which, seconds, detail)

    def is_usable(self) -> bool:
        transport = self.transport
        return not (
            self.stale
            or self.draining
            or self.closed
            or self.at_eof
            or transport is None
            or transport.is_closing()
        )

    def close(self) -> None:
        """Closes after flushing what is buffered; over TLS, with a close_notify first (its
        answer is not awaited)."""
        self.stream = None
        self.disarm()
        transport = self.transport
        if transport is None:
            return
        tls = self.tls
        if tls is not None and tls.established and not self.closed and not transport.is_closing():
            transport.write(tls.close_notify())
        transport.close()

    def abort(self) -> None:
        """Closes at once: no buffered write to flush and no TLS close_notify exchange, which
        could not finish on a loop that is shutting down (the socket would outlive it)."""
        self.stream = None
        self.disarm()
        if self.transport is not None:
            self.transport.abort()


class AsyncPool:
    """The keep-alive connections of one provider on one event loop."""

    def __init__(self, limits: Limits, loop: asyncio.AbstractEventLoop) -> None:
        self.limits = limits
        self.loop = loop
        self._idle: dict[Origin, list[AsyncConnection]] = {}
        self._idle_count = 0
        self._open = 0
        self._freed: asyncio.Event | None = None
        self._buffer = ReadBuffer()
        self.closer: AsyncGenerator[None, None] | None = None
        """What closes this pool when its loop shuts down (dispatch's `_close_at_loop_shutdown`)."""

    @property
    def open_connections(self) -> int:
        return self._open

    async def acquire(self, origin: Origin, timeouts: Timeouts) -> tuple[AsyncConnection, bool]:
        limit = self.limits.max_connections
        deadline: float | None = None
        while True:
            conn = self._take_idle(origin)
            if conn is not None:
                return conn, True
            if limit is None or self._open < limit:
                break
            if self._evict_idle():
                continue
            if self._freed is None:
                self._freed = asyncio.Event()
            if deadline is None and timeouts.pool is not None:
                deadline = time.monotonic() + timeouts.pool
            remaining = None if deadline is None else deadline - time.monotonic()
            try:
                await asyncio.wait_for(self._freed.wait(), remaining)
            except asyncio.TimeoutError:
                raise TransportTimeout(
                    "pool", timeouts.pool, f"all {limit} connections stayed busy"
                ) from None
            self._freed.clear()
        self._open += 1
        try:
            return await self._connect(origin, timeouts.connect), False
        except BaseException:
            self._forget()
            raise

    async def _connect(self, origin: Origin, timeout: float | None) -> AsyncConnection:
        """A new connection within the connect timeout, which covers the TLS handshake: a
        server that accepts and never answers the ClientHello is a connect timeout."""
        loop = self.loop
        buffer = self._buffer
        deadline = None if timeout is None else loop.time() + timeout
        context = tls_context() if origin.tls else None

        def connection() -> AsyncConnection:
            tls = None if context is None else TlsSession(context, origin.host)
            return AsyncConnection(origin, loop, buffer, tls)

        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(connection, origin.host, origin.port), timeout
            )
        except asyncio.TimeoutError as error:
            raise TransportTimeout(
                "connect", timeout, f"no connection to {origin.host}:{origin.port}"
            ) from error
        tls = conn.tls
        try:
            while tls is not None and not tls.established:
                if conn.error is not None:
                    raise conn.error
                if conn.closed or conn.at_eof:
                    raise ConnectionResetError(
                        "the server closed the connection in the TLS handshake"
                    )
                if not await conn.wait(deadline) and not tls.established:
                    raise TransportTimeout(
                        "connect",
                        timeout,
                        f"the TLS handshake with {origin.host}:{origin.port} did not finish",
                    )
        except BaseException:
            conn.abort()
            raise
        return conn

    def _take_idle(self, origin: Origin) -> AsyncConnection | None:
        conns = self._idle.get(origin)
        expiry = self.limits.keepalive_expiry
        now = self.loop.time()
        while conns:
            conn = conns.pop()
            self._idle_count -= 1
            if (expiry is not None and now - conn.idle_since > expiry) or not conn.is_usable():
                conn.close()
                self._forget()
                continue
            return conn
        return None

    def _evict_idle(self) -> bool:
        oldest: AsyncConnection | None = None
        for conns in self._idle.values():
            if conns and (oldest is None or conns[0].idle_since < oldest.idle_since):
                oldest = conns[0]
        if oldest is None:
            return False
        self._idle[oldest.origin].remove(oldest)
        self._idle_count -= 1
        oldest.close()
        self._forget()
        return True

    def _forget(self) -> None:
        self._open -= 1
        if self._freed is not None:
            self._freed.set()

    def release(self, conn: AsyncConnection, reusable: bool) -> None:
        keep = self.limits.max_keepalive_connections
        stream = conn.stream
        conn.stream = None
        conn.disarm()
        if reusable and stream is not None and not stream.reusable and _drainable(stream):
            conn.stream = stream  # the loop drains the rest of its framing
            conn.draining = True
        if (
            reusable
            and stream is not None
            and (stream.reusable or conn.draining)
            and not conn.queue
            and conn.is_usable()
            and (keep is None or self._idle_count < keep)
        ):
            conn.received = False
            conn.idle_since = self.loop.time()
            if conn.paused:
                conn.paused = False
                assert conn.transport is not None
                conn.transport.resume_reading()
            self._idle.setdefault(conn.origin, []).append(conn)
            self._idle_count += 1
            if conn.draining and stream.body_complete:  # pragma: no cover - raced
                conn.draining = False
                conn.stream = None
            if self._freed is not None:
                self._freed.set()
            return
        conn.draining = False
        conn.close()
        self._forget()

    def close(self) -> None:
        """Closes the idle connections; called as the pool's loop shuts down."""
        for conns in self._idle.values():
            for conn in conns:
                conn.abort()
                self._open -= 1
        self._idle.clear()
        self._idle_count = 0


def _drainable(stream: HttpStream) -> bool:
    status = stream.status or 0
    return 200 <= status < 300 and stream.complete and not stream.body_complete


async def start_exchange(
    pool: AsyncPool,
    origin: Origin,
    payload: bytes,
    new_stream: Callable[[], HttpStream],
    timeouts: Timeouts,
    observer: AttemptObserver = NO_OBSERVER,
) -> AsyncConnection:
    """Sends the request and waits for the response head; the connection carries the
    exchange (`conn.stream`, chunks already queued). One transparent resend on a new
    connection when a pooled one fails before any byte of the response came back (two
    requests sent, for `observer`; a failure raised from here is the caller's to report)."""
    may_resend = True
    loop = pool.loop
    while True:
        observer.sent()
        conn, reused = await pool.acquire(origin, timeouts)
        conn.stream = stream = new_stream()
        conn.received = False
        conn.error = None
        try:
            conn.write(payload)
            if conn.write_ready is not None:  # the transport's buffer is full: wait for it
                await conn.written(timeouts.write)
            deadline = None if timeouts.first_byte is None else loop.time() + timeouts.first_byte
            while not stream.head_complete:
                if conn.error is not None:
                    raise conn.error
                if conn.finished:
                    raise HttpProtocolError("connection closed before a response")
                if not await conn.wait(deadline) and not stream.head_complete:
                    raise TransportTimeout("first byte", timeouts.first_byte, "no response head")
        except (OSError, HttpProtocolError) as error:
            received = conn.received
            pool.release(conn, False)
            if reused and may_resend and not received and not isinstance(error, TimeoutError):
                may_resend = False
                observer.failed(error)
                continue
            raise
        except BaseException:
            pool.release(conn, False)
            raise
        return conn

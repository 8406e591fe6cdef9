"""The blocking driver: one socket per connection, a keep-alive pool per provider, and the
loop that moves each `recv` into the Rust `HttpStream`."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ferriscope._core import HttpProtocolError, HttpStream
from ferriscope.llm.providers.errors import TransportTimeout
from ferriscope.llm.providers.transport.config import Limits, Timeouts
from ferriscope.llm.providers.transport.observer import NO_OBSERVER, AttemptObserver
from ferriscope.llm.providers.transport.origin import Origin, tls_context
from ferriscope.llm.providers.transport.tls_bio import TlsSession

__all__ = ["READ_SIZE", "SyncConnection", "SyncPool", "read_batch", "start_exchange"]

READ_SIZE = 64 * 1024
"""Bytes asked of one `recv`. `recv(n)` allocates n bytes before it reads (then shrinks the
result): above glibc's mmap threshold (128 KiB) that is a map and unmap per read, ~40 µs,
several times the read itself when it carries one SSE event. 64 KiB stays below it."""

_POLL = getattr(select, "poll", None)


class SyncConnection:
    """One open socket (plain or TLS) to an origin."""

    __slots__ = (
        "buffer",
        "draining",
        "idle_since",
        "origin",
        "plain",
        "poller",
        "sock",
        "tls",
        "tls_ended",
    )

    def __init__(self, sock: socket.socket, origin: Origin) -> None:
        self.sock = sock
        self.origin = origin
        self.idle_since = 0.0
        self.poller: Any = None
        """A `select.poll` watching the socket for input (where `poll` exists)."""
        self.plain = False
        """Where `poll` exists a socket stays non-blocking and waits in `poll` itself: a read
        is two syscalls (poll, recv) instead of CPython's timeout mode's three or four (an
        ioctl whenever the timeout is set, a recv that finds nothing, poll, recv), and a
        request that fits the send buffer is one `send`. `plain` marks such a socket without
        TLS, whose read `read_batch` does inline."""
        self.tls: TlsSession | None = None
        """Where `poll` exists, TLS runs over the plain non-blocking socket in memory
        (`tls_bio.TlsSession`, shared with the async driver; the context, certificate
        checks and SNI are those of `wrap_socket`): one `recv` takes whatever has arrived
        and every whole record in it is decrypted at once, where an `SSLSocket` reads each
        record with two syscalls (its header, then its body) and returns one per call."""
        self.buffer: memoryview | None = None
        """What the TLS session decrypts into (one per connection, READ_SIZE bytes)."""
        self.tls_ended = False
        """The peer ended the TLS session (close_notify): every later `recv` is EOF."""
        if _POLL is not None:
            self.plain = not origin.tls
            sock.settimeout(0.0)
            self.poller = _POLL()
            self.poller.register(sock.fileno(), select.POLLIN)
            if origin.tls:
                self.tls = TlsSession(tls_context(), origin.host)
                self.buffer = memoryview(bytearray(READ_SIZE))
        self.draining: HttpStream | None = None
        """An exchange that ended at its provider's terminal event before the body's own end
        (the last chunk's framing was still in flight): finished when the connection is next
        taken from the pool, from what has arrived by then, or the connection is closed."""

    @classmethod
    def connect(cls, origin: Origin, timeout: float | None) -> SyncConnection:
        try:
            sock = socket.create_connection((origin.host, origin.port), timeout=timeout)
        except TimeoutError as error:
            raise TransportTimeout(
                "connect", timeout, f"no connection to {origin.host}:{origin.port}"
            ) from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if origin.tls and _POLL is None:
                sock = tls_context().wrap_socket(sock, server_hostname=origin.host)
            conn = cls(sock, origin)
            if conn.tls is not None:
                conn._handshake(timeout)
        except TimeoutError as error:
            sock.close()
            raise TransportTimeout("connect", timeout, "TLS handshake did not finish") from error
        except BaseException:
            sock.close()
            raise
        return conn

    def _handshake(self, timeout: float | None) -> None:
        """The TLS handshake over the non-blocking socket, within `timeout`."""
        tls = self.tls
        assert tls is not None
        deadline = _deadline(timeout)
        while not tls.handshake():
            self._flush(timeout)
            if not self.poller.poll(_poll_ms(deadline)):
                raise TimeoutError("timed out")
            try:
                data = self.sock.recv(READ_SIZE)
            except BlockingIOError:
                continue
            if not data:
                raise ConnectionResetError("the server closed the connection in the TLS handshake")
            tls.received(data)
        self._flush(timeout)

    def _flush(self, timeout: float | None) -> None:
        """Sends what the TLS session has produced (handshake messages, an answer)."""
        assert self.tls is not None
        data = self.tls.pending_output()
        if data:
            self._send_plain(data, timeout)

    def _send_plain(self, data: bytes, timeout: float | None) -> None:
        """Sends `data` on the non-blocking socket: one `send`, and a wait for the rest
        only when the send buffer did not take it all."""
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            self._send_rest(memoryview(data)[sent:], timeout)

    def send(self, data: bytes, timeout: float | None) -> None:
        tls = self.tls
        if tls is not None:
            data = tls.encrypt(data)
        if self.poller is not None:
            self._send_plain(data, timeout)
            return
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(data)
        except TimeoutError as error:
            raise TransportTimeout("write", timeout, "the request could not be sent") from error

    def _send_rest(self, rest: memoryview, timeout: float | None) -> None:
        """The part of a request the send buffer did not take at once (polled sockets)."""
        assert _POLL is not None
        deadline = _deadline(timeout)
        poller = _POLL()
        fd = self.sock.fileno()
        poller.register(fd, select.POLLOUT)
        while rest:
            if not poller.poll(_poll_ms(deadline)):
                raise TransportTimeout("write", timeout, "the request could not be sent")
            try:
                sent = self.sock.send(rest)
            except BlockingIOError:
                continue
            rest = rest[sent:]

    def recv(self, timeout: float | None) -> bytes:
        """The next bytes, b"" at the peer's EOF; `socket.timeout` when none came in time."""
        if self.plain:
            wait = None if timeout is None else timeout * 1000.0
            while True:
                if not self.poller.poll(wait):
                    raise TimeoutError("timed out")
                try:
                    return self.sock.recv(READ_SIZE)
                except BlockingIOError:  # woken with nothing to read (rare): wait again
                    continue
        if self.tls is not None:
            return self._recv_tls(timeout)
        self.sock.settimeout(timeout)
        return self.sock.recv(READ_SIZE)

    def _recv_tls(self, timeout: float | None) -> bytes:
        """`recv` over TLS: the decrypted bytes of every whole record that has arrived, once
        there is at least one. Within `timeout` as CPython's timeout mode would be: a read
        that brings only part of a record waits again for the time left."""
        data = self._decrypt()
        if data is not None:
            return data
        poller = self.poller
        sock = self.sock
        deadline = None if timeout is None else time.monotonic() + timeout
        wait = None if timeout is None else timeout * 1000.0
        while True:
            if not poller.poll(wait):
                raise TimeoutError("timed out")
            try:
                raw = sock.recv(READ_SIZE)
            except BlockingIOError:
                raw = None
            if raw is not None:
                if not raw:
                    return b""  # a close without close_notify: EOF, as SSLSocket reports it
                self.tls.received(raw)  # type: ignore[union-attr]
                data = self._decrypt()
                if data is not None:
                    return data
            if deadline is not None:
                wait = max(deadline - time.monotonic(), 0.0) * 1000.0

    def _decrypt(self) -> bytes | None:
        """The plaintext of the whole records received so far (b"" once the peer ended the
        session), or None when there is none yet."""
        tls = self.tls
        view = self.buffer
        assert tls is not None and view is not None
        if self.tls_ended:
            return b""
        if not tls.has_input():
            return None
        count, self.tls_ended = tls.read_into(view)
        if tls.has_output():  # the session answered something (a key update)
            self._flush(None)
        if count:
            return bytes(view[:count])
        return b"" if self.tls_ended else None

    def is_stale(self) -> bool:
        """An idle connection that has become readable was closed by the server (or sent
        bytes nobody asked for): either way it cannot carry another request."""
        fd = self.sock.fileno()
        if fd < 0:
            return True
        if self.poller is not None:
            return bool(self.poller.poll(0))
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)

    def finish_draining(self) -> bool:
        """Reads what has already arrived for the drained exchange, without waiting; True
        when its body then ended cleanly, so the connection can carry a new request."""
        stream = self.draining
        self.draining = None
        if stream is None:
            return True
        sock = self.sock
        try:
            if self.poller is None:  # a polled socket is non-blocking already
                sock.settimeout(0.0)
            while not stream.body_complete:
                # Nothing more has arrived: BlockingIOError (or, on a TLS socket without
                # poll, SSLWantReadError, an OSError too: ssl is not named here, so a plain
                # socket never loads it).
                data = sock.recv(READ_SIZE) if self.tls is None else self._recv_now()
                if not data:
                    return False
                stream.feed(data)
        except OSError:
            return False
        return stream.reusable

    def _recv_now(self) -> bytes:
        """What has arrived over TLS, without waiting: BlockingIOError when no whole record
        has."""
        data = self._decrypt()
        while data is None:
            raw = self.sock.recv(READ_SIZE)
            if not raw:
                return b""
            self.tls.received(raw)  # type: ignore[union-attr]
            data = self._decrypt()
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:  # pragma: no cover - closing never matters to the caller
            pass


class SyncPool:
    """Keep-alive connections of one provider, per origin, shared by threads."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        # The lock itself is entered (C code); the condition is waited on only when
        # max_connections is reached, and notified only when someone waits.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._waiting = 0
        self._idle: dict[Origin, list[SyncConnection]] = {}
        self._idle_count = 0
        self._open = 0
        self._closed = False

    @property
    def open_connections(self) -> int:
        return self._open

    def acquire(self, origin: Origin, timeouts: Timeouts) -> tuple[SyncConnection, bool]:
        """A connection to `origin` and whether it was reused from the pool."""
        limit = self.limits.max_connections
        deadline: float | None = None
        with self._lock:
            while True:
                conn = self._take_idle(origin)
                if conn is not None:
                    return conn, True
                if limit is None or self._open < limit:
                    self._open += 1
                    break
                if self._evict_idle():
                    continue
                if deadline is None and timeouts.pool is not None:
                    deadline = time.monotonic() + timeouts.pool
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TransportTimeout(
                        "pool", timeouts.pool, f"all {limit} connections stayed busy"
                    )
                self._waiting += 1
                try:
                    self._cond.wait(remaining)
                finally:
                    self._waiting -= 1
        try:
            return SyncConnection.connect(origin, timeouts.connect), False
        except BaseException:
            self._forget()
            raise

    def _take_idle(self, origin: Origin) -> SyncConnection | None:
        conns = self._idle.get(origin)
        expiry = self.limits.keepalive_expiry
        now = time.monotonic()
        while conns:
            conn = conns.pop()
            self._idle_count -= 1
            if (
                (expiry is not None and now - conn.idle_since > expiry)
                or (conn.draining is not None and not conn.finish_draining())
                or conn.is_stale()
            ):
                conn.close()
                self._open -= 1
                continue
            return conn
        return None

    def _evict_idle(self) -> bool:
        """Closes the longest-idle connection of any origin to make room; False if none."""
        oldest: SyncConnection | None = None
        for conns in self._idle.values():
            if conns and (oldest is None or conns[0].idle_since < oldest.idle_since):
                oldest = conns[0]
        if oldest is None:
            return False
        self._idle[oldest.origin].remove(oldest)
        self._idle_count -= 1
        self._open -= 1
        oldest.close()
        return True

    def _forget(self) -> None:
        with self._lock:
            self._open -= 1
            if self._waiting:
                self._cond.notify()

    def release(
        self, conn: SyncConnection, reusable: bool, stream: HttpStream | None = None
    ) -> None:
        """Back to the pool when the exchange left it reusable and there is room; closed
        otherwise. An exchange that `stream` ended at the provider's terminal event with
        only the body's framing left goes back to be drained (`finish_draining`)."""
        keep = self.limits.max_keepalive_connections
        if not reusable and stream is not None and _drainable(stream):
            conn.draining = stream
            reusable = True
        with self._lock:
            if reusable and not self._closed and (keep is None or self._idle_count < keep):
                conn.idle_since = time.monotonic()
                self._idle.setdefault(conn.origin, []).append(conn)
                self._idle_count += 1
                if self._waiting:
                    self._cond.notify()
                return
            self._open -= 1
            if self._waiting:
                self._cond.notify()
        conn.draining = None
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
            self._open -= len(idle)
            self._idle_count = 0
        for conn in idle:
            conn.close()


def _drainable(stream: HttpStream) -> bool:
    """Ended by the provider's terminal event of a 2xx body whose framing has not ended:
    the rest is usually the last chunk marker, a few bytes behind."""
    status = stream.status or 0
    return 200 <= status < 300 and stream.complete and not stream.body_complete


def start_exchange(
    pool: SyncPool,
    origin: Origin,
    payload: bytes,
    new_stream: Callable[[], HttpStream],
    timeouts: Timeouts,
    observer: AttemptObserver = NO_OBSERVER,
) -> tuple[SyncConnection, HttpStream, list[Any]]:
    """Sends the request and reads the response head. Returns the connection, its stream
    and the chunks that came in the same read as the head.

    A pooled connection that fails before any byte of the response came back was closed by
    the server while idle (a race no check can rule out): the request is sent once more on
    a new connection, without counting as a retry (but `observer` sees two requests sent).
    A failure raised from here is the caller's to report to `observer`."""
    may_resend = True
    while True:
        observer.sent()
        conn, reused = pool.acquire(origin, timeouts)
        stream = new_stream()
        received = False
        try:
            conn.send(payload, timeouts.write)
            wait = timeouts.first_byte
            deadline = None if wait is None else time.monotonic() + wait
            batch: list[Any] = []
            while True:
                try:
                    data = conn.recv(wait)
                except TimeoutError as error:
                    raise TransportTimeout(
                        "first byte", timeouts.first_byte, "no response head"
                    ) from error
                if not data:
                    stream.eof()  # raises: closed before a response
                    raise HttpProtocolError("connection closed before a response")
                received = True
                batch = stream.feed(data)
                if stream.head_complete:
                    break
                if deadline is not None:
                    # Never 0: a zero timeout would make a TLS socket non-blocking instead
                    # of timing out.
                    wait = max(deadline - time.monotonic(), 0.001)
        except (OSError, HttpProtocolError) as error:
            pool.release(conn, False)
            if reused and may_resend and not received and not isinstance(error, socket.timeout):
                may_resend = False
                observer.failed(error)
                continue
            raise
        except BaseException:
            pool.release(conn, False)
            raise
        return conn, stream, batch


def _deadline(seconds: float | None) -> float | None:
    return None if seconds is None else time.monotonic() + seconds


def _poll_ms(deadline: float | None) -> float | None:
    """`poll`'s wait in milliseconds until the deadline (None: no limit; never negative)."""
    if deadline is None:
        return None
    return max(deadline - time.monotonic(), 0.0) * 1000.0


def read_batch(
    conn: SyncConnection, stream: HttpStream, timeouts: Timeouts, idle_deadline: float | None
) -> list[Any]:
    """One `recv` into the stream: the chunks it completed (often none). The wait is the
    read timeout, cut short by the stream idle deadline when that comes first. (A plain
    socket's wait and read are inlined: this runs once per network read.)"""
    wait, which, seconds = timeouts.read, "read", timeouts.read
    if idle_deadline is not None:
        left = idle_deadline - time.monotonic()
        if wait is None or left < wait:
            wait, which, seconds = max(left, 0.001), "stream idle", timeouts.stream_idle
    try:
        if conn.plain:
            poll = conn.poller.poll
            ms = None if wait is None else wait * 1000.0
            while True:
                if not poll(ms):
                    raise TimeoutError("timed out")
                try:
                    data = conn.sock.recv(READ_SIZE)
                    break
                except BlockingIOError:  # woken with nothing to read (rare): wait again
                    continue
        else:
            data = conn.recv(wait)
    except TimeoutError as error:
        detail = (
            "no content chunk arrived (keepalives do not count)"
            if which == "stream idle"
            else "the server sent nothing more"
        )
        raise TransportTimeout(which, seconds, detail) from error
    except OSError:
        if stream.complete:  # dropped after its terminal event: nothing was lost
            return stream.eof()
        raise
    if not data:
        return stream.eof()  # a cut framed body is reported there (docs/spec.md §11.0)
    return stream.feed(data)

"""Serving recorded responses: over a real loopback socket, or through an httpx transport.

Both serve the queued responses in order, cut each body into pieces (so clients meet real
partial reads), optionally pace them, and can inject faults: drop the connection after N
bytes, stall, or answer with an error. Every request received is kept for assertions.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from ferriscope.testing.recording import RecordedExchange, RecordedResponse

__all__ = ["Fault", "ReceivedRequest", "ReplayServer", "ReplayTransport"]


@dataclass(frozen=True)
class Fault:
    """What goes wrong while a body is sent.

    `cut_after`: bytes of body sent before the connection is dropped (no terminating chunk).
    `stall_after` / `stall_seconds`: bytes sent before the server goes silent for a while.
    """

    cut_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 3600.0


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _pieces(body: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(body), max(1, size)):
        yield body[start : start + size]


class _Cut:
    """The point where a faulty connection drops."""


def _plan(
    body: bytes, piece_size: int, delay: float, fault: Fault | None
) -> Iterator[bytes | float | _Cut]:
    """The body as pieces to send, pauses (seconds) and a possible drop, in order. A fault
    lands on its exact byte: the piece that crosses it is split there."""
    if piece_size <= 0:
        raise ValueError(f"piece_size must be positive, got {piece_size}")
    cut = fault.cut_after if fault else None
    stall = fault.stall_after if fault else None
    sent = 0
    for piece in _pieces(body, piece_size):
        while piece:
            if cut is not None and sent + len(piece) > cut:
                head = piece[: cut - sent]
                if head:
                    yield head
                yield _Cut()
                return
            if stall is not None and sent <= stall < sent + len(piece):
                head, piece = piece[: stall - sent], piece[stall - sent :]
                if head:
                    yield head
                    sent += len(head)
                assert fault is not None
                yield float(fault.stall_seconds)
                stall = None
                continue
            yield piece
            sent += len(piece)
            piece = b""
        if delay:
            yield float(delay)


class _Queue:
    """The responses still to serve, shared by the server threads."""

    def __init__(self, responses: Iterable[RecordedResponse | RecordedExchange]) -> None:
        self._lock = threading.Lock()
        self._items = [r.response if isinstance(r, RecordedExchange) else r for r in responses]
        self._faults: dict[int, Fault] = {}
        self.received: list[ReceivedRequest] = []

    def push(self, response: RecordedResponse, fault: Fault | None = None) -> None:
        with self._lock:
            self._items.append(response)
            if fault is not None:
                self._faults[len(self._items) - 1] = fault

    def set_fault(self, index: int, fault: Fault) -> None:
        self._faults[index] = fault

    def next(self, request: ReceivedRequest) -> tuple[RecordedResponse, Fault | None]:
        with self._lock:
            index = len(self.received)
            self.received.append(request)
            if index >= len(self._items):
                body = json.dumps({"error": {"message": "replay: no more recorded responses"}})
                return RecordedResponse(body=body.encode(), status=500), None
            return self._items[index], self._faults.get(index)


class _Server(ThreadingHTTPServer):
    # The stdlib's listen backlog is 5: a test that opens hundreds of streams at once would
    # overflow the accept queue, and Linux then drops handshakes silently (the client sees a
    # connection that never answers). Real servers listen with a deep queue.
    request_queue_size = 1024


class ReplayServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 answering with recorded responses.

    `with ReplayServer(responses, piece_size=64) as server:` then point a provider's
    `base_url` at `server.url` (plus the API's path prefix, e.g. `/v1` for OpenAI).
    """

    def __init__(
        self,
        responses: Iterable[RecordedResponse | RecordedExchange] = (),
        *,
        piece_size: int = 64,
        delay: float = 0.0,
        fault: Fault | None = None,
    ) -> None:
        self._queue = _Queue(responses)
        if fault is not None:
            self._queue.set_fault(0, fault)
        self.piece_size = piece_size
        self.delay = delay
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def requests(self) -> list[ReceivedRequest]:
        return self._queue.received

    def add(self, response: RecordedResponse, fault: Fault | None = None) -> None:
        self._queue.push(response, fault)

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first (use it as a context manager)"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ReplayServer:
        queue, stop, owner = self._queue, self._stop, self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Small writes must leave at once: pieces are the point of a replay.
            disable_nagle_algorithm = True

            def handle(self) -> None:
                # A client that drops a kept-alive connection is normal, not a server error.
                try:
                    super().handle()
                except (ConnectionResetError, BrokenPipeError):
                    self.close_connection = True

            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(size)
                request = ReceivedRequest(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                response, fault = queue.next(request)
                self.send_response(response.status)
                self.send_header("content-type", response.content_type)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for step in _plan(response.body, owner.piece_size, owner.delay, fault):
                    if isinstance(step, _Cut):
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if isinstance(step, float):
                        if stop.wait(step):
                            self.close_connection = True
                            return
                        continue
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(step), step))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def log_message(self, *args: Any) -> None:
                pass

        server = _Server(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, body: bytes, piece_size: int, delay: float, fault: Fault | None) -> None:
        self._body = body
        self._piece_size = piece_size
        self._delay = delay
        self._fault = fault

    def __iter__(self) -> Iterator[bytes]:
        for step in _plan(self._body, self._piece_size, self._delay, self._fault):
            if isinstance(step, _Cut):
                raise httpx.RemoteProtocolError("peer closed connection (replay fault)")
            if isinstance(step, float):
                time.sleep(step)
                continue
            yield step

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for step in _plan(self._body, self._piece_size, self._delay, self._fault):
            if isinstance(step, _Cut):
                raise httpx.RemoteProtocolError("peer closed connection (replay fault)")
            if isinstance(step, float):
                await asyncio.sleep(step)
                continue
            yield step


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) that answers with recorded responses, no socket.

    Use it as `http_client=httpx.Client(transport=t)` / `async_http_client=
    httpx.AsyncClient(transport=t)` when registering a provider.
    """

    def __init__(
        self,
        responses: Iterable[RecordedResponse | RecordedExchange] = (),
        *,
        piece_size: int = 64,
        delay: float = 0.0,
        fault: Fault | None = None,
    ) -> None:
        self._queue = _Queue(responses)
        if fault is not None:
            self._queue.set_fault(0, fault)
        self.piece_size = piece_size
        self.delay = delay

    @property
    def requests(self) -> list[ReceivedRequest]:
        return self._queue.received

    def add(self, response: RecordedResponse, fault: Fault | None = None) -> None:
        self._queue.push(response, fault)

    def _answer(self, request: httpx.Request, body: bytes) -> httpx.Response:
        received = ReceivedRequest(
            request.method, request.url.raw_path.decode(), dict(request.headers), body
        )
        response, fault = self._queue.next(received)
        return httpx.Response(
            response.status,
            headers={"content-type": response.content_type, **response.headers},
            stream=_Body(response.body, self.piece_size, self.delay, fault),
            request=request,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._answer(request, request.read())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._answer(request, await request.aread())

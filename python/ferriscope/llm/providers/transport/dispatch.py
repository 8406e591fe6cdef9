"""`Transport`: the HTTP side of one provider. It picks the path for each request (the own
transport, or an httpx/httpx2 client), applies the retry policy to everything that fails
before the first batch reaches the user, and maps every failure to the same `llm.Error`.

Each network read becomes one batch of chunk objects, so the Python work per read is one
call into Rust; the batches are what a stream response pulls.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ferriscope._core import (
    HttpProtocolError,
    HttpStream,
    StreamDecoder,
    StreamErrorChunk,
    __version__,
    encode_request,
)
from ferriscope._lazy import lazy_module
from ferriscope.llm import exceptions
from ferriscope.llm.providers.errors import (
    TransportTimeout,
    error_from_http,
    error_from_transport,
    retry_after_seconds,
)
from ferriscope.llm.providers.transport.config import (
    DEFAULT_STREAM_IDLE_TIMEOUT,
    LOOP_TURN_SECONDS,
    Limits,
    Timeouts,
    pass_turn,
    with_overrides,
)
from ferriscope.llm.providers.transport.origin import (
    Origin,
    ProxyEnvironment,
    UnsupportedURL,
    split_url,
)
from ferriscope.llm.providers.transport.request import (
    MAX_ERROR_BODY,
    Attempts,
    HTTPRequest,
    WireBytes,
    is_connection_failure,
    redact,
    retryable_status,
    screened,
)
from ferriscope.llm.providers.transport.sync_io import SyncPool, read_batch, start_exchange

if TYPE_CHECKING:
    import asyncio

    from ferriscope.llm.providers.transport import async_io, via_httpx
else:  # loaded on the first async request / httpx client (docs/architecture.md, "Lazy loading")
    asyncio = lazy_module("asyncio")
    async_io = lazy_module("ferriscope.llm.providers.transport.async_io")
    via_httpx = lazy_module("ferriscope.llm.providers.transport.via_httpx")

__all__ = ["HTTP_ENV", "MAX_LINE_BYTES", "Transport"]

_log = logging.getLogger("ferriscope.transport")

HTTP_ENV = "FERRISCOPE_HTTP"
"""`FERRISCOPE_HTTP=httpx` sends every request through httpx (the opt-out switch)."""
_HTTP_CHOICES = ("auto", "httpx")
# The longest SSE line (or one event's data) a provider stream may send. The SSE decoder's own
# default (64 MiB) would buffer a whole 50 MB garbage line before failing at EOF; no text
# event comes near 16 MiB (a `response.completed` repeating a 128k-token answer is < 1 MiB),
# and a refused line stops the download at once, so memory stays bounded by this figure.
MAX_LINE_BYTES = 16 * 1024 * 1024
_DEFAULT_HEADERS = (
    ("accept", "*/*"),
    ("accept-encoding", "gzip, deflate"),
    ("user-agent", f"ferriscope/{__version__}"),
)
"""Sent unless the request sets the header itself (any case): `encode_request` merges them."""
# What the own transport raises for a failed exchange (timeouts are ours; OSError covers
# refused, reset and TLS failures).
_FAILURES = (OSError, HttpProtocolError, TransportTimeout)
# URLs whose origin, target and Host are remembered per transport: a provider sends to a few.
_MAX_ROUTES = 256


def _choice(value: str | None, source: str) -> str:
    choice = (value or "auto").strip().lower()
    if choice not in _HTTP_CHOICES:
        raise ValueError(f"{source} must be one of {', '.join(_HTTP_CHOICES)}, got {value!r}")
    return choice


class Transport:
    """The HTTP side of one provider instance."""

    def __init__(
        self,
        *,
        provider_id: str,
        max_retries: int = 2,
        timeout: Any = None,
        limits: Any = None,
        http_client: Any = None,
        async_http_client: Any = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        http: str | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if stream_idle_timeout is not None and not stream_idle_timeout > 0:
            raise ValueError(
                f"stream_idle_timeout must be positive or None, got {stream_idle_timeout!r}"
            )
        if http_client is not None and not via_httpx.is_http_client(
            http_client, asynchronous=False
        ):
            raise TypeError(f"http_client must be an httpx or httpx2 Client, got {http_client!r}")
        if async_http_client is not None and not via_httpx.is_http_client(
            async_http_client, asynchronous=True
        ):
            raise TypeError(
                "async_http_client must be an httpx or httpx2 AsyncClient, "
                f"got {async_http_client!r}"
            )
        self.provider_id = provider_id
        self.max_retries = max_retries
        self.timeout = Timeouts.coerce(timeout, stream_idle_timeout)
        self.limits = Limits.coerce(limits)
        self.http = _choice(http, "http")
        self.max_line_bytes = MAX_LINE_BYTES
        """The SSE line limit of this provider's streams (lower it, or raise it for providers
        that send huge events); a longer line fails the stream with ResponseValidationError."""
        self._client = http_client
        self._user_async_client = async_http_client
        # The environment is read once, when the provider is made (as httpx reads it when a
        # client is made): the opt-out switch and the proxies (docs/transport.md).
        self._env_http = os.environ.get(HTTP_ENV)
        self._proxies = ProxyEnvironment()
        self._routes: dict[str, tuple[Origin, str, str]] = {}
        self._pool: SyncPool | None = None
        # Connections and an httpx AsyncClient's pool belong to the event loop they were
        # opened on: one of each per loop.
        self._async_pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, async_io.AsyncPool
        ] = weakref.WeakKeyDictionary()
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._last_pool: Callable[[], async_io.AsyncPool | None] = _no_pool

    def __repr__(self) -> str:
        return f"Transport(provider_id={self.provider_id!r}, http={self.http!r})"

    # ---- which path --------------------------------------------------------------------------

    def uses_httpx(self, url: str, *, asynchronous: bool = False) -> bool:
        """Whether a request to `url` goes through an httpx client: the user gave one, asked
        for httpx (`http="httpx"` or `FERRISCOPE_HTTP=httpx`), or a proxy applies to the URL
        (the own transport does not speak to proxies, and a proxy is never skipped). The
        environment is as it was when the provider was made."""
        user = self._user_async_client if asynchronous else self._client
        if user is not None or self.http == "httpx":
            return True
        env = self._env_http
        if env is not None and _choice(env, HTTP_ENV) == "httpx":
            return True
        return self._proxies.proxy_for(url) is not None

    @property
    def client(self) -> Any:
        """The sync httpx client of the httpx path (the user's, or one made on first use)."""
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                timeout=self.timeout.as_httpx(httpx), limits=self.limits.as_httpx(httpx)
            )
        return self._client

    @property
    def async_client(self) -> Any:
        if self._user_async_client is not None:
            return self._user_async_client
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            import httpx

            client = httpx.AsyncClient(
                timeout=self.timeout.as_httpx(httpx), limits=self.limits.as_httpx(httpx)
            )
            self._async_clients[loop] = client
        return client

    @property
    def pool(self) -> SyncPool:
        """The own transport's blocking connection pool."""
        if self._pool is None:
            self._pool = SyncPool(self.limits)
        return self._pool

    def async_pool(self) -> async_io.AsyncPool:
        """The own transport's pool on the running event loop (the last one found is
        checked first: a weak-keyed lookup makes a weak reference per call)."""
        loop = asyncio.get_running_loop()
        last = self._last_pool()
        if last is not None and last.loop is loop:
            return last
        pool = self._async_pools.get(loop)
        if pool is None:
            pool = self._async_pools[loop] = async_io.AsyncPool(self.limits, loop)
            _close_at_loop_shutdown(pool)
        self._last_pool = weakref.ref(pool)  # weak: the pool lives as long as its loop
        return pool

    def timeouts_for(self, request: HTTPRequest) -> Timeouts:
        """The provider's timeouts with the call's `stream_timeouts(...)` applied."""
        return with_overrides(self.timeout, request.timeout_overrides)

    def decoder_for(self, request: HTTPRequest) -> StreamDecoder:
        """The stream decoder of the httpx path (the own path's lives in `HttpStream`)."""
        return StreamDecoder(
            request.wire_format,
            include_thoughts=request.include_thoughts,
            raw_events=request.raw_events,
            max_line_bytes=self.max_line_bytes,
        )

    def _prepare(self, request: HTTPRequest) -> tuple[Any, bytes, Any]:
        """Origin, request bytes and the `HttpStream` factory of an own-transport request.
        The request is one buffer built by one Rust call, the default headers merged there
        (no Python frame holds the headers, which carry the key)."""
        url = request.url
        route = self._routes.get(url)
        if route is None:
            try:
                route = split_url(url)
            except UnsupportedURL as error:
                raise exceptions.ConnectionError(str(error), self.provider_id, error) from None
            if len(self._routes) >= _MAX_ROUTES:
                self._routes.clear()
            self._routes[url] = route
        origin, target, host = route
        try:
            payload = WireBytes(
                encode_request(
                    "POST", target, host, request.headers, request.content, _DEFAULT_HEADERS
                )
            )
        except ValueError as error:
            # Never echo the value: it may be the key.
            raise exceptions.ConnectionError(
                f"invalid request header: {error}", self.provider_id, error
            ) from None
        new_stream = partial(  # a partial, not a closure: no Python frame per exchange
            HttpStream,
            request.wire_format,
            include_thoughts=request.include_thoughts,
            raw_events=request.raw_events,
            max_line_bytes=self.max_line_bytes,
            max_error_body=MAX_ERROR_BODY,
        )
        return origin, payload, new_stream

    def _http_error(self, stream: HttpStream, request: HTTPRequest) -> exceptions.APIError:
        assert stream.status is not None
        headers = {name.lower(): value for name, value in stream.headers}
        body = redact(stream.error_body[:MAX_ERROR_BODY], request)
        return error_from_http(stream.status, body, headers, self.provider_id)

    def failure(self, error: Exception) -> exceptions.ProviderError:
        """A transport failure of either path as this provider's `llm.Error`."""
        return error_from_transport(error, self.provider_id)

    # ---- sync --------------------------------------------------------------------------------

    def stream_batches(self, request: HTTPRequest) -> Iterator[Sequence[Any]]:
        """Sends the request and yields one batch of chunks per network read."""
        if self.uses_httpx(request.url):
            return via_httpx.stream(self, request)
        return self._own_batches(request)

    def _own_batches(self, request: HTTPRequest) -> Iterator[Sequence[Any]]:
        # Per request and per read, the Python here is kept to what the exchange needs: the
        # small helpers are inlined or called only when they have something to do.
        origin, payload, new_stream = self._prepare(request)
        overrides = request.timeout_overrides
        timeouts = with_overrides(self.timeout, overrides) if overrides else self.timeout
        pool = self._pool or self.pool
        attempts = Attempts(self.max_retries)
        observer = request.observer
        idle = timeouts.stream_idle
        while True:
            try:
                conn, stream, batch = start_exchange(
                    pool, origin, payload, new_stream, timeouts, observer
                )
            except _FAILURES as error:
                observer.failed(error)
                delay = attempts.next_delay(True)
                if delay is None:
                    raise self.failure(error) from error
                time.sleep(delay)
                continue
            status = stream.status or 0
            if _log.isEnabledFor(logging.DEBUG):
                _log_response(request, status)
            if not 200 <= status < 300:
                self._drain_error(conn, stream, timeouts)
                failure = self._http_error(stream, request)
                observer.failed(failure, status)
                delay = attempts.next_delay(
                    retryable_status(status), retry_after_seconds(failure_headers(stream))
                )
                if delay is None:
                    raise failure
                time.sleep(delay)
                continue
            # Until the first batch nothing has reached the user: a connection dropped or
            # stalled before the first event is retried like a failed request (docs/spec.md §11.0).
            idle_deadline = None if idle is None else time.monotonic() + idle
            if not batch and not stream.done:
                try:
                    while not batch and not stream.done:
                        batch = read_batch(conn, stream, timeouts, idle_deadline)
                except _FAILURES as error:
                    pool.release(conn, False)
                    observer.failed(error, status)
                    delay = attempts.next_delay(True)
                    if delay is None:
                        raise self.failure(error) from error
                    time.sleep(delay)
                    continue
                except BaseException:
                    pool.release(conn, False)
                    raise
                if idle is not None:  # the idle time counts from the first batch
                    idle_deadline = time.monotonic() + idle
            if batch and type(batch[0]) is StreamErrorChunk and is_connection_failure(batch):
                observer.failed(batch[0], status)
                delay = attempts.next_delay(True)
                if delay is not None:
                    pool.release(conn, False)
                    time.sleep(delay)
                    continue
            break
        request.identity.decoder = stream
        observer.answered(status)
        # The connection goes back as soon as the exchange is over, before the last batch
        # is handed out: a consumer that stops pulling after the final chunk (as a response
        # does) must not cost the pool a reusable connection.
        released = False
        try:
            while True:
                if stream.done:
                    released = True
                    pool.release(conn, stream.reusable, stream)
                if batch:
                    # Only an in-stream error (the last chunk) has anything to screen.
                    yield screened(batch, request) if type(batch[-1]) is StreamErrorChunk else batch
                if released:
                    return
                batch = read_batch(conn, stream, timeouts, idle_deadline)
                if batch and idle is not None:
                    idle_deadline = time.monotonic() + idle
        except _FAILURES as error:
            raise self.failure(error) from error
        finally:
            if not released:
                pool.release(conn, False)

    def _drain_error(self, conn: Any, stream: HttpStream, timeouts: Timeouts) -> None:
        """Reads an error response's body (bounded) and gives the connection back."""
        try:
            while not stream.done and len(stream.error_body) < MAX_ERROR_BODY:
                read_batch(conn, stream, timeouts, None)
        except _FAILURES:
            pass
        finally:
            self.pool.release(conn, stream.done and stream.reusable)

    # ---- async -------------------------------------------------------------------------------

    def astream_batches(self, request: HTTPRequest) -> AsyncIterator[Sequence[Any]]:
        if self.uses_httpx(request.url, asynchronous=True):
            return via_httpx.astream(self, request)
        return self._aown_batches(request)

    async def _aown_batches(self, request: HTTPRequest) -> AsyncIterator[Sequence[Any]]:
        origin, payload, new_stream = self._prepare(request)
        timeouts = self.timeouts_for(request)
        pool = self.async_pool()
        loop = pool.loop
        attempts = Attempts(self.max_retries)
        observer = request.observer
        idle = timeouts.stream_idle
        read = timeouts.read
        while True:
            try:
                conn = await async_io.start_exchange(
                    pool, origin, payload, new_stream, timeouts, observer
                )
            except _FAILURES as error:
                observer.failed(error)
                delay = attempts.next_delay(True)
                if delay is None:
                    raise self.failure(error) from error
                await asyncio.sleep(delay)
                continue
            stream = conn.stream
            assert stream is not None
            status = stream.status or 0
            _log_response(request, status)
            if not 200 <= status < 300:
                await self._adrain_error(pool, conn, stream, timeouts)
                failure = self._http_error(stream, request)
                observer.failed(failure, status)
                delay = attempts.next_delay(
                    retryable_status(status), retry_after_seconds(failure_headers(stream))
                )
                if delay is None:
                    raise failure
                await asyncio.sleep(delay)
                continue
            idle_deadline = None if idle is None else loop.time() + idle
            try:
                batch = await conn.next_batch(read, idle_deadline, idle)
            except _FAILURES as error:
                pool.release(conn, False)
                observer.failed(error, status)
                delay = attempts.next_delay(True)
                if delay is None:
                    raise self.failure(error) from error
                await asyncio.sleep(delay)
                continue
            except BaseException:
                pool.release(conn, False)
                raise
            if batch and is_connection_failure(batch):
                observer.failed(batch[0], status)
                delay = attempts.next_delay(True)
                if delay is not None:
                    pool.release(conn, False)
                    await asyncio.sleep(delay)
                    continue
            break
        request.identity.decoder = stream
        observer.answered(status)
        released = False
        try:
            turn = time.perf_counter()
            while True:
                if conn.error is None and conn.finished and not conn.queue:
                    released = True
                    pool.release(conn, True)  # the pool checks the stream's verdict
                if batch:
                    yield screened(batch, request)
                if released:
                    return
                # Batches already queued never wait on the socket, so this task would keep
                # the loop for the whole backlog: hand it back every millisecond, so many
                # streams on one loop keep each other's lag low.
                now = time.perf_counter()
                if now - turn >= LOOP_TURN_SECONDS:
                    await pass_turn(0)
                    turn = time.perf_counter()
                if idle is not None:
                    idle_deadline = loop.time() + idle
                batch = await conn.next_batch(read, idle_deadline, idle)
                if batch is None:
                    batch = []
        except _FAILURES as error:
            raise self.failure(error) from error
        finally:
            if not released:
                pool.release(conn, False)

    async def _adrain_error(
        self, pool: async_io.AsyncPool, conn: Any, stream: HttpStream, timeouts: Timeouts
    ) -> None:
        try:
            while not conn.finished and len(stream.error_body) < MAX_ERROR_BODY:
                deadline = None if timeouts.read is None else pool.loop.time() + timeouts.read
                if not await conn.wait(deadline):
                    break
                if conn.error is not None:
                    break
        finally:
            pool.release(conn, stream.done and stream.reusable)

    def close(self) -> None:
        """Closes the idle connections of the sync pool and the sync httpx client."""
        if self._pool is not None:
            self._pool.close()
        if self._client is not None:
            self._client.close()


def _no_pool() -> None:
    return None


async def _closer(pool: async_io.AsyncPool) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        pool.close()


def _close_at_loop_shutdown(pool: async_io.AsyncPool) -> None:
    """Closes the pool's kept-alive connections when its event loop shuts down.

    A provider outlives the loops it serves (`asyncio.run` per request batch, one loop per
    test), and a loop that ends with sockets still open leaves them to the garbage collector
    and a ResourceWarning. Loops have no close callback, but every loop closes the async
    generators first iterated in it when it shuts down (`loop.shutdown_asyncgens()`, which
    `asyncio.run` and `asyncio.Runner` call, as does uvloop's runner): a generator started here
    and held by the pool is that callback. Starting it runs it to its `yield`, with no await,
    so it needs no task."""
    closer = _closer(pool)
    pool.closer = closer  # the loop holds its generators weakly
    try:
        closer.__anext__().send(None)
    except StopIteration:
        pass


def failure_headers(stream: HttpStream) -> dict[str, str]:
    return {name.lower(): value for name, value in stream.headers}


def _log_response(request: HTTPRequest, status: int) -> None:
    """One debug line per response, as httpx logs one: the URL without its query (where
    some services take a key) and the status; never a header."""
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug("POST %s -> %d", request.url.split("?", 1)[0], status)

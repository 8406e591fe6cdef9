"""The httpx path: a user's `httpx`/`httpx2` client (or one made for a proxy or the opt-out
switch), used through its public API only: `build_request`, `send(stream=True)`,
`iter_bytes`. The bytes go to the same Rust `StreamDecoder` and every failure maps to the
same `llm.Error` classes as on the own transport."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ferriscope._core import StreamDecoder
from ferriscope._lazy import lazy_module
from ferriscope.llm import exceptions
from ferriscope.llm.providers.errors import (
    TransportTimeout,
    error_from_http,
    retry_after_seconds,
)
from ferriscope.llm.providers.transport.config import LOOP_TURN_SECONDS, pass_turn
from ferriscope.llm.providers.transport.request import (
    MAX_ERROR_BODY,
    Attempts,
    HTTPRequest,
    redact,
    retryable_status,
    screened,
)

if TYPE_CHECKING:
    import asyncio

    from ferriscope.llm.providers.transport.dispatch import Transport
else:  # an httpx client can be sync only
    asyncio = lazy_module("asyncio")

__all__ = [
    "HTTPX_MODULES",
    "IdleClock",
    "astream",
    "client_module",
    "is_http_client",
    "stream",
]

HTTPX_MODULES = ("httpx", "httpx2")


def client_module(client: Any) -> Any:
    """The library (httpx or httpx2) a client belongs to, already imported by its user."""
    name = type(client).__module__.split(".")[0]
    if name not in HTTPX_MODULES:
        raise TypeError(f"expected an httpx or httpx2 client, got {type(client).__name__}")
    return sys.modules[name]


def is_http_client(value: Any, *, asynchronous: bool) -> bool:
    """Whether `value` is an httpx/httpx2 (Async)Client, without importing either library:
    a library the process never imported cannot have made it."""
    wanted = "AsyncClient" if asynchronous else "Client"
    for name in HTTPX_MODULES:
        module = sys.modules.get(name)
        if module is not None and isinstance(value, getattr(module, wanted)):
            return True
    return False


def retryable_error(module: Any, error: BaseException) -> bool:
    """Network, timeout and protocol failures may go away on a new attempt; a URL scheme the
    client cannot speak, an undecodable (e.g. corrupt gzip) body or a redirect loop will
    not."""
    return isinstance(error, module.TransportError) and not isinstance(
        error, module.UnsupportedProtocol
    )


def lower_headers(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class IdleClock:
    """The stream idle timeout on a path whose reads we do not time ourselves: checked after
    each read, so a server that sends only keepalives fails once it has gone `seconds`
    without content (a silent one is ended by the client's own read timeout)."""

    __slots__ = ("last", "seconds")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.last = time.monotonic()

    def tick(self, batch: Sequence[Any]) -> None:
        if batch:
            self.last = time.monotonic()
        elif self.seconds is not None and time.monotonic() - self.last > self.seconds:
            raise TransportTimeout(
                "stream idle", self.seconds, "no content chunk arrived (keepalives do not count)"
            )


TERMINAL_GRACE = 0.05
"""Seconds an async httpx response may take after the provider's terminal event to end its
body (the last chunk marker is normally a few bytes behind): read to its end, httpx keeps
the connection and its byte iterators finish in place; a body held open longer is closed."""


def build_request(transport: Transport, client: Any, module: Any, request: HTTPRequest) -> Any:
    """The client's request; a call's `stream_timeouts(...)` replace the client's timeouts."""
    extra = {}
    if request.timeout_overrides:
        extra["timeout"] = transport.timeouts_for(request).as_httpx(module)
    return client.build_request(
        "POST", request.url, headers=request.headers, content=request.content, **extra
    )


def send(transport: Transport, request: HTTPRequest, attempts: Attempts | None = None) -> Any:
    """Sends the request through the httpx path, retrying connection failures and
    retryable statuses (docs/spec.md §11.0); a non-2xx answer is raised as its `llm.Error`.
    Returns the streaming httpx response."""
    if attempts is None:
        attempts = Attempts(transport.max_retries)
    client = transport.client
    module = client_module(client)
    observer = request.observer
    while True:
        observer.sent()
        try:
            response = client.send(build_request(transport, client, module, request), stream=True)
        except module.HTTPError as error:
            observer.failed(error)
            delay = attempts.next_delay(retryable_error(module, error))
            if delay is None:
                raise transport.failure(error) from error
            time.sleep(delay)
            continue
        if response.status_code < 400:
            return response
        failure = read_error(transport, response, request)
        observer.failed(failure, response.status_code)
        delay = attempts.next_delay(
            retryable_status(response.status_code),
            retry_after_seconds(lower_headers(response.headers)),
        )
        if delay is None:
            raise failure
        time.sleep(delay)


def read_error(transport: Transport, response: Any, request: HTTPRequest) -> exceptions.APIError:
    module = client_module(response)
    content = b""
    try:
        for data in response.iter_bytes():
            content += data
            if len(content) >= MAX_ERROR_BODY:
                break
    except module.HTTPError:
        pass
    finally:
        response.close()
    return error_from_http(
        response.status_code,
        redact(content[:MAX_ERROR_BODY], request),
        lower_headers(response.headers),
        transport.provider_id,
    )


def stream(transport: Transport, request: HTTPRequest) -> Iterator[Sequence[Any]]:
    client = transport.client
    module = client_module(client)
    idle = transport.timeouts_for(request).stream_idle
    attempts = Attempts(transport.max_retries)
    while True:
        response = send(transport, request, attempts)
        decoder = transport.decoder_for(request)
        clock = IdleClock(idle)
        reads = response.iter_bytes()
        batch: Sequence[Any] = []
        try:
            for data in reads:
                batch = decoder.feed(data)
                clock.tick(batch)
                if batch:
                    break
            else:
                batch = decoder.finish()
        except (module.HTTPError, TransportTimeout) as error:
            response.close()
            request.observer.failed(error, response.status_code)
            retryable = isinstance(error, TransportTimeout) or retryable_error(module, error)
            delay = attempts.next_delay(retryable)
            if delay is None:
                raise transport.failure(error) from error
            time.sleep(delay)
            continue
        except BaseException:
            response.close()
            raise
        break
    request.identity.decoder = decoder
    request.observer.answered(response.status_code)
    try:
        if batch:
            yield screened(batch, request)
        try:
            if not decoder.complete:
                for data in reads:
                    batch = decoder.feed(data)
                    clock.tick(batch)
                    if batch:
                        yield screened(batch, request)
                    if decoder.complete:
                        break
            batch = decoder.finish()
        except module.HTTPError as error:
            batch = finish_after(transport, error, decoder)
        except TransportTimeout as error:
            raise transport.failure(error) from error
        if batch:
            yield screened(batch, request)
    finally:
        close = getattr(reads, "close", None)
        if close is not None:
            close()
        response.close()


def finish_after(transport: Transport, error: Exception, decoder: StreamDecoder) -> Sequence[Any]:
    """The last batch when the body broke off after its terminal event (a server or
    proxy that drops the connection once it has said everything: nothing was lost);
    otherwise the transport failure as its `llm.Error`."""
    if not decoder.complete:
        raise transport.failure(error) from error
    return decoder.finish()


async def asend(
    transport: Transport, request: HTTPRequest, attempts: Attempts | None = None
) -> Any:
    if attempts is None:
        attempts = Attempts(transport.max_retries)
    client = transport.async_client
    module = client_module(client)
    observer = request.observer
    while True:
        observer.sent()
        try:
            response = await client.send(
                build_request(transport, client, module, request), stream=True
            )
        except module.HTTPError as error:
            observer.failed(error)
            delay = attempts.next_delay(retryable_error(module, error))
            if delay is None:
                raise transport.failure(error) from error
            await asyncio.sleep(delay)
            continue
        if response.status_code < 400:
            return response
        failure = await aread_error(transport, response, request)
        observer.failed(failure, response.status_code)
        delay = attempts.next_delay(
            retryable_status(response.status_code),
            retry_after_seconds(lower_headers(response.headers)),
        )
        if delay is None:
            raise failure
        await asyncio.sleep(delay)


async def aread_error(
    transport: Transport, response: Any, request: HTTPRequest
) -> exceptions.APIError:
    module = client_module(response)
    content = b""
    try:
        async for data in response.aiter_bytes():
            content += data
            if len(content) >= MAX_ERROR_BODY:
                break
    except module.HTTPError:
        pass
    finally:
        await response.aclose()
    return error_from_http(
        response.status_code,
        redact(content[:MAX_ERROR_BODY], request),
        lower_headers(response.headers),
        transport.provider_id,
    )


async def astream(transport: Transport, request: HTTPRequest) -> AsyncIterator[Sequence[Any]]:
    client = transport.async_client
    module = client_module(client)
    idle = transport.timeouts_for(request).stream_idle
    attempts = Attempts(transport.max_retries)
    while True:
        response = await asend(transport, request, attempts)
        decoder = transport.decoder_for(request)
        clock = IdleClock(idle)
        reads = response.aiter_bytes()
        batch: Sequence[Any] = []
        try:
            async for data in reads:
                batch = decoder.feed(data)
                clock.tick(batch)
                if batch:
                    break
            else:
                batch = decoder.finish()
        except (module.HTTPError, TransportTimeout) as error:
            await response.aclose()
            request.observer.failed(error, response.status_code)
            retryable = isinstance(error, TransportTimeout) or retryable_error(module, error)
            delay = attempts.next_delay(retryable)
            if delay is None:
                raise transport.failure(error) from error
            await asyncio.sleep(delay)
            continue
        except BaseException:
            await response.aclose()
            raise
        break
    request.identity.decoder = decoder
    request.observer.answered(response.status_code)
    try:
        if batch:
            yield screened(batch, request)
        try:
            if not decoder.complete:
                turn = time.perf_counter()
                async for data in reads:
                    batch = decoder.feed(data)
                    clock.tick(batch)
                    if batch:
                        yield screened(batch, request)
                    if decoder.complete:
                        await _finish_body(reads, TERMINAL_GRACE)
                        break
                    now = time.perf_counter()
                    if now - turn >= LOOP_TURN_SECONDS:
                        await pass_turn(0)
                        turn = time.perf_counter()
            batch = decoder.finish()
        except module.HTTPError as error:
            batch = finish_after(transport, error, decoder)
        except TransportTimeout as error:
            raise transport.failure(error) from error
        if batch:
            yield screened(batch, request)
    finally:
        # The byte iterator may be left mid-body (terminal event): close it here, or the
        # loop would finalise it later in a task of its own.
        aclose = getattr(reads, "aclose", None)
        if aclose is not None:
            await aclose()
        await response.aclose()


async def _finish_body(reads: AsyncIterator[bytes], seconds: float) -> None:
    """Reads (and discards) what is left of an httpx body after the terminal event, for at
    most `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        try:
            await asyncio.wait_for(reads.__anext__(), remaining)
        except (StopAsyncIteration, asyncio.TimeoutError):
            return
        except Exception:  # the body broke off after everything was said: nothing lost
            return

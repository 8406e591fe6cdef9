"""HTTP for every provider: pooled httpx clients, the initial-request retry policy, and the
read loop that hands each network read to the Rust decoder.

Each read becomes one batch of chunk objects (`StreamDecoder.feed`), so the Python work per
read is one call into Rust; the batches are what a stream response pulls. Nothing here knows a
wire format beyond its name.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import weakref
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from ferriscope._core import StreamDecoder, StreamErrorChunk
from ferriscope.llm import exceptions
from ferriscope.llm.providers.chunked_body import take_over_chunked_body
from ferriscope.llm.providers.errors import (
    error_from_http,
    error_from_transport,
    retry_after_seconds,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "MAX_LINE_BYTES",
    "HTTPRequest",
    "Transport",
]

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
# Services stream hundreds of responses at once from one process: no connection cap by
# default (httpx's default of 100 would queue the rest behind a pool timeout).
DEFAULT_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=100)
RETRY_STATUSES = frozenset({408, 409, 429})
MAX_ERROR_BODY = 64 * 1024
MAX_RETRY_AFTER = 60.0
LOOP_TURN_SECONDS = 0.001
# Bound once: giving the loop a turn is not a backoff wait (tests that stub the backoff
# sleeps must not see it).
_pass_turn = asyncio.sleep
# The longest SSE line (or one event's data) a provider stream may send. The SSE decoder's own
# default (64 MiB) would buffer a whole 50 MB garbage line before failing at EOF; no text
# event comes near 16 MiB (a `response.completed` repeating a 128k-token answer is < 1 MiB),
# and a refused line stops the download at once, so memory stays bounded by this figure.
MAX_LINE_BYTES = 16 * 1024 * 1024
# Headers whose values are secrets: never echoed into an error message or body.
_SECRET_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")


@dataclass(frozen=True)
class HTTPRequest:
    """One encoded provider request, ready to send."""

    url: str
    headers: dict[str, str] = field(repr=False)  # carries the API key
    body: dict[str, Any]
    wire_format: str
    include_thoughts: bool = False
    raw_events: bool = False
    content: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        encoded = json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()
        object.__setattr__(self, "content", encoded)


def _retryable(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


def _retryable_error(error: httpx.HTTPError) -> bool:
    """Network, timeout and protocol failures may go away on a new attempt; a URL scheme httpx
    cannot speak, an undecodable (e.g. corrupt gzip) body or a redirect loop will not."""
    return isinstance(error, httpx.TransportError) and not isinstance(
        error, httpx.UnsupportedProtocol
    )


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; a provider's Retry-After wins when it is longer."""
    delay = min(0.5 * 2.0**attempt, 8.0) * (0.75 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class _Attempts:
    """The retry budget of one request, shared by every failure before the first batch."""

    __slots__ = ("max_retries", "retries")

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries
        self.retries = 0

    def next_delay(self, retryable: bool, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None when the failure is final."""
        if not retryable or self.retries >= self.max_retries:
            return None
        delay = _backoff(self.retries, retry_after)
        self.retries += 1
        return delay


def _redact(content: bytes, request: HTTPRequest) -> bytes:
    """An error body with the request's secrets (API key, bearer token) masked: some servers
    and proxies echo request headers back, and error bodies end up in logs."""
    for name, value in request.headers.items():
        if name.lower() not in _SECRET_HEADERS:
            continue
        secret = value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
        if len(secret) >= 8:  # a placeholder like "x" would mask every letter x
            content = content.replace(secret.encode(), b"***")
    return content


def _screened(batch: Sequence[Any], request: HTTPRequest) -> Sequence[Any]:
    """The batch with an in-stream error's message redacted like an HTTP error body. The
    decoder stops after an error, so it can only be the last chunk: one check per batch."""
    last = batch[-1]
    if type(last) is StreamErrorChunk:
        message = _redact(last.message.encode(), request).decode()
        if message != last.message:
            return [*batch[:-1], StreamErrorChunk(last.error_class, message, last.status_code)]
    return batch


class Transport:
    """The HTTP side of one provider instance."""

    def __init__(
        self,
        *,
        provider_id: str,
        max_retries: int = 2,
        timeout: float | httpx.Timeout | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.provider_id = provider_id
        self.max_retries = max_retries
        if timeout is None:
            self.timeout = DEFAULT_TIMEOUT
        elif isinstance(timeout, httpx.Timeout):
            self.timeout = timeout
        else:
            self.timeout = httpx.Timeout(timeout)
        self.limits = limits or DEFAULT_LIMITS
        self.max_line_bytes = MAX_LINE_BYTES
        """The SSE line limit of this provider's streams (lower it, or raise it for providers
        that send huge events); a longer line fails the stream with ResponseValidationError."""
        self._client = http_client
        self._user_async_client = async_http_client
        # An AsyncClient's pool belongs to the event loop it was used on: one per loop.
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, httpx.AsyncClient
        ] = weakref.WeakKeyDictionary()

    # ---- clients ---------------------------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, limits=self.limits)
        return self._client

    @property
    def async_client(self) -> httpx.AsyncClient:
        if self._user_async_client is not None:
            return self._user_async_client
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = httpx.AsyncClient(timeout=self.timeout, limits=self.limits)
            self._async_clients[loop] = client
        return client

    # ---- sync ------------------------------------------------------------------------------

    def send(self, request: HTTPRequest, attempts: _Attempts | None = None) -> httpx.Response:
        """Sends the request, retrying connection failures and retryable statuses (API.md
        §11.0); a non-2xx answer is raised as its `llm.Error`."""
        if attempts is None:
            attempts = _Attempts(self.max_retries)
        client = self.client
        while True:
            try:
                response = client.send(
                    client.build_request(
                        "POST", request.url, headers=request.headers, content=request.content
                    ),
                    stream=True,
                )
            except httpx.HTTPError as error:
                delay = attempts.next_delay(_retryable_error(error))
                if delay is None:
                    raise error_from_transport(error, self.provider_id) from error
                time.sleep(delay)
                continue
            if response.status_code < 400:
                take_over_chunked_body(response)
                return response
            failure = self._read_error(response, request)
            delay = attempts.next_delay(
                _retryable(response.status_code), retry_after_seconds(response.headers)
            )
            if delay is None:
                raise failure
            time.sleep(delay)

    def _read_error(self, response: httpx.Response, request: HTTPRequest) -> exceptions.APIError:
        content = b""
        try:
            for data in response.iter_bytes():
                content += data
                if len(content) >= MAX_ERROR_BODY:
                    break
        except httpx.HTTPError:
            pass
        finally:
            response.close()
        return error_from_http(
            response.status_code,
            _redact(content[:MAX_ERROR_BODY], request),
            response.headers,
            self.provider_id,
        )

    def _decoder(self, request: HTTPRequest) -> StreamDecoder:
        return StreamDecoder(
            request.wire_format,
            include_thoughts=request.include_thoughts,
            raw_events=request.raw_events,
            max_line_bytes=self.max_line_bytes,
        )

    def _start(
        self, request: HTTPRequest
    ) -> tuple[httpx.Response, Iterator[bytes], StreamDecoder, Sequence[Any]]:
        """Sends the request and reads until the decoder produces its first batch. Until then
        nothing has reached the user, so a connection dropped or stalled before the first
        event is retried like a failed request (API.md §11.0: never once content was
        delivered). Returns the response, its still-open byte iterator, the decoder and the
        first batch (empty only for an empty body)."""
        attempts = _Attempts(self.max_retries)
        while True:
            response = self.send(request, attempts)
            decoder = self._decoder(request)
            reads = response.iter_bytes()
            try:
                for data in reads:
                    batch = decoder.feed(data)
                    if batch:
                        return response, reads, decoder, batch
            except httpx.HTTPError as error:
                response.close()
                delay = attempts.next_delay(_retryable_error(error))
                if delay is None:
                    raise error_from_transport(error, self.provider_id) from error
                time.sleep(delay)
                continue
            except BaseException:
                response.close()
                raise
            return response, reads, decoder, decoder.finish()

    def stream_batches(self, request: HTTPRequest) -> Iterator[Sequence[Any]]:
        """Sends the request and yields one batch of chunks per network read."""
        response, reads, decoder, batch = self._start(request)
        try:
            if batch:
                yield _screened(batch, request)
            try:
                for data in reads:
                    batch = decoder.feed(data)
                    if batch:
                        yield _screened(batch, request)
                batch = decoder.finish()
            except httpx.HTTPError as error:
                batch = self._finish_after(error, decoder)
            if batch:
                yield _screened(batch, request)
        finally:
            response.close()

    def _finish_after(self, error: httpx.HTTPError, decoder: StreamDecoder) -> Sequence[Any]:
        """The last batch when the body broke off after its terminal event (a server or
        proxy that drops the connection once it has said everything: nothing was lost);
        otherwise the transport failure as its `llm.Error`."""
        if not decoder.complete:
            raise error_from_transport(error, self.provider_id) from error
        return decoder.finish()

    # ---- async -----------------------------------------------------------------------------

    async def asend(
        self, request: HTTPRequest, attempts: _Attempts | None = None
    ) -> httpx.Response:
        if attempts is None:
            attempts = _Attempts(self.max_retries)
        client = self.async_client
        while True:
            try:
                response = await client.send(
                    client.build_request(
                        "POST", request.url, headers=request.headers, content=request.content
                    ),
                    stream=True,
                )
            except httpx.HTTPError as error:
                delay = attempts.next_delay(_retryable_error(error))
                if delay is None:
                    raise error_from_transport(error, self.provider_id) from error
                await asyncio.sleep(delay)
                continue
            if response.status_code < 400:
                take_over_chunked_body(response, socket_reads=True)
                return response
            failure = await self._aread_error(response, request)
            delay = attempts.next_delay(
                _retryable(response.status_code), retry_after_seconds(response.headers)
            )
            if delay is None:
                raise failure
            await asyncio.sleep(delay)

    async def _aread_error(
        self, response: httpx.Response, request: HTTPRequest
    ) -> exceptions.APIError:
        content = b""
        try:
            async for data in response.aiter_bytes():
                content += data
                if len(content) >= MAX_ERROR_BODY:
                    break
        except httpx.HTTPError:
            pass
        finally:
            await response.aclose()
        return error_from_http(
            response.status_code,
            _redact(content[:MAX_ERROR_BODY], request),
            response.headers,
            self.provider_id,
        )

    async def _astart(
        self, request: HTTPRequest
    ) -> tuple[httpx.Response, AsyncIterator[bytes], StreamDecoder, Sequence[Any]]:
        """`_start` for the async client."""
        attempts = _Attempts(self.max_retries)
        while True:
            response = await self.asend(request, attempts)
            decoder = self._decoder(request)
            reads = response.aiter_bytes()
            try:
                async for data in reads:
                    batch = decoder.feed(data)
                    if batch:
                        return response, reads, decoder, batch
            except httpx.HTTPError as error:
                await response.aclose()
                delay = attempts.next_delay(_retryable_error(error))
                if delay is None:
                    raise error_from_transport(error, self.provider_id) from error
                await asyncio.sleep(delay)
                continue
            except BaseException:
                await response.aclose()
                raise
            return response, reads, decoder, decoder.finish()

    async def astream_batches(self, request: HTTPRequest) -> AsyncIterator[Sequence[Any]]:
        response, reads, decoder, batch = await self._astart(request)
        try:
            if batch:
                yield _screened(batch, request)
            try:
                turn = time.perf_counter()
                async for data in reads:
                    batch = decoder.feed(data)
                    if batch:
                        yield _screened(batch, request)
                    # Reads of an already-buffered backlog never wait on the socket, so this
                    # task would keep the loop for the whole backlog: hand it back every
                    # millisecond, so many streams on one loop keep each other's lag low.
                    now = time.perf_counter()
                    if now - turn >= LOOP_TURN_SECONDS:
                        await _pass_turn(0)
                        turn = time.perf_counter()
                batch = decoder.finish()
            except httpx.HTTPError as error:
                batch = self._finish_after(error, decoder)
            if batch:
                yield _screened(batch, request)
        finally:
            await response.aclose()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

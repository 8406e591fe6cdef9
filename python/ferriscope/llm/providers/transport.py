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

from ferriscope._core import StreamDecoder
from ferriscope.llm import exceptions
from ferriscope.llm.providers.errors import error_from_http, error_from_transport

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
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


@dataclass(frozen=True)
class HTTPRequest:
    """One encoded provider request, ready to send."""

    url: str
    headers: dict[str, str]
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


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; a provider's Retry-After wins when it is longer."""
    delay = min(0.5 * 2.0**attempt, 8.0) * (0.75 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


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

    def send(self, request: HTTPRequest) -> httpx.Response:
        """Sends the request, retrying before any byte of the body was read (API.md §11.0);
        a non-2xx answer is raised as its `llm.Error`."""
        client = self.client
        attempt = 0
        while True:
            try:
                response = client.send(
                    client.build_request(
                        "POST", request.url, headers=request.headers, content=request.content
                    ),
                    stream=True,
                )
            except httpx.HTTPError as error:
                if attempt < self.max_retries and not isinstance(error, httpx.UnsupportedProtocol):
                    time.sleep(_backoff(attempt, None))
                    attempt += 1
                    continue
                raise error_from_transport(error, self.provider_id) from error
            if response.status_code < 400:
                return response
            failure = self._read_error(response)
            if attempt < self.max_retries and _retryable(response.status_code):
                time.sleep(_backoff(attempt, getattr(failure, "retry_after", None)))
                attempt += 1
                continue
            raise failure

    def _read_error(self, response: httpx.Response) -> exceptions.APIError:
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
            response.status_code, content[:MAX_ERROR_BODY], response.headers, self.provider_id
        )

    def stream_batches(self, request: HTTPRequest) -> Iterator[Sequence[Any]]:
        """Sends the request and yields one batch of chunks per network read."""
        decoder = StreamDecoder(
            request.wire_format,
            include_thoughts=request.include_thoughts,
            raw_events=request.raw_events,
        )
        response = self.send(request)
        try:
            try:
                for data in response.iter_bytes():
                    batch = decoder.feed(data)
                    if batch:
                        yield batch
            except httpx.HTTPError as error:
                raise error_from_transport(error, self.provider_id) from error
            batch = decoder.finish()
            if batch:
                yield batch
        finally:
            response.close()

    # ---- async -----------------------------------------------------------------------------

    async def asend(self, request: HTTPRequest) -> httpx.Response:
        client = self.async_client
        attempt = 0
        while True:
            try:
                response = await client.send(
                    client.build_request(
                        "POST", request.url, headers=request.headers, content=request.content
                    ),
                    stream=True,
                )
            except httpx.HTTPError as error:
                if attempt < self.max_retries and not isinstance(error, httpx.UnsupportedProtocol):
                    await asyncio.sleep(_backoff(attempt, None))
                    attempt += 1
                    continue
                raise error_from_transport(error, self.provider_id) from error
            if response.status_code < 400:
                return response
            failure = await self._aread_error(response)
            if attempt < self.max_retries and _retryable(response.status_code):
                await asyncio.sleep(_backoff(attempt, getattr(failure, "retry_after", None)))
                attempt += 1
                continue
            raise failure

    async def _aread_error(self, response: httpx.Response) -> exceptions.APIError:
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
            response.status_code, content[:MAX_ERROR_BODY], response.headers, self.provider_id
        )

    async def astream_batches(self, request: HTTPRequest) -> AsyncIterator[Sequence[Any]]:
        decoder = StreamDecoder(
            request.wire_format,
            include_thoughts=request.include_thoughts,
            raw_events=request.raw_events,
        )
        response = await self.asend(request)
        try:
            try:
                async for data in response.aiter_bytes():
                    batch = decoder.feed(data)
                    if batch:
                        yield batch
            except httpx.HTTPError as error:
                raise error_from_transport(error, self.provider_id) from error
            batch = decoder.finish()
            if batch:
                yield batch
        finally:
            await response.aclose()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

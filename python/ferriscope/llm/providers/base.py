"""The provider base class: encode a request, then stream it through the shared transport.

A provider is configuration (key, base URL, HTTP settings) plus one pure encoder per wire
format. `.stream()` encodes at once (so encoding errors raise there) and returns a response
whose source sends the request only at the first pull (docs/spec.md Δ2).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from typing_extensions import TypeVar

from ferriscope.llm.messages import Message
from ferriscope.llm.providers.transport import (
    DEFAULT_STREAM_IDLE_TIMEOUT,
    HTTPRequest,
    Limits,
    Timeouts,
    Transport,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["BaseProvider", "Encoded", "Provider", "ProviderClientT"]

ProviderClientT = TypeVar("ProviderClientT", default=None)
"""Mirascope parameterises providers by their SDK client; ferriscope's providers share one
HTTP transport and have none, so it defaults to None and only keeps `BaseProvider[...]`
annotations valid."""


@dataclass
class Encoded:
    """What an encoder produces from a call: the request and how to read its answer."""

    path: str
    """Appended to the provider's base URL (may carry a query string)."""
    body: dict[str, Any]
    headers: dict[str, str]
    """Non-auth headers: content-type, anthropic-version, anthropic-beta, …"""
    wire_format: str
    include_thoughts: bool
    messages: list[Message]
    """The input messages as sent (with any injected formatting-instruction message)."""
    format: Any
    """The resolved `Format` (or None)."""
    provider_model_name: str


class BaseProvider(ABC, Generic[ProviderClientT]):
    """Configuration of one provider endpoint and the HTTP client pool that goes with it."""

    id: ClassVar[str]
    default_scope: ClassVar[str | list[str]]
    default_base_url: ClassVar[str]
    api_key_env: ClassVar[str | None] = None
    base_url_env: ClassVar[str | None] = None
    requires_api_key: ClassVar[bool] = True

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout | Timeouts | None = None,
        limits: httpx.Limits | Limits | None = None,
        http_client: httpx.Client | Any | None = None,
        async_http_client: httpx.AsyncClient | Any | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        http: str | None = None,
    ) -> None:
        """`timeout`: seconds, `httpx.Timeout` or `Timeouts`; `limits`: `httpx.Limits` or
        `Limits`; `http_client` / `async_http_client`: an httpx or httpx2 client to send
        through instead of the own transport; `stream_idle_timeout`: seconds a stream may
        go without content (keepalives do not count), None for no limit; `http="httpx"`
        sends every request through httpx (docs/transport.md)."""
        if api_key is None and self.api_key_env:
            api_key = os.environ.get(self.api_key_env)
        if base_url is None and self.base_url_env:
            base_url = os.environ.get(self.base_url_env)
        self.api_key = api_key
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.transport = Transport(
            provider_id=self.id,
            max_retries=max_retries,
            timeout=timeout,
            limits=limits,
            http_client=http_client,
            async_http_client=async_http_client,
            stream_idle_timeout=stream_idle_timeout,
            http=http,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @abstractmethod
    def encode(
        self,
        *,
        model_id: str,
        messages: Sequence[Message],
        toolkit: Any,
        format: Any,
        params: dict[str, Any],
    ) -> Encoded:
        """Encodes a call; raises FeatureNotSupportedError and the like before any I/O."""

    @abstractmethod
    def auth_headers(self) -> dict[str, str]:
        """The headers that carry the API key (never logged, never in an error message)."""

    def http_request(self, encoded: Encoded) -> HTTPRequest:
        return HTTPRequest(
            url=self.base_url + encoded.path,
            headers={**encoded.headers, **self.auth_headers()},
            body=encoded.body,
            wire_format=encoded.wire_format,
            include_thoughts=encoded.include_thoughts,
        )

    def response_provider_id(self, model_id: str) -> str:
        """What `response.provider_id` says for a call through this provider."""
        return self.id


Provider = BaseProvider

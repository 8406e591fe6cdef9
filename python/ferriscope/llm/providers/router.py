"""`MirascopeProvider` (id "mirascope"): OpenAI, Anthropic and Google models through the
Mirascope router, with one `MIRASCOPE_API_KEY`.

The router speaks each family's own API under `{router}/{family}` (`/v1` added for OpenAI),
so a call is encoded by that family's encoder and only its path and key change. Responses
report the family (`"anthropic"`, …) as their provider id, as the reference does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ferriscope.llm.messages import Message
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.registry import provider_class
from ferriscope.llm.providers.transport import DEFAULT_STREAM_IDLE_TIMEOUT

if TYPE_CHECKING:
    import httpx

__all__ = ["MirascopeProvider"]

_FAMILIES = {"openai": "/v1", "anthropic": "", "google": ""}


class MirascopeProvider(BaseProvider):
    id: ClassVar[str] = "mirascope"
    default_scope: ClassVar[str | list[str]] = ["openai/", "anthropic/", "google/"]
    default_base_url: ClassVar[str] = "https://mirascope.com/router/v2"
    api_key_env: ClassVar[str | None] = "MIRASCOPE_API_KEY"
    base_url_env: ClassVar[str | None] = "MIRASCOPE_ROUTER_BASE_URL"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        scope: str | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        http: str | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
            limits=limits,
            http_client=http_client,
            async_http_client=async_http_client,
            stream_idle_timeout=stream_idle_timeout,
            http=http,
        )
        if not self.api_key:
            raise ValueError(
                "Mirascope API key not found. Set MIRASCOPE_API_KEY environment variable or "
                "pass api_key parameter."
            )
        self.scope = scope
        self._inner: dict[str, BaseProvider] = {}

    @property
    def router_base_url(self) -> str:
        """The router's root, before the `/{family}` path (Mirascope's attribute name)."""
        return self.base_url

    def _family(self, model_id: str) -> str:
        family = model_id.split("/", 1)[0]
        if family not in _FAMILIES:
            raise ValueError(
                f"The Mirascope router serves openai/, anthropic/ and google/ models, "
                f"not {model_id!r}"
            )
        return family

    def _provider(self, family: str) -> BaseProvider:
        inner = self._inner.get(family)
        if inner is None:
            inner = provider_class(family)(
                api_key=self.api_key, base_url=f"{self.base_url}/{family}{_FAMILIES[family]}"
            )
            self._inner[family] = inner
        return inner

    def encode(
        self,
        *,
        model_id: str,
        messages: Sequence[Message],
        toolkit: Any,
        format: Any,
        params: dict[str, Any],
    ) -> Encoded:
        family = self._family(model_id)
        inner = self._provider(family)
        encoded = inner.encode(
            model_id=model_id, messages=messages, toolkit=toolkit, format=format, params=params
        )
        encoded.path = f"/{family}{_FAMILIES[family]}{encoded.path}"
        encoded.headers = {**encoded.headers, **inner.auth_headers()}
        return encoded

    def auth_headers(self) -> dict[str, str]:
        """Empty: each family's own auth header (carrying the router key) is added by
        `encode`, since the header name depends on the family."""
        return {}

    def response_provider_id(self, model_id: str) -> str:
        return self._family(model_id)

"""`GoogleProvider` (id "google"): Gemini through the Generative Language API.

The key comes from `GOOGLE_API_KEY`, else `GEMINI_API_KEY` (the google SDK reads both, in
that order), and travels only in `x-goog-api-key`. A custom base URL usually means a proxy
such as the Mirascope router, which authenticates by bearer token, so there the key is sent
both ways, as the reference does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ferriscope.llm.exceptions import MissingAPIKeyError
from ferriscope.llm.messages import Message
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.google.encoding import encode_request
from ferriscope.llm.providers.google.model_id import PROVIDER_ID
from ferriscope.llm.providers.transport import DEFAULT_STREAM_IDLE_TIMEOUT

if TYPE_CHECKING:
    import httpx

__all__ = ["GoogleProvider"]

API_KEY_ENVS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")


class GoogleProvider(BaseProvider):
    """Google's Gemini models (`google/gemini-2.5-flash`, …)."""

    id: ClassVar[str] = PROVIDER_ID
    default_scope: ClassVar[str | list[str]] = "google/"
    default_base_url: ClassVar[str] = "https://generativelanguage.googleapis.com"
    api_key_env: ClassVar[str | None] = API_KEY_ENVS[0]

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        http: str | None = None,
    ) -> None:
        if api_key is None:
            api_key = next((os.environ[v] for v in API_KEY_ENVS if os.environ.get(v)), None)
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

    def encode(
        self,
        *,
        model_id: str,
        messages: Sequence[Message],
        toolkit: Any,
        format: Any,
        params: dict[str, Any],
    ) -> Encoded:
        return encode_request(
            model_id=model_id, messages=messages, toolkit=toolkit, format=format, params=params
        )

    def _custom_base_url(self) -> bool:
        return self.base_url != self.default_base_url.rstrip("/")

    def auth_headers(self) -> dict[str, str]:
        """`x-goog-api-key`, plus a bearer token for a custom base URL. A proxy may need no
        key at all; Google itself does, so a missing key is reported there."""
        if not self.api_key:
            if self._custom_base_url():
                return {}
            raise MissingAPIKeyError(PROVIDER_ID, API_KEY_ENVS[0])
        headers = {"x-goog-api-key": self.api_key}
        if self._custom_base_url():
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

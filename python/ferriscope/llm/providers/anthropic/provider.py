"""The Anthropic providers: `anthropic` (picks the standard or the beta path per call) and
`anthropic-beta` (always the structured-outputs beta path).

Both report `provider_id="anthropic"` on their responses: the beta is a way of calling the
same API, and a conversation may move between the two paths while its turns stay
re-sendable as raw Anthropic messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ferriscope.llm.exceptions import MissingAPIKeyError
from ferriscope.llm.messages import Message
from ferriscope.llm.providers.anthropic.encoding import encode_request
from ferriscope.llm.providers.anthropic.routing import uses_beta
from ferriscope.llm.providers.base import BaseProvider, Encoded

__all__ = ["AnthropicBetaProvider", "AnthropicProvider"]


class AnthropicProvider(BaseProvider):
    """Claude through the Messages API; the beta path when the call benefits from it
    (strict formats or tools on a model that supports structured outputs)."""

    id: ClassVar[str] = "anthropic"
    default_scope: ClassVar[str | list[str]] = "anthropic/"
    default_base_url: ClassVar[str] = "https://api.anthropic.com"
    api_key_env: ClassVar[str | None] = "ANTHROPIC_API_KEY"
    base_url_env: ClassVar[str | None] = "ANTHROPIC_BASE_URL"

    def _beta(self, model_id: str, format: Any, toolkit: Any) -> bool:
        tools = toolkit.tools if toolkit is not None else ()
        return uses_beta(model_id, format, tools)

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
            model_id=model_id,
            messages=messages,
            toolkit=toolkit,
            format=format,
            params=params,
            beta=self._beta(model_id, format, toolkit),
            provider_id=self.id,
        )

    def auth_headers(self) -> dict[str, str]:
        """`x-api-key`; a custom base URL (a proxy) may do without one."""
        if self.api_key:
            return {"x-api-key": self.api_key}
        if self.base_url != self.default_base_url.rstrip("/"):
            return {}
        raise MissingAPIKeyError(self.id, self.api_key_env or "ANTHROPIC_API_KEY")

    def response_provider_id(self, model_id: str) -> str:
        return "anthropic"


class AnthropicBetaProvider(AnthropicProvider):
    """Claude through the structured-outputs beta path for every call (`anthropic-beta/`)."""

    id: ClassVar[str] = "anthropic-beta"
    default_scope: ClassVar[str | list[str]] = "anthropic-beta/"

    def _beta(self, model_id: str, format: Any, toolkit: Any) -> bool:
        return True

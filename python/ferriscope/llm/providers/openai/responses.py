"""OpenAI's Responses API provider (`openai:responses`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.messages import Message
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.openai.auth import openai_auth_headers
from ferriscope.llm.providers.openai.model_id import api_suffix
from ferriscope.llm.providers.openai.responses_encoding import encode_responses
from ferriscope.llm.providers.openai.target import openai_target

__all__ = ["OpenAIResponsesProvider"]


class OpenAIResponsesProvider(BaseProvider):
    """Always the Responses API, whatever the model (a `:completions` id is refused)."""

    id: ClassVar[str] = "openai:responses"
    default_scope: ClassVar[str | list[str]] = "openai/"
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"
    api_key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    base_url_env: ClassVar[str | None] = "OPENAI_BASE_URL"

    def encode(
        self,
        *,
        model_id: str,
        messages: Sequence[Message],
        toolkit: Any,
        format: Any,
        params: dict[str, Any],
    ) -> Encoded:
        if api_suffix(model_id) == "completions":
            raise FeatureNotSupportedError(
                "completions API",
                self.id,
                model_id,
                message=f"Cannot use completions model with responses client: {model_id}",
            )
        return encode_responses(
            openai_target(model_id, "responses", provider_id=self.id),
            messages=messages,
            toolkit=toolkit,
            format=format,
            params=params,
        )

    def auth_headers(self) -> dict[str, str]:
        return openai_auth_headers(self)

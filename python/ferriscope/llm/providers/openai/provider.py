"""`OpenAIProvider` (id "openai"): one key and one connection pool for both OpenAI APIs,
choosing the API per call (`routing.choose_api`).

Responses report `provider_id="openai"` whichever API served them; the API shows in
`provider_model_name` (`"gpt-4o:completions"`), which is also what decides whether a past
turn can be re-sent raw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ferriscope.llm.messages import Message
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.openai.auth import openai_auth_headers
from ferriscope.llm.providers.openai.completions_encoding import encode_completions
from ferriscope.llm.providers.openai.responses_encoding import encode_responses
from ferriscope.llm.providers.openai.routing import choose_api
from ferriscope.llm.providers.openai.target import openai_target

__all__ = ["OpenAIProvider"]


class OpenAIProvider(BaseProvider):
    """OpenAI, through the Responses or the Chat Completions API as the call requires."""

    id: ClassVar[str] = "openai"
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
        api = choose_api(model_id, messages)
        target = openai_target(model_id, api, provider_id=self.id)
        encode = encode_responses if api == "responses" else encode_completions
        return encode(target, messages=messages, toolkit=toolkit, format=format, params=params)

    def auth_headers(self) -> dict[str, str]:
        return openai_auth_headers(self)

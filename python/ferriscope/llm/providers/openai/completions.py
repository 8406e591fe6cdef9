"""Chat Completions providers: OpenAI's own, and the base every compatible server builds on.

Compatible servers (Ollama, vLLM, Together, …) differ from OpenAI only in where they live,
how they authenticate and how a model id becomes their model name, so those are the hooks;
encoding is shared (`completions_encoding`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.messages import Message
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.openai.auth import bearer_headers, openai_api_key
from ferriscope.llm.providers.openai.completions_encoding import encode_completions
from ferriscope.llm.providers.openai.model_id import api_suffix
from ferriscope.llm.providers.openai.target import Target, openai_target

__all__ = ["BaseOpenAICompletionsProvider", "CompletionsProvider", "OpenAICompletionsProvider"]


class CompletionsProvider(BaseProvider):
    """A server that speaks OpenAI's Chat Completions API."""

    @abstractmethod
    def bearer_token(self) -> str:
        """The key to send; raises when this provider cannot work without one."""

    @abstractmethod
    def target(self, model_id: str) -> Target:
        """Names and model facts for `model_id`."""

    def encode(
        self,
        *,
        model_id: str,
        messages: Sequence[Message],
        toolkit: Any,
        format: Any,
        params: dict[str, Any],
    ) -> Encoded:
        return encode_completions(
            self.target(model_id),
            messages=messages,
            toolkit=toolkit,
            format=format,
            params=params,
        )

    def auth_headers(self) -> dict[str, str]:
        return bearer_headers(self.bearer_token())


BaseOpenAICompletionsProvider = CompletionsProvider
"""Mirascope's name for the base of every Chat Completions-compatible provider."""


class OpenAICompletionsProvider(CompletionsProvider):
    """OpenAI's Chat Completions API (also any compatible server given as `base_url`, e.g.
    vLLM: `register_provider("openai:completions", scope="vllm/", base_url=...)`)."""

    id: ClassVar[str] = "openai:completions"
    default_scope: ClassVar[str | list[str]] = "openai/"
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"
    api_key_env: ClassVar[str | None] = "OPENAI_API_KEY"
    base_url_env: ClassVar[str | None] = "OPENAI_BASE_URL"
    requires_api_key: ClassVar[bool] = False

    def bearer_token(self) -> str:
        return openai_api_key(self)

    def target(self, model_id: str) -> Target:
        return openai_target(model_id, "completions", provider_id=self.id)

    def encode(
        self,
        *,
        model_id: str,
        messages: Sequence[Message],
        toolkit: Any,
        format: Any,
        params: dict[str, Any],
    ) -> Encoded:
        if api_suffix(model_id) == "responses":
            raise FeatureNotSupportedError(
                "responses API",
                self.id,
                model_id,
                message=f"Can't use completions client for responses model: {model_id}",
            )
        return super().encode(
            model_id=model_id, messages=messages, toolkit=toolkit, format=format, params=params
        )

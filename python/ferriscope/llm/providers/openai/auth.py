"""The bearer token OpenAI-style providers send.

A server other than OpenAI's (vLLM, llama.cpp, LM Studio, a proxy) often needs no key, but
the header is still expected, so a custom base URL without a key sends a placeholder. Against
OpenAI itself a missing key can only end in a 401, so `.stream()` reports it instead (when it
builds the request), naming the variable to set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferriscope.llm.exceptions import MissingAPIKeyError

if TYPE_CHECKING:
    from ferriscope.llm.providers.base import BaseProvider

__all__ = ["PLACEHOLDER_KEY", "bearer_headers", "openai_api_key", "openai_auth_headers"]

PLACEHOLDER_KEY = "not-needed"


def openai_api_key(provider: BaseProvider) -> str:
    """The provider's key; the placeholder for a custom base URL; else MissingAPIKeyError."""
    if provider.api_key:
        return provider.api_key
    if provider.base_url != provider.default_base_url.rstrip("/"):
        return PLACEHOLDER_KEY
    raise MissingAPIKeyError(provider.id, provider.api_key_env or "OPENAI_API_KEY")


def bearer_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def openai_auth_headers(provider: BaseProvider) -> dict[str, str]:
    return bearer_headers(openai_api_key(provider))

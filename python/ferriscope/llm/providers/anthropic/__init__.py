"""Anthropic's Messages API, standard and structured-outputs beta paths (API.md §11.3)."""

from ferriscope.llm.providers.anthropic.provider import AnthropicBetaProvider, AnthropicProvider

__all__ = ["AnthropicBetaProvider", "AnthropicProvider"]

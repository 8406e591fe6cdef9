"""Anthropic's Messages API, standard and structured-outputs beta paths (docs/spec.md §11.3)."""

from ferriscope.llm.providers.anthropic.provider import AnthropicBetaProvider, AnthropicProvider
from ferriscope.llm.providers.model_ids import AnthropicModelId

__all__ = ["AnthropicBetaProvider", "AnthropicModelId", "AnthropicProvider"]

"""OpenRouter at Mirascope's import path (`llm.providers.openrouter`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import OpenRouterProvider

__all__ = ["OpenRouterProvider"]

"""Ollama at Mirascope's import path (`llm.providers.ollama`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import OllamaProvider

__all__ = ["OllamaProvider"]

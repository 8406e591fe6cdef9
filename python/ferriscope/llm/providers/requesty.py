"""Requesty at Mirascope's import path (`llm.providers.requesty`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import RequestyProvider

__all__ = ["RequestyProvider"]

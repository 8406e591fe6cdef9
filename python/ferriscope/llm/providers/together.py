"""Together AI at Mirascope's import path (`llm.providers.together`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import TogetherProvider

__all__ = ["TogetherProvider"]

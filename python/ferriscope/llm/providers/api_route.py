"""API Route at Mirascope's import path (`llm.providers.api_route`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import APIRouteProvider

__all__ = ["APIRouteProvider"]

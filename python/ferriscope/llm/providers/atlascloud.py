"""Atlas Cloud at Mirascope's import path (`llm.providers.atlascloud`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import AtlasCloudProvider

__all__ = ["AtlasCloudProvider"]

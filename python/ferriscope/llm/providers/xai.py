"""xAI at Mirascope's import path (`llm.providers.xai`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import XAIProvider
from ferriscope.llm.providers.model_ids import XAIModelId

__all__ = ["XAIModelId", "XAIProvider"]

"""MiniMax at Mirascope's import path (`llm.providers.minimax`); defined with the other
OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import MiniMaxProvider
from ferriscope.llm.providers.model_ids import MiniMaxModelId

__all__ = ["MiniMaxModelId", "MiniMaxProvider"]

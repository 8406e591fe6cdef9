"""Cheaper Inference at Mirascope's import path (`llm.providers.cheaperinference`); defined
with the other OpenAI-compatible presets in `compatible`."""

from ferriscope.llm.providers.compatible import CheaperInferenceProvider

__all__ = ["CheaperInferenceProvider"]

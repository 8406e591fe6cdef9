"""Generation parameters shared by every provider (docs/spec.md §2.4)."""

from __future__ import annotations

from typing import Literal, TypedDict

from typing_extensions import Required

__all__ = ["Params", "ThinkingConfig", "ThinkingLevel"]

ThinkingLevel = Literal["none", "default", "minimal", "low", "medium", "high", "max"]


class ThinkingConfig(TypedDict, total=False):
    """How much the model should reason, and whether its thoughts come back."""

    level: Required[ThinkingLevel]
    include_thoughts: bool
    """Return thoughts as content (default False: they are dropped from the output)."""
    encode_thoughts_as_text: bool
    """Re-send past thoughts as plain text ("**Thinking:** …") instead of provider raw form."""


class Params(TypedDict, total=False):
    """Parameters a provider may or may not support; unsupported ones are dropped with a
    logged warning, never an error."""

    temperature: float
    max_tokens: int
    top_p: float
    top_k: int
    seed: int
    stop_sequences: list[str]
    thinking: ThinkingConfig | None

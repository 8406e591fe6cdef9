"""Responses and the chunks they are built from.

The chunk classes are defined in the Rust extension so the decoder creates each chunk object
once, directly; they are re-exported here under their public names.
"""

from ferriscope._core import (
    FinishReasonChunk,
    RawMessageChunk,
    RawStreamEventChunk,
    TextChunk,
    TextEndChunk,
    TextStartChunk,
    ThoughtChunk,
    ThoughtEndChunk,
    ThoughtStartChunk,
    ToolCallChunk,
    ToolCallEndChunk,
    ToolCallStartChunk,
    UsageDeltaChunk,
)
from ferriscope.llm.responses.finish_reason import FinishReason
from ferriscope.llm.responses.usage import ProviderToolUsage

__all__ = [
    "FinishReason",
    "FinishReasonChunk",
    "ProviderToolUsage",
    "RawMessageChunk",
    "RawStreamEventChunk",
    "TextChunk",
    "TextEndChunk",
    "TextStartChunk",
    "ThoughtChunk",
    "ThoughtEndChunk",
    "ThoughtStartChunk",
    "ToolCallChunk",
    "ToolCallEndChunk",
    "ToolCallStartChunk",
    "UsageDeltaChunk",
]

"""The Mirascope-compatible `llm` namespace (`from ferriscope import llm`)."""

from ferriscope.llm.responses import (
    FinishReason,
    FinishReasonChunk,
    ProviderToolUsage,
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

"""Responses and the chunks they are built from.

The chunk classes are defined in the Rust extension so the decoder creates each chunk object
once, directly; they are re-exported here under their public names.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

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
from ferriscope.llm.responses.citations import Citation
from ferriscope.llm.responses.finish_reason import FinishReason
from ferriscope.llm.responses.response import (
    AsyncContextResponse,
    AsyncResponse,
    ContextResponse,
    Response,
    RootResponse,
)
from ferriscope.llm.responses.stream_response import (
    AsyncContextStreamResponse,
    AsyncStreamResponse,
    ContextStreamResponse,
    StreamResponse,
)
from ferriscope.llm.responses.streams import (
    AsyncStream,
    AsyncTextStream,
    AsyncThoughtStream,
    AsyncToolCallStream,
    Stream,
    TextStream,
    ThoughtStream,
    ToolCallStream,
)
from ferriscope.llm.responses.type_vars import ResponseT, StreamResponseT
from ferriscope.llm.responses.usage import ProviderToolUsage, Usage

StreamResponseChunk = (
    TextStartChunk
    | TextChunk
    | TextEndChunk
    | ThoughtStartChunk
    | ThoughtChunk
    | ThoughtEndChunk
    | ToolCallStartChunk
    | ToolCallChunk
    | ToolCallEndChunk
    | FinishReasonChunk
    | UsageDeltaChunk
    | RawStreamEventChunk
    | RawMessageChunk
)
AnyResponse = (
    Response[Any]
    | AsyncResponse[Any]
    | ContextResponse[Any, Any]
    | AsyncContextResponse[Any, Any]
    | StreamResponse[Any]
    | AsyncStreamResponse[Any]
    | ContextStreamResponse[Any, Any]
    | AsyncContextStreamResponse[Any, Any]
)
ChunkIterator = Iterator[StreamResponseChunk]
AsyncChunkIterator = AsyncIterator[StreamResponseChunk]

__all__ = [
    "AnyResponse",
    "AsyncChunkIterator",
    "AsyncContextResponse",
    "AsyncContextStreamResponse",
    "AsyncResponse",
    "AsyncStream",
    "AsyncStreamResponse",
    "AsyncTextStream",
    "AsyncThoughtStream",
    "AsyncToolCallStream",
    "ChunkIterator",
    "Citation",
    "ContextResponse",
    "ContextStreamResponse",
    "FinishReason",
    "FinishReasonChunk",
    "ProviderToolUsage",
    "RawMessageChunk",
    "RawStreamEventChunk",
    "Response",
    "ResponseT",
    "RootResponse",
    "Stream",
    "StreamResponse",
    "StreamResponseChunk",
    "StreamResponseT",
    "TextChunk",
    "TextEndChunk",
    "TextStartChunk",
    "TextStream",
    "ThoughtChunk",
    "ThoughtEndChunk",
    "ThoughtStartChunk",
    "ThoughtStream",
    "ToolCallChunk",
    "ToolCallEndChunk",
    "ToolCallStartChunk",
    "ToolCallStream",
    "Usage",
    "UsageDeltaChunk",
]

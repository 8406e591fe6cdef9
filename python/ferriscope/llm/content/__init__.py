"""Content parts of messages, and the chunk types they stream as."""

from typing import Any

from ferriscope._core import (
    TextChunk,
    TextEndChunk,
    TextStartChunk,
    ThoughtChunk,
    ThoughtEndChunk,
    ThoughtStartChunk,
    ToolCallChunk,
    ToolCallEndChunk,
    ToolCallStartChunk,
)
from ferriscope.llm.content.media import (
    Audio,
    Base64AudioSource,
    Base64DocumentSource,
    Base64ImageSource,
    Document,
    Image,
    TextDocumentSource,
    URLDocumentSource,
    URLImageSource,
)
from ferriscope.llm.content.parts import Text, Thought, ToolCall, ToolOutput

AssistantContentPart = Text | ToolCall | Thought
UserContentPart = Text | Image | Audio | Document | ToolOutput[Any]
AssistantContentChunk = (
    TextStartChunk
    | TextChunk
    | TextEndChunk
    | ThoughtStartChunk
    | ThoughtChunk
    | ThoughtEndChunk
    | ToolCallStartChunk
    | ToolCallChunk
    | ToolCallEndChunk
)

__all__ = [
    "AssistantContentChunk",
    "AssistantContentPart",
    "Audio",
    "Base64AudioSource",
    "Base64DocumentSource",
    "Base64ImageSource",
    "Document",
    "Image",
    "Text",
    "TextChunk",
    "TextDocumentSource",
    "TextEndChunk",
    "TextStartChunk",
    "Thought",
    "ThoughtChunk",
    "ThoughtEndChunk",
    "ThoughtStartChunk",
    "ToolCall",
    "ToolCallChunk",
    "ToolCallEndChunk",
    "ToolCallStartChunk",
    "ToolOutput",
    "URLDocumentSource",
    "URLImageSource",
    "UserContentPart",
]

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
    ImageMimeType,
    TextDocumentSource,
    URLDocumentSource,
    URLImageSource,
)
from ferriscope.llm.content.parts import Text, Thought, ToolCall, ToolOutput

ContentPart = Text | Image | Audio | Document | ToolOutput[Any] | ToolCall | Thought
"""Any part a message can hold."""
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
    "ContentPart",
    "Document",
    "Image",
    "ImageMimeType",
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

"""Messages of a conversation and the constructors `system`, `user` and `assistant`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from typing_extensions import TypeIs

from ferriscope.llm.content import (
    AssistantContentPart,
    Audio,
    Document,
    Image,
    Text,
    Thought,
    ToolCall,
    ToolOutput,
    UserContentPart,
)

__all__ = [
    "AssistantContent",
    "AssistantMessage",
    "Message",
    "SystemContent",
    "SystemMessage",
    "UserContent",
    "UserMessage",
    "assistant",
    "is_messages",
    "promote_to_messages",
    "system",
    "user",
]

SystemContent: TypeAlias = str | Text
UserContent: TypeAlias = str | UserContentPart | Sequence[str | UserContentPart]
AssistantContent: TypeAlias = str | AssistantContentPart | Sequence[str | AssistantContentPart]


@dataclass(kw_only=True)
class SystemMessage:
    role: Literal["system"] = "system"
    content: Text


@dataclass(kw_only=True)
class UserMessage:
    role: Literal["user"] = "user"
    content: Sequence[UserContentPart]
    name: str | None = None


@dataclass(kw_only=True)
class AssistantMessage:
    """A model's turn. `raw_message` is the provider's own form of it, reused on resume when
    the same provider and model continue the conversation (keeps thinking signatures)."""

    role: Literal["assistant"] = "assistant"
    content: Sequence[AssistantContentPart]
    name: str | None = None
    provider_id: str | None
    model_id: str | None
    provider_model_name: str | None = None
    raw_message: Any = None


Message: TypeAlias = SystemMessage | UserMessage | AssistantMessage

_USER_PARTS = (Text, Image, Audio, Document, ToolOutput)
_ASSISTANT_PARTS = (Text, Thought, ToolCall)


def _parts(content: Any, allowed: tuple[type, ...], role: str) -> list[Any]:
    items = [content] if isinstance(content, (str, *allowed)) else list(content)
    out: list[Any] = []
    for item in items:
        if isinstance(item, str):
            out.append(Text(text=item))
        elif isinstance(item, allowed):
            out.append(item)
        else:
            raise TypeError(f"{type(item).__name__} cannot be part of a {role} message")
    return out


def system(content: SystemContent) -> SystemMessage:
    return SystemMessage(content=Text(text=content) if isinstance(content, str) else content)


def user(content: UserContent, *, name: str | None = None) -> UserMessage:
    if type(content) is str:  # the usual prompt: what `_parts` makes of it, without its walk
        return UserMessage(content=[Text(text=content)], name=name)
    return UserMessage(content=_parts(content, _USER_PARTS, "user"), name=name)


def assistant(
    content: AssistantContent,
    *,
    model_id: str | None,
    provider_id: str | None,
    provider_model_name: str | None = None,
    raw_message: Any = None,
    name: str | None = None,
) -> AssistantMessage:
    return AssistantMessage(
        content=_parts(content, _ASSISTANT_PARTS, "assistant"),
        name=name,
        provider_id=provider_id,
        model_id=model_id,
        provider_model_name=provider_model_name,
        raw_message=raw_message,
    )


def is_messages(content: UserContent | Sequence[Message]) -> TypeIs[Sequence[Message]]:
    """Whether a prompt function's result is already a list of messages (rather than content
    for one user message). An empty list is neither, and raises `ValueError`."""
    if isinstance(content, Sequence) and not isinstance(content, str):
        if len(content) == 0:
            raise ValueError("Empty array may not be used as message content")
        return isinstance(content[0], (SystemMessage, UserMessage, AssistantMessage))
    return False


def promote_to_messages(content: UserContent | Sequence[Message]) -> Sequence[Message]:
    """A prompt function's result as messages: messages as they are, anything else (a str, a
    part or a list of them) as one user message."""
    if is_messages(content):
        return content
    return [user(content)]

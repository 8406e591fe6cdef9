"""Messages of a conversation and the constructors `system`, `user` and `assistant`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

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

"""Non-streaming responses (`call()`): the same content as a finished stream, no iterators.

ferriscope makes every call through the streaming endpoint and finishes it, so a `Response` is
built from a consumed stream response: one decoder path serves both APIs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import Self

from ferriscope.llm.content import Text, Thought, ToolCall
from ferriscope.llm.context import DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.messages import Message
from ferriscope.llm.responses.finish_reason import FinishReason
from ferriscope.llm.responses.methods import (
    AsyncContextToolLoop,
    AsyncToolLoop,
    ContextToolLoop,
    SyncToolLoop,
)
from ferriscope.llm.responses.usage import Usage
from ferriscope.llm.tools.toolkit import (
    AsyncContextToolkit,
    AsyncToolkit,
    ContextToolkit,
    Toolkit,
    ToolkitT,
)

__all__ = ["AsyncContextResponse", "AsyncResponse", "ContextResponse", "Response", "RootResponse"]

if TYPE_CHECKING:
    from ferriscope.llm.formatting import Format


class RootResponse(Generic[ToolkitT, FormattableT]):
    """The content and metadata every finished response carries (docs/spec.md §3.4, §6).

    Parameterised as Mirascope's is: by the toolkit kind of its call, then the format."""

    provider_id: str
    model_id: str
    provider_model_name: str
    params: Any
    toolkit: ToolkitT
    format: Format[FormattableT] | None
    content: Sequence[Any]
    texts: Sequence[Text]
    thoughts: Sequence[Thought]
    tool_calls: Sequence[ToolCall]
    messages: list[Message]
    usage: Usage | None
    finish_reason: FinishReason | None
    raw: Any

    @classmethod
    def from_stream(cls, stream: Any) -> Self:
        """Takes over the content of a consumed stream response (no copies)."""
        self = cls.__new__(cls)
        for name in (
            "provider_id",
            "model_id",
            "provider_model_name",
            "params",
            "toolkit",
            "format",
            "content",
            "texts",
            "thoughts",
            "tool_calls",
            "messages",
            "usage",
            "finish_reason",
        ):
            setattr(self, name, getattr(stream, name))
        self.raw = getattr(self.messages[-1], "raw_message", None) if self.messages else None
        return self

    def text(self, sep: str = "\n") -> str:
        return sep.join(t.text for t in self.texts)

    def finish(self) -> None:
        """A finished response has nothing left to consume (kept for symmetry with streams)."""

    def pretty(self) -> str:
        parts: list[str] = []
        for part in self.content:
            if part.type == "text":
                parts.append(part.text)
            elif part.type == "thought":
                parts.append("**Thinking:**\n  " + part.thought.replace("\n", "\n  "))
            else:
                parts.append(f"**ToolCall ({part.name}):** {part.args}")
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model_id}: {self.pretty()[:80]!r}>"


class Response(
    SyncToolLoop[FormattableT], RootResponse[Toolkit, FormattableT], Generic[FormattableT]
):
    """The result of a sync `call()`."""


class AsyncResponse(
    AsyncToolLoop[FormattableT], RootResponse[AsyncToolkit, FormattableT], Generic[FormattableT]
):
    """The result of an async `call()`."""

    async def finish(self) -> None:  # type: ignore[override]
        """Nothing left to consume."""


class ContextResponse(
    ContextToolLoop[DepsT, FormattableT],
    RootResponse[ContextToolkit[DepsT], FormattableT],
    Generic[DepsT, FormattableT],
):
    """The result of a sync context `call()`; tool and resume methods take `ctx` first."""


class AsyncContextResponse(
    AsyncContextToolLoop[DepsT, FormattableT],
    RootResponse[AsyncContextToolkit[DepsT], FormattableT],
    Generic[DepsT, FormattableT],
):
    """The result of an async context `call()`."""

    async def finish(self) -> None:  # type: ignore[override]
        """Nothing left to consume."""

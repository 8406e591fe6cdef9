"""Assistant content parts: text, thoughts, tool calls, and the tool outputs sent back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, cast

from ferriscope.llm.exceptions import ToolError

__all__ = ["Text", "Thought", "ToolCall", "ToolOutput"]

R = TypeVar("R")


@dataclass(kw_only=True)
class Text:
    """A run of text in a message."""

    type: Literal["text"] = "text"
    text: str


@dataclass(kw_only=True)
class Thought:
    """Readable reasoning (or its summary) produced before the answer."""

    type: Literal["thought"] = "thought"
    thought: str


@dataclass(kw_only=True)
class ToolCall:
    """A request from the model to run a tool; `args` is the JSON text as the model sent it."""

    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    args: str


@dataclass(kw_only=True)
class ToolOutput(Generic[R]):
    """The result of running a tool, sent back to the model in a user message.

    On failure `result` holds the error message (so the model can react) and `error` the
    error itself; `output` returns the result or raises that error.
    """

    type: Literal["tool_output"] = "tool_output"
    id: str
    name: str
    result: R | str
    error: ToolError | None = None

    @property
    def output(self) -> R:
        if self.error is not None:
            raise self.error
        return cast(R, self.result)

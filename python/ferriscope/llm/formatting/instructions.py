"""Putting a format's instructions into the prompt (docs/spec.md §7.1).

They go at the end of a leading system message (after a newline), or become a new first
system message. Re-sending messages that already carry them (a resumed conversation) must
not repeat them, hence the check for an existing suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ferriscope.llm.content import Text
from ferriscope.llm.formatting.format import Format
from ferriscope.llm.messages import Message, SystemMessage

__all__ = ["add_system_instructions", "with_formatting_instructions"]


def add_system_instructions(messages: Sequence[Message], instructions: str) -> list[Message]:
    """`messages` with `instructions` at the end of the system prompt (idempotent)."""
    if messages and isinstance(messages[0], SystemMessage):
        existing = messages[0].content.text
        if existing.endswith(instructions):
            return list(messages)
        merged = SystemMessage(content=Text(text=existing + "\n" + instructions))
        return [merged, *messages[1:]]
    return [SystemMessage(content=Text(text=instructions)), *messages]


def with_formatting_instructions(
    messages: Sequence[Message], format: Format[Any] | None
) -> list[Message]:
    """`messages` as sent with `format`: its instructions added, if it has any."""
    instructions = format.formatting_instructions if format is not None else None
    if not instructions:
        return list(messages)
    return add_system_instructions(messages, instructions)

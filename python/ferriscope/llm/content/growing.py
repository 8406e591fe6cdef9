"""Text and thoughts that grow while they stream, without quadratic string copies.

A streamed `Text` must be in `response.texts` from its first delta and read as the text so far
at any moment. Appending each delta to a `str` attribute copies the whole string every time
(quadratic in the response length), so while a part streams it is a `Text` subclass that
keeps the deltas in a list and joins them only when read. When the part ends it becomes a
plain `Text` again (same object, so references users hold stay valid).

The response's chunk cache joins each batch of deltas into one block as it compacts (see
`responses/chunk_cache.py`), so the list holds a few strings per hundred deltas, and it reads
replayed deltas out of the same list: the pieces list outlives the part as `[final text]`.
"""

from __future__ import annotations

from typing import Any

from ferriscope.llm.content.parts import Text, Thought

__all__ = [
    "GrowingText",
    "GrowingThought",
    "freeze",
    "growing_text",
    "growing_thought",
    "joined",
]


def joined(pieces: list[str]) -> str:
    """The pieces' text, left as their only piece so the next read costs nothing (in place:
    the response appends to this very list)."""
    if len(pieces) != 1:
        text = "".join(pieces)
        pieces[:] = (text,)
    return pieces[0]


def _joined(obj: Any) -> str:
    return joined(obj.__dict__["_pieces"])


def _set(obj: Any, value: str) -> None:
    obj.__dict__["_pieces"] = [value]


class GrowingText(Text):
    """A `Text` still receiving deltas (see the module docstring)."""

    text = property(_joined, _set)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Text):
            return NotImplemented
        return bool(self.type == other.type and self.text == other.text)

    __hash__ = None  # type: ignore[assignment]


class GrowingThought(Thought):
    """A `Thought` still receiving deltas (see the module docstring)."""

    thought = property(_joined, _set)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Thought):
            return NotImplemented
        return bool(self.type == other.type and self.thought == other.thought)

    __hash__ = None  # type: ignore[assignment]


def growing_text() -> tuple[GrowingText, list[str]]:
    """A new empty streaming text and the list its deltas are appended to."""
    obj = GrowingText.__new__(GrowingText)
    pieces: list[str] = [""]
    obj.__dict__.update(type="text", _pieces=pieces)
    return obj, pieces


def growing_thought() -> tuple[GrowingThought, list[str]]:
    obj = GrowingThought.__new__(GrowingThought)
    pieces: list[str] = [""]
    obj.__dict__.update(type="thought", _pieces=pieces)
    return obj, pieces


def freeze(obj: GrowingText | GrowingThought) -> None:
    """Turns a finished part back into a plain `Text` / `Thought`, in place."""
    value = _joined(obj)
    del obj.__dict__["_pieces"]
    if isinstance(obj, GrowingText):
        obj.__dict__["text"] = value
        obj.__class__ = Text  # type: ignore[assignment]
    else:
        obj.__dict__["thought"] = value
        obj.__class__ = Thought  # type: ignore[assignment]

"""What a synthesised reply says, independent of the wire format that carries it: a `Reply`
to write, or a `SyntheticStream` written and what a decoder must find in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reply", "SynthToolCall", "SyntheticStream"]


@dataclass(frozen=True)
class SynthToolCall:
    id: str
    name: str
    args: dict[str, Any]
    pieces: int = 3
    """How many argument deltas the JSON text is cut into (where the format streams them)."""


@dataclass(frozen=True)
class Reply:
    """What the model says, in order: thinking, then text, then tool calls."""

    text: Sequence[str] = ()
    thinking: Sequence[str] = ()
    tool_calls: Sequence[SynthToolCall] = ()
    input_tokens: int = 12
    output_tokens: int = 34
    stop: str = "end"  # "end" | "max_tokens"
    model: str = "test-model"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyntheticStream:
    """One generated response body and what a decoder has to find in it."""

    #: The ferriscope wire format name (`StreamDecoder(wire_format)`).
    wire_format: str
    #: The response body, exactly as the server would send it.
    body: bytes
    #: The concatenation of every text delta (the response's text).
    text: str
    #: SSE events in the body (including `[DONE]` and pings).
    n_events: int
    #: Non-empty text deltas in the body.
    n_text_deltas: int

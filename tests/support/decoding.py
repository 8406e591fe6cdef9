"""Test helpers: load the recorded fixtures and fold decoder chunks into what a response holds.

`fold` applies the accumulation rules of docs/spec.md §3.3 (with the §7.4 format-tool
conversion) to a flat chunk list, independently of the library's own response classes, so
decoder tests can compare with the fixtures' expected results.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ferriscope._core import StreamDecoder
from tests.support.paths import FIXTURES

FORMAT_TOOL_NAME = "__mirascope_formatted_output_tool__"
CONTENT_TYPES = {
    "text_start_chunk",
    "text_chunk",
    "text_end_chunk",
    "thought_start_chunk",
    "thought_chunk",
    "thought_end_chunk",
    "tool_call_start_chunk",
    "tool_call_chunk",
    "tool_call_end_chunk",
}


def response_args() -> dict[str, Any]:
    """What a stream response built by hand in a test needs besides its source."""
    return {
        "provider_id": "openai",
        "model_id": "openai/gpt-test",
        "provider_model_name": "gpt-test",
        "params": {},
        "input_messages": [],
    }


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    """Every fixture case, keyed by its path below `fixtures/streams`."""
    return [
        (str(p.relative_to(FIXTURES).with_suffix("")), json.loads(p.read_text()))
        for p in sorted(FIXTURES.rglob("*.json"))
    ]


def include_thoughts(case: dict[str, Any], turn: int) -> bool:
    """The include_thoughts setting the request of interaction `turn` ran under."""
    call = case["call"]
    thinking = call.get("thinking") or {}
    if turn > 0:
        resumes = [s for s in call.get("steps", []) if s.get("step") == "resume" or "with" in s]
        overrides = [s.get("model_override") for s in resumes if s.get("model_override")]
        if overrides:
            thinking = overrides[min(turn, len(overrides)) - 1].get("thinking") or {}
    return bool(thinking.get("include_thoughts", False))


def splits(body: bytes, seed: int, max_piece: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    i = 0
    while i < len(body):
        n = rng.randint(1, max_piece)
        yield body[i : i + n]
        i += n


def decode(
    wire_format: str, pieces: Sequence[bytes] | Iterator[bytes], *, thoughts: bool = False
) -> list[Any]:
    decoder = StreamDecoder(wire_format, include_thoughts=thoughts)
    chunks: list[Any] = []
    for piece in pieces:
        chunks.extend(decoder.feed(piece))
    chunks.extend(decoder.finish())
    return chunks


@dataclass
class Folded:
    content: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, int] | None = None
    finish_reason: str | None = None
    n_chunks: int = 0
    raw_message: Any = None
    error: Any = None
    order: list[str] = field(default_factory=list)


def fold(chunks: Sequence[Any]) -> Folded:
    """What a response accumulates from `chunks`; raises AssertionError on a contract breach."""
    out = Folded()
    open_part: dict[str, Any] | None = None
    format_ids: set[str] = set()
    pending: dict[str, dict[str, Any]] = {}
    for chunk in chunks:
        t = chunk.type
        assert out.error is None, f"chunk {chunk!r} after an error chunk"
        if t in CONTENT_TYPES:
            assert out.finish_reason is None or True
            out.n_chunks += 1
        if t == "text_start_chunk" or (
            t == "tool_call_start_chunk" and chunk.name.startswith(FORMAT_TOOL_NAME)
        ):
            assert open_part is None, "a text/thought part started while another is open"
            open_part = {"type": "text", "text": ""}
            out.content.append(open_part)
            if t == "tool_call_start_chunk":
                format_ids.add(chunk.id)
        elif t == "thought_start_chunk":
            assert open_part is None, "a thought started while another part is open"
            open_part = {"type": "thought", "thought": ""}
            out.content.append(open_part)
        elif t in ("text_chunk", "thought_chunk") or (
            t == "tool_call_chunk" and chunk.id in format_ids
        ):
            assert open_part is not None, f"{t} with no open part"
            key = "thought" if t == "thought_chunk" else "text"
            assert open_part["type"] == key
            open_part[key] += chunk.delta
        elif t in ("text_end_chunk", "thought_end_chunk") or (
            t == "tool_call_end_chunk" and chunk.id in format_ids
        ):
            assert open_part is not None, f"{t} with no open part"
            open_part = None
        elif t == "tool_call_start_chunk":
            assert chunk.id not in pending, f"duplicate tool call id {chunk.id}"
            pending[chunk.id] = {
                "type": "tool_call",
                "id": chunk.id,
                "name": chunk.name,
                "args": "",
            }
        elif t == "tool_call_chunk":
            assert chunk.id in pending, f"delta for unknown tool call {chunk.id}"
            pending[chunk.id]["args"] += chunk.delta
        elif t == "tool_call_end_chunk":
            assert chunk.id in pending, f"end of unknown tool call {chunk.id}"
            call = pending.pop(chunk.id)
            call["args"] = call["args"] if call["args"].strip() else "{}"
            out.content.append(call)
        elif t == "usage_delta_chunk":
            usage = out.usage or dict.fromkeys(
                ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                 "reasoning_tokens"), 0)  # fmt: skip
            for k in usage:
                usage[k] += getattr(chunk, k)
            out.usage = usage
        elif t == "finish_reason_chunk":
            out.finish_reason = chunk.finish_reason.value
        elif t == "raw_message_chunk":
            assert out.raw_message is None, "more than one raw message chunk"
            out.raw_message = chunk.raw_message
        elif t == "stream_error_chunk":
            out.error = chunk
        elif t == "raw_stream_event_chunk":
            pass
        else:  # pragma: no cover - a new chunk type the helper does not know
            raise AssertionError(f"unknown chunk type {t}")
        out.order.append(t)
    if out.error is None:
        assert open_part is None, "stream ended with a text/thought part open"
        assert not pending, f"stream ended with tool calls open: {list(pending)}"
    return out

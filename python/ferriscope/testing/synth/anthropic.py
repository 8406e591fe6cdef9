"""Anthropic Messages streams: the one place that knows how their events are spelled.

`message_start`, per content block `content_block_start` / `_delta`s / `_stop`, then
`message_delta` (stop reason, usage) and `message_stop`, with the `ping`s a client must skip.
`anthropic_stream` writes a `Reply`; `realistic_anthropic_stream` writes a long text answer
as the live API sends it (its full usage objects, and the runs of padding spaces before an
event's closing brace).
"""

from __future__ import annotations

import functools
import json
import random
from typing import Any

from ferriscope.testing.synth.framing import check_size, cut, dump, sse_event
from ferriscope.testing.synth.reply import Reply, SyntheticStream
from ferriscope.testing.synth.text import delta_text, rand_id

__all__ = ["anthropic_event", "anthropic_stream", "realistic_anthropic_stream"]


def anthropic_event(kind: str, *, pad: str = "", ensure_ascii: bool = True, **payload: Any) -> str:
    """One event: `event: kind` and `{"type": kind, **payload}`, with `pad` (spaces) before
    the closing brace as the live API sometimes sends."""
    data = dump({"type": kind, **payload}, ensure_ascii=ensure_ascii)
    return sse_event(kind, data[:-1] + pad + "}" if pad else data)


def anthropic_stream(reply: Reply) -> bytes:
    """An Anthropic Messages stream, pings and all."""
    out: list[str] = []

    def event(kind: str, **payload: Any) -> None:
        out.append(anthropic_event(kind, **payload))

    event(
        "message_start",
        message={
            "id": "msg_synth",
            "type": "message",
            "role": "assistant",
            "model": reply.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": reply.input_tokens,
                "output_tokens": 1,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
    )
    index = 0
    if reply.thinking:
        event(
            "content_block_start",
            index=index,
            content_block={"type": "thinking", "thinking": "", "signature": ""},
        )
        event("ping")
        for piece in reply.thinking:
            event(
                "content_block_delta",
                index=index,
                delta={"type": "thinking_delta", "thinking": piece},
            )
        event(
            "content_block_delta",
            index=index,
            delta={"type": "signature_delta", "signature": "c2lnbmF0dXJl"},
        )
        event("content_block_stop", index=index)
        index += 1
    if reply.text:
        event("content_block_start", index=index, content_block={"type": "text", "text": ""})
        for piece in reply.text:
            event("content_block_delta", index=index, delta={"type": "text_delta", "text": piece})
        event("content_block_stop", index=index)
        index += 1
    for call in reply.tool_calls:
        event(
            "content_block_start",
            index=index,
            content_block={"type": "tool_use", "id": call.id, "name": call.name, "input": {}},
        )
        event(
            "content_block_delta",
            index=index,
            delta={"type": "input_json_delta", "partial_json": ""},
        )
        for piece in cut(json.dumps(call.args), call.pieces):
            event(
                "content_block_delta",
                index=index,
                delta={"type": "input_json_delta", "partial_json": piece},
            )
        event("content_block_stop", index=index)
        index += 1
    stop = (
        "max_tokens"
        if reply.stop == "max_tokens"
        else ("tool_use" if reply.tool_calls else "end_turn")
    )
    event(
        "message_delta",
        delta={"stop_reason": stop, "stop_sequence": None},
        usage={"output_tokens": reply.output_tokens},
    )
    event("message_stop")
    return "".join(out).encode()


# The live API spells its ping with a space after the colon.
_LIVE_PING = sse_event("ping", '{"type": "ping"}')


def _pad(rng: random.Random) -> str:
    return " " * rng.randrange(16)


@functools.lru_cache(maxsize=4)
def realistic_anthropic_stream(size: int, *, seed: int = 0) -> SyntheticStream:
    """A `claude-sonnet-4-0` text stream of about `size` bytes as the live API sends it, its
    text drawn from `token_deltas`' vocabulary (a few words per delta, ~13 characters).
    Deterministic for a seed, and cached."""
    check_size(size)
    rng = random.Random(seed)
    msg_id = "msg_01" + rand_id(rng, 22)
    input_tokens = 17 + rng.randrange(100)

    def event(kind: str, pad: str = "", **payload: Any) -> str:
        return anthropic_event(kind, pad=pad, ensure_ascii=False, **payload)

    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 1,
        "service_tier": "standard",
    }
    message: dict[str, Any] = {
        "model": "claude-sonnet-4-20250514",
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    text_block = {"type": "text", "text": ""}
    parts = [
        event("message_start", message=message),
        event("content_block_start", _pad(rng), index=0, content_block=text_block),
    ]
    texts: list[str] = []
    total = sum(len(p) for p in parts)
    budget = size - 700  # room for the closing events
    while total < budget:
        text = "".join(delta_text(rng) for _ in range(1 + rng.randrange(4)))
        delta = {"type": "text_delta", "text": text}
        part = event("content_block_delta", _pad(rng), index=0, delta=delta)
        parts.append(part)
        texts.append(text)
        total += len(part.encode())
        if len(texts) == 1:
            parts.append(_LIVE_PING)  # the size budget counts the deltas only
    n = len(texts)
    parts.append(event("content_block_stop", _pad(rng), index=0))
    final_usage = {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": n,
    }
    stop = {"stop_reason": "end_turn", "stop_sequence": None}
    parts.append(event("message_delta", _pad(rng), delta=stop, usage=final_usage))
    parts.append(event("message_stop", _pad(rng)))
    return SyntheticStream(
        wire_format="anthropic",
        body="".join(parts).encode(),
        text="".join(texts),
        n_events=len(parts),
        n_text_deltas=n,
    )

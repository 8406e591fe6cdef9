"""Synthesised provider streams in each real wire format, for tests and demos.

A reply is described once — thinking, text, tool calls, usage, how it ends — and written as
the SSE body the provider would send. The shapes follow the recorded fixtures event for event
(including the events a client must skip), so the decoders meet realistic input.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Reply",
    "SynthToolCall",
    "anthropic_stream",
    "gemini_stream",
    "openai_completions_stream",
    "openai_responses_stream",
    "stream_for",
]


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


def _dump(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _cut(text: str, pieces: int) -> list[str]:
    step = max(1, -(-len(text) // max(1, pieces)))
    return [text[i : i + step] for i in range(0, len(text), step)] or [""]


def openai_completions_stream(reply: Reply) -> bytes:
    """A Chat Completions stream (`data:` lines, `[DONE]`)."""
    head = {
        "id": "chatcmpl-synth",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": reply.model,
    }
    out: list[str] = []

    def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        out.append(f"data: {_dump(body)}\n\n")

    chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in reply.thinking:
        chunk({"reasoning_content": piece})
    for piece in reply.text:
        chunk({"content": piece})
    for index, call in enumerate(reply.tool_calls):
        args = _cut(json.dumps(call.args), call.pieces)
        chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": ""},
                    }
                ]
            }
        )
        for piece in args:
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    finish = (
        "length" if reply.stop == "max_tokens" else ("tool_calls" if reply.tool_calls else "stop")
    )
    chunk({}, finish)
    usage = {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    out.append(f"data: {_dump({**head, 'choices': [], 'usage': usage})}\n\n")
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def openai_responses_stream(reply: Reply) -> bytes:
    """A Responses API stream (`event:` + `data:` pairs)."""
    out: list[str] = []
    seq = 0

    def event(kind: str, **payload: Any) -> None:
        nonlocal seq
        out.append(
            f"event: {kind}\ndata: {_dump({'type': kind, 'sequence_number': seq, **payload})}\n\n"
        )
        seq += 1

    response = {"id": "resp_synth", "object": "response", "model": reply.model, "output": []}
    event("response.created", response={**response, "status": "in_progress"})
    output: list[dict[str, Any]] = []
    index = 0
    if reply.thinking:
        item_id = "rs_synth"
        event(
            "response.output_item.added",
            output_index=index,
            item={"id": item_id, "type": "reasoning", "summary": []},
        )
        event(
            "response.reasoning_summary_part.added",
            item_id=item_id,
            output_index=index,
            summary_index=0,
            part={"type": "summary_text", "text": ""},
        )
        for piece in reply.thinking:
            event(
                "response.reasoning_summary_text.delta",
                item_id=item_id,
                output_index=index,
                summary_index=0,
                delta=piece,
            )
        full = "".join(reply.thinking)
        event(
            "response.reasoning_summary_text.done",
            item_id=item_id,
            output_index=index,
            summary_index=0,
            text=full,
        )
        item = {
            "id": item_id,
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": full}],
        }
        event("response.output_item.done", output_index=index, item=item)
        output.append(item)
        index += 1
    if reply.text:
        item_id = "msg_synth"
        event(
            "response.output_item.added",
            output_index=index,
            item={
                "id": item_id,
                "type": "message",
                "status": "in_progress",
                "content": [],
                "role": "assistant",
            },
        )
        event(
            "response.content_part.added",
            item_id=item_id,
            output_index=index,
            content_index=0,
            part={"type": "output_text", "annotations": [], "text": ""},
        )
        for piece in reply.text:
            event(
                "response.output_text.delta",
                item_id=item_id,
                output_index=index,
                content_index=0,
                delta=piece,
            )
        full = "".join(reply.text)
        event(
            "response.output_text.done",
            item_id=item_id,
            output_index=index,
            content_index=0,
            text=full,
        )
        part = {"type": "output_text", "annotations": [], "text": full}
        event(
            "response.content_part.done",
            item_id=item_id,
            output_index=index,
            content_index=0,
            part=part,
        )
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "content": [part],
            "role": "assistant",
        }
        event("response.output_item.done", output_index=index, item=item)
        output.append(item)
        index += 1
    for call in reply.tool_calls:
        item_id = f"fc_{call.id}"
        args = json.dumps(call.args)
        event(
            "response.output_item.added",
            output_index=index,
            item={
                "id": item_id,
                "type": "function_call",
                "status": "in_progress",
                "arguments": "",
                "call_id": call.id,
                "name": call.name,
            },
        )
        for piece in _cut(args, call.pieces):
            event(
                "response.function_call_arguments.delta",
                item_id=item_id,
                output_index=index,
                delta=piece,
            )
        event(
            "response.function_call_arguments.done",
            item_id=item_id,
            output_index=index,
            arguments=args,
        )
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "completed",
            "arguments": args,
            "call_id": call.id,
            "name": call.name,
        }
        event("response.output_item.done", output_index=index, item=item)
        output.append(item)
        index += 1
    usage = {
        "input_tokens": reply.input_tokens,
        "output_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }
    final = {**response, "output": output, "usage": usage}
    if reply.stop == "max_tokens":
        event(
            "response.incomplete",
            response={
                **final,
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
            },
        )
    else:
        event("response.completed", response={**final, "status": "completed"})
    return "".join(out).encode()


def anthropic_stream(reply: Reply) -> bytes:
    """An Anthropic Messages stream, pings and all."""
    out: list[str] = []

    def event(kind: str, **payload: Any) -> None:
        out.append(f"event: {kind}\ndata: {_dump({'type': kind, **payload})}\n\n")

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
        for piece in _cut(json.dumps(call.args), call.pieces):
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


def gemini_stream(reply: Reply) -> bytes:
    """A Gemini `streamGenerateContent?alt=sse` stream (CRLF line ends, as Google sends)."""
    out: list[str] = []
    prompt = reply.input_tokens

    def event(parts: list[dict[str, Any]], output: int, finish: str | None = None) -> None:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        usage = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": output,
            "totalTokenCount": prompt + output,
        }
        body = {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": reply.model,
            "responseId": "synth",
        }
        out.append(f"data: {_dump(body)}\r\n\r\n")

    produced = 0
    for piece in reply.thinking:
        produced += 1
        event([{"text": piece, "thought": True}], produced)
    for piece in reply.text:
        produced += 1
        event([{"text": piece}], produced)
    if reply.tool_calls:
        calls = [{"functionCall": {"name": c.name, "args": c.args}} for c in reply.tool_calls]
        event(calls, produced)
    finish = "MAX_TOKENS" if reply.stop == "max_tokens" else "STOP"
    event([{"text": ""}], reply.output_tokens, finish)
    return "".join(out).encode()


_BY_FORMAT = {
    "openai-completions": openai_completions_stream,
    "openai-responses": openai_responses_stream,
    "anthropic": anthropic_stream,
    "google": gemini_stream,
}


def stream_for(wire_format: str, reply: Reply) -> bytes:
    """The body of `reply` in the named wire format."""
    try:
        return _BY_FORMAT[wire_format](reply)
    except KeyError:
        raise ValueError(f"unknown wire format {wire_format!r}") from None

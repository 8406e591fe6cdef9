"""OpenAI Responses API streams (`event:` + `data:` pairs, numbered): reasoning summary, message
text and function calls as output items, then `response.completed` or `.incomplete`."""

from __future__ import annotations

import json
from typing import Any

from ferriscope.testing.synth.framing import cut, dump
from ferriscope.testing.synth.reply import Reply

__all__ = ["openai_responses_stream"]


def openai_responses_stream(reply: Reply) -> bytes:
    """A Responses API stream (`event:` + `data:` pairs)."""
    out: list[str] = []
    seq = 0

    def event(kind: str, **payload: Any) -> None:
        nonlocal seq
        out.append(
            f"event: {kind}\ndata: {dump({'type': kind, 'sequence_number': seq, **payload})}\n\n"
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
        for piece in cut(args, call.pieces):
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

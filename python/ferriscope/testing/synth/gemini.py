"""Gemini `streamGenerateContent?alt=sse` streams: every event a whole candidate with the usage
so far, CRLF line ends, function calls sent whole."""

from __future__ import annotations

from typing import Any

from ferriscope.testing.synth.framing import dump
from ferriscope.testing.synth.reply import Reply

__all__ = ["gemini_stream"]


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
        out.append(f"data: {dump(body)}\r\n\r\n")

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

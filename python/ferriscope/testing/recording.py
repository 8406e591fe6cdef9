"""Recorded provider exchanges: what a replay serves and what the client should send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RecordedExchange", "RecordedResponse", "load_recording", "sse_response"]


@dataclass(frozen=True)
class RecordedResponse:
    """One HTTP answer: status, body bytes exactly as sent, and the content type."""

    body: bytes
    status: int = 200
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedExchange:
    """A response and, when the recording has it, the request that produced it."""

    response: RecordedResponse
    request_url: str | None = None
    request_body: Any = None
    request_headers: dict[str, str] = field(default_factory=dict)


def sse_response(body: str | bytes, *, status: int = 200) -> RecordedResponse:
    """A `text/event-stream` answer from raw SSE text (e.g. a captured stream)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return RecordedResponse(body=data, status=status)


def load_recording(path: str | Path) -> list[RecordedExchange]:
    """The exchanges of a recorded-stream JSON file (the format of ferriscope's test
    fixtures: `interactions[]` with `request` and `response`)."""
    case = json.loads(Path(path).read_text(encoding="utf-8"))
    exchanges = []
    for inter in case.get("interactions", []):
        req, resp = inter["request"], inter["response"]
        exchanges.append(
            RecordedExchange(
                response=RecordedResponse(
                    body=resp["body"].encode("utf-8"),
                    status=resp["status"],
                    content_type=resp.get("content_type") or "application/json",
                ),
                request_url=req.get("url"),
                request_body=req.get("body"),
                request_headers=dict(req.get("headers") or {}),
            )
        )
    return exchanges

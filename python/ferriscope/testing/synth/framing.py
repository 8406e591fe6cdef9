"""The JSON and SSE spelling every wire-format writer shares: compact JSON, argument text cut
into deltas, and one `event:`/`data:` block."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["check_size", "cut", "dump", "sse_event"]


def dump(obj: Any, *, ensure_ascii: bool = True) -> str:
    """Compact JSON, as the providers send it (`ensure_ascii=False` keeps UTF-8 as is, as
    the live APIs do; the default escapes it, which every decoder must also accept)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=ensure_ascii)


def cut(text: str, pieces: int) -> list[str]:
    """`text` cut into at most `pieces` deltas of equal length (the last may be shorter)."""
    step = max(1, -(-len(text) // max(1, pieces)))
    return [text[i : i + step] for i in range(0, len(text), step)] or [""]


def sse_event(kind: str | None, data: str) -> str:
    """One SSE event: an `event:` line when the format names its events, then `data:`."""
    return f"data: {data}\n\n" if kind is None else f"event: {kind}\ndata: {data}\n\n"


def check_size(size: int) -> None:
    """The byte size asked of a realistic stream must be positive."""
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")

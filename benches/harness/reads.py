"""How a case's bytes reach an implementation: as the raw network reads, or through a
streaming `httpx.Response` (the "via httpx" rows), which every SDK peer needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["URLS", "VIA_HTTPX", "Pieces", "make_response"]

#: The reads of one body, in order.
Pieces = Sequence[bytes]

#: The ferriscope row a peer that reads through httpx is compared with.
VIA_HTTPX = "ferriscope via httpx"

URLS = {
    "openai-completions": "https://api.openai.com/v1/chat/completions",
    "anthropic": "https://api.anthropic.com/v1/messages",
}


def make_response(pieces: Pieces, url: str = "https://api.openai.com/v1/chat/completions") -> Any:
    """A streaming `httpx.Response` whose body arrives as `pieces`, as a network read would."""
    import httpx

    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream; charset=utf-8"},
        content=iter(pieces),
        request=httpx.Request("POST", url),
    )

"""The sse kind: bytes → one event object per SSE event, every event's `event` and `data`
read once. ferriscope's `SSEDecoder` against httpx-sse and the SSE decoders of the openai and
anthropic SDKs."""

from __future__ import annotations

import codecs
import importlib
from collections.abc import Iterator
from typing import Any

from benches.harness.measure import Impl
from benches.harness.reads import VIA_HTTPX, Pieces, make_response
from benches.streams import SyntheticStream

__all__ = [
    "expected_sse",
    "sse_anthropic_sdk",
    "sse_ferriscope",
    "sse_ferriscope_httpx",
    "sse_httpx_sse",
    "sse_httpx_sse_httpx",
    "sse_impls",
    "sse_openai_sdk",
]

# Each returns (events, characters of data): the consumer reads `event` and `data` once.


def _consume_events(events: Iterator[Any]) -> tuple[int, int]:
    n = 0
    chars = 0
    for ev in events:
        ev.event  # noqa: B018 (a consumer looks at the type)
        chars += len(ev.data)
        n += 1
    return n, chars


def _ferriscope_events(pieces: Pieces) -> Iterator[Any]:
    from ferriscope.sse import SSEDecoder

    decoder = SSEDecoder()
    for piece in pieces:
        yield from decoder.feed(piece)
    yield from decoder.finish()


def sse_ferriscope(pieces: Pieces) -> tuple[int, int]:
    """`ferriscope.sse.SSEDecoder.feed` per read."""
    return _consume_events(_ferriscope_events(pieces))


def sse_ferriscope_httpx(pieces: Pieces) -> tuple[int, int]:
    """`ferriscope.sse.iter_sse` over an `httpx.Response`."""
    from ferriscope.sse import iter_sse

    return _consume_events(iter_sse(make_response(pieces)))


def _httpx_sse_events(pieces: Pieces) -> Iterator[Any]:
    # `EventSource.iter_sse` without the httpx.Response: `iter_text` is an incremental UTF-8
    # decoder (errors="replace") that drops empty results, then httpx-sse's line decoder,
    # `rstrip("\n")` and its event decoder.
    decoders = importlib.import_module("httpx_sse._decoders")
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = decoders.SSELineDecoder()
    decoder = decoders.SSEDecoder()

    def all_lines() -> Iterator[str]:
        for piece in pieces:
            text = text_decoder.decode(piece)
            if text:
                yield from lines.decode(text)
        tail = text_decoder.decode(b"", True)
        if tail:
            yield from lines.decode(tail)
        yield from lines.flush()

    for line in all_lines():
        sse = decoder.decode(line.rstrip("\n"))
        if sse is not None:
            yield sse


def sse_httpx_sse(pieces: Pieces) -> tuple[int, int]:
    """httpx-sse's `SSELineDecoder` + `SSEDecoder`, driven as `EventSource.iter_sse` does."""
    return _consume_events(_httpx_sse_events(pieces))


def sse_httpx_sse_httpx(pieces: Pieces) -> tuple[int, int]:
    """`httpx_sse.EventSource(response).iter_sse()` over an `httpx.Response`."""
    event_source = importlib.import_module("httpx_sse").EventSource
    return _consume_events(event_source(make_response(pieces)).iter_sse())


def sse_openai_sdk(pieces: Pieces) -> tuple[int, int]:
    """`openai._streaming.SSEDecoder().iter_bytes` over the reads."""
    decoder = importlib.import_module("openai._streaming").SSEDecoder()
    return _consume_events(decoder.iter_bytes(iter(pieces)))


def sse_anthropic_sdk(pieces: Pieces) -> tuple[int, int]:
    """`anthropic._streaming.SSEDecoder().iter_bytes` over the reads."""
    decoder = importlib.import_module("anthropic._streaming").SSEDecoder()
    return _consume_events(decoder.iter_bytes(iter(pieces)))


def expected_sse(stream: SyntheticStream) -> tuple[int, int]:
    """(events, characters of data) an SSE decoder must find in `stream`."""
    return stream.n_events, _data_chars(stream)


_data_chars_cache: dict[int, int] = {}


def _data_chars(stream: SyntheticStream) -> int:
    key = id(stream.body)
    if key not in _data_chars_cache:
        total = 0
        for block in stream.body.decode().split("\n\n"):
            data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
            total += len("\n".join(data))
        _data_chars_cache[key] = total
    return _data_chars_cache[key]


def sse_impls(stream: SyntheticStream) -> list[Impl]:
    """ferriscope first, then its peers, for the SSE case on `stream`."""
    want = expected_sse(stream)

    def check(got: tuple[int, int]) -> str | None:
        if got != want:
            return f"(events, data chars) {got} != expected {want}"
        return None

    def count(got: tuple[int, int]) -> int:
        return got[0]

    return [
        Impl("ferriscope", sse_ferriscope, count, check),
        Impl(VIA_HTTPX, sse_ferriscope_httpx, count, check, ("httpx",)),
        Impl("httpx-sse", sse_httpx_sse, count, check, ("httpx_sse",)),
        Impl("httpx-sse via httpx", sse_httpx_sse_httpx, count, check, ("httpx_sse",), VIA_HTTPX),
        Impl("openai SDK SSEDecoder", sse_openai_sdk, count, check, ("openai",)),
        Impl("anthropic SDK SSEDecoder", sse_anthropic_sdk, count, check, ("anthropic",)),
    ]

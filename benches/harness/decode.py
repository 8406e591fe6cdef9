"""The decode kind: bytes → typed chunk objects. ferriscope's `StreamDecoder` against the SDK
typed streams Mirascope 2.8.2 consumes (`openai.Stream`, `anthropic.Stream`, and the
`MessageStream` its Anthropic provider wraps around it), each checked on the decoded text."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from benches.harness.measure import Impl
from benches.harness.reads import URLS, VIA_HTTPX, Pieces, make_response
from benches.streams import SyntheticStream

__all__ = [
    "decode_anthropic_message_stream",
    "decode_anthropic_sdk",
    "decode_ferriscope",
    "decode_ferriscope_httpx",
    "decode_impls",
    "decode_openai_sdk",
    "text_of_anthropic",
    "text_of_ferriscope",
    "text_of_openai",
]


def decode_ferriscope(pieces: Pieces, wire_format: str) -> list[Any]:
    """`ferriscope._core.StreamDecoder(wire_format).feed` per read, then `finish`."""
    from ferriscope._core import StreamDecoder

    decoder = StreamDecoder(wire_format)
    chunks: list[Any] = []
    for piece in pieces:
        chunks += decoder.feed(piece)
    chunks += decoder.finish()
    return chunks


def decode_ferriscope_httpx(pieces: Pieces, wire_format: str) -> list[Any]:
    """`StreamDecoder.feed` over `httpx.Response.iter_bytes()`."""
    from ferriscope._core import StreamDecoder

    decoder = StreamDecoder(wire_format)
    chunks: list[Any] = []
    response = make_response(pieces, URLS[wire_format])
    for data in response.iter_bytes():
        chunks += decoder.feed(data)
    chunks += decoder.finish()
    return chunks


_clients: dict[str, Any] = {}


def _client(module: str) -> Any:
    """One SDK client per process (constructing it is not part of streaming)."""
    if module not in _clients:
        mod = importlib.import_module(module)
        cls = mod.OpenAI if module == "openai" else mod.Anthropic
        _clients[module] = cls(api_key="x")
    return _clients[module]


def decode_openai_sdk(pieces: Pieces) -> list[Any]:
    """`openai.Stream[ChatCompletionChunk]` over an `httpx.Response` (Mirascope 2.8.2's path)."""
    openai = importlib.import_module("openai")
    chunk = importlib.import_module("openai.types.chat").ChatCompletionChunk
    stream = openai.Stream(
        cast_to=chunk,
        response=make_response(pieces, URLS["openai-completions"]),
        client=_client("openai"),
    )
    return list(stream)


def _anthropic_stream(pieces: Pieces) -> Any:
    anthropic = importlib.import_module("anthropic")
    event = importlib.import_module("anthropic.types").RawMessageStreamEvent
    return anthropic.Stream(
        cast_to=event,
        response=make_response(pieces, URLS["anthropic"]),
        client=_client("anthropic"),
    )


def decode_anthropic_sdk(pieces: Pieces) -> list[Any]:
    """`anthropic.Stream[RawMessageStreamEvent]` over an `httpx.Response`."""
    return list(_anthropic_stream(pieces))


def decode_anthropic_message_stream(pieces: Pieces) -> list[Any]:
    """`anthropic.lib.streaming.MessageStream` around that `Stream` (what Mirascope 2.8.2's
    Anthropic provider iterates: it also accumulates the message snapshot)."""
    anthropic = importlib.import_module("anthropic")
    streaming = importlib.import_module("anthropic.lib.streaming")
    return list(streaming.MessageStream(_anthropic_stream(pieces), anthropic.NOT_GIVEN))


# ---- correctness guards (outside the timed region) ----------------------------------------


def text_of_ferriscope(chunks: Sequence[Any]) -> str:
    """The text of ferriscope chunks; raises `ValueError` on a stream error chunk."""
    for c in chunks:
        if c.type == "stream_error_chunk":
            raise ValueError(f"stream error (kind {c.kind}): {c.message}")
    return "".join(c.delta for c in chunks if c.type == "text_chunk")


def text_of_openai(chunks: Sequence[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def text_of_anthropic(events: Sequence[Any]) -> str:
    return "".join(
        e.delta.text
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )


def decode_impls(stream: SyntheticStream, *, message_stream: bool = False) -> list[Impl]:
    """ferriscope first, then the SDK typed stream for the decode case on `stream`; with
    `message_stream`, also anthropic's `MessageStream` (quadratic: keep the body small)."""
    wire = stream.wire_format

    def check_ferriscope(chunks: list[Any]) -> str | None:
        try:
            text = text_of_ferriscope(chunks)
        except ValueError as e:
            return f"error chunk: {e}"
        return None if text == stream.text else _text_mismatch(text, stream.text)

    def check_with(text_of: Callable[[Sequence[Any]], str]) -> Callable[[list[Any]], str | None]:
        def check(items: list[Any]) -> str | None:
            text = text_of(items)
            return None if text == stream.text else _text_mismatch(text, stream.text)

        return check

    impls = [
        Impl("ferriscope", lambda p: decode_ferriscope(p, wire), len, check_ferriscope),
        Impl(VIA_HTTPX, lambda p: decode_ferriscope_httpx(p, wire), len, check_ferriscope),
    ]
    if wire == "openai-completions":
        check_openai = check_with(text_of_openai)
        impls.append(
            Impl(
                "openai.Stream",
                decode_openai_sdk,
                len,
                check_openai,
                ("openai",),
                VIA_HTTPX,
                slow=True,
            )
        )
    elif wire == "anthropic":
        check_anthropic = check_with(text_of_anthropic)
        impls.append(
            Impl(
                "anthropic.Stream",
                decode_anthropic_sdk,
                len,
                check_anthropic,
                ("anthropic",),
                VIA_HTTPX,
                slow=True,
            )
        )
        if message_stream:
            impls.append(
                Impl(
                    "anthropic MessageStream",
                    decode_anthropic_message_stream,
                    len,
                    check_anthropic,
                    ("anthropic",),
                    VIA_HTTPX,
                    slow=True,
                )
            )
    return impls


def _text_mismatch(got: str, want: str) -> str:
    i = next(
        (k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
        min(len(got), len(want)),
    )
    return f"text differs at char {i} (got {len(got)} chars, expected {len(want)})"

"""The runner's cases in the order they run: per stream SSE then decode, anthropic's
`MessageStream` on its own smaller body, then partial JSON per document size."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from benches.harness.decode import decode_impls
from benches.harness.measure import Impl
from benches.harness.partial_json import DEFAULT_JSON_SIZES, books_workload, partial_json_impls
from benches.harness.reads import Pieces
from benches.harness.sse import sse_impls
from benches.streams import DEFAULT_SIZE, split_pieces, streams
from ferriscope.testing.synth import realistic_anthropic_stream

__all__ = ["Case", "cases", "size_label"]


@dataclass(frozen=True)
class Case:
    name: str
    pieces: Pieces
    impls: list[Impl]


def cases(
    size: int = DEFAULT_SIZE,
    *,
    seed: int = 0,
    kinds: Sequence[str] = ("sse", "decode"),
    wires: Sequence[str] = ("openai-completions", "anthropic"),
    message_stream_size: int = 1_000_000,
    json_sizes: Sequence[int] = DEFAULT_JSON_SIZES,
    peer_budget: float = 2.0,
) -> Iterator[Case]:
    """The runner's cases, built as they are run (a case's bodies are big): per stream, SSE
    then decode; then anthropic's `MessageStream` on a `message_stream_size` body (0:
    skipped); then partial JSON at each of `json_sizes` bytes, a peer sampled where
    re-parsing every prefix would take over `peer_budget` seconds."""
    mb = f"{size / 1e6:g} MB"
    if "sse" in kinds or "decode" in kinds:
        for wire in wires:
            stream = streams(size, seed)[wire]
            pieces = split_pieces(stream.body, seed=seed)
            if "sse" in kinds:
                yield Case(f"sse {wire} {mb}", pieces, sse_impls(stream))
            if "decode" in kinds:
                yield Case(f"decode {wire} {mb}", pieces, decode_impls(stream))
    if "decode" in kinds and "anthropic" in wires and message_stream_size > 0:
        stream = realistic_anthropic_stream(message_stream_size, seed=seed)
        impls = [
            i for i in decode_impls(stream, message_stream=True) if i.name != "anthropic.Stream"
        ]
        name = f"decode anthropic {message_stream_size / 1e6:g} MB"
        yield Case(name, split_pieces(stream.body, seed=seed), impls)
    if "partial-json" in kinds:
        for json_size in json_sizes:
            w = books_workload(json_size)
            yield Case(
                f"partial-json {size_label(json_size)}", (), partial_json_impls(w, peer_budget)
            )


def size_label(size: int) -> str:
    return f"{size / 1e6:g} MB" if size >= 1_000_000 else f"{size / 1e3:g} KB"

"""Wire decode: a ~20 MB provider stream in random 1-16 KB reads → typed chunk objects.

ferriscope's `StreamDecoder` against the SDK typed streams Mirascope 2.8.2 consumes
(`openai.Stream[ChatCompletionChunk]`, `anthropic.Stream[RawMessageStreamEvent]`), grouped
per stream. `extra_info["items"]` is the number of ferriscope chunks or SDK events:
per-item cost = mean / items.

`anthropic.lib.streaming.MessageStream` (what Mirascope's Anthropic provider iterates) grows
its snapshot text with `+=`, which is quadratic in the response length; it runs in its own
group on a 1 MB body (`FERRISCOPE_BENCH_MESSAGE_STREAM_MB`), next to ferriscope on the same body.

Run: `python -m pytest benches/test_bench_decode.py --benchmark-only`
(`FERRISCOPE_BENCH_MB=2` for a quick run). The assertions only check that the decoded text
equals the text the stream was generated from; timings are never asserted.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from benches.harness.decode import decode_impls
from benches.harness.measure import Impl
from benches.streams import split_pieces, streams

SIZE = int(float(os.environ.get("FERRISCOPE_BENCH_MB", "20")) * 1e6)
MESSAGE_STREAM_SIZE = int(float(os.environ.get("FERRISCOPE_BENCH_MESSAGE_STREAM_MB", "1")) * 1e6)
ROUNDS = int(os.environ.get("FERRISCOPE_BENCH_ROUNDS", "3"))
# The SDK typed streams take seconds per 20 MB round.
SDK_ROUNDS = int(os.environ.get("FERRISCOPE_BENCH_SDK_ROUNDS", "1"))

CASES = [
    ("openai-completions", "ferriscope"),
    ("openai-completions", "ferriscope via httpx"),
    ("openai-completions", "openai.Stream"),
    ("anthropic", "ferriscope"),
    ("anthropic", "ferriscope via httpx"),
    ("anthropic", "anthropic.Stream"),
]


def _run(benchmark: Any, group: str, impl: Impl, pieces: Any, rounds: int) -> None:
    if not impl.available():
        pytest.skip(f"{', '.join(impl.requires)} not installed")
    benchmark.group = group
    benchmark.name = impl.name
    result = benchmark.pedantic(
        impl.run, args=(pieces,), rounds=rounds, iterations=1, warmup_rounds=0
    )
    error = impl.check(result)
    assert error is None, f"{impl.name}: {error}"
    benchmark.extra_info["items"] = impl.count(result)
    benchmark.extra_info["item"] = "chunk" if impl.name.startswith("ferriscope") else "event"
    benchmark.extra_info["bytes"] = sum(len(p) for p in pieces)


@pytest.mark.parametrize(("wire", "name"), CASES)
def test_decode(benchmark: Any, wire: str, name: str) -> None:
    stream = streams(SIZE)[wire]
    impl = next(i for i in decode_impls(stream) if i.name == name)
    rounds = SDK_ROUNDS if impl.slow else ROUNDS
    _run(benchmark, f"decode {wire} {SIZE / 1e6:g} MB", impl, split_pieces(stream.body), rounds)


@pytest.mark.parametrize("name", ["ferriscope", "ferriscope via httpx", "anthropic MessageStream"])
def test_decode_anthropic_message_stream(benchmark: Any, name: str) -> None:
    stream = streams(MESSAGE_STREAM_SIZE)["anthropic"]
    impl = next(i for i in decode_impls(stream, message_stream=True) if i.name == name)
    rounds = SDK_ROUNDS if impl.slow else ROUNDS
    group = f"decode anthropic {MESSAGE_STREAM_SIZE / 1e6:g} MB (Mirascope's MessageStream path)"
    _run(benchmark, group, impl, split_pieces(stream.body), rounds)

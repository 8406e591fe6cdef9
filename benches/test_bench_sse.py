"""SSE throughput: a ~20 MB body in random 1-16 KB reads → one event object per event.

ferriscope's `SSEDecoder` and its peers (httpx-sse, the openai and anthropic SDK decoders)
share a benchmark group per stream, so pytest-benchmark prints them side by side. Every
implementation reads each event's `event` and `data` once (ferriscope builds those strings on
access). `extra_info["items"]` is the event count: per-event cost = mean / items.

Run: `python -m pytest benches/test_bench_sse.py --benchmark-only`
(`FERRISCOPE_BENCH_MB=2` for a quick run). Timings are measured, never asserted; the only
assertions check that every implementation found the same events.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from benches.harness.measure import Impl
from benches.harness.sse import sse_impls
from benches.streams import split_pieces, streams

SIZE = int(float(os.environ.get("FERRISCOPE_BENCH_MB", "20")) * 1e6)
ROUNDS = int(os.environ.get("FERRISCOPE_BENCH_ROUNDS", "3"))
WIRES = ("openai-completions", "anthropic")
NAMES = [impl.name for impl in sse_impls(streams(1000)["anthropic"])]


def _case(wire: str, name: str) -> tuple[Impl, Any]:
    stream = streams(SIZE)[wire]
    impl = next(i for i in sse_impls(stream) if i.name == name)
    if not impl.available():
        pytest.skip(f"{', '.join(impl.requires)} not installed")
    return impl, split_pieces(stream.body)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("wire", WIRES)
def test_sse(benchmark: Any, wire: str, name: str) -> None:
    impl, pieces = _case(wire, name)
    benchmark.group = f"sse {wire} {SIZE / 1e6:g} MB"
    benchmark.name = name
    result = benchmark.pedantic(
        impl.run, args=(pieces,), rounds=ROUNDS, iterations=1, warmup_rounds=0
    )
    assert impl.check(result) is None, impl.check(result)
    benchmark.extra_info["items"] = impl.count(result)
    benchmark.extra_info["item"] = "event"
    benchmark.extra_info["bytes"] = sum(len(p) for p in pieces)
    benchmark.extra_info["reads"] = len(pieces)

"""Partial JSON while streaming: the "books" document arrives in pieces of 1-8 characters (the
size of LLM token deltas) and the partial value is read after every piece.

ferriscope keeps its parse state, so it feeds each piece once. The peers have no incremental
API, so the only way to get a partial value from them is to re-parse the whole prefix after
every piece (quadratic in the document). Re-parsing every prefix of the 1 MB document (and,
for the pure-Python peers, of the 100 KB one) would take hours, so those runs parse every Nth
prefix only, spread evenly over the document; the table printed at the end multiplies such a
time by N and marks the row "sampled 1/N". `json.loads` of the complete document, once, is the
floor.

Run: `python -m pytest benches/test_bench_partial_json.py --benchmark-only` (about five
minutes). Timings are measured, never asserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jiter
import json_repair
import partial_json_parser  # type: ignore[import-untyped]
import pydantic_core
import pytest

from benches.harness.partial_json import BooksWorkload, books_workload
from ferriscope.partial_json import PartialJSONParser

SIZES = {"100KB": 100_000, "1MB": 1_000_000}
ROUNDS = {"100KB": 10, "1MB": 5}

# Re-parse peers: how each parses one prefix, and at which sizes it parses only every Nth one.
PEERS: dict[str, tuple[Callable[[bytes, str], Any], dict[str, int]]] = {
    "jiter": (
        lambda data, _text: jiter.from_json(data, partial_mode="trailing-strings"),
        {"100KB": 1, "1MB": 200},
    ),
    "pydantic_core": (
        lambda data, _text: pydantic_core.from_json(data, allow_partial="trailing-strings"),
        {"100KB": 1, "1MB": 200},
    ),
    "partial_json_parser": (
        lambda _data, text: partial_json_parser.loads(text),
        {"100KB": 200, "1MB": 20000},
    ),
    "json_repair": (
        lambda _data, text: json_repair.loads(text),
        {"100KB": 200, "1MB": 5000},
    ),
}


def workload(size: str) -> BooksWorkload:
    """The document and its pieces: the same workload as `python -m ferriscope bench`."""
    return books_workload(SIZES[size])


@dataclass(frozen=True)
class Result:
    seconds: float  # for the whole run; extrapolated when sampled
    every: int
    pieces: int


RESULTS: dict[tuple[str, str], Result] = {}


def record(benchmark: Any, size: str, name: str, every: int = 1) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is None:  # --benchmark-disable
        return
    pieces = len(workload(size).pieces)
    benchmark.extra_info.update(size=size, sample_every=every, pieces=pieces)
    RESULTS[size, name] = Result(stats.stats.min * every, every, pieces)


@pytest.mark.parametrize("size", SIZES)
def test_ferriscope_str_pieces(benchmark: Any, size: str) -> None:
    w = workload(size)
    benchmark.group = f"partial_json {size}"

    def run() -> Any:
        parser = PartialJSONParser()
        for piece in w.pieces:
            parser.feed(piece)
            parser.value()
        return parser.finish()

    assert benchmark.pedantic(run, rounds=ROUNDS[size], iterations=1, warmup_rounds=1) == (
        w.expected
    )
    record(benchmark, size, "ferriscope (str pieces)")


@pytest.mark.parametrize("size", SIZES)
def test_ferriscope_bytes_pieces(benchmark: Any, size: str) -> None:
    """1-8 byte pieces, cut inside UTF-8 characters too (raw network reads)."""
    w = workload(size)
    benchmark.group = f"partial_json {size}"

    def run() -> Any:
        parser = PartialJSONParser()
        for piece in w.bytes_pieces:
            parser.feed(piece)
            parser.value()
        return parser.finish()

    assert benchmark.pedantic(run, rounds=ROUNDS[size], iterations=1, warmup_rounds=1) == (
        w.expected
    )
    record(benchmark, size, "ferriscope (bytes pieces)")


def _peer_params() -> list[Any]:
    params = []
    for size in SIZES:
        for peer, (_, every) in PEERS.items():
            label = f"{peer}-all" if every[size] == 1 else f"{peer}-sampled_1_in_{every[size]}"
            params.append(pytest.param(size, peer, id=f"{size}-{label}"))
    return params


@pytest.mark.parametrize(("size", "peer"), _peer_params())
def test_reparse_after_every_piece(benchmark: Any, size: str, peer: str) -> None:
    w = workload(size)
    benchmark.group = f"partial_json {size}"
    parse, sampling = PEERS[peer]
    every = sampling[size]
    # Evenly spread prefixes (the middle of each run of `every`), so their total cost is
    # 1/every of parsing all of them.
    ends = list(zip(w.byte_ends, w.char_ends, strict=True))[every // 2 :: every]

    def run() -> Any:
        value = None
        for byte_end, char_end in ends:
            value = parse(w.data[:byte_end], w.text[:char_end])
        return value

    benchmark.pedantic(run, rounds=1, iterations=1)
    record(benchmark, size, f"{peer} re-parse", every)


@pytest.mark.parametrize("size", SIZES)
def test_json_loads_whole_document(benchmark: Any, size: str) -> None:
    w = workload(size)
    benchmark.group = f"partial_json {size}"
    assert benchmark(json.loads, w.text) == w.expected
    record(benchmark, size, "json.loads (whole document, once)")


def _table() -> list[str]:
    lines = ["", "partial JSON: books document, value() after every 1-8 character piece"]
    lines.append(f"{'size':<6} {'implementation':<48} {'time':>10} {'per MB':>10} {'ratio':>9}")
    for size in SIZES:
        ours = RESULTS.get((size, "ferriscope (str pieces)"))
        for (s, name), r in RESULTS.items():
            if s != size:
                continue
            mb = len(workload(size).data) / 1e6
            label = name + (f" [sampled 1/{r.every}]" if r.every > 1 else "")
            ratio = f"{r.seconds / ours.seconds:8.1f}x" if ours else ""
            lines.append(
                f"{size:<6} {label:<48} {_fmt(r.seconds):>10} {_fmt(r.seconds / mb):>10} {ratio:>9}"
            )
    small, large = (RESULTS.get((s, "ferriscope (str pieces)")) for s in SIZES)
    if small and large:
        per_byte = (large.seconds / len(workload("1MB").data)) / (
            small.seconds / len(workload("100KB").data)
        )
        lines.append(f"ferriscope per-byte cost, 1MB / 100KB: {per_byte:.2f}")
    loads = RESULTS.get(("1MB", "json.loads (whole document, once)"))
    if large and loads:
        lines.append(f"ferriscope 1MB run / one json.loads: {large.seconds / loads.seconds:.1f}x")
    lines.append("ratio: time / ferriscope (str pieces) time at the same size")
    return lines


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


@pytest.fixture(scope="module", autouse=True)
def _print_table(request: pytest.FixtureRequest) -> Iterator[None]:
    """Prints the ratio table after the module (pytest-benchmark's own table lists the raw,
    unextrapolated times)."""
    yield
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not RESULTS:
        return
    with capture.global_and_fixture_disabled():
        for line in _table():
            reporter.write_line(line)

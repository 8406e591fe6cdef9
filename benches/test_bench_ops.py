"""What `ferriscope.ops` costs per chunk: a 20,000-delta Chat Completions stream read with
`text_stream()`, not instrumented and instrumented (`ops.instrument_llm()` reporting to the
OpenTelemetry SDK: a real tracer provider with a span processor and a meter provider with a
metric reader, both in memory, so export costs nothing on the client's CPU).

A third mode, `each-chunk`, is instrumented with `ops.configure(chunk_intervals=True)`:
`time_per_output_chunk` recorded once per chunk, as the conventions define it, instead of
once per stream (the default).

The body is served by `benches/server.py` in its own process, so `time.process_time()` is
the client's CPU only. The modes alternate round by round (plain, instrumented, each-chunk,
plain, …) so that drift on a shared machine hits them alike; each mode's figure is its minimum over
`FERRISCOPE_OPS_ROUNDS` rounds (default 30). Framings: `event` (one HTTP chunk per SSE event,
so about one network read, and one batch, per chunk: the worst case for per-batch work) and
`65536` (64 KiB reads).

    python -m pytest benches/test_bench_ops.py -q -s

`FERRISCOPE_OPS_MODES=plain` runs the uninstrumented mode alone (it does not import
`ferriscope.ops`), e.g. to compare against a tree without the ops hooks:
`PYTHONPATH=<other tree>/python FERRISCOPE_OPS_MODES=plain python -m pytest benches/...`.
The table is printed and written to `FERRISCOPE_OPS_JSON` (default /tmp/ferriscope-ops.json).
Timings are never asserted; the assertions check the text and that each instrumented mode
produced one GenAI span (and one HTTP span) per round.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from benches.server import BenchServer, build_body, write_body

DELTAS = int(os.environ.get("FERRISCOPE_OPS_CHUNKS", "20000"))
ROUNDS = int(os.environ.get("FERRISCOPE_OPS_ROUNDS", "30"))
MODES = os.environ.get("FERRISCOPE_OPS_MODES", "plain,instrumented,each-chunk").split(",")
INSTRUMENTED = ("instrumented", "each-chunk")
FRAMINGS = os.environ.get("FERRISCOPE_OPS_FRAMINGS", "event,65536").split(",")
JSON_OUT = os.environ.get("FERRISCOPE_OPS_JSON", "/tmp/ferriscope-ops.json")


class _Instrumented:
    """`ops.instrument_llm()` against in-memory SDK providers, for the duration of a block;
    with `each_chunk`, `configure(chunk_intervals=True)` (one histogram update per chunk)."""

    def __init__(self, *, each_chunk: bool = False) -> None:
        self.each_chunk = each_chunk
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def __enter__(self) -> _Instrumented:
        from ferriscope import ops

        ops.configure(
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            chunk_intervals=self.each_chunk,
        )
        ops.instrument_llm()
        return self

    def __exit__(self, *exc_info: object) -> None:
        from ferriscope import ops

        ops.uninstrument_llm()
        ops.configure()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    directory = tmp_path_factory.mktemp("bodies")
    with BenchServer(directory) as url:
        yield url, directory


RESULTS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    lines = [
        "",
        f"ferriscope.ops overhead: text_stream() of {DELTAS:,} deltas, CPU µs per chunk "
        f"(min of {ROUNDS} rounds, modes alternating)",
        f"{'framing':<10}{'plain':>10}{'instrumented':>14}{'overhead':>10}"
        f"{'each-chunk':>12}{'overhead':>10}",
    ]

    def overhead(value: float | None, plain: float | None) -> str:
        return f"{(value / plain - 1) * 100:+.1f}%" if plain and value else "-"

    for framing, row in RESULTS.items():
        plain = row.get("plain")
        instrumented = row.get("instrumented")
        each = row.get("each-chunk")
        lines.append(
            f"{framing:<10}{plain or float('nan'):>10.3f}"
            f"{instrumented or float('nan'):>14.3f}{overhead(instrumented, plain):>10}"
            f"{each or float('nan'):>12.3f}{overhead(each, plain):>10}"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    with open(JSON_OUT, "w") as f:
        json.dump({"deltas": DELTAS, "rounds": ROUNDS, "us_per_chunk": RESULTS}, f, indent=2)


@pytest.mark.parametrize("framing", FRAMINGS)
def test_ops_overhead(server: tuple[str, Any], framing: str) -> None:
    from ferriscope import llm

    url, directory = server
    body = build_body("openai-completions", DELTAS)
    write_body(directory, body)
    llm.reset_provider_registry()
    llm.register_provider(
        "openai",
        scope="openai/",
        base_url=f"{url}/b/{body.name}/{framing}/v1",
        api_key="bench-key",
    )
    model = llm.Model("openai/gpt-4o:completions")
    instrumented = {
        mode: _Instrumented(each_chunk=mode == "each-chunk")
        for mode in MODES
        if mode in INSTRUMENTED
    }

    def run() -> float:
        response = model.stream("Go on.")
        started = time.process_time()
        for _ in response.text_stream():
            pass
        elapsed = time.process_time() - started
        assert response.text() == body.text
        return elapsed

    best: dict[str, float] = {}
    run()  # warm the connection pool and caches
    for _ in range(ROUNDS):
        for mode in MODES:
            gc.collect()
            if mode in instrumented:
                with instrumented[mode]:
                    elapsed = run()
            else:
                elapsed = run()
            best[mode] = min(best.get(mode, float("inf")), elapsed)
    for telemetry in instrumented.values():
        spans = telemetry.exporter.get_finished_spans()
        operations = [s for s in spans if "gen_ai.operation.name" in (s.attributes or {})]
        assert len(operations) == ROUNDS  # and under each, the span of its HTTP request
        assert len(spans) == 2 * ROUNDS
        assert all(not span.events for span in spans)
    llm.reset_provider_registry()
    RESULTS[framing] = {mode: best[mode] * 1e6 / body.deltas for mode in MODES}


def test_pull_path_in_process() -> None:
    """The uninstrumented pull path alone, without the network: the same body decoded one
    SSE event per batch (one batch per chunk, the worst case for per-batch work) and replayed
    from memory into a `StreamResponse`, with and without the clock read of
    `response.timings`. Also runs against a tree without it (`PYTHONPATH`)."""
    from benches.server import split_events
    from ferriscope._core import StreamDecoder
    from ferriscope.llm import StreamResponse

    body = build_body("openai-completions", DELTAS)
    decoder = StreamDecoder("openai-completions")
    batches = [b for b in (decoder.feed(event) for event in split_events(body.body)) if b]
    batches.append(decoder.finish())
    args = {
        "provider_id": "openai",
        "model_id": "openai/gpt-4o",
        "provider_model_name": "gpt-4o",
        "params": {},
        "input_messages": [],
    }

    def run() -> float:
        response: Any = StreamResponse(batches=lambda: iter(batches), **args)
        started = time.process_time()
        for _ in response.text_stream():
            pass
        elapsed = time.process_time() - started
        assert response.text() == body.text
        return elapsed

    # The clock read of `response.timings` (one per batch) is the one thing the pull path
    # adds: rounds alternate with it stubbed out, in this process, to show what it costs.
    from ferriscope.llm.responses import stream_response

    clock = getattr(stream_response, "_clock", None)
    modes = {"timings": clock} if clock is None else {"timings": clock, "no clock": lambda: 1.0}
    best: dict[str, float] = {}
    try:
        for _ in range(ROUNDS):
            for mode, stamp in modes.items():
                if clock is not None:
                    stream_response._clock = stamp  # type: ignore[attr-defined]
                best[mode] = min(best.get(mode, float("inf")), run())
    finally:
        if clock is not None:
            stream_response._clock = clock  # type: ignore[attr-defined]
    per_chunk = {mode: t * 1e6 / body.deltas for mode, t in best.items()}
    shown = ", ".join(f"{mode} {us:.3f}" for mode, us in per_chunk.items())
    sys.stdout.write(
        f"\npull path in process ({len(batches):,} batches, {body.deltas:,} deltas): "
        f"{shown} µs per chunk (min of {ROUNDS})\n"
    )
    RESULTS["in-process"] = {"plain": per_chunk["timings"]}

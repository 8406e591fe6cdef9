"""Concurrency and memory: many async streams on one event loop, ferriscope vs Mirascope 2.8.2.

Every measurement runs in a fresh interpreter (this file is also a script), so resident memory
is measured from a clean baseline; the loopback server (`benches/server.py`) is another
process, so the client's CPU time is the client's alone.

- `concurrent`: N streams (`await model.stream_async(...)`, then `async for` over
  `text_stream()`) of 2,000 Chat Completions text chunks each, all started at once, with a
  heartbeat task that sleeps 1 ms in a loop and records how late it wakes (the event-loop
  lag). Reports chunks per CPU-second of the client, lag p50/p99/max, the peak RSS growth
  over the idle interpreter (imports done, one warm-up stream run, `VmHWM` reset), the
  server's CPU time, and how long the client sat runnable waiting for a CPU (`waited`, from
  `/proc/self/schedstat`: on a busy machine the lag measures the neighbours too).
  Two server paces:
    - full speed: every body as fast as the socket takes it (throughput; the loop is
      saturated by design, so its lag is the saturation lag);
    - paced (`@rate`): each stream delivers `rate` chunks per second, one HTTP chunk per
      event, the streams' ticks staggered (a fleet of real LLM streams: lag and CPU load
      at a realistic arrival rate).
  The paced case also runs over HTTPS (a throwaway CA that
  both libraries trust through `SSL_CERT_FILE`), as real APIs are reached.
  With `--keep` every response stays referenced until all have finished, so the peak holds
  all of them with their whole replay caches (at full speed a finished response is
  otherwise freed while others still stream); `end_rss_growth_mb` is the RSS growth then.
- `cache`: one sync stream of 100k text chunks consumed with `text_stream()`, response kept:
  RSS growth per cached chunk.
- `open`: N async streams opened and each read up to its first text chunk, then held open:
  RSS growth per open stream. The server paces these streams (20 chunks/s), as a model
  would: at full speed every open stream would also hold the 64 KiB that httpcore read ahead.

Run from the repository root (about 8 minutes; Mirascope at 1,000 streams is opt-in,
`FERRISCOPE_CONC_MIRASCOPE_1000=1`: six minutes of CPU and ~7 GB of RAM on its own;
`FERRISCOPE_CONC_CASES` picks the (streams, pace) cases):

    python -m pytest benches/test_bench_concurrency.py --benchmark-only -q -s

or one measurement by hand, against a running `benches/server.py`:

    python benches/test_bench_concurrency.py concurrent --lib ferriscope --url URL \\
        --body openai-completions-2000 --streams 1000

Timings are never asserted; the tests assert that every stream completed with the full text.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHUNKS = int(os.environ.get("FERRISCOPE_CONC_CHUNKS", "2000"))
CACHE_CHUNKS = int(os.environ.get("FERRISCOPE_CONC_CACHE_CHUNKS", "100000"))
JSON_OUT = os.environ.get("FERRISCOPE_CONC_JSON", "/tmp/ferriscope-concurrency.json")
LIBS = ("ferriscope", "mirascope")


# ---- measuring inside the child interpreter -------------------------------------------------


def _status(field: str) -> int:
    """A `/proc/self/status` memory figure, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def rss() -> int:
    return _status("VmRSS")


def peak_rss() -> int:
    return _status("VmHWM")


def reset_peak() -> None:
    """Starts `VmHWM` over from the current RSS (Linux ≥ 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def run_delay() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (`/proc/self/schedstat`):
    the share of the wall time other processes took from the client."""
    try:
        with open("/proc/self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return float("nan")


def _llm(lib: str) -> Any:
    if lib == "ferriscope":
        from ferriscope import llm

        return llm
    from mirascope import llm as mllm  # type: ignore[import-untyped]

    return mllm


def _model(lib: str, url: str, body: str, framing: str) -> Any:
    """A model whose provider streams `body` in `framing` (each its own provider scope)."""
    llm = _llm(lib)
    scope = f"openai/{framing}/"
    llm.register_provider(
        "openai", scope=scope, base_url=f"{url}/b/{body}/{framing}/v1", api_key="bench-key"
    )
    return llm.Model(f"{scope}gpt-4o:completions")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _one(model: Any, keep: list[Any] | None = None) -> tuple[int, int]:
    response = await model.stream_async("Go on.")
    if keep is not None:
        keep.append(response)
    n = 0
    size = 0
    async for delta in response.text_stream():
        n += 1
        size += len(delta)
    return n, size


async def _concurrent(model: Any, warm: Any, streams: int, keep: bool) -> dict[str, Any]:
    await _one(warm)  # warm-up: imports, the client and its pool, first-call caches
    gc.collect()
    idle = rss()
    reset_peak()
    lags: list[float] = []
    running = True

    async def heartbeat() -> None:
        while running:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - start - 0.001)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    lags.clear()
    cpu = time.process_time()
    wall = time.perf_counter()
    waited = run_delay()
    kept: list[Any] | None = [] if keep else None
    results = await asyncio.gather(
        *(_one(model, kept) for _ in range(streams)), return_exceptions=True
    )
    waited = run_delay() - waited
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    running = False
    await beat
    gc.collect()
    held = rss()  # with `keep`, every response and its full replay cache is still alive
    errors = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    done = [r for r in results if not isinstance(r, BaseException)]
    chunks = sum(n for n, _ in done)
    return {
        "streams": streams,
        "completed": len(done),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "chunks": chunks,
        "chars": [size for _, size in done][:1],
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "cpu_load": round(cpu / wall, 3),
        "run_delay_s": round(waited, 3),
        "chunks_per_cpu_s": round(chunks / cpu),
        "us_per_chunk": round(cpu * 1e6 / max(chunks, 1), 3),
        "lag_p50_ms": round(_percentile(lags, 0.50) * 1e3, 3),
        "lag_p99_ms": round(_percentile(lags, 0.99) * 1e3, 3),
        "lag_max_ms": round(max(lags, default=float("nan")) * 1e3, 3),
        "heartbeats": len(lags),
        "idle_rss_mb": round(idle / 1e6, 1),
        "peak_rss_growth_mb": round((peak_rss() - idle) / 1e6, 1),
        "kept_alive": len(kept) if kept is not None else 0,
        "end_rss_growth_mb": round((held - idle) / 1e6, 1),
    }


async def _open(model: Any, warm: Any, streams: int) -> dict[str, Any]:
    await _one(warm)
    gc.collect()
    idle = rss()

    async def first_chunk() -> tuple[Any, Any]:
        response = await model.stream_async("Go on.")
        iterator = response.text_stream().__aiter__()
        await iterator.__anext__()
        return response, iterator

    held_open = await asyncio.gather(*(first_chunk() for _ in range(streams)))
    gc.collect()
    held = rss()
    # The streams are left open: the process exits right after reporting (see `child`).
    return {
        "streams": len(held_open),
        "idle_rss_mb": round(idle / 1e6, 1),
        "open_rss_growth_mb": round((held - idle) / 1e6, 2),
        "bytes_per_open_stream": round((held - idle) / streams),
    }


def _cache(model: Any, chunks_expected: int) -> dict[str, Any]:
    # Warm-up on the same body: the text_stream path and the allocator's arenas exist.
    response = model.stream("Go on.")
    for _ in response.text_stream():
        pass
    del response
    gc.collect()
    idle = rss()
    reset_peak()
    response = model.stream("Go on.")
    n = 0
    for _ in response.text_stream():
        n += 1
    gc.collect()
    held = rss()
    kept = len(response.chunks)
    text_bytes = sum(len(t.text) for t in response.texts)
    return {
        "text_chunks": n,
        "cached_chunks": kept,
        "text_chars": text_bytes,
        "idle_rss_mb": round(idle / 1e6, 1),
        "response_rss_mb": round((held - idle) / 1e6, 2),
        "peak_rss_growth_mb": round((peak_rss() - idle) / 1e6, 2),
        "bytes_per_cached_chunk": round((held - idle) / max(kept, 1), 1),
    }


def child(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="one concurrency/memory measurement")
    parser.add_argument("mode", choices=["concurrent", "open", "cache"])
    parser.add_argument("--lib", choices=LIBS, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", required=True, help="body name on the server")
    parser.add_argument("--framing", default="event", help="event, event@<rate>, 65536, ...")
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=0, help="expected chunks (cache mode)")
    parser.add_argument(
        "--keep", action="store_true", help="concurrent: keep every response alive to the end"
    )
    parser.add_argument("--ca", help="CA file of an https:// server (set as SSL_CERT_FILE)")
    args = parser.parse_args(argv)
    if args.ca:
        os.environ["SSL_CERT_FILE"] = args.ca  # httpx reads it when a client is made
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    start_rss = rss()
    # The warm-up stream runs at full speed (a paced one would take its whole duration).
    warm = _model(args.lib, args.url, args.body, args.framing.partition("@")[0])
    model = _model(args.lib, args.url, args.body, args.framing)
    if args.mode == "concurrent":
        out = asyncio.run(_concurrent(model, warm, args.streams, args.keep))
    elif args.mode == "open":
        out = asyncio.run(_open(model, warm, args.streams))
    else:
        out = _cache(model, args.chunks)
    out.update(
        lib=args.lib,
        mode=args.mode,
        framing=args.framing,
        bare_interpreter_rss_mb=round(start_rss / 1e6, 1),
    )
    return out


# ---- the pytest side -----------------------------------------------------------------------

if __name__ != "__main__":
    import pytest

    from benches.server import BenchServer, build_body, write_body
    from benches.test_bench_e2e import print_lines

    RESULTS: list[dict[str, Any]] = []
    # (url, bodies directory, bodies by chunk count, server pid)
    Served = tuple[str, Path, dict[int, Any], int]

    @pytest.fixture(scope="module")
    def server(
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[tuple[str, Any, dict[int, Any], int]]:
        directory = tmp_path_factory.mktemp("bodies")
        bodies = {}
        for n in (CHUNKS, CACHE_CHUNKS):
            body = build_body("openai-completions", n)
            write_body(directory, body)
            bodies[n] = body
        bench_server = BenchServer(directory)
        with bench_server as url:
            assert bench_server.process is not None
            yield url, directory, bodies, bench_server.process.pid

    @pytest.fixture(scope="module")
    def tls_server(server: Any) -> Iterator[tuple[str, Any, dict[int, Any], int, str]]:
        """The same bodies served over HTTPS (a throwaway CA), for the TLS cases."""
        bench_server = BenchServer(server[1], tls=True)
        with bench_server as url:
            assert bench_server.process is not None
            yield url, server[1], server[2], bench_server.process.pid, bench_server.ca_file

    @pytest.fixture(scope="module", autouse=True)
    def report(request: pytest.FixtureRequest) -> Iterator[None]:
        yield
        print_lines(request, summary(RESULTS))
        with open(JSON_OUT, "w") as f:
            json.dump(RESULTS, f, indent=2)

    def _server_cpu(pid: int) -> float:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run_child(server: Any, *args: str) -> dict[str, Any]:
        url = server[0]
        pid = server[3]
        before = _server_cpu(pid)
        if len(server) > 4 and server[4]:
            args = (*args, "--ca", server[4])
        done = subprocess.run(
            [sys.executable, __file__, *args, "--url", url],
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"child failed:\n{done.stderr[-4000:]}")
        out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        out["server_cpu_s"] = round(_server_cpu(pid) - before, 3)
        RESULTS.append(out)
        return out

    def _mirascope_available() -> bool:
        try:
            import mirascope.llm  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            return False
        return True

    def _skip_missing(lib: str) -> None:
        if lib == "mirascope" and not _mirascope_available():
            pytest.skip("mirascope not installed")

    def _cases(spec: str, tls: bool) -> list[tuple[str, int, str, bool]]:
        """`streams:framing,...` for both libraries; `event@r` = r chunks/s per stream."""
        return [
            (lib, int(streams), framing, tls)
            for streams, _, framing in (case.partition(":") for case in spec.split(",") if case)
            for lib in LIBS
        ]

    # FERRISCOPE_CONC_CASES="200:event,1000:event,200:event@100" overrides the list. Real APIs
    # are HTTPS: the paced case runs again over TLS (FERRISCOPE_CONC_TLS_CASES).
    CONCURRENT = _cases(
        os.environ.get("FERRISCOPE_CONC_CASES", "200:event,1000:event,200:event@50,1000:event@25"),
        tls=False,
    ) + _cases(os.environ.get("FERRISCOPE_CONC_TLS_CASES", "200:event@50"), tls=True)

    @pytest.mark.parametrize(("lib", "streams", "framing", "tls"), CONCURRENT)
    def test_concurrent_streams(
        benchmark: Any,
        request: pytest.FixtureRequest,
        lib: str,
        streams: int,
        framing: str,
        tls: bool,
    ) -> None:
        _skip_missing(lib)
        if lib == "mirascope" and streams >= 1000:
            if os.environ.get("FERRISCOPE_CONC_MIRASCOPE_1000") != "1":
                pytest.skip("opt-in: FERRISCOPE_CONC_MIRASCOPE_1000=1 (minutes of CPU, ~7 GB)")
        served = request.getfixturevalue("tls_server" if tls else "server")
        body = served[2][CHUNKS]
        args = ["concurrent", "--lib", lib, "--body", body.name, "--framing", framing]
        args += ["--streams", str(streams)]
        over = ", TLS," if tls else ""
        benchmark.group = f"concurrency{over} {streams} streams × {body.deltas} chunks ({framing})"
        benchmark.name = lib
        out = benchmark.pedantic(run_child, args=(served, *args), rounds=1, iterations=1)
        out["tls"] = tls
        benchmark.extra_info.update(out)
        assert out["errors"] == 0, out["first_error"]
        assert out["completed"] == streams
        # text_stream() yields every delta, then the separator after the text part
        assert out["chunks"] == streams * (body.deltas + 1)
        assert out["chars"] == [len(body.text) + 1]

    @pytest.mark.parametrize("lib", LIBS)
    def test_memory_streams_kept_alive(benchmark: Any, server: Any, lib: str) -> None:
        """1,000 streams of 2,000 chunks at full speed, every response kept to the end."""
        _skip_missing(lib)
        if lib == "mirascope" and os.environ.get("FERRISCOPE_CONC_MIRASCOPE_1000") != "1":
            pytest.skip("opt-in: FERRISCOPE_CONC_MIRASCOPE_1000=1 (minutes of CPU, ~7 GB)")
        body = server[2][CHUNKS]
        args = ["concurrent", "--lib", lib, "--body", body.name, "--streams", "1000", "--keep"]
        benchmark.group = f"memory: 1000 streams × {body.deltas} chunks, all kept alive"
        benchmark.name = lib
        out = benchmark.pedantic(run_child, args=(server, *args), rounds=1, iterations=1)
        benchmark.extra_info.update(out)
        assert out["errors"] == 0, out["first_error"]
        assert out["completed"] == out["kept_alive"] == 1000

    @pytest.mark.parametrize("lib", LIBS)
    def test_memory_cached_chunks(benchmark: Any, server: Any, lib: str) -> None:
        _skip_missing(lib)
        body = server[2][CACHE_CHUNKS]
        args = ["cache", "--lib", lib, "--body", body.name, "--chunks", str(body.deltas)]
        benchmark.group = f"memory: one response of {body.deltas} text chunks"
        benchmark.name = lib
        out = benchmark.pedantic(run_child, args=(server, *args), rounds=1, iterations=1)
        benchmark.extra_info.update(out)
        assert out["text_chunks"] == body.deltas + 1
        assert out["text_chars"] == len(body.text)

    @pytest.mark.parametrize("lib", LIBS)
    def test_memory_open_streams(benchmark: Any, server: Any, lib: str) -> None:
        _skip_missing(lib)
        body = server[2][CHUNKS]
        args = ["open", "--lib", lib, "--body", body.name, "--streams", "1000"]
        args += ["--framing", "event@20"]
        benchmark.group = "memory: 1000 open streams"
        benchmark.name = lib
        out = benchmark.pedantic(run_child, args=(server, *args), rounds=1, iterations=1)
        benchmark.extra_info.update(out)

    def summary(results: list[dict[str, Any]]) -> list[str]:
        lines = ["", "concurrency (client CPU, one event loop)"]
        lines.append(
            f"{'lib':<11} {'streams':>7} {'framing':>10} {'chunks/CPU-s':>13} {'µs/chunk':>9} "
            f"{'CPU load':>8} {'wall s':>7} {'lag p50 ms':>10} {'lag p99 ms':>10} "
            f"{'peak RSS +MB':>12} {'server CPU s':>12} {'waited s':>8} errors"
        )
        for r in results:
            if r["mode"] != "concurrent":
                continue
            framing = r["framing"] + ("+keep" if r.get("kept_alive") else "")
            framing += "+tls" if r.get("tls") else ""
            lines.append(
                f"{r['lib']:<11} {r['streams']:>7} {framing:>10} "
                f"{r['chunks_per_cpu_s']:>13,} {r['us_per_chunk']:>9} {r['cpu_load']:>8} "
                f"{r['wall_s']:>7} {r['lag_p50_ms']:>10} {r['lag_p99_ms']:>10} "
                f"{r['peak_rss_growth_mb']:>12} {r.get('server_cpu_s', '-'):>12} "
                f"{r.get('run_delay_s', '-'):>8} {r['errors']}"
            )
        for r in results:
            if r["mode"] == "cache":
                lines.append(
                    f"memory {r['lib']}: {r['cached_chunks']} cached chunks "
                    f"({r['text_chunks']} text) → {r['response_rss_mb']} MB resident, "
                    f"{r['bytes_per_cached_chunk']} B/chunk (peak +{r['peak_rss_growth_mb']} MB)"
                )
            elif r["mode"] == "open":
                lines.append(
                    f"memory {r['lib']}: {r['streams']} open streams → "
                    f"+{r['open_rss_growth_mb']} MB, {r['bytes_per_open_stream']} B/stream"
                )
        return lines


if __name__ == "__main__":
    print(json.dumps(child()), flush=True)
    os._exit(0)  # `open` leaves streams open: no waiting for them at shutdown

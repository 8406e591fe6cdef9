"""Cost per chunk vs output size, ferriscope vs Mirascope 2.8.2: `benches/cost_per_chunk.png`.

Streams OpenAI Chat Completions text bodies of growing size from `benches/server.py` through
`text_stream()` with each library and plots the client CPU time per chunk
(`time.process_time()`, best of a few runs): a flat line is linear total cost, a rising one
is super-linear (Mirascope rebuilds its accumulated text). Both framings are drawn: one HTTP
chunk per SSE event (as the APIs send) and 64 KiB HTTP chunks.

    python benches/plot_cost_per_chunk.py [--sizes 1000,2000,...] [--out benches/cost_per_chunk.png]

The measured points are also written to `--json` (default /tmp/ferriscope-cost-per-chunk.json;
`--from-json` re-plots them). Takes a few minutes, mostly Mirascope at 100k chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.server import BenchServer, build_body, write_body  # noqa: E402
from benches.test_bench_e2e import consume_text, exponent, point, text_of  # noqa: E402

FRAMINGS = {"event": "one HTTP chunk per event", "65536": "64 KiB HTTP chunks"}
STYLE = {"ferriscope": "tab:orange", "mirascope": "tab:blue"}


def _llm(lib: str) -> Any:
    if lib == "ferriscope":
        from ferriscope import llm

        return llm
    from mirascope import llm as mllm  # type: ignore[import-untyped]

    return mllm


def measure(
    sizes: list[int], mirascope_max: int, rounds: int
) -> dict[str, dict[str, dict[int, float]]]:
    """lib → framing → chunks → best CPU seconds per chunk."""
    out: dict[str, dict[str, dict[int, float]]] = {}
    with tempfile.TemporaryDirectory() as directory:
        bodies = {n: build_body("openai-completions", n) for n in sizes}
        for body in bodies.values():
            write_body(directory, body)
        with BenchServer(directory) as url:
            for lib in ("ferriscope", "mirascope"):
                llm = _llm(lib)
                for framing in FRAMINGS:
                    for n, body in bodies.items():
                        if lib == "mirascope" and n > mirascope_max:
                            continue
                        model = llm.Model(point(llm, body.wire_format, url, body.name, framing))
                        if n <= 20_000:  # an untimed warm-up (big bodies warm up themselves)
                            consume_text(model.stream("Go on."))
                        runs = rounds if lib == "ferriscope" or n <= 20_000 else 1
                        best = float("inf")
                        for _ in range(runs):
                            start = time.process_time()
                            response = model.stream("Go on.")
                            consume_text(response)
                            best = min(best, time.process_time() - start)
                        assert text_of(response) == body.text
                        per = best / body.deltas
                        out.setdefault(lib, {}).setdefault(framing, {})[body.deltas] = per
                        print(
                            f"{lib:<11} {framing:>6} {body.deltas:>7} chunks: {per * 1e6:8.2f} µs"
                        )
    return out


def machine() -> str:
    """CPU model and count, as `lscpu` would say."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} × {os.cpu_count()}"


def plot(data: dict[str, dict[str, dict[int, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    for lib, framings in data.items():
        for framing, points in framings.items():
            xs = sorted(points)
            ys = [points[x] * 1e6 for x in xs]
            e = exponent({x: points[x] * x for x in xs})
            label = f"{lib}, {FRAMINGS[framing]}" + (f" (time ∝ n^{e:.2f})" if e else "")
            ax.plot(
                xs,
                ys,
                marker="o",
                color=STYLE[lib],
                linestyle="-" if framing == "event" else "--",
                label=label,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("text chunks in the response")
    ax.set_ylabel("client CPU per chunk (µs, log)")
    ax.set_title("text_stream(), OpenAI Chat Completions over loopback HTTP")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.text(
        0.01,
        0.01,
        f"{machine()}, Python {platform.python_version()}; "
        "time.process_time of the client, server in another process",
        fontsize=7,
        color="gray",
    )
    fig.tight_layout()
    fig.savefig(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,2000,5000,10000,20000,50000,100000")
    parser.add_argument("--mirascope-max", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).with_name("cost_per_chunk.png")))
    parser.add_argument("--json", default="/tmp/ferriscope-cost-per-chunk.json")
    parser.add_argument("--from-json", help="plot points saved by an earlier run")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.from_json:
        raw = json.loads(Path(args.from_json).read_text())
        data = {
            lib: {f: {int(n): t for n, t in pts.items()} for f, pts in fr.items()}
            for lib, fr in raw.items()
        }
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        data = measure(sizes, args.mirascope_max, args.rounds)
        Path(args.json).write_text(json.dumps(data, indent=2))
    plot(data, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

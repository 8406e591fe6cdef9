"""`python -m ferriscope bench`: the options, which kinds run, and the exit status."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable, Sequence

from benches.harness.cases import cases, size_label
from benches.harness.measure import Measurement, machine, measure
from benches.harness.partial_json import DEFAULT_JSON_SIZES, books_workload
from benches.harness.suites import SUITES, missing_requirements, run_suite
from benches.harness.table import ITEMS, fmt_ms, render
from benches.streams import DEFAULT_SIZE

__all__ = ["IN_PROCESS", "KINDS", "main"]

_TIMERS: dict[str, Callable[[], float]] = {
    "perf_counter": time.perf_counter,
    "process_time": time.process_time,
}

#: Kinds measured in this process (the default).
IN_PROCESS = ("sse", "decode", "partial-json")

KINDS = (*IN_PROCESS, *SUITES)


def _kb_list(text: str) -> list[int]:
    try:
        sizes = [int(float(x) * 1e3) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes in KB: {text!r}") from None
    if not sizes or min(sizes) < 2:
        raise argparse.ArgumentTypeError("sizes must be at least 0.002 KB")
    return sizes


_EPILOG = """\
kinds (default: sse decode partial-json; all: every kind):
  sse           bytes -> SSE events: httpx-sse, the openai and anthropic SDK decoders
  decode        bytes -> typed chunks: openai.Stream, anthropic.Stream, MessageStream
  partial-json  the books document in 1-8 character pieces, the partial value read after
                every piece: jiter, pydantic-core, partial-json-parser, json-repair
                re-parsing every prefix (sampled 1/N where that would exceed
                --peer-budget), one json.loads of the whole document as the floor
  e2e           benches/test_bench_e2e.py under pytest: ferriscope vs mirascope 2.8.2
                through a loopback HTTP server (FERRISCOPE_E2E_*)
  concurrency   benches/test_bench_concurrency.py under pytest: many async streams,
                memory (FERRISCOPE_CONC_*)
  short-answers benches/test_bench_short_answers.py under pytest: CPU per whole answer
                at 1/50/300 deltas vs mirascope, the openai SDK and bare HTTP clients,
                sync/async/TLS; import time; the field when its venv exists
                (FERRISCOPE_SHORT_*, FERRISCOPE_FIELD_VENV)
the pytest suites need pytest-benchmark (pip install -e '.[bench]')
"""


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m ferriscope bench",
        description="ferriscope against its peers, on the same bytes in the same run, "
        "with ratios (peer time / ferriscope time).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kinds", nargs="*", metavar="KIND", help="kinds to run (see below)")
    p.add_argument(
        "--only",
        choices=(*KINDS, "all"),
        action="append",
        help="run this kind (repeatable; the same as naming it)",
    )
    p.add_argument(
        "--size-mb",
        type=float,
        default=DEFAULT_SIZE / 1e6,
        help="sse/decode body size in MB (default: %(default)s)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs per case, the best is shown (default: %(default)s)",
    )
    p.add_argument(
        "--sdk-rounds",
        type=int,
        default=1,
        help="runs of the slow peers (the SDK typed streams, partial-JSON re-parsing), "
        "seconds each (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bodies and the read sizes")
    p.add_argument(
        "--wire",
        choices=("openai-completions", "anthropic"),
        action="append",
        help="sse/decode: run only these streams (repeatable)",
    )
    p.add_argument(
        "--message-stream-mb",
        type=float,
        default=1.0,
        help="body size for anthropic's MessageStream, which is quadratic in the "
        "text length; 0 skips it (default: %(default)s)",
    )
    p.add_argument(
        "--json-kb",
        type=_kb_list,
        default=list(DEFAULT_JSON_SIZES),
        metavar="KB[,KB...]",
        help="partial-json document sizes in KB (default: 1,10,100,1000)",
    )
    p.add_argument(
        "--peer-budget",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="partial-json: a re-parse peer estimated to take longer than this on a size "
        "parses every Nth prefix only, its time extrapolated ×N (default: %(default)s)",
    )
    p.add_argument(
        "--pytest-args",
        type=shlex.split,
        default=[],
        help="the pytest suites (e2e, concurrency, short-answers): extra pytest arguments, "
        'e.g. --pytest-args="-k text_stream"',
    )
    p.add_argument(
        "--timer",
        choices=sorted(_TIMERS),
        default="perf_counter",
        help="process_time (CPU time) is steadier on a busy machine",
    )
    args = p.parse_intermixed_args(argv)
    unknown = [k for k in args.kinds if k not in (*KINDS, "all")]
    if unknown:
        p.error(f"unknown kind {unknown[0]!r} (choose from {', '.join((*KINDS, 'all'))})")
    args.kinds = [*args.kinds, *(args.only or [])]
    if args.rounds < 1 or args.sdk_rounds < 1 or args.size_mb <= 0 or args.message_stream_mb < 0:
        p.error("--rounds, --sdk-rounds and --size-mb must be positive")
    if args.peer_budget <= 0:
        p.error("--peer-budget must be positive")
    return args


def _run_in_process(args: argparse.Namespace, kinds: Sequence[str]) -> list[Measurement]:
    size = int(args.size_mb * 1e6)
    timer = _TIMERS[args.timer]
    print(
        f"ferriscope bench: {', '.join(kinds)}; best of {args.rounds} "
        f"({args.sdk_rounds} for the slow peers), timer {args.timer}"
    )
    if "sse" in kinds or "decode" in kinds:
        print(f"  sse/decode: {size / 1e6:g} MB bodies in random 1-16 KB reads (seed {args.seed})")
    if "partial-json" in kinds:
        docs = ", ".join(
            f"{size_label(n)} ({len(books_workload(n).pieces):,} pieces)" for n in args.json_kb
        )
        print(f"  partial-json: books documents of {docs}")
    print(f"machine: {machine()}", flush=True)
    results: list[Measurement] = []
    for case in cases(
        size,
        seed=args.seed,
        kinds=kinds,
        wires=args.wire or ["openai-completions", "anthropic"],
        message_stream_size=int(args.message_stream_mb * 1e6),
        json_sizes=args.json_kb,
        peer_budget=args.peer_budget,
    ):
        for impl in case.impls:
            print(f"  {case.name}: {impl.name} ...", end="", flush=True, file=sys.stderr)
            rounds = args.sdk_rounds if impl.slow else args.rounds
            m = measure(case.name, impl, case.pieces, rounds, timer)
            print(f" {fmt_ms(m.best)} ms {m.note}", file=sys.stderr, flush=True)
            results.append(m)
    print()
    print(render(results))
    print("\nitems: " + "; ".join(ITEMS[k] for k in kinds))
    return results


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints the table. Exit status 1 if a correctness check (or a
    pytest suite) failed, 2 if a kind asked for by name cannot run in this interpreter."""
    args = _parse(argv)
    asked = args.kinds or list(IN_PROCESS)
    everything = "all" in asked
    kinds = [k for k in KINDS if everything or k in asked]
    suites: list[str] = []
    for name in (k for k in kinds if k in SUITES):
        why = missing_requirements(SUITES[name])
        if why is None:
            suites.append(name)
        elif everything:
            print(f"skipping {name}: {why}", file=sys.stderr)
        else:
            print(f"python -m ferriscope bench {name}: {why}", file=sys.stderr)
            return 2
    failed = False
    in_process = [k for k in kinds if k in IN_PROCESS]
    if in_process:
        results = _run_in_process(args, in_process)
        failed = any(m.note.startswith("CHECK FAILED") for m in results)
    for name in suites:
        failed |= run_suite(name, SUITES[name], args.pytest_args) != 0
    return 1 if failed else 0

"""Import time: `from ferriscope import llm` against `import pydantic` alone (and peers).

Each statement runs in a fresh interpreter (`python -c`), timed inside it around the import
only (interpreter start-up excluded), wall (`perf_counter`) and CPU (`process_time`); the
figure is the minimum over `--runs` interpreters (bytecode caches warm: one untimed run
first). The children always write and read bytecode caches, as an installed wheel has them
(pip compiles them on install): `PYTHONDONTWRITEBYTECODE` is dropped from their environment
and the caches go to a temporary `PYTHONPYCACHEPREFIX`, so a checkout is not timed compiling
its sources on every import (which it does when the shell sets `PYTHONDONTWRITEBYTECODE`).

`from ferriscope import llm` loads only the lazy façade (docs/architecture.md, "Lazy
loading"), so a second row adds the first read of `llm.call`, which loads what a program
using the decorator pays for before its first request, and a third the whole first use of a
sync program: the import, `register_provider`, a decorated call and one 50-delta answer
streamed to the end from `benches/server.py` on loopback (HTTP request included).
`import pydantic` is lazy itself, so a row defines a `BaseModel` as well: the cost a program
that uses pydantic pays anyway. `python -X importtime` of the `llm.call` statement then
shows what dominates: the modules with the largest cumulative time directly under the
statement, and the largest self times.

    python benches/import_time.py [--runs 15] [--top 12] [--baseline ../main/python]
                                  [--no-stream] [--compile]

`--compile` times the children as they ran before (no bytecode caches written: a checkout's
sources are compiled on every import, an installed package's are not).

`--baseline DIR` also times the ferriscope rows with DIR first on `PYTHONPATH` (another
checkout's `python/` directory), in the same run, for a before/after table.

Run from the repository root (or with ferriscope on the path); the target is ferriscope's
import at most 2× pydantic's.
"""

from __future__ import annotations

import argparse
import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

#: the import plus the first read of the decorator: the modules the lazy façade defers
FIRST_USE = "from ferriscope import llm; llm.call"

#: the import, a provider on a local server, a decorated call and a whole answer streamed
STREAM = (
    "from ferriscope import llm\n"
    "llm.register_provider('openai', scope='openai/', base_url='{base_url}', api_key='bench')\n"
    "@llm.call('openai/gpt-4o:completions')\n"
    "def answer(question: str) -> str:\n"
    "    return question\n"
    "assert ''.join(answer.stream('hi').text_stream())"
)
STREAM_ROW = "first sync stream (import, call, 50-delta answer from loopback)"

#: name → (statement, the module that must be importable)
STATEMENTS = {
    "import pydantic": ("import pydantic", "pydantic"),
    "import pydantic + define a BaseModel": (
        "from pydantic import BaseModel\nclass Book(BaseModel):\n    title: str\n    pages: int",
        "pydantic",
    ),
    "from ferriscope import llm": ("from ferriscope import llm", "ferriscope"),
    "llm.call": (FIRST_USE, "ferriscope"),
    "import httpx": ("import httpx", "httpx"),
    "import openai": ("import openai", "openai"),
    "from mirascope import llm": ("from mirascope import llm", "mirascope"),
}
RUNS = int(os.environ.get("FERRISCOPE_SHORT_IMPORT_RUNS", "15"))

#: where the children keep their bytecode caches (one directory per run of this script)
_PYCACHE = tempfile.mkdtemp(prefix="ferriscope-import-time-pycache-")
atexit.register(shutil.rmtree, _PYCACHE, True)


#: `--compile`: children write no bytecode caches (a checkout's sources compile on every import)
COMPILE = False


def _child_env(path: str | None = None) -> dict[str, str]:
    """The environment of a timed child: bytecode caches on (unless `COMPILE`), `path` first
    on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if COMPILE:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([path, os.environ.get("PYTHONPATH", "")])
    return env


_PROBE = (
    "import time\n"
    "w = time.perf_counter(); c = time.process_time()\n"
    "{statement}\n"
    "print(time.perf_counter() - w, time.process_time() - c)\n"
)


def time_import(
    statement: str, runs: int, path: str | None = None, label: str | None = None
) -> dict[str, Any]:
    """Minimum wall and CPU seconds of `statement` over `runs` fresh interpreters (with `path`
    first on `PYTHONPATH` if given); `label` names a multi-line statement in the table."""
    probe = _PROBE.format(statement=statement)
    env = _child_env(path)
    subprocess.run([sys.executable, "-c", statement], check=True, capture_output=True, env=env)
    walls, cpus = [], []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env
        )
        wall, cpu = (float(x) for x in done.stdout.split())
        walls.append(wall)
        cpus.append(cpu)
    return {
        "statement": (label or statement) + ("" if path is None else f"` (baseline `{path}"),
        "runs": runs,
        "min_ms": round(min(walls) * 1e3, 1),
        "cpu_min_ms": round(min(cpus) * 1e3, 1),
        "median_ms": round(sorted(walls)[len(walls) // 2] * 1e3, 1),
    }


def importtime_top(statement: str, top: int) -> dict[str, list[tuple[str, int, int]]]:
    """`-X importtime` of `statement`: (module, self µs, cumulative µs) of its package's
    modules and of the other top-level packages with the largest cumulative times, and of
    the largest self times (the interpreter's own start-up imports left out)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        env=_child_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    root = statement.split()[1].split(".")[0]  # "import x.y" / "from x import y" → "x"
    rows: list[tuple[str, int, int, int]] = []
    pending: list[tuple[str, int, int, int]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        pending.append((name.strip(), int(self_us), int(cumulative), depth))
        if depth == 0:  # a top-level import and, just before it, everything it imported
            if name.strip().split(".")[0] == root:
                rows += pending
            pending = []
    # the package's own modules (nested: a module's figure includes what it imports)
    # A module can show twice (a `from package import module` after the package); keep the
    # larger figure.
    largest: dict[str, tuple[str, int, int, int]] = {}
    for row in rows:
        if row[0] not in largest or row[2] > largest[row[0]][2]:
            largest[row[0]] = row
    rows = list(largest.values())
    own = sorted((r for r in rows if r[0].startswith(root + ".")), key=lambda r: -r[2])[:top]
    by_self = sorted(rows, key=lambda r: -r[1])[:top]
    return {
        "total_us": sum(r[2] for r in rows if r[3] == 0),
        "cumulative": [(n, s, c) for n, s, c, _ in own],
        # other top-level packages (each imported once; a package's figure includes what it
        # imports itself, e.g. httpx's includes h11's)
        "packages": [
            (n, s, c)
            for n, s, c, _ in sorted(rows, key=lambda r: -r[2])
            if "." not in n and n != root
        ][:top],
        "self": [(n, s, c) for n, s, c, _ in by_self],
    }


def compare(
    runs: int = RUNS, top: int = 12, baseline: str | None = None, stream: bool = False
) -> dict[str, Any]:
    rows = []
    for name, (statement, module) in STATEMENTS.items():
        if importlib.util.find_spec(module) is None:
            continue
        label = None if "\n" not in statement else name
        rows.append(time_import(statement, runs, label=label))
        if baseline is not None and module == "ferriscope":
            rows.append(time_import(statement, runs, baseline, label=label))
    if stream:
        rows += _stream_rows(runs, baseline)
    return {"rows": rows, "importtime": importtime_top(FIRST_USE, top)}


def _stream_rows(runs: int, baseline: str | None) -> list[dict[str, Any]]:
    """The first sync stream, against `benches/server.py` in its own process."""
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benches.server import BenchServer, build_body, write_body

    with tempfile.TemporaryDirectory() as directory:
        name = write_body(directory, build_body("openai-completions", 50))
        with BenchServer(directory) as url:
            statement = STREAM.format(base_url=f"{url}/b/{name}/event/v1")
            rows = [time_import(statement, runs, label=STREAM_ROW)]
            if baseline is not None:
                rows.append(time_import(statement, runs, baseline, label=STREAM_ROW))
    return rows


def table(out: dict[str, Any]) -> list[str]:
    rows = out["rows"]
    base = next((r for r in rows if r["statement"] == "import pydantic"), None)
    lines = [
        "",
        f"### import time (fresh interpreters, min of {rows[0]['runs'] if rows else 0})",
        "",
        "| statement | wall ms | CPU ms | median wall ms | ×pydantic |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = f"{r['min_ms'] / base['min_ms']:.2f}×" if base else "-"
        lines.append(
            f"| `{r['statement']}` | {r['min_ms']} | {r['cpu_min_ms']} | {r['median_ms']} "
            f"| {ratio} |"
        )
    top = out["importtime"]
    lines += [
        "",
        f"`-X importtime` of `{FIRST_USE}` ({top['total_us'] / 1e3:.0f} ms "
        "under -X importtime), its largest modules (cumulative, nested):",
        "",
    ]
    lines.append("| module | cumulative ms | self ms |")
    lines.append("|---|---:|---:|")
    lines += [f"| {n} | {c / 1e3:.1f} | {s / 1e3:.1f} |" for n, s, c in top["cumulative"]]
    lines += ["", "other packages it imports (cumulative, nested):", ""]
    lines += ["| package | cumulative ms | self ms |", "|---|---:|---:|"]
    lines += [f"| {n} | {c / 1e3:.1f} | {s / 1e3:.1f} |" for n, s, c in top["packages"]]
    lines += ["", "largest self times:", "", "| module | self ms | cumulative ms |"]
    lines.append("|---|---:|---:|")
    lines += [f"| {n} | {s / 1e3:.1f} | {c / 1e3:.1f} |" for n, s, c in top["self"]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--baseline", help="also time ferriscope from this python/ directory")
    parser.add_argument("--no-stream", action="store_true", help="skip the first-stream row")
    parser.add_argument(
        "--compile", action="store_true", help="children write no bytecode caches (as before)"
    )
    args = parser.parse_args(argv)
    global COMPILE
    COMPILE = args.compile
    out = compare(args.runs, args.top, args.baseline, stream=not args.no_stream)
    print("\n".join(table(out)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

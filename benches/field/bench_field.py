"""The field: pydantic-ai and litellm streaming the same short answer as ferriscope.

They need the openai SDK 3.x (on httpx2), which Mirascope 2.8.2's extras exclude, so they live
in their own venv (`bash benches/field/setup_venv.sh`, default `/work/venv-field`, or
`FERRISCOPE_FIELD_VENV`). This script runs in the main interpreter: it builds the 50-delta
Chat Completions body of `benches/test_bench_short_answers.py`, serves it from
`benches/server.py` (its own process, pinned to another CPU), and runs each client alone in a
fresh interpreter: the field's in the venv (`field_child.py`), ferriscope's in this one.

- pydantic-ai: `Agent(OpenAIChatModel(...)).run_stream(...)`, `stream_text(delta=True)` to
  the end (async: pydantic-ai streams on asyncio).
- litellm: `litellm.completion(..., stream=True)`, every delta's `content` read, with
  `LITELLM_LOCAL_MODEL_COST_MAP=True` (no cost-map download).
- the openai SDK 3.x alone, sync and async (what both build on), for reference.
- ferriscope, sync and async, `text_stream()` to the end (the same-run reference).

    python benches/field/bench_field.py [--deltas 50] [--rounds 15]

The table gives the client CPU per whole answer (best round, `benches/cputime.py`), per
content delta, and the ratio to ferriscope in the same mode. `python -m ferriscope bench
short-answers` runs this too when the venv exists.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV = Path(os.environ.get("FERRISCOPE_FIELD_VENV", "/work/venv-field"))
FIELD = ("pydantic-ai", "litellm", "openai3", "openai3-async")
ROUNDS = int(os.environ.get("FERRISCOPE_SHORT_ROUNDS", "15"))
ROUND_CPU = float(os.environ.get("FERRISCOPE_SHORT_ROUND_CPU", "0.05"))


def field_python() -> Path | None:
    """The field venv's interpreter, or None when the venv was not made."""
    python = VENV / "bin" / "python"
    return python if python.exists() else None


def _run(argv: list[str]) -> dict[str, Any]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-600:]}"}
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def measure_all(
    python: Path, url: str, bodies_dir: Path, deltas: int = 50, rounds: int = ROUNDS
) -> list[dict[str, Any]]:
    """Every field client and ferriscope (sync, async) on the `deltas`-delta body."""
    from benches.test_bench_short_answers import short_body, write_short_body

    name = f"short-{deltas}"
    if not (bodies_dir / f"{name}.json").exists():
        write_short_body(bodies_dir, short_body(deltas))
    common = ["--url", url, "--dir", str(bodies_dir), "--rounds", str(rounds)]
    common += ["--round-cpu", str(ROUND_CPU)]
    rows = []
    for mode in ("sync", "async"):
        out = _run(
            [
                sys.executable,
                str(ROOT / "benches" / "test_bench_short_answers.py"),
                "--impl",
                "ferriscope",
                "--mode",
                mode,
                "--bodies",
                name,
                *common,
            ]
        )
        body = out.pop("bodies", {}).get(name, {})
        rows.append({"impl": "ferriscope", "mode": mode, **out, **body})
    child = str(ROOT / "benches" / "field" / "field_child.py")
    for impl in FIELD:
        out = _run([str(python), child, "--impl", impl, "--body", name, *common])
        rows.append({"impl": impl, **out})
    for row in rows:
        row["deltas"] = deltas
    return rows


def table(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown: CPU per answer and per delta, and the ratio to ferriscope (same mode)."""
    ref = {r["mode"]: r.get("us_min") for r in rows if r["impl"] == "ferriscope"}
    deltas = rows[0]["deltas"] if rows else 0
    lines = [
        "",
        f"### the field: one {deltas}-delta answer, client CPU (best round; ×ferriscope, "
        "same mode)",
        "",
        "| implementation | mode | µs per answer | µs per delta | ×ferriscope |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        name = f"{r['impl']} {r.get('version', '')}".strip()
        if r.get("error"):
            lines.append(f"| {name} | {r.get('mode', '?')} | FAILED: {r['error'][:200]} | | |")
            continue
        us = r["us_min"]
        base = ref.get(r["mode"])
        ratio = f"{us / base:.1f}×" if base else "-"
        lines.append(f"| {name} | {r['mode']} | {us:,.0f} | {us / deltas:,.1f} | {ratio} |")
    waited = sum(r.get("run_delay_s", 0.0) for r in rows)
    wall = sum(r.get("wall_s", 0.0) for r in rows)
    lines.append("")
    lines.append(f"(clients waited for a CPU {waited:.1f} s of {wall:.1f} s wall)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deltas", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    python = field_python()
    if python is None:
        print(f"no field venv at {VENV}: bash benches/field/setup_venv.sh", file=sys.stderr)
        return 2
    from benches.server import BenchServer
    from benches.test_bench_short_answers import short_body, write_short_body

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_short_body(directory, short_body(args.deltas))
        with BenchServer(directory) as url:
            rows = measure_all(python, url, directory, args.deltas, args.rounds)
    print("\n".join(table(rows)))
    return 1 if any(r.get("error") for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The kinds that are pytest suites of `benches/` (they need the loopback server of
`benches/server.py`): what each needs, and running one in a child process from the root of
the checkout this harness belongs to."""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROOT", "SUITES", "Suite", "missing_requirements", "run_suite"]


@dataclass(frozen=True)
class Suite:
    """A pytest suite of `benches/` that the runner starts as it is."""

    path: str
    #: Prefix of the environment variables the suite reads (passed through as they are).
    env_prefix: str
    #: The variable naming the suite's JSON output, and its file name in the temp directory.
    json_env: str
    json_name: str


SUITES = {
    "e2e": Suite(
        "benches/test_bench_e2e.py", "FERRISCOPE_E2E_", "FERRISCOPE_E2E_JSON", "ferriscope-e2e.json"
    ),
    "concurrency": Suite(
        "benches/test_bench_concurrency.py",
        "FERRISCOPE_CONC_",
        "FERRISCOPE_CONC_JSON",
        "ferriscope-concurrency.json",
    ),
    "short-answers": Suite(
        "benches/test_bench_short_answers.py",
        "FERRISCOPE_SHORT_",
        "FERRISCOPE_SHORT_JSON",
        "ferriscope-short-answers.json",
    ),
}

#: The checkout: the suites' paths are relative to it, and pytest runs there.
ROOT = Path(__file__).resolve().parents[2]


def missing_requirements(suite: Suite) -> str | None:
    """Why `suite` cannot run in this interpreter (a package it needs), or None."""
    for module, package in (("pytest", "pytest"), ("pytest_benchmark", "pytest-benchmark")):
        if not _installed(module):
            return f"{suite.path} needs {package}: pip install -e '.[bench]'"
    return None


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run_suite(name: str, suite: Suite, pytest_args: Sequence[str] = ()) -> int:
    """Runs the suite under pytest in a child process (its own tables go to this stdout) and
    returns pytest's exit status."""
    env = dict(os.environ)
    env.setdefault(suite.json_env, os.path.join(tempfile.gettempdir(), suite.json_name))
    settings = sorted(k for k in env if k.startswith(suite.env_prefix) and k != suite.json_env)
    command = [sys.executable, "-m", "pytest", suite.path, "--benchmark-only", "-q", "-s"]
    command += pytest_args
    print(f"\n== {name}: {shlex.join(['python', *command[1:]])}", flush=True)
    if settings:
        print("   with " + " ".join(f"{k}={env[k]}" for k in settings), flush=True)
    done = subprocess.run(command, env=env, cwd=ROOT, check=False)
    status = "passed" if done.returncode == 0 else f"FAILED (pytest exit status {done.returncode})"
    print(f"== {name}: {status}; the suite's JSON: {env[suite.json_env]}", flush=True)
    return done.returncode

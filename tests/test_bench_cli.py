"""`python -m ferriscope bench`: the benchmark runner must work from an installed wheel, and its
table is only worth quoting if every row was checked against the document it claims to parse.

The sizes here are tiny: these tests check the runner, not the timings.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ferriscope import _bench
from ferriscope._bench import PARTIAL_PEERS, ReparsePeer

ROOT = Path(__file__).resolve().parent.parent


def run_bench(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "ferriscope", "bench", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def rows(out: str, case: str) -> dict[str, list[str]]:
    """The table's rows of `case` by peer name, split into cells (names have single spaces,
    columns are two or more apart)."""
    found = {}
    for line in out.splitlines():
        cells = re.split(r" {2,}", line)
        if cells[0] == case:
            assert len(cells) == 10, line
            found[cells[5]] = cells
    return found


def test_partial_json_lists_ferriscope_and_every_peer() -> None:
    done = run_bench("partial-json", "--json-kb", "2", "--rounds", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    table = rows(done.stdout, "partial-json 2 KB")
    assert "ferriscope (bytes pieces)" in table
    assert table["json.loads (whole document, once)"][-1].endswith("x")
    for peer in PARTIAL_PEERS:
        name = f"{peer.name} re-parse"
        if importlib.util.find_spec(peer.module) is None:
            assert f"{name}: skipped: {peer.module} not installed" in done.stdout
        else:
            # Each peer re-parses ~500 prefixes where ferriscope feeds each piece once.
            ratio = table[name][-1]
            assert ratio.endswith("x") and float(ratio[:-1].replace(",", "")) > 1, table[name]
    assert "CHECK FAILED" not in done.stdout


def wrong_peer(module: str = "json") -> ReparsePeer:
    """A peer that parses nothing: every partial value it gives is an empty list."""
    return ReparsePeer("wrong", module, False, lambda: lambda prefix: [])


def test_a_peer_giving_a_wrong_value_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_bench, "PARTIAL_PEERS", [wrong_peer()])
    assert _bench.main(["partial-json", "--json-kb", "1", "--rounds", "1"]) == 1
    out = capsys.readouterr().out
    assert rows(out, "partial-json 1 KB")["wrong re-parse"][-1] == "CHECK FAILED"
    assert "the last partial value != json.loads of the document ([])" in out


def test_a_sampled_peer_is_marked_and_still_checked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sampled run never parses the whole document, so the check must parse it itself."""
    pydantic_core = next(p for p in PARTIAL_PEERS if p.name == "pydantic_core")
    monkeypatch.setattr(_bench, "PARTIAL_PEERS", [pydantic_core, wrong_peer()])
    args = ["partial-json", "--json-kb", "1", "--rounds", "1", "--peer-budget", "1e-9"]
    assert _bench.main(args) == 1
    out = capsys.readouterr().out
    table = {name.split()[0]: cells for name, cells in rows(out, "partial-json 1 KB").items()}
    assert "[sampled 1/" in table["pydantic_core"][5], out
    assert "[sampled 1/" in table["wrong"][5], out
    assert table["pydantic_core"][-1].endswith("x")
    assert table["wrong"][-1] == "CHECK FAILED"
    assert re.search(r"one prefix in \d+ re-parsed, the time shown is ×\d+", out)


@pytest.mark.parametrize("kind", [["e2e"], ["--only", "concurrency"], ["short-answers"]])
def test_the_pytest_suites_need_a_checkout(tmp_path: Path, kind: list[str]) -> None:
    done = run_bench(*kind, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "needs a checkout of the ferriscope repository" in done.stderr
    assert "benches/__init__.py" in done.stderr


@pytest.mark.parametrize(
    ("argv", "in_checkout", "in_process", "suites"),
    [
        ([], True, ["sse", "decode", "partial-json"], []),
        (
            ["all"],
            True,
            ["sse", "decode", "partial-json"],
            ["e2e", "concurrency", "short-answers"],
        ),
        (["all"], False, ["sse", "decode", "partial-json"], []),
        (["e2e", "--only", "partial-json"], True, ["partial-json"], ["e2e"]),
    ],
)
def test_which_kinds_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    in_checkout: bool,
    in_process: list[str],
    suites: list[str],
) -> None:
    """The default is what a wheel can run; `all` adds the pytest suites where they exist and
    says what it left out elsewhere."""
    ran: list[str] = []

    def run_in_process(args: object, kinds: list[str]) -> list[_bench.Measurement]:
        ran.extend(kinds)
        return []

    def run_suite(name: str, suite: object, pytest_args: object) -> int:
        ran.append(name)
        return 0

    monkeypatch.chdir(ROOT if in_checkout else tmp_path)
    monkeypatch.setattr(_bench, "_run_in_process", run_in_process)
    monkeypatch.setattr(_bench, "run_suite", run_suite)
    monkeypatch.setattr(_bench, "_installed", lambda module: True)  # as with the bench extra
    assert _bench.main(argv) == 0
    assert ran == in_process + suites
    err = capsys.readouterr().err
    if not in_checkout:
        assert "skipping e2e: benches/test_bench_e2e.py needs a checkout" in err
        assert "skipping concurrency: benches/test_bench_concurrency.py needs a checkout" in err


def test_suites_without_pytest_benchmark_are_skipped_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkout installed with the test extra only: `all` says which extra to install."""
    ran: list[str] = []
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(_bench, "_run_in_process", lambda args, kinds: ran.extend(kinds) or [])
    monkeypatch.setattr(_bench, "run_suite", lambda *args: ran.append(args[0]) or 0)
    monkeypatch.setattr(_bench, "_installed", lambda module: module != "pytest_benchmark")
    assert _bench.main(["all"]) == 0
    assert ran == ["sse", "decode", "partial-json"]
    err = capsys.readouterr().err
    assert "skipping e2e: benches/test_bench_e2e.py needs pytest-benchmark" in err
    assert "pip install -e '.[bench]'" in err


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        _bench.main(["partial-jsn"])
    assert exc.value.code == 2

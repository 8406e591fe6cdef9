"""`python -m ferriscope bench`: the benchmark harness runs from a checkout (it is not in the
wheel, and says where it is when run elsewhere), and its table is only worth quoting if every
row was checked against the document it claims to parse.

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

import ferriscope.__main__ as ferriscope_main
from benches.harness import cli, partial_json, suites
from benches.harness.measure import Measurement
from benches.harness.partial_json import PARTIAL_PEERS, ReparsePeer
from tests.support.paths import ROOT


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


@pytest.mark.slow
@pytest.mark.timeout(300)  # the runner's subprocess has 120 s of its own
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
            # The table gives each peer a ratio to ferriscope; how large it is, is the
            # benchmark's finding (benches/README.md), not something a test may assert.
            ratio = table[name][-1]
            assert ratio.endswith("x") and float(ratio[:-1].replace(",", "")) > 0, table[name]
    assert "CHECK FAILED" not in done.stdout


def wrong_peer(module: str = "json") -> ReparsePeer:
    """A peer that parses nothing: every partial value it gives is an empty list."""
    return ReparsePeer("wrong", module, False, lambda: lambda prefix: [])


@pytest.mark.slow  # the harness runs in-process: 20-40 s on a shared machine
def test_a_peer_giving_a_wrong_value_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(partial_json, "PARTIAL_PEERS", [wrong_peer()])
    assert cli.main(["partial-json", "--json-kb", "1", "--rounds", "1"]) == 1
    out = capsys.readouterr().out
    assert rows(out, "partial-json 1 KB")["wrong re-parse"][-1] == "CHECK FAILED"
    assert "the last partial value != json.loads of the document ([])" in out


@pytest.mark.slow  # the harness runs in-process: 20-40 s on a shared machine
def test_a_sampled_peer_is_marked_and_still_checked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sampled run never parses the whole document, so the check must parse it itself."""
    pydantic_core = next(p for p in PARTIAL_PEERS if p.name == "pydantic_core")
    monkeypatch.setattr(partial_json, "PARTIAL_PEERS", [pydantic_core, wrong_peer()])
    args = ["partial-json", "--json-kb", "1", "--rounds", "1", "--peer-budget", "1e-9"]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    table = {name.split()[0]: cells for name, cells in rows(out, "partial-json 1 KB").items()}
    assert "[sampled 1/" in table["pydantic_core"][5], out
    assert "[sampled 1/" in table["wrong"][5], out
    assert table["pydantic_core"][-1].endswith("x")
    assert table["wrong"][-1] == "CHECK FAILED"
    assert re.search(r"one prefix in \d+ re-parsed, the time shown is ×\d+", out)


def test_the_harness_is_found_in_a_checkout_only(tmp_path: Path) -> None:
    """The checkout ferriscope is imported from comes first, then the current directory; a
    directory without `benches/harness/` (as beside an installed wheel) is not one."""
    site = tmp_path / "site-packages"
    site.mkdir()
    assert ferriscope_main.checkout_root([site, tmp_path]) is None
    assert ferriscope_main.checkout_root([site, ROOT]) == ROOT
    assert ferriscope_main.checkout_root() is not None  # these tests run in a checkout


def test_outside_a_checkout_bench_says_where_the_harness_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ferriscope_main, "checkout_root", lambda: None)
    assert ferriscope_main.main(["bench", "partial-json"]) == 2
    err = capsys.readouterr().err
    assert "not part of the installed package" in err
    assert "benches/ of the ferriscope repository" in err
    assert "pip install -e '.[bench]'" in err


@pytest.mark.slow
@pytest.mark.timeout(300)  # the runner's subprocess has 120 s of its own
def test_bench_runs_from_any_directory_of_a_checkout(tmp_path: Path) -> None:
    """From a checkout's package (editable install or PYTHONPATH) the harness is found
    wherever the command runs, and the pytest suites run from the checkout's root."""
    import ferriscope

    if not Path(ferriscope.__file__).resolve().is_relative_to(ROOT):
        pytest.skip("ferriscope is installed, not imported from this checkout")
    done = run_bench("partial-json", "--json-kb", "2", "--rounds", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows(done.stdout, "partial-json 2 KB")
    assert suites.ROOT == ROOT


@pytest.mark.parametrize(
    ("argv", "in_process", "suites_run"),
    [
        ([], ["sse", "decode", "partial-json"], []),
        (["all"], ["sse", "decode", "partial-json"], ["e2e", "concurrency", "short-answers"]),
        (["e2e", "--only", "partial-json"], ["partial-json"], ["e2e"]),
        (["--only", "concurrency"], [], ["concurrency"]),
    ],
)
def test_which_kinds_run(
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    in_process: list[str],
    suites_run: list[str],
) -> None:
    """The default is the in-process kinds; `all` adds the pytest suites."""
    ran: list[str] = []

    def run_in_process(args: object, kinds: list[str]) -> list[Measurement]:
        ran.extend(kinds)
        return []

    def run_suite(name: str, suite: object, pytest_args: object) -> int:
        ran.append(name)
        return 0

    monkeypatch.setattr(cli, "_run_in_process", run_in_process)
    monkeypatch.setattr(cli, "run_suite", run_suite)
    monkeypatch.setattr(suites, "_installed", lambda module: True)  # as with the bench extra
    assert cli.main(argv) == 0
    assert ran == in_process + suites_run


def test_suites_without_pytest_benchmark_are_skipped_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkout installed with the test extra only: `all` says which extra to install, and
    a suite asked for by name is refused with exit status 2."""
    ran: list[str] = []
    monkeypatch.setattr(cli, "_run_in_process", lambda args, kinds: ran.extend(kinds) or [])
    monkeypatch.setattr(cli, "run_suite", lambda *args: ran.append(args[0]) or 0)
    monkeypatch.setattr(suites, "_installed", lambda module: module != "pytest_benchmark")
    assert cli.main(["all"]) == 0
    assert ran == ["sse", "decode", "partial-json"]
    err = capsys.readouterr().err
    assert "skipping e2e: benches/test_bench_e2e.py needs pytest-benchmark" in err
    assert "pip install -e '.[bench]'" in err
    assert cli.main(["short-answers"]) == 2
    assert "bench short-answers: benches/test_bench_short_answers.py needs pytest-benchmark" in (
        capsys.readouterr().err
    )


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["partial-jsn"])
    assert exc.value.code == 2

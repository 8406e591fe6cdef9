"""The newcomer's path: the README's two commands, and the demo the first one runs.

`python -m ferriscope` must work on a fresh machine with no API key and no network, for every
provider it offers; the README's test command must be exactly what CI (`.ci/run`) runs.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

# Set on a developer's machine, these would change where (or whether) the demo connects.
PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "MIRASCOPE_API_KEY",
    "MIRASCOPE_ROUTER_BASE_URL",
)


def run_demo(*args: str) -> str:
    """`python -m ferriscope ARGS` in a fresh interpreter, non-interactive, no provider keys."""
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV}
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, "-m", "ferriscope", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, f"exit {done.returncode}\n{out}\n{done.stderr.decode()}"
    assert done.stderr == b"", done.stderr.decode()
    return out


def check_journey(out: str) -> None:
    lines = out.splitlines()

    # text_stream(): the recommendation, streamed word by word.
    assert lines[0].startswith("── text_stream()")
    assert lines[1] == (
        "Try *A Wizard of Earthsea* by Ursula K. Le Guin: a young mage's pride unleashes a "
        "shadow he must then hunt across the archipelago."
    )
    # streams(): the thought, the tool call, the tool's real result, the final answer.
    assert "Thinking: 4242 is not a perfect square; I should use the tool." in lines
    assert '[tool call sqrt_tool({"number": 4242})]' in lines
    (tool_output,) = [line for line in lines if line.startswith("[tool output sqrt_tool → ")]
    assert re.fullmatch(r"\[tool output sqrt_tool → 65\.13\d*\]", tool_output)
    assert float(tool_output.split("→ ")[1].rstrip("]")) == pytest.approx(4242**0.5)
    assert "The square root of 4242 is about 65.13." in lines
    # structured_stream(): partial Books growing field by field, then the parsed Book.
    partials = [line for line in lines if line.startswith("  PartialBook(")]
    assert len(partials) > 5
    assert partials[-1].startswith("  PartialBook(title='The Left Hand of Darkness'")
    assert "Final: The Left Hand of Darkness by Ursula K. Le Guin (1969)" in lines
    order = [
        lines.index(line)
        for line in (
            lines[1],
            "Thinking: 4242 is not a perfect square; I should use the tool.",
            tool_output,
            "The square root of 4242 is about 65.13.",
            "Final: The Left Hand of Darkness by Ursula K. Le Guin (1969)",
        )
    ]
    assert order == sorted(order)
    assert lines[-1].startswith("Partial JSON on 100× this answer")


@pytest.mark.timeout(300)  # the demo subprocess has 120 s of its own
@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_the_demo_streams_the_seed_pages_journey(provider: str) -> None:
    check_journey(run_demo("--pace", "0", "--provider", provider))


@pytest.mark.timeout(300)  # the demo subprocess has 120 s of its own
def test_the_readmes_demo_command() -> None:
    """Exactly as the README runs it: no arguments (OpenAI's wire format, paced reads)."""
    check_journey(run_demo())


# ---- the README's two commands ----------------------------------------------------------------


def readme_commands() -> list[str]:
    """The commands of the README's shell code blocks, one per non-empty line."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(?:sh|bash|shell|console)\n(.*?)^```", readme, re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def ci_commands() -> list[str]:
    """What `.ci/run` executes: its non-comment lines after the shell preamble."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = []
    for raw in script.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("set "):
            continue
        if line.startswith("cd "):  # to the repository root, where the README's commands run
            assert line == 'cd "$(dirname "$0")/.."', line
            continue
        commands.append(line.removeprefix("exec ").strip())
    return commands


def test_the_readme_has_exactly_two_commands() -> None:
    install_and_demo, test = readme_commands()
    assert shlex.split(install_and_demo) == [
        "pip",
        "install",
        ".",
        "&&",
        "python",
        "-m",
        "ferriscope",
    ]
    assert shlex.split(test) == ["bash", "tests/run.sh"]


def test_ci_runs_the_readmes_test_command() -> None:
    _, test = readme_commands()
    assert ci_commands() == [test]
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111, ".ci/run must be executable"


def test_the_test_command_does_what_the_readme_says() -> None:
    """The README describes tests/run.sh step by step; each step is really in the script."""
    script = (ROOT / "tests" / "run.sh").read_text(encoding="utf-8")
    steps = [
        "pip install --disable-pip-version-check -q -e '.[test]'",
        "cargo fmt --check",
        "cargo clippy --all-targets -- -D warnings",
        "cargo clippy --all-targets --features python -- -D warnings",
        "cargo test",
        "ruff check",
        "ruff format --check",
        "mypy python/ferriscope",
        "mypy --strict benches/harness",
        "python -m mypy.stubtest ferriscope._core",
        "python -m pytest",
    ]
    commands = [line.strip() for line in script.splitlines() if not line.lstrip().startswith("#")]
    for step in steps:
        assert any(step in line for line in commands), f"tests/run.sh does not run {step!r}"
    assert "set -euo pipefail" in script  # a failing step fails the run
    # The pytest step covers the whole suite, including these tests and the examples'.
    (pytest_line,) = [line for line in commands if line.startswith("python -m pytest")]
    assert pytest_line.split()[-1] == "tests"
    # Then the wheel: built once, tested installed on the oldest and newest Pythons and with
    # the oldest dependencies, as the README says.
    assert "bash tests/wheel_matrix.sh" in commands
    matrix = (ROOT / "tests" / "wheel_matrix.sh").read_text(encoding="utf-8")
    for step in [
        "set -euo pipefail",
        "bash scripts/build_wheels.sh --wheel-only",
        "tests/check_wheel.py",
        "for minor in 3.10 3.13; do",
        "find_python 3.11",
        "tests/min_constraints.py pyproject.toml",
        "-m pytest -q -p no:cacheprovider",
        "-m ferriscope",
        "ferriscope.__file__.startswith(sys.prefix)",
    ]:
        assert step in matrix, f"tests/wheel_matrix.sh does not run {step!r}"
    # The wheel is built as a release builds it: manylinux2014 (glibc 2.17), linked by zig.
    build = (ROOT / "scripts" / "build_wheels.sh").read_text(encoding="utf-8")
    assert "maturin build --release --zig --compatibility manylinux2014" in build


def test_the_readme_demo_command_names_this_demo() -> None:
    """`python -m ferriscope` is the package's __main__, and the README says it needs no key."""
    assert (ROOT / "python" / "ferriscope" / "__main__.py").is_file()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "no API key" in readme

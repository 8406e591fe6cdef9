#!/usr/bin/env bash
# The README's test command: installs ferriscope with its test extra, runs every check, then
# proves the wheel on the oldest and newest Pythons and the oldest dependencies (wheel_matrix.sh).
# CI (.ci/run) calls exactly this script on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "install (pip install -e '.[test]')"
python -m pip install --disable-pip-version-check -q -e '.[test]'

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy (core, and with the PyO3 binding)"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features python -- -D warnings
step "cargo test"
cargo test

step "ruff"
ruff check python tests benches examples
ruff format --check python tests benches examples
step "mypy --strict (package, what users' code infers: tests/typing, the bench harness), pyright on tests/typing, and stubtest (the _core stub matches the extension)"
mypy python/ferriscope
mypy --strict tests/typing
basedpyright
mypy --strict benches/harness benches/streams.py benches/books.py  # the bench harness (not in the wheel)
python -m mypy.stubtest ferriscope._core

step "pytest"
python -m pytest -q -p no:cacheprovider tests

# The same suite against the release-built wheel (manylinux2014, by scripts/build_wheels.sh):
# Python 3.10 and 3.13 in fresh venvs, and 3.11 with the oldest runtime dependencies
# pyproject.toml allows; the demo from each install.
bash tests/wheel_matrix.sh

#!/usr/bin/env bash
# The claims of the README, proved on the built wheel rather than the checkout: one abi3
# manylinux2014 wheel, built once as a release builds it (scripts/build_wheels.sh: zig links
# it against glibc 2.17), checked for its tags and glibc symbols (tests/check_wheel.py), then
# installed into fresh virtual environments of the oldest and newest supported Pythons, and
# once with the oldest runtime dependencies pyproject.toml allows; each runs the Python test
# suite against the INSTALLED package, and the demo.
# Called by tests/run.sh as its last step; runnable alone from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# A PYTHONPATH pointing at python/ would put the checkout in front of the installed wheel.
unset PYTHONPATH

step() { printf '\n==> %s\n' "$*"; }

# A CPython of the given minor version: pyenv's newest first, else one on PATH.
find_python() {
    local minor=$1 candidate
    for candidate in $(ls -d /root/.pyenv/versions/"$minor".*/bin/python 2>/dev/null | sort -V -r); do
        [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    command -v "python$minor" 2>/dev/null || return 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "wheel (scripts/build_wheels.sh: maturin build --release --zig, abi3 manylinux2014 x86_64)"
bash scripts/build_wheels.sh --wheel-only --out "$work/dist"
wheels=("$work"/dist/ferriscope-*-abi3-*.whl)
[ "${#wheels[@]}" -eq 1 ] || { echo "expected exactly one abi3 wheel" >&2; exit 1; }
wheel=${wheels[0]}
echo "built $(basename "$wheel")"
python tests/check_wheel.py "$wheel" --glibc 2.17

# run_on NAME PYTHON PYTEST_ARGS [pip args...]: a fresh venv with the wheel and the test
# requirements (by default the test extra), the suite run from the checkout's tests/ against
# the installed package, then the demo.
run_on() {
    local name=$1 python=$2 pytest_args=$3
    shift 3
    local venv=$work/$name
    step "$name: fresh venv ($("$python" --version 2>&1)), wheel + ${*:-test extra}"
    "$python" -m venv "$venv"
    if [ $# -eq 0 ]; then set -- "$wheel[test]"; else set -- "$wheel" "$@"; fi
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "$@"
    # tests/ is imported as a package from the repository root (its helpers and fixtures);
    # python/ is not on the path, so `ferriscope` must come from the venv.
    "$venv/bin/python" -c '
import sys, ferriscope
assert ferriscope.__file__.startswith(sys.prefix), f"testing {ferriscope.__file__}, not the wheel"
print("testing", ferriscope.__file__)'
    "$venv/bin/python" -m pip list --disable-pip-version-check --format=freeze \
        | grep -iE '^(pydantic|pydantic.core|httpx|h11|typing.extensions)==' | tr '\n' ' '
    echo
    # shellcheck disable=SC2086  # pytest_args is a list of words
    "$venv/bin/python" -m pytest -q -p no:cacheprovider $pytest_args tests
    # The demo from an empty directory in isolated mode (-I: no PYTHONPATH, no current
    # directory or user site on sys.path): only the wheel can answer.
    step "$name: the demo from the installed wheel (python -I -m ferriscope)"
    mkdir -p "$work/$name-cwd"
    (
        cd "$work/$name-cwd"
        "$venv/bin/python" -I -c '
import sys, ferriscope
assert ferriscope.__file__.startswith(sys.prefix), ferriscope.__file__
print("demo from", ferriscope.__file__)'
        "$venv/bin/python" -I -m ferriscope > "$work/$name-demo.txt"
        tail -n 3 "$work/$name-demo.txt"
        # The benchmark harness is not in the wheel: outside a checkout, bench says where it is.
        status=0
        "$venv/bin/python" -I -m ferriscope bench 2> "$work/$name-bench.txt" || status=$?
        [ "$status" -eq 2 ] && grep -q "benches/ of the ferriscope repository" "$work/$name-bench.txt" \
            || { echo "bench outside a checkout: status $status" >&2; cat "$work/$name-bench.txt" >&2; exit 1; }
        echo "bench outside a checkout: exit status 2, $(head -n 1 "$work/$name-bench.txt" | cut -c1-80)..."
    )
}

for minor in 3.10 3.13; do
    if python=$(find_python "$minor"); then
        run_on "py$minor" "$python" ""
    else
        step "py$minor: no CPython $minor found, skipped"
    fi
done

# The oldest runtime dependencies, with the test extra minus the optional extras' packages
# (the mcp SDK needs pydantic >= 2.11), so tests/llm/mcp/ is left out of this run.
if python=$(find_python 3.11); then
    "$python" tests/min_constraints.py pyproject.toml > "$work/minimum.txt"
    "$python" tests/min_constraints.py --test-requirements pyproject.toml > "$work/test.txt"
    echo "py3.11-minimum: tests/llm/mcp/ left out (the mcp extra is not installed)"
    run_on "py3.11-minimum" "$python" "--ignore=tests/llm/mcp" \
        -c "$work/minimum.txt" -r "$work/test.txt"
else
    step "py3.11-minimum: no CPython 3.11 found, skipped"
fi

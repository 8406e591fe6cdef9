#!/usr/bin/env bash
# What a release publishes: the sdist, and an abi3 wheel (one for CPython >= 3.10) tagged
# manylinux2014 (manylinux_2_17), which pip installs on any glibc >= 2.17 Linux: RHEL/Rocky 8,
# Amazon Linux 2, Debian 11, Ubuntu 18.04 and newer.
#
# A plain `maturin build` links against this machine's glibc and tags the wheel for it
# (manylinux_2_34 here), which those systems refuse. `--zig` links with zig's cc against
# glibc 2.17 symbol versions instead, without a manylinux container: zig comes from the
# `ziglang` package on PyPI, installed (at the version pyproject.toml's `build` extra pins)
# into a build venv of its own, so the interpreter you work in is left alone.
#
#   bash scripts/build_wheels.sh                 # sdist + x86_64 wheel into dist/
#   bash scripts/build_wheels.sh --out DIR       # elsewhere
#   bash scripts/build_wheels.sh --wheel-only    # no sdist (tests/wheel_matrix.sh)
#
# Other targets need a Rust target this machine cannot download (`rustup target add` needs
# the network); on a machine that has it, the same command builds them:
#
#   rustup target add aarch64-unknown-linux-gnu
#   maturin build --release --zig --compatibility manylinux2014 \
#       --target aarch64-unknown-linux-gnu -o dist          # Linux arm64 (Graviton, Ampere)
#   # macOS, on a Mac (Xcode's linker; abi3 wheels, one per architecture or universal2):
#   rustup target add aarch64-apple-darwin x86_64-apple-darwin
#   maturin build --release --target universal2-apple-darwin -o dist
#   # Windows, on Windows: maturin build --release -o dist
#
# Environment: PYTHON (the interpreter that makes the build venv, default python3),
# FERRISCOPE_BUILD_VENV (default target/build-venv: reused between runs).
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
sdist=1
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=$2; shift 2 ;;
        --wheel-only) sdist=0; shift ;;
        *) echo "usage: $0 [--out DIR] [--wheel-only]" >&2; exit 2 ;;
    esac
done

# The zig pin has one source: pyproject.toml's `build` extra.
zig_requirement=$(grep -o '"ziglang[^"]*"' pyproject.toml | head -n 1 | tr -d '"')
[ -n "$zig_requirement" ] || { echo "no ziglang requirement in pyproject.toml" >&2; exit 1; }

venv=${FERRISCOPE_BUILD_VENV:-$PWD/target/build-venv}
if ! "$venv/bin/python" -m ziglang version >/dev/null 2>&1; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -q "$zig_requirement"
# maturin finds zig on PATH; the ziglang package holds the binary in its directory.
zig_dir=$("$venv/bin/python" -c 'import os, ziglang; print(os.path.dirname(ziglang.__file__))')
export PATH="$zig_dir:$PATH"
if ! command -v maturin >/dev/null; then
    "$venv/bin/python" -m pip install --disable-pip-version-check -q \
        "$(grep -o '"maturin[^"]*"' pyproject.toml | head -n 1 | tr -d '"')"
    export PATH="$venv/bin:$PATH"
fi
echo "zig $(zig version), $(maturin --version)"

mkdir -p "$out"
maturin build --release --zig --compatibility manylinux2014 \
    --target x86_64-unknown-linux-gnu -o "$out"
if [ "$sdist" = 1 ]; then
    maturin sdist -o "$out"
fi

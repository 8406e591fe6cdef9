#!/usr/bin/env bash
# The venv of the field benchmark (benches/field/bench_field.py): pydantic-ai and litellm.
#
# They need the openai SDK 3.x (on httpx2), which Mirascope 2.8.2's extras exclude
# (`openai<3`), so they cannot share the interpreter of the `bench` extra. Neither needs
# ferriscope: the loopback server and the bodies stay in the main interpreter, and only the
# measured client runs here.
#
#   bash benches/field/setup_venv.sh [VENV]      # default: $FERRISCOPE_FIELD_VENV or /work/venv-field
set -euo pipefail
venv="${1:-${FERRISCOPE_FIELD_VENV:-/work/venv-field}}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet \
    'pydantic-ai-slim[openai]>=1.0' \
    'litellm>=1.70' \
    'openai>=3'
"$venv/bin/python" -m pip list 2>/dev/null | grep -i -E '^(pydantic-ai-slim|litellm|openai|httpx2?|pydantic) '
echo "field venv ready: $venv/bin/python"

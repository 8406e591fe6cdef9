"""Prints a pip constraints file pinning every runtime dependency to its declared minimum.

`pyproject.toml` says `pydantic>=2.7`; this prints `pydantic==2.7.*`, so a test run installed
with `-c` these constraints proves the lower bounds we publish rather than assuming them.
Run by `tests/wheel_matrix.sh` (Python >= 3.11, for `tomllib`)::

    python tests/min_constraints.py pyproject.toml > constraints.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(;.*)?$")


def minimum_pins(pyproject: Path) -> list[str]:
    """`name==<lower bound>.*` for each runtime dependency; one without `>=` is an error, since
    its minimum could then not be tested."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    pins = []
    for requirement in project.get("dependencies", []):
        match = _REQUIREMENT.match(requirement)
        if match is None:
            raise ValueError(f"cannot read the requirement {requirement!r}")
        name, _, specifiers, marker = match.groups()
        bounds = [s.strip()[2:].strip() for s in specifiers.split(",") if s.strip()[:2] == ">="]
        if len(bounds) != 1:
            raise ValueError(f"{requirement!r} needs exactly one '>=' lower bound")
        pins.append(f"{name}=={bounds[0]}.*{marker or ''}")
    return pins


if __name__ == "__main__":
    print("\n".join(minimum_pins(Path(sys.argv[1]))))

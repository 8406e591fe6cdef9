"""Prints a pip constraints file pinning every runtime dependency to its declared minimum.

`pyproject.toml` says `pydantic>=2.7`; this prints `pydantic==2.7.*`, so a test run installed
with `-c` these constraints proves the lower bounds we publish rather than assuming them.
Run by `tests/wheel_matrix.sh` (Python >= 3.11, for `tomllib`)::

    python tests/min_constraints.py pyproject.toml > constraints.txt
    python tests/min_constraints.py --test-requirements pyproject.toml > test-requirements.txt

The second form prints the `test` extra without the packages of the optional extras (`mcp`
needs a newer pydantic than the core does): the oldest-dependency run tests the core, and the
tests of an optional extra are left out of it.
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


def _name(requirement: str) -> str:
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise ValueError(f"cannot read the requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def core_test_requirements(pyproject: Path) -> list[str]:
    """The `test` extra minus the packages that an optional feature extra brings."""
    extras = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    optional = {
        _name(r)
        for extra, requirements in extras.items()
        if extra not in ("test", "bench", "dev")
        for r in requirements
    }
    return [r for r in extras["test"] if _name(r) not in optional]


if __name__ == "__main__":
    if sys.argv[1] == "--test-requirements":
        print("\n".join(core_test_requirements(Path(sys.argv[2]))))
    else:
        print("\n".join(minimum_pins(Path(sys.argv[1]))))

"""Every `docs/spec.md §n.m` and `docs/spec.md Δn` cited in the repository names a section or a
deviation that docs/spec.md has, so a citation cannot silently point at nothing after the
spec is edited."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.paths import ROOT

SPEC = ROOT / "docs" / "spec.md"
CITING = ("python", "rust", "tests", "benches", "examples", "docs")
SUFFIXES = {".py", ".rs", ".md", ".pyi", ".sh", ".toml"}

_SECTION = re.compile(r"docs/spec\.md §(\d+(?:\.\d+)?)")
_DELTA = re.compile(r"docs/spec\.md Δ(\d+)")


def _spec_anchors() -> tuple[set[str], set[str]]:
    text = SPEC.read_text(encoding="utf-8")
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, flags=re.MULTILINE))
    deltas = set(re.findall(r"^### Δ(\d+) ", text, flags=re.MULTILINE))
    return sections, deltas


def _citations() -> list[tuple[Path, str, str]]:
    found = []
    for top in CITING:
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in SUFFIXES or not path.is_file() or "fixtures" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [(path, "§", n) for n in _SECTION.findall(text)]
            found += [(path, "Δ", n) for n in _DELTA.findall(text)]
    return found


def test_the_spec_keeps_its_numbering() -> None:
    sections, deltas = _spec_anchors()
    for n in range(1, 14):
        assert str(n) in sections, f"docs/spec.md lost section {n}"
    assert {"2.1", "2.6", "3.7", "7.4", "11.0", "11.4", "12.2"} <= sections
    assert {str(n) for n in range(1, 12)} <= deltas


def test_every_citation_resolves() -> None:
    sections, deltas = _spec_anchors()
    citations = _citations()
    assert len(citations) > 90  # the code does cite the spec; a broken scan finds nothing
    dangling = [
        f"{path.relative_to(ROOT)}: {kind}{number}"
        for path, kind, number in citations
        if number not in (sections if kind == "§" else deltas)
    ]
    assert not dangling, "citations of docs/spec.md that name nothing there:\n" + "\n".join(
        dangling
    )

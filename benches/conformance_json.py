"""Runs a JSONTestSuite-style corpus against `ferriscope.partial_json` (not run in CI).

Usage::

    PYTHONPATH=python python benches/conformance_json.py PATH/test_parsing [--seed N] [-v]
    PYTHONPATH=python python benches/conformance_json.py PATH/test_transform --kind i -v

`PATH/test_parsing` is a directory of `*.json` files named by what a parser must do with
them: `y_*` must parse, `n_*` must be rejected, `i_*` may go either way (nst/JSONTestSuite
uses this layout; clone it anywhere, nothing of it is kept in this repository).

For each file the whole document is fed as bytes and, when it is UTF-8, as str: in one
piece, one byte or character at a time, and in a few random splits. A `y_` file passes when
every way gives `json.loads`'s value (types, key order and the sign of zero included), no
`value()` along the way raises, and every partial value can still grow into the next one.
An `n_` file passes when every way raises a `ValueError` (`PartialJSONError`) by `finish()`.
An `i_` file passes when it does either without anything else going wrong. Any other
exception, and a `PartialJSONError` that reports an internal error (a caught panic), fails.
Prints one line per failure and a pass count per kind; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ferriscope.partial_json import PartialJSONError, PartialJSONParser


class Mismatch(Exception):
    """A run that went wrong in a way the kind of the file does not allow."""


def same(a: Any, b: Any) -> bool:
    """Equality that also compares types, dict key order and the sign of zero."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def grows_into(a: Any, b: Any) -> bool:
    """Whether partial value `a` may still become `b` (all but the last member final)."""
    if a is None:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return b.startswith(a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) > len(b):
            return False
        return not a or (
            all(same(x, y) for x, y in zip(a[:-1], b, strict=False))
            and grows_into(a[-1], b[len(a) - 1])
        )
    if isinstance(a, dict) and isinstance(b, dict):
        # A duplicate key takes its new value in place, so only the key order is checked
        # strictly; values must grow unless the key is repeated later in the document.
        ka, kb = list(a), list(b)
        return ka == kb[: len(ka)]
    return same(a, b)


def splits(data: Any, rng: random.Random) -> Iterator[tuple[str, list[Any]]]:
    """The ways a document is cut into pieces."""
    yield "whole", [data]
    yield "one by one", [data[i : i + 1] for i in range(len(data))]
    for n in range(3 if len(data) > 1 else 0):
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 8))))
        bounds = [0, *cuts, len(data)]
        yield f"random {n}", [data[i:j] for i, j in itertools.pairwise(bounds)]


def run(pieces: list[Any]) -> tuple[Any, list[Any]]:
    """Feeds the pieces, reading `value()` after each; returns the final value and snapshots."""
    parser = PartialJSONParser()
    snapshots = []
    for piece in pieces:
        parser.feed(piece)
        snapshots.append(copy.deepcopy(parser.value()))
    return parser.finish(), snapshots


def check_internal(err: PartialJSONError) -> None:
    if "internal error" in str(err):
        raise Mismatch(f"caught panic: {err}")


def check_file(kind: str, data: bytes, rng: random.Random) -> str:
    """Runs every split of one file; returns "accepted" or "rejected" (raises Mismatch)."""
    try:
        expected = json.loads(data)
        loads_ok = True
    except (ValueError, RecursionError):
        expected, loads_ok = None, False
    inputs: list[Any] = [data]
    try:
        inputs.append(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    outcomes = set()
    for doc in inputs:
        label = type(doc).__name__
        # str and bytes may differ (a UTF-8 BOM is skipped in bytes only, like json.loads),
        # the splits of one input may not.
        seen = set()
        for how, pieces in splits(doc, rng):
            try:
                value, snapshots = run(pieces)
            except PartialJSONError as err:
                check_internal(err)
                if kind == "y":
                    raise Mismatch(f"{label} {how}: raised {err}") from err
                seen.add("rejected")
                continue
            except Exception as err:
                raise Mismatch(f"{label} {how}: {type(err).__name__}: {err}") from err
            seen.add("accepted")
            if kind == "n":
                raise Mismatch(f"{label} {how}: accepted {value!r:.80}")
            if loads_ok and not same(value, expected):
                raise Mismatch(f"{label} {how}: {value!r:.80} != json.loads {expected!r:.80}")
            for before, after in itertools.pairwise(snapshots):
                if not grows_into(before, after):
                    raise Mismatch(f"{label} {how}: {before!r:.60} shrank to {after!r:.60}")
        if len(seen) > 1:
            raise Mismatch(f"{label}: accepted by some splits and rejected by others")
        outcomes |= seen
    return "/".join(sorted(outcomes))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, help="directory of y_/n_/i_ *.json files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--kind",
        choices=["y", "n", "i"],
        help="treat every file as this kind (i for test_transform, whose names have no prefix)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="print how i_ files went")
    args = ap.parse_args()
    sys.setrecursionlimit(10_000)  # for json.loads and deepcopy of the deepest y_/i_ files
    rng = random.Random(args.seed)
    passed: dict[str, int] = {"y": 0, "n": 0, "i": 0}
    total: dict[str, int] = {"y": 0, "n": 0, "i": 0}
    for path in sorted(args.corpus.glob("*.json")):
        kind = args.kind or path.name[0]
        if kind not in total or (not args.kind and path.name[1] != "_"):
            continue
        total[kind] += 1
        try:
            outcome = check_file(kind, path.read_bytes(), rng)
        except Mismatch as err:
            print(f"FAIL {path.name}: {err}")
            continue
        passed[kind] += 1
        if args.verbose and kind == "i":  # json.loads's value was checked when accepted
            print(f"{outcome:8} {path.name}")
    for kind in total:
        print(f"{kind}_: {passed[kind]}/{total[kind]} passed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())

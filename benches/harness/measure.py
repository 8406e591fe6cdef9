"""One implementation of a case (`Impl`), and how it is timed (`measure`: the best of a few
runs, each checked outside the timed region) on which machine (`machine`)."""

from __future__ import annotations

import gc
import importlib.util
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benches.harness.reads import Pieces

__all__ = ["Impl", "Measurement", "machine", "measure"]


@dataclass(frozen=True)
class Impl:
    """One implementation of a case: `run(pieces)` does the timed work and returns what
    `check` verifies (an error message, or None) and `count` turns into the item count."""

    name: str
    run: Callable[[Pieces], Any]
    count: Callable[[Any], int]
    check: Callable[[Any], str | None]
    #: Modules that must be importable (peers are optional).
    requires: tuple[str, ...] = ()
    #: The ferriscope row this peer is compared with.
    baseline: str = "ferriscope"
    #: Seconds per round on a 20 MB body (the SDK typed streams): fewer rounds.
    slow: bool = False
    #: `run` does 1/`every` of the work (a sampled re-parse peer): its time is scaled by it.
    every: int = 1
    #: Runs regardless of `--rounds` (a call of microseconds needs many to find its best).
    rounds: int | None = None

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)


@dataclass
class Measurement:
    case: str
    impl: str
    baseline: str
    best: float | None = None  # seconds
    items: int = 0
    note: str = ""
    times: list[float] = field(default_factory=list)

    @property
    def per_item_us(self) -> float | None:
        if self.best is None or not self.items:
            return None
        return self.best / self.items * 1e6


def measure(
    case: str,
    impl: Impl,
    pieces: Pieces,
    rounds: int,
    timer: Callable[[], float] = time.perf_counter,
) -> Measurement:
    """Best of `rounds` runs; stops at the first run that fails its check."""
    m = Measurement(case, impl.name, impl.baseline)
    if not impl.available():
        m.note = f"skipped: {', '.join(impl.requires)} not installed"
        return m
    for _ in range(impl.rounds or rounds):
        gc.collect()
        start = timer()
        result = impl.run(pieces)
        elapsed = timer() - start
        error = impl.check(result)
        if error is not None:
            m.note = f"CHECK FAILED: {error}"
            m.best = None
            return m
        m.items = impl.count(result)
        m.times.append(elapsed * impl.every)
        del result
    m.best = min(m.times)
    if impl.every > 1:
        m.note = f"one prefix in {impl.every} re-parsed, the time shown is ×{impl.every}"
    return m


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.machine()}"
    )

"""CPU time of whole answers, measured inside a client process (standard library only, so the
field venv of `benches/field/` runs it without ferriscope or pytest)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Timer", "run_delay"]


def run_delay() -> float:
    """Seconds this process's main thread sat runnable waiting for a CPU (the neighbours'
    share of the wall time; `/proc/self/schedstat`)."""
    try:
        with open("/proc/self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return float("nan")


class Timer:
    """Rounds of back-to-back answers, each round a batch of about `round_cpu` CPU seconds;
    `time.process_time` counts every thread of the process (a Rust runtime's workers too).
    Two untimed answers first: imports, the connection, first-call caches."""

    def __init__(self, rounds: int, round_cpu: float) -> None:
        self.rounds = rounds
        self.round_cpu = round_cpu

    def batch(self, one: float) -> int:
        return max(1, min(2000, int(self.round_cpu / max(one, 1e-7))))

    @staticmethod
    def summary(samples: list[float], batch: int) -> dict[str, Any]:
        return {
            "us_min": round(min(samples) * 1e6, 2),
            "us_median": round(statistics.median(samples) * 1e6, 2),
            "rounds": len(samples),
            "batch": batch,
        }

    def sync(self, run: Callable[[], Any]) -> dict[str, Any]:
        run()
        start = time.process_time()
        run()
        batch = self.batch(time.process_time() - start)
        samples = []
        for _ in range(self.rounds):
            gc.collect()
            start = time.process_time()
            for _ in range(batch):
                run()
            samples.append((time.process_time() - start) / batch)
        return self.summary(samples, batch)

    async def async_(self, run: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        await run()
        start = time.process_time()
        await run()
        batch = self.batch(time.process_time() - start)
        samples = []
        for _ in range(self.rounds):
            gc.collect()
            start = time.process_time()
            for _ in range(batch):
                await run()
            samples.append((time.process_time() - start) / batch)
        return self.summary(samples, batch)

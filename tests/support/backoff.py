"""The transport's backoff waits, recorded instead of waited (the `sleeps` fixture of
tests/conftest.py): retry tests run instantly and can check the backoff schedule."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Sleeps:
    """The delays the transport asked for, in order (nothing actually waits)."""

    delays: list[float]


def record_sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """Replaces `time.sleep` and `asyncio.sleep`, the two waits of the transport module, for
    the test's duration: retry tests run instantly and can check the backoff schedule. The
    async stand-in still yields to the event loop once."""
    record = Sleeps([])
    real_asleep = asyncio.sleep

    def fake_sleep(seconds: float) -> None:
        record.delays.append(seconds)

    async def fake_asleep(seconds: float, result: Any = None) -> Any:
        record.delays.append(seconds)
        return await real_asleep(0, result)

    monkeypatch.setattr("ferriscope.llm.providers.transport.time.sleep", fake_sleep)
    monkeypatch.setattr("ferriscope.llm.providers.transport.asyncio.sleep", fake_asleep)
    return record

"""Fixtures every test module can use without importing them."""

from __future__ import annotations

import pytest

from tests.support.backoff import Sleeps, record_sleeps


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """The transport's backoff waits, recorded instead of waited (tests/support/backoff.py)."""
    return record_sleeps(monkeypatch)

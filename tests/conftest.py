"""What every test starts and ends with: an empty provider registry; and the fixtures several
test modules use without importing them.

Registrations are process-wide (docs/spec.md §2.5), so a provider one test registers would
answer the next test's calls. Tests register what they need and never clean up after
themselves; a helper that scopes a registration to a `with` block (`tests/support/wires.py`'s
`serving`) still resets on its own, since a test may use it several times.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ferriscope import llm
from tests.support.backoff import Sleeps, record_sleeps


@pytest.fixture(autouse=True)
def _empty_provider_registry() -> Iterator[None]:
    llm.reset_provider_registry()
    yield
    llm.reset_provider_registry()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """The transport's backoff waits, recorded instead of waited (tests/support/backoff.py)."""
    return record_sleeps(monkeypatch)

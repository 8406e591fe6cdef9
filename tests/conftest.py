"""What every test starts and ends with: an empty provider registry; and the fixtures several
test modules use without importing them.

Registrations are process-wide (docs/spec.md §2.5), so a provider one test registers would
answer the next test's calls. Tests register what they need and never clean up after
themselves; a helper that scopes a registration to a `with` block (`tests/support/wires.py`'s
`serving`) still resets on its own, since a test may use it several times.

After a test, the registered providers' transports are closed before they are forgotten: a
provider keeps its keep-alive connections open while it lives, and one dropped with them
would leave its sockets to the collector (a ResourceWarning, an error under the suite's
`filterwarnings`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ferriscope import llm
from ferriscope.llm.providers.registry import PROVIDER_REGISTRY
from tests.support.backoff import Sleeps, record_sleeps


@pytest.fixture(autouse=True)
def _empty_provider_registry() -> Iterator[None]:
    llm.reset_provider_registry()
    yield
    for provider in {id(p): p for p in PROVIDER_REGISTRY.values()}.values():
        provider.transport.close()
    llm.reset_provider_registry()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """The transport's backoff waits, recorded instead of waited (tests/support/backoff.py)."""
    return record_sleeps(monkeypatch)

"""The three ways a request can travel, for tests that must hold on each: the own transport
(Rust `HttpStream` over a socket), a user's `httpx` client and a user's `httpx2` client
(docs/spec.md §2.5). `httpx2` is optional: a test on that path is skipped without it."""

from __future__ import annotations

from typing import Any

import pytest

HTTP_PATHS = ["own", "httpx", "httpx2"]


def client_module(path: str) -> Any:
    """The client library behind `path` ("httpx" or "httpx2"), skipping the test when it is
    not installed."""
    assert path in ("httpx", "httpx2"), path
    return pytest.importorskip(path)

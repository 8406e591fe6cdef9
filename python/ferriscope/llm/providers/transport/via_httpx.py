"""The httpx path: a user's `httpx`/`httpx2` client (or one made for a proxy or the opt-out
switch), used through its public API only: `build_request`, `send(stream=True)`,
`iter_bytes`. The bytes go to the same Rust `StreamDecoder` and every failure maps to the
same `llm.Error` classes as on the own transport."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

from ferriscope.llm.providers.errors import TransportTimeout

__all__ = ["HTTPX_MODULES", "IdleClock", "client_module", "is_http_client"]

HTTPX_MODULES = ("httpx", "httpx2")


def client_module(client: Any) -> Any:
    """The library (httpx or httpx2) a client belongs to, already imported by its user."""
    name = type(client).__module__.split(".")[0]
    if name not in HTTPX_MODULES:
        raise TypeError(f"expected an httpx or httpx2 client, got {type(client).__name__}")
    return sys.modules[name]


def is_http_client(value: Any, *, asynchronous: bool) -> bool:
    """Whether `value` is an httpx/httpx2 (Async)Client, without importing either library:
    a library the process never imported cannot have made it."""
    wanted = "AsyncClient" if asynchronous else "Client"
    for name in HTTPX_MODULES:
        module = sys.modules.get(name)
        if module is not None and isinstance(value, getattr(module, wanted)):
            return True
    return False


def retryable_error(module: Any, error: BaseException) -> bool:
    """Network, timeout and protocol failures may go away on a new attempt; a URL scheme the
    client cannot speak, an undecodable (e.g. corrupt gzip) body or a redirect loop will
    not."""
    return isinstance(error, module.TransportError) and not isinstance(
        error, module.UnsupportedProtocol
    )


def lower_headers(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class IdleClock:
    """The stream idle timeout on a path whose reads we do not time ourselves: checked after
    each read, so a server that sends only keepalives fails once it has gone `seconds`
    without content (a silent one is ended by the client's own read timeout)."""

    __slots__ = ("last", "seconds")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.last = time.monotonic()

    def tick(self, batch: Sequence[Any]) -> None:
        if batch:
            self.last = time.monotonic()
        elif self.seconds is not None and time.monotonic() - self.last > self.seconds:
            raise TransportTimeout(
                "stream idle", self.seconds, "no content chunk arrived (keepalives do not count)"
            )

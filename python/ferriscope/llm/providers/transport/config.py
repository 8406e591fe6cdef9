"""Timeouts and pool limits of the transport, and the per-call timeout override.

Users may pass `httpx.Timeout` / `httpx.Limits` (the Mirascope-compatible arguments) or plain
numbers; both are read through their public attributes here, so httpx is never imported for
it. The stream idle timeout is ferriscope's own: httpx has no notion of it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ferriscope._lazy import lazy_module

if TYPE_CHECKING:
    import asyncio
else:  # the event loop only for async requests (docs/architecture.md, "Lazy loading")
    asyncio = lazy_module("asyncio")

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_STREAM_IDLE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "LOOP_TURN_SECONDS",
    "Limits",
    "Timeouts",
    "pass_turn",
    "stream_timeouts",
]

LOOP_TURN_SECONDS = 0.001
"""An async stream whose batches are already queued never waits on the socket, so it would
keep the loop for its whole backlog: it hands the loop back this often."""


async def pass_turn(delay: float) -> None:
    """Hands the event loop a turn. Not a backoff wait: it calls `asyncio.tasks.sleep`, which
    tests that stub the backoff sleeps (`asyncio.sleep`) leave alone."""
    await asyncio.tasks.sleep(delay)


DEFAULT_STREAM_IDLE_TIMEOUT = 300.0
"""Seconds a stream may go without a content chunk before it fails. Keepalive comments,
pings and empty reads do not count as content: a server that only keeps the connection
alive for five minutes is treated as stuck."""


@dataclass(frozen=True)
class Timeouts:
    """Every limit on waiting, in seconds (None: wait forever)."""

    connect: float | None = 10.0
    """TCP connect plus the TLS handshake."""
    write: float | None = 600.0
    """Sending the request."""
    first_byte: float | None = 600.0
    """From the request sent to the response head (a model may think before answering)."""
    read: float | None = 600.0
    """Any single wait for more of the body."""
    stream_idle: float | None = DEFAULT_STREAM_IDLE_TIMEOUT
    """Time since the last batch of content chunks; only content resets it."""
    pool: float | None = 600.0
    """Waiting for a free connection when `max_connections` is reached."""

    @classmethod
    def coerce(
        cls, value: Any, stream_idle: float | None = DEFAULT_STREAM_IDLE_TIMEOUT
    ) -> Timeouts:
        """From None (the defaults), a number (every phase), `Timeouts`, or an `httpx.Timeout`
        / `httpx2.Timeout` (its connect, read, write and pool; the head waits as a read)."""
        if value is None:
            return cls(stream_idle=stream_idle)
        if isinstance(value, Timeouts):
            return value
        if isinstance(value, (int, float)):
            seconds = float(value)
            return cls(seconds, seconds, seconds, seconds, stream_idle, seconds)
        if all(hasattr(value, name) for name in ("connect", "read", "write", "pool")):
            return cls(
                connect=value.connect,
                write=value.write,
                first_byte=value.read,
                read=value.read,
                stream_idle=stream_idle,
                pool=value.pool,
            )
        raise TypeError(f"timeout must be a number, httpx.Timeout or Timeouts, got {value!r}")

    def as_httpx(self, module: Any) -> Any:
        """The same limits as `module.Timeout` (httpx or httpx2) for the httpx path."""
        return module.Timeout(
            connect=self.connect, read=self.read, write=self.write, pool=self.pool
        )


DEFAULT_TIMEOUT = Timeouts()


@dataclass(frozen=True)
class Limits:
    """Pool limits, as httpx's `Limits`: None means no cap."""

    max_connections: int | None = None
    """Open connections per pool (all origins); services stream hundreds of responses at
    once from one process, so there is no cap by default."""
    max_keepalive_connections: int | None = 100
    """Idle connections kept for reuse (all origins)."""
    keepalive_expiry: float | None = 5.0
    """Seconds an idle connection is kept; servers close idle ones after a while."""

    @classmethod
    def coerce(cls, value: Any) -> Limits:
        if value is None:
            return DEFAULT_LIMITS
        if isinstance(value, Limits):
            return value
        names = ("max_connections", "max_keepalive_connections", "keepalive_expiry")
        if all(hasattr(value, name) for name in names):
            return cls(*(getattr(value, name) for name in names))
        raise TypeError(f"limits must be httpx.Limits or Limits, got {value!r}")

    def as_httpx(self, module: Any) -> Any:
        return module.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )


DEFAULT_LIMITS = Limits()

_UNSET: Any = object()
_OVERRIDES: contextvars.ContextVar[dict[str, float | None] | None] = contextvars.ContextVar(
    "ferriscope_stream_timeouts", default=None
)


@contextmanager
def stream_timeouts(
    *,
    connect: float | None = _UNSET,
    write: float | None = _UNSET,
    first_byte: float | None = _UNSET,
    read: float | None = _UNSET,
    stream_idle: float | None = _UNSET,
) -> Iterator[None]:
    """Overrides the provider's timeouts for the calls started inside the block (the values
    are taken when `model.stream(...)` / `model.call(...)` is called, not at the first pull):

        with llm.providers.stream_timeouts(stream_idle=30.0):
            response = model.stream("...")
    """
    given = {
        name: value
        for name, value in (
            ("connect", connect),
            ("write", write),
            ("first_byte", first_byte),
            ("read", read),
            ("stream_idle", stream_idle),
        )
        if value is not _UNSET
    }
    for name, value in given.items():
        if value is not None and not value > 0:
            raise ValueError(f"{name} timeout must be positive or None, got {value!r}")
    outer = _OVERRIDES.get()
    token = _OVERRIDES.set({**(outer or {}), **given})
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


def current_overrides() -> dict[str, float | None] | None:
    """The overrides in force in this context (None when there are none)."""
    return _OVERRIDES.get()


def with_overrides(timeouts: Timeouts, overrides: dict[str, float | None] | None) -> Timeouts:
    return replace(timeouts, **overrides) if overrides else timeouts

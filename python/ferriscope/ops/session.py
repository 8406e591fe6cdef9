"""`session()` / `current_session()`: a session id that groups the spans of one
conversation or user visit (no OpenTelemetry needed to set or read it).

Every span `ferriscope.ops` starts inside a session carries its id as `session.id`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SessionContext", "current_session", "session"]


@dataclass(frozen=True, slots=True)
class SessionContext:
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    """The session id (a random UUID unless given)."""
    attributes: Mapping[str, Any] | None = None
    """Optional JSON-serializable metadata about the session."""


_SESSION: ContextVar[SessionContext | None] = ContextVar("ferriscope_ops_session", default=None)


@contextmanager
def session(
    id: str | None = None, *, attributes: Mapping[str, Any] | None = None
) -> Iterator[SessionContext]:
    """Sets the current session for the block; sessions nest (the inner one wins) and follow
    the context into tasks started inside the block."""
    context = (
        SessionContext(attributes=attributes) if id is None else SessionContext(id, attributes)
    )
    token = _SESSION.set(context)
    try:
        yield context
    finally:
        _SESSION.reset(token)


def current_session() -> SessionContext | None:
    """The innermost active session, if any."""
    return _SESSION.get()

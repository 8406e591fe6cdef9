"""What the transport tells telemetry about each HTTP request it sends for one provider
request: the hook `ferriscope.ops` uses for one HTTP client span per request actually sent.

One provider request may send several HTTP requests: the retries of `max_retries` (a
connection failure, a retryable status, a connection dropped before the first event) and
the one transparent resend of a request whose pooled connection turned out to be closed.
The transport reports each at its boundaries only (sent, failed, answered), never per read
or per chunk. Without `ferriscope.ops` the observer is `NO_OBSERVER`, whose methods do
nothing, so the transport calls it unconditionally (three calls per request).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["NO_OBSERVER", "AttemptObserver"]


class AttemptObserver(Protocol):
    """Told about each HTTP request of one provider request, in order. At most one is in
    flight at a time: `sent` starts one, `failed` or `answered` ends it."""

    def sent(self) -> None:
        """An HTTP request is about to go out (before the pool wait and the connect)."""

    def failed(self, error: object, status: int | None = None) -> None:
        """The request in flight failed: `error` is the exception (or the in-stream error
        chunk of a connection cut before the first event), `status` the response status if
        a response head arrived. A resend may follow."""

    def answered(self, status: int) -> None:
        """The request in flight is the one whose body the stream delivers; its response
        head (`status`) and first batch have arrived. Does nothing if it already failed."""


class _NoObserver:
    """The observer of a request nobody instruments."""

    __slots__ = ()

    def sent(self) -> None:
        pass

    def failed(self, error: object, status: int | None = None) -> None:
        pass

    def answered(self, status: int) -> None:
        pass


NO_OBSERVER: AttemptObserver = _NoObserver()

"""One provider request, the retry budget it carries, and what is hidden from error text."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ferriscope._core import HttpStream, StreamDecoder, StreamErrorChunk
from ferriscope.llm._error_kinds import CONNECTION
from ferriscope.llm.providers.transport.config import current_overrides
from ferriscope.llm.providers.transport.observer import NO_OBSERVER, AttemptObserver

__all__ = [
    "MAX_ERROR_BODY",
    "MAX_RETRY_AFTER",
    "RETRY_STATUSES",
    "Attempts",
    "HTTPRequest",
    "ResponseIdentity",
    "WireBytes",
    "redact",
    "screened",
]

MAX_ERROR_BODY = 64 * 1024
"""The most of an error response's body read and kept for its `llm.Error`."""
RETRY_STATUSES = frozenset({408, 409, 429})
MAX_RETRY_AFTER = 60.0
# Headers whose values are secrets: never echoed into an error message or body.
_SECRET_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")
# `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` without building an encoder
# per request.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class ResponseIdentity:
    """The provider's id for a response and the model that served it, for telemetry
    (`ferriscope.ops` sets `gen_ai.response.id` and `gen_ai.response.model` from it).

    The transport points it at the decoder of the exchange whose body is streamed (once per
    request, not per chunk); the values are read from the decoder when asked, so they are
    whatever the stream had delivered by then."""

    __slots__ = ("decoder",)

    def __init__(self) -> None:
        self.decoder: HttpStream | StreamDecoder | None = None

    @property
    def response_id(self) -> str | None:
        decoder = self.decoder
        return None if decoder is None else decoder.response_id

    @property
    def response_model(self) -> str | None:
        decoder = self.decoder
        return None if decoder is None else decoder.response_model


@dataclass(frozen=True)
class HTTPRequest:
    """One encoded provider request, ready to send."""

    url: str
    headers: dict[str, str] = field(repr=False)  # carries the API key
    body: dict[str, Any]
    wire_format: str
    include_thoughts: bool = False
    raw_events: bool = False
    timeout_overrides: dict[str, float | None] | None = field(
        default_factory=current_overrides, repr=False
    )
    """`stream_timeouts(...)` in force where the request was made (the call, not the pull)."""
    content: bytes = field(init=False, repr=False)
    identity: ResponseIdentity = field(
        init=False, repr=False, compare=False, default_factory=ResponseIdentity
    )
    """Filled in by the transport once the response's body starts streaming."""
    observer: AttemptObserver = field(init=False, repr=False, compare=False, default=NO_OBSERVER)
    """Told about each HTTP request sent for this one (`observe`); nobody by default."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "content", _encode_json(self.body).encode())

    def observe(self, observer: AttemptObserver) -> None:
        """Reports this request's HTTP requests to `observer` (`ferriscope.ops`); set before
        the first is sent."""
        object.__setattr__(self, "observer", observer)


class WireBytes(bytes):
    """The encoded request (its headers carry the API key): a `bytes` whose repr hides its
    content, so tracebacks rendered with their locals never show it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<request bytes: {len(self)}>"


def retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


def backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; a provider's Retry-After wins when it is longer."""
    delay = min(0.5 * 2.0**attempt, 8.0) * (0.75 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class Attempts:
    """The retry budget of one request, shared by every failure before the first batch."""

    __slots__ = ("max_retries", "retries")

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries
        self.retries = 0

    def next_delay(self, retryable: bool, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None when the failure is final."""
        if not retryable or self.retries >= self.max_retries:
            return None
        delay = backoff(self.retries, retry_after)
        self.retries += 1
        return delay


def redact(content: bytes, request: HTTPRequest) -> bytes:
    """An error body with the request's secrets (API key, bearer token) masked: some servers
    and proxies echo request headers back, and error bodies end up in logs."""
    for name, value in request.headers.items():
        if name.lower() not in _SECRET_HEADERS:
            continue
        secret = value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
        if len(secret) >= 8:  # a placeholder like "x" would mask every letter x
            content = content.replace(secret.encode(), b"***")
    return content


def screened(batch: Sequence[Any], request: HTTPRequest) -> Sequence[Any]:
    """The batch with an in-stream error's message redacted like an HTTP error body. The
    decoder stops after an error, so it can only be the last chunk: one check per batch."""
    last = batch[-1]
    if type(last) is StreamErrorChunk:
        message = redact(last.message.encode(), request).decode()
        if message != last.message:
            return [*batch[:-1], StreamErrorChunk(last.kind, message, last.status_code)]
    return batch


def is_connection_failure(batch: Sequence[Any]) -> bool:
    """A first batch that is only the report of a cut connection: nothing reached the user,
    so the request may be retried like one that failed to connect."""
    first = batch[0]
    return type(first) is StreamErrorChunk and first.kind == CONNECTION

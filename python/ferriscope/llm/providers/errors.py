"""HTTP error responses and transport failures → the `llm.Error` hierarchy (docs/spec.md §9)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ferriscope._core import classify_http_error
from ferriscope.llm import exceptions
from ferriscope.llm._error_kinds import api_error_class

__all__ = [
    "TransportTimeout",
    "error_from_http",
    "error_from_transport",
    "retry_after_seconds",
]


class TransportTimeout(Exception):
    """One of the transport's own timeouts fired; the message names which one."""

    def __init__(self, which: str, seconds: float | None, detail: str = "") -> None:
        self.which = which
        self.seconds = seconds
        text = f"{which} timeout ({seconds:g} s)" if seconds is not None else f"{which} timeout"
        super().__init__(f"{text}: {detail}" if detail else text)


_EXCERPT = 500


def _error_object(body: Any) -> dict[str, Any] | None:
    """The provider's error object: `{"error": {...}}` (OpenAI, Anthropic, Google), also
    wrapped in a list as Google's streaming endpoint does."""
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return err
        if isinstance(err, str):
            return {"message": err}
    return None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` (seconds or an HTTP date) or `retry-after-ms`, when present. `headers`
    is any mapping with lower-case names (a dict, or httpx's case-insensitive `Headers`)."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import datetime, timezone

    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_from_http(
    status: int, content: bytes, headers: Mapping[str, str], provider: str
) -> exceptions.APIError:
    """The error for a non-2xx response whose (bounded, decoded) body is `content`; the
    same for every HTTP path, so `headers` is a plain mapping with lower-case names. This
    reads the body; which class it raises is the Rust classifier's call (`rust/error_kind.rs`)."""
    text = content.decode("utf-8", errors="replace")
    body: Any
    try:
        body = json.loads(text)
    except ValueError:
        body = text or None
    err = _error_object(body)
    message = None
    names: list[str] = []
    if err is not None:
        message = err.get("message")
        names = [str(err[k]) for k in ("code", "type", "status") if isinstance(err.get(k), str)]
    if not isinstance(message, str) or not message:
        excerpt = text.strip()[:_EXCERPT]
        message = f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
    cls = api_error_class(classify_http_error(status, names, message))
    if cls is exceptions.RateLimitError:
        return exceptions.RateLimitError(
            message, provider, status, body=body, retry_after=retry_after_seconds(headers)
        )
    return cls(message, provider, status, body=body)


def _named_in_mro(error: BaseException, name: str) -> bool:
    """Whether an httpx or httpx2 exception class of this name is among the error's bases:
    both libraries share one hierarchy, and neither is imported to check it."""
    return any(
        cls.__name__ == name and cls.__module__.split(".")[0] in ("httpx", "httpx2")
        for cls in type(error).__mro__
    )


def error_from_transport(error: Exception, provider: str) -> exceptions.ProviderError:
    """Transport failures on any path: timeouts → TimeoutError, a body whose content-encoding
    cannot be undone (corrupt gzip/deflate) → ResponseValidationError, everything else
    (refused, reset, TLS, malformed response) → ConnectionError."""
    if isinstance(error, TransportTimeout):
        return exceptions.TimeoutError(str(error), provider, error)
    detail = str(error) or type(error).__name__
    message = f"{type(error).__name__}: {detail}"
    if isinstance(error, TimeoutError) or _named_in_mro(error, "TimeoutException"):
        return exceptions.TimeoutError(message, provider, error)
    if _named_in_mro(error, "DecodingError"):
        return exceptions.ResponseValidationError(message, provider, error)
    return exceptions.ConnectionError(message, provider, error)

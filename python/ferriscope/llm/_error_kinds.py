"""The one table from the Rust core's error kinds to the `llm` exception classes
(docs/spec.md §9).

Every rule that reads a provider's answer lives in Rust (`rust/error_kind.rs`): in-stream
error events, cut or undecodable streams, and non-2xx HTTP responses, which the transport hands
over through `_core.classify_http_error`. A kind crosses the binding as its index into
`_core.ERROR_KINDS`; this module alone says which class each kind raises. The table is checked
against Rust's list of kinds when it is built, so a kind added on one side only fails at
import. (Exceptions raised by Python's sockets or by httpx never reach Rust: they are classed
by `error_from_transport` in `llm/providers/errors.py`.)
"""

from __future__ import annotations

from ferriscope._core import ERROR_KINDS
from ferriscope.llm import exceptions

__all__ = ["CONNECTION", "ERROR_CLASSES", "KIND_OF", "api_error_class"]

_CLASS_BY_NAME: dict[str, type[exceptions.ProviderError]] = {
    "BadRequest": exceptions.BadRequestError,
    "Authentication": exceptions.AuthenticationError,
    "Permission": exceptions.PermissionError,
    "NotFound": exceptions.NotFoundError,
    "RateLimit": exceptions.RateLimitError,
    "Server": exceptions.ServerError,
    "Api": exceptions.APIError,
    "Connection": exceptions.ConnectionError,
    "ResponseValidation": exceptions.ResponseValidationError,
}


def _build() -> tuple[type[exceptions.ProviderError], ...]:
    """The classes in the order of `ERROR_KINDS`, refusing a kind either side lacks and a
    class given to two kinds (then a class would not tell its kind)."""
    if set(_CLASS_BY_NAME) != set(ERROR_KINDS):
        raise RuntimeError(
            f"the error kinds of ferriscope._core {sorted(ERROR_KINDS)} and the table of "
            f"ferriscope.llm._error_kinds {sorted(_CLASS_BY_NAME)} differ"
        )
    if len(set(_CLASS_BY_NAME.values())) != len(_CLASS_BY_NAME):
        raise RuntimeError("ferriscope.llm._error_kinds gives one class to two kinds")
    return tuple(_CLASS_BY_NAME[name] for name in ERROR_KINDS)


ERROR_CLASSES: tuple[type[exceptions.ProviderError], ...] = _build()
"""The class each kind raises, indexed by kind."""

KIND_OF: dict[type[exceptions.ProviderError], int] = {
    cls: kind for kind, cls in enumerate(ERROR_CLASSES)
}
"""The kind of each class: for code that reports a failure as a stream error chunk."""

CONNECTION = KIND_OF[exceptions.ConnectionError]


def api_error_class(kind: int) -> type[exceptions.APIError]:
    """The class of a kind that stands for a provider's error answer, not a transport failure
    (what `_core.classify_http_error` returns)."""
    cls = ERROR_CLASSES[kind]
    if not issubclass(cls, exceptions.APIError):
        raise ValueError(f"error kind {ERROR_KINDS[kind]} is not an API error")
    return cls

"""Error classification has one owner (docs/spec.md §9, docs/architecture.md "Where each rule
lives"): the Rust `ErrorKind` decides, `llm/_error_kinds.py` maps each kind to one class.

These tests hold the two sides together: the kinds Rust lists and the classes Python gives
them form a bijection onto the `llm` errors a provider failure can raise, and every path that
turns a kind into an exception (in-stream chunks, non-2xx HTTP responses) uses that table.
"""

from __future__ import annotations

import inspect
import json

import pytest

from ferriscope import llm
from ferriscope._core import ERROR_KINDS, StreamErrorChunk, classify_http_error
from ferriscope.llm import exceptions
from ferriscope.llm._error_kinds import CONNECTION, ERROR_CLASSES, KIND_OF, api_error_class
from ferriscope.llm.providers.errors import error_from_http
from ferriscope.llm.responses.base_stream_response import stream_error

# Provider errors no Rust kind stands for, each with its reason.
NOT_A_KIND = {
    exceptions.ProviderError: "the abstract base: every failure has a more specific class",
    exceptions.TimeoutError: "only the Python transport's own clocks time out "
    "(`error_from_transport`); Rust never waits",
}


def provider_error_classes() -> set[type[exceptions.ProviderError]]:
    """Every `ProviderError` class the `llm.exceptions` module defines."""
    return {
        cls
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, exceptions.ProviderError) and cls.__module__ == exceptions.__name__
    }


def test_kinds_map_one_to_one_onto_the_provider_errors() -> None:
    assert len(set(ERROR_KINDS)) == len(ERROR_KINDS) > 0
    assert len(ERROR_CLASSES) == len(ERROR_KINDS)
    assert len(set(ERROR_CLASSES)) == len(ERROR_CLASSES), "two kinds raise one class"
    assert set(ERROR_CLASSES) == provider_error_classes() - set(NOT_A_KIND)
    assert all(KIND_OF[cls] == kind for kind, cls in enumerate(ERROR_CLASSES))


def test_each_kind_raises_the_class_it_is_named_after() -> None:
    # A table with two kinds swapped is still a bijection; the names say which pairing Rust
    # means ("RateLimit" raises RateLimitError, "Api" raises APIError).
    for name, cls in zip(ERROR_KINDS, ERROR_CLASSES, strict=True):
        assert cls.__name__.lower() == f"{name}Error".lower(), (name, cls)


@pytest.mark.parametrize("kind", range(len(ERROR_KINDS)), ids=list(ERROR_KINDS))
def test_an_error_chunk_of_each_kind_raises_its_class(kind: int) -> None:
    chunk = StreamErrorChunk(kind, "it broke", 503)
    assert chunk.kind == kind and ERROR_KINDS[kind] in repr(chunk)
    error = stream_error(chunk, "openai")
    assert type(error) is ERROR_CLASSES[kind]
    assert str(error) == "it broke" and error.provider == "openai"
    if isinstance(error, exceptions.APIError):
        assert error.status_code == 503


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown error kind"):
        StreamErrorChunk(len(ERROR_KINDS), "x")
    with pytest.raises(OverflowError):
        StreamErrorChunk(-1, "x")


def test_a_transport_kind_is_not_an_api_error() -> None:
    assert api_error_class(KIND_OF[llm.RateLimitError]) is llm.RateLimitError
    with pytest.raises(ValueError, match="Connection"):
        api_error_class(CONNECTION)


@pytest.mark.parametrize(
    ("status", "names", "message", "expected"),
    [
        (400, [], "bad", llm.BadRequestError),
        (422, ["invalid_request_error"], "bad", llm.BadRequestError),
        (401, [], "who", llm.AuthenticationError),
        (403, [], "no", llm.PermissionError),
        (404, [], "gone", llm.NotFoundError),
        (429, ["insufficient_quota"], "slow", llm.RateLimitError),
        (529, ["overloaded_error"], "busy", llm.ServerError),
        (418, [], "teapot", llm.APIError),
        # The status decides on the HTTP path: a name does not override it...
        (400, ["rate_limit_error"], "x", llm.BadRequestError),
        # ...except an unknown model, whatever the status.
        (400, ["invalid_request_error", "model_not_found"], "x", llm.NotFoundError),
        (403, ["model_not_found"], "x", llm.NotFoundError),
        # Google's rejected key, in the provider's words or a body excerpt in any case.
        (
            400,
            ["INVALID_ARGUMENT"],
            "API key not valid. Please pass a valid key.",
            llm.AuthenticationError,
        ),
        (400, [], "HTTP 400: api key not valid", llm.AuthenticationError),
        (403, [], "API key not valid", llm.PermissionError),
        (500, [], "API key not valid", llm.ServerError),
    ],
)
def test_http_classification(
    status: int, names: list[str], message: str, expected: type[llm.APIError]
) -> None:
    assert ERROR_CLASSES[classify_http_error(status, names, message)] is expected


def google_error(status: int, message: str, status_name: str) -> bytes:
    return json.dumps(
        [{"error": {"code": status, "message": message, "status": status_name}}]
    ).encode()


def test_an_http_error_carries_the_providers_message_body_and_status() -> None:
    content = google_error(400, "API key not valid. Please pass a valid API key.", "X")
    error = error_from_http(400, content, {}, "google")
    assert type(error) is llm.AuthenticationError
    assert str(error) == "API key not valid. Please pass a valid API key."
    assert error.status_code == 400 and error.provider == "google"
    assert error.body == json.loads(content)


def test_an_unknown_model_code_on_a_bad_request_is_not_found() -> None:
    content = json.dumps(
        {
            "error": {
                "message": "no such model",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        }
    ).encode()
    error = error_from_http(400, content, {}, "openai")
    assert type(error) is llm.NotFoundError
    assert (str(error), error.status_code) == ("no such model", 400)


def test_a_plain_text_body_is_classed_by_its_excerpt() -> None:
    error = error_from_http(400, b"  api key not valid  ", {}, "google")
    assert type(error) is llm.AuthenticationError
    assert str(error) == "HTTP 400: api key not valid" and error.body == "  api key not valid  "


def test_a_rate_limit_reads_retry_after() -> None:
    error = error_from_http(429, b"", {"retry-after": "7"}, "anthropic")
    assert type(error) is llm.RateLimitError
    assert (str(error), error.retry_after, error.body) == ("HTTP 429", 7.0, None)

"""Nothing the server sent is lost from an iterator (issue 13): chunks decoded before an error
reach every iterator, in order and exactly once, and only then does the error raise.

A network read often carries good events followed by an error event or broken JSON; the
decoder then returns one batch holding both. These tests serve whole bodies in one piece (so
the fault shares a read with the text before it) and in small pieces (so it does not), over
real loopback sockets, for every wire format and every iterator, sync and async, and check
that a replay after the error yields the same chunks and raises the same error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pydantic
import pytest

from ferriscope import llm
from ferriscope.testing import RecordedResponse
from ferriscope.testing.synth import Reply
from tests.support.http_paths import client_module
from tests.support.wires import (
    STREAM_ERRORS,
    WIRES,
    Wire,
    event_end,
    serving,
)

WHOLE = 1 << 20
"""A piece size larger than any body here: the server writes the body in one piece."""

REPLY = Reply(text=["Hello, ", "wor", "ld"])
BEFORE = "Hello, wor"
"""The text of the events ahead of the fault (inserted after the `"wor"` event)."""


def _error_event(wire: Wire) -> tuple[bytes, type[llm.Error]]:
    for case in STREAM_ERRORS:
        if case.wire is wire:
            return case.event, case.error_class
    raise AssertionError(f"no error event for {wire.provider}")


def faulty(wire: Wire, fault: str) -> tuple[bytes, type[llm.Error]]:
    """A text reply whose third event is replaced by `fault`, and the error it must raise."""
    body = wire.body(REPLY)
    at = event_end(body, b'"wor"')
    if fault == "malformed":
        return body[:at] + wire.malformed, llm.ResponseValidationError
    if fault == "error-event":
        event, error_class = _error_event(wire)
        return body[:at] + event, error_class
    assert fault == "truncated"
    return body[:at], llm.ConnectionError


FAULTS = ["malformed", "error-event", "truncated"]

# (piece size, transport path): the fault in the read of the text before it on every path,
# and in a read of its own on the default path.
READS = [
    pytest.param(WHOLE, "own", id="one-read-own"),
    pytest.param(WHOLE, "httpx", id="one-read-httpx"),
    pytest.param(WHOLE, "httpx2", id="one-read-httpx2"),
    pytest.param(5, "own", id="small-reads-own"),
]


def path_options(path: str, *, is_async: bool) -> dict[str, Any]:
    """Provider options that send the requests over `path`: the own transport, or a user's
    httpx / httpx2 client."""
    if path == "own":
        return {}
    module = client_module(path)
    if is_async:
        return {"async_http_client": module.AsyncClient()}
    return {"http_client": module.Client()}


def _texts(chunks: list[Any]) -> str:
    return "".join(c.delta for c in chunks if c.type == "text_chunk")


# Each reader returns (what it yielded, as text; the error that ended it).


def read_text(response: Any) -> tuple[str, BaseException | None]:
    out: list[str] = []
    try:
        for delta in response.text_stream(sep=""):
            out.append(delta)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


def read_chunks(response: Any) -> tuple[str, BaseException | None]:
    out: list[Any] = []
    try:
        for chunk in response.chunk_stream():
            out.append(chunk)
    except llm.Error as error:
        return _texts(out), error
    return _texts(out), None


def read_pretty(response: Any) -> tuple[str, BaseException | None]:
    out: list[str] = []
    try:
        for piece in response.pretty_stream():
            out.append(piece)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


def read_substreams(response: Any) -> tuple[str, BaseException | None]:
    out: list[str] = []
    try:
        for stream in response.streams():
            for delta in stream:
                if stream.content_type == "text":
                    out.append(delta)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


READERS: dict[str, Callable[[Any], tuple[str, BaseException | None]]] = {
    "text_stream": read_text,
    "chunk_stream": read_chunks,
    "pretty_stream": read_pretty,
    "streams": read_substreams,
}


async def aread_text(response: Any) -> tuple[str, BaseException | None]:
    out: list[str] = []
    try:
        async for delta in response.text_stream(sep=""):
            out.append(delta)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


async def aread_chunks(response: Any) -> tuple[str, BaseException | None]:
    out: list[Any] = []
    try:
        async for chunk in response.chunk_stream():
            out.append(chunk)
    except llm.Error as error:
        return _texts(out), error
    return _texts(out), None


async def aread_pretty(response: Any) -> tuple[str, BaseException | None]:
    out: list[str] = []
    try:
        async for piece in response.pretty_stream():
            out.append(piece)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


async def aread_substreams(response: Any) -> tuple[str, BaseException | None]:
    out: list[str] = []
    try:
        async for stream in response.streams():
            async for delta in stream:
                if stream.content_type == "text":
                    out.append(delta)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


AREADERS: dict[str, Callable[[Any], Awaitable[tuple[str, BaseException | None]]]] = {
    "text_stream": aread_text,
    "chunk_stream": aread_chunks,
    "pretty_stream": aread_pretty,
    "streams": aread_substreams,
}


@pytest.mark.parametrize(("piece_size", "path"), READS)
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("wire", WIRES)
def test_every_iterator_yields_what_came_before_the_error(
    wire: Wire, fault: str, reader: str, piece_size: int, path: str
) -> None:
    body, error_class = faulty(wire, fault)
    options = path_options(path, is_async=False)
    with serving(wire, piece_size=piece_size, max_retries=0, **options) as server:
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi")
        text, error = READERS[reader](response)
        assert type(error) is error_class, error
        assert text == BEFORE
        assert response.text() == BEFORE
        # A replay yields the same, then the same (sticky) error.
        again, error_again = READERS[reader](response)
        assert again == text
        assert error_again is error


@pytest.mark.parametrize(("piece_size", "path"), READS)
@pytest.mark.parametrize("reader", list(AREADERS))
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("wire", WIRES)
async def test_every_async_iterator_yields_what_came_before_the_error(
    wire: Wire, fault: str, reader: str, piece_size: int, path: str
) -> None:
    body, error_class = faulty(wire, fault)
    options = path_options(path, is_async=True)
    with serving(wire, piece_size=piece_size, max_retries=0, **options) as server:
        server.add(RecordedResponse(body=body))
        response = await wire.model().stream_async("hi")
        text, error = await AREADERS[reader](response)
        assert type(error) is error_class, error
        assert text == BEFORE
        assert response.text() == BEFORE
        again, error_again = await AREADERS[reader](response)
        assert again == text
        assert error_again is error


@pytest.mark.parametrize("wire", WIRES)
def test_two_cursors_each_get_the_text_once(wire: Wire) -> None:
    """Two iterators interleaved over one failing response: each yields the text before the
    error exactly once, whichever of them pulled the failing batch."""
    body, error_class = faulty(wire, "error-event")
    with serving(wire, piece_size=WHOLE, max_retries=0) as server:
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi")
        first: Iterator[str] = response.text_stream(sep="")
        second: Iterator[str] = response.text_stream(sep="")
        seen: dict[str, list[str]] = {"first": [], "second": []}
        errors: dict[str, BaseException] = {}
        live = {"first": first, "second": second}
        while live:
            for name, iterator in list(live.items()):
                try:
                    seen[name].append(next(iterator))
                except StopIteration:
                    del live[name]
                except llm.Error as error:
                    errors[name] = error
                    del live[name]
        assert "".join(seen["first"]) == "".join(seen["second"]) == BEFORE
        assert type(errors["first"]) is error_class and errors["second"] is errors["first"]


class Book(pydantic.BaseModel):
    title: str
    author: str


@pytest.mark.parametrize("piece_size", [WHOLE, 5], ids=["one-read", "small-reads"])
@pytest.mark.parametrize("wire", WIRES)
def test_structured_stream_shows_the_partial_before_the_error(wire: Wire, piece_size: int) -> None:
    """`structured_stream()` yields the partial of the text before the error, then raises."""
    reply = Reply(text=['{"title": "Dune", ', '"author": "Frank ', 'Herbert"}'])
    body = wire.body(reply)
    event, error_class = _error_event(wire)
    body = body[: event_end(body, b"Frank ")] + event
    with serving(wire, piece_size=piece_size, max_retries=0) as server:
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi", format=llm.format(Book, mode="json"))
        partials: list[Any] = []
        with pytest.raises(error_class):
            for partial in response.structured_stream():
                partials.append(partial)
        assert partials, "nothing was yielded before the error"
        assert partials[-1].title == "Dune"
        assert partials[-1].author == "Frank "

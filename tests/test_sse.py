"""The Python surface of `ferriscope.sse` (the decoder's rules are unit-tested in Rust)."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ferriscope.sse import ServerSentEvent, SSEDecoder, aiter_sse, iter_sse


def test_feed_split_across_reads() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'event: delta\ndata: {"a"') == []
    events = decoder.feed(b": 1}\r\n\r\n")
    assert events == [ServerSentEvent(event="delta", data='{"a": 1}')]
    assert events[0].json() == {"a": 1}
    assert decoder.finish() == []


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_feed_takes_any_bytes_like_object(wrap: Callable[[bytes], Any]) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(wrap(b"data: caf\xc3")) == []  # a code point cut between reads
    assert decoder.feed(wrap(b"\xa9\n\n")) == [ServerSentEvent(data="caf\u00e9")]


def test_feed_takes_str_as_its_utf8_encoding() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("event: note\ndata: caf\u00e9") == []
    assert decoder.feed("\r\n\r\n") == [ServerSentEvent(event="note", data="caf\u00e9")]


@pytest.mark.parametrize("value", [5, None, ["data: x\n\n"]])
def test_feed_refuses_what_is_not_bytes_naming_the_type(value: object) -> None:
    with pytest.raises(TypeError, match=type(value).__name__):
        SSEDecoder().feed(value)  # type: ignore[arg-type]


def test_over_long_line_raises_value_error_naming_the_limit() -> None:
    decoder = SSEDecoder(max_line_bytes=10)
    with pytest.raises(ValueError, match="limit of 10 bytes"):
        decoder.feed(b"data: 0123456789")


def test_over_long_comments_and_unknown_fields_are_skipped() -> None:
    """The limit bounds memory, not what the stream may say: a keep-alive comment or a field the
    rules ignore changes nothing, so past the limit it is dropped unread instead of refused."""
    padding = b": " + b"." * 100 + b"\n"
    unknown = b"x-trace: " + b"0" * 100 + b"\r\n"
    body = padding + b"data: a\n" + unknown + b"data: b\n\n"
    for size in (1, 7, len(body)):
        decoder = SSEDecoder(max_line_bytes=16)
        events = [e for i in range(0, len(body), size) for e in decoder.feed(body[i : i + size])]
        assert [e.data for e in events] == ["a\nb"]
    with pytest.raises(ValueError, match="limit of 16 bytes"):
        SSEDecoder(max_line_bytes=16).feed(b"event: " + b"e" * 100)


def test_id_and_retry_properties() -> None:
    decoder = SSEDecoder()
    (event,) = decoder.feed(b"id: 7\nretry: 250\ndata: x\n\n")
    assert (event.id, event.retry, decoder.last_event_id, decoder.retry) == ("7", 250, "7", 250)


def test_last_event_id_is_the_id_of_the_last_ended_block() -> None:
    """The id to resume from: an `id` counts once its block's blank line arrives (WHATWG
    "dispatch the event", step 1), so a stream cut inside a block never reports an id whose
    event was lost."""
    decoder = SSEDecoder()
    decoder.feed(b"id: 1\ndata: a\n\nid: 2\ndata: lost")
    assert decoder.last_event_id == "1"
    decoder.finish()
    assert decoder.last_event_id == "1"
    # A block with an id and no data sets it without producing an event.
    assert decoder.feed(b"id: 3\r\r\n") == []
    assert decoder.last_event_id == "3"


def test_a_new_stream_after_finish_resumes_from_the_last_dispatched_id() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 1\ndata: a\n\nid: 2\n")  # id 2's block is cut off
    decoder.finish()
    (event,) = decoder.feed(b"data: b\n\n")
    assert event.id == "1"


# Streams written for this suite, one per rule of the WHATWG event-stream interpretation (the
# rules the web-platform-tests `eventsource/format-*` tests exercise): the body, then the
# (event, data, id) of each event it dispatches.
WHATWG_CASES: dict[str, tuple[bytes, list[tuple[str, str, str]]]] = {
    "lf, cr and crlf line ends mixed": (
        b"data:one\r\ndata\ndata:two\r\n\r",
        [("message", "one\n\ntwo", "")],
    ),
    "one space stripped, a tab kept": (
        b"data:\tx\rdata: \ndata:  y\n\n",
        [("message", "\tx\n\n y", "")],
    ),
    "field names are exact": (
        b"data:1\nData:2\ndata\0:3\nda-ta:4\n data:5\ndata_6\ndata:7\n\n",
        [("message", "1\n7", "")],
    ),
    "comments anywhere, even long or looking like fields": (
        b"data:a\r:\0\n:\r\ndata:b\n:" + b"z" * 3000 + b"\rdata:c\n:data:no\n\n",
        [("message", "a\nb\nc", "")],
    ),
    "nul in data is kept": (b"data:\0\n\n", [("message", "\0", "")]),
    "only the first bom is skipped": (
        b"\xef\xbb\xbfdata:1\n\n\xef\xbb\xbfdata:2\n\ndata:3\n\n",
        [("message", "1", ""), ("message", "3", "")],
    ),
    "a second bom makes the first line unknown": (
        b"\xef\xbb\xbf\xef\xbb\xbfdata:1\n\ndata:2\n\n",
        [("message", "2", "")],
    ),
    "empty event field means message, and event resets": (
        b"event:\ndata:a\n\nevent:x\ndata:b\n\ndata:c\n\n",
        [("message", "a", ""), ("x", "b", ""), ("message", "c", "")],
    ),
    "a block without data dispatches nothing": (
        b"event:x\n\ndata:a\n\n",
        [("message", "a", "")],
    ),
    "an empty data field still dispatches": (b"data\n\ndata:\n\n", [("message", "", "")] * 2),
    "ids persist, nul ids are ignored, an empty id clears": (
        b"id:1\ndata:a\n\ndata:b\n\nid:x\0\ndata:c\n\nid\ndata:d\n\n",
        [("message", "a", "1"), ("message", "b", "1"), ("message", "c", "1"), ("message", "d", "")],
    ),
    "an unterminated last event is dropped": (
        b"data:a\n\nid:2\ndata:b\n",
        [("message", "a", "")],
    ),
    "invalid utf-8 becomes u+fffd": (
        b"data:a\xffb\xe2\x82\n\n",
        [("message", "a\ufffdb\ufffd", "")],
    ),
}


@pytest.mark.parametrize("name", sorted(WHATWG_CASES))
def test_whatwg_rules_in_any_split(name: str) -> None:
    body, expected = WHATWG_CASES[name]
    for size in (1, 2, 5, len(body)):
        decoder = SSEDecoder()
        events = [e for i in range(0, len(body), size) for e in decoder.feed(body[i : i + size])]
        events += decoder.finish()
        assert [(e.event, e.data, e.id) for e in events] == expected, f"{size}-byte reads"


def test_retry_takes_digits_only() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry:3000\nretry:1000x\nretry\nretry: 20 \ndata:x\n\n")
    assert decoder.retry == 3000
    assert events[0].retry == 3000


def _response(body: bytes) -> httpx.Response:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    return httpx.Client(transport=httpx.MockTransport(handler)).get("http://test/")


def test_iter_sse_over_httpx() -> None:
    events = list(iter_sse(_response(b"data: a\n\ndata: b\n\ndata: cut")))
    assert [e.data for e in events] == ["a", "b"]


async def test_aiter_sse_over_httpx() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"data: a\n\n")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        async with client.stream("GET", "http://test/") as response:
            assert [e.data async for e in aiter_sse(response)] == ["a"]

"""The Python surface of `ferriscope.sse` (the decoder's rules are unit-tested in Rust)."""

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

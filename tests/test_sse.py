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


def test_id_and_retry_properties() -> None:
    decoder = SSEDecoder()
    (event,) = decoder.feed(b"id: 7\nretry: 250\ndata: x\n\n")
    assert (event.id, event.retry, decoder.last_event_id, decoder.retry) == ("7", 250, "7", 250)


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

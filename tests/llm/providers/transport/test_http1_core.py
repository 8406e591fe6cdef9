"""The Rust HTTP/1.1 core as the socket drivers see it: `encode_request` and `HttpStream`.

What the drivers rely on: the request bytes are exactly what is written to the socket and can
never carry an injected header; a response read in any pieces, with any framing or content
coding, yields the same chunks as `StreamDecoder` fed the plain body; the verdicts (`done`,
`reusable`) tell them when to stop reading and whether the connection goes back to the pool;
and failures come out as documented — a bad head raises, a bad body ends with an error chunk
after everything that arrived before it.
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from ferriscope import llm
from ferriscope._core import (
    HttpProtocolError,
    HttpStream,
    StreamDecoder,
    StreamErrorChunk,
    encode_request,
)
from ferriscope.llm._error_kinds import KIND_OF
from tests.support.decoding import decode, include_thoughts, load_cases

CASES = [
    (f"{name}#{turn}", case["wire_format"], include_thoughts(case, turn), body.encode())
    for name, case in load_cases()
    for turn, interaction in enumerate(case["interactions"])
    if interaction["response"]["status"] == 200 and (body := interaction["response"]["body"])
]
ANTHROPIC = next(body for name, fmt, _, body in CASES if fmt == "anthropic")


# ---- building responses ---------------------------------------------------------------------


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


CODINGS: dict[str, tuple[str | None, Callable[[bytes], bytes]]] = {
    "identity": (None, lambda data: data),
    "gzip": ("gzip", gzip.compress),
    "deflate-zlib": ("deflate", zlib.compress),
    "deflate-raw": ("deflate", raw_deflate),
}


def chunked(payload: bytes, rng: random.Random) -> bytes:
    out = bytearray()
    i = 0
    while i < len(payload):
        n = rng.randint(1, 200)
        out += b"%x\r\n" % len(payload[i : i + n]) + payload[i : i + n] + b"\r\n"
        i += n
    return bytes(out + b"0\r\n\r\n")


def response(
    payload: bytes,
    framing: str,
    coding: str = "identity",
    *,
    status: str = "200 OK",
    extra: Sequence[str] = (),
    seed: int = 0,
) -> bytes:
    """An HTTP/1.1 response carrying `payload` under the given framing and content coding."""
    name, compress = CODINGS[coding]
    body = compress(payload)
    head = [f"HTTP/1.1 {status}", "Content-Type: text/event-stream", *extra]
    if name:
        head.append(f"Content-Encoding: {name}")
    if framing == "length":
        head.append(f"Content-Length: {len(body)}")
    elif framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        body = chunked(body, random.Random(seed))
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body


def random_reads(wire: bytes, seed: int, max_read: int = 300) -> list[bytes]:
    rng = random.Random(seed)
    reads = []
    i = 0
    while i < len(wire):
        n = rng.randint(1, max_read)
        reads.append(wire[i : i + n])
        i += n
    return reads


def run(stream: HttpStream, reads: Sequence[bytes], *, close: bool = False) -> list[Any]:
    """Feeds reads the way a driver does (stopping at `done`) and returns every chunk."""
    chunks: list[Any] = []
    for data in reads:
        chunks.extend(stream.feed(data))
        if stream.done:
            break
    if close or not stream.done:
        chunks.extend(stream.eof())
    return chunks


# ---- encode_request -------------------------------------------------------------------------


def test_request_is_encoded_byte_exactly() -> None:
    wire = encode_request(
        "POST",
        "/v1/messages?beta=true",
        "api.anthropic.com",
        [
            ("x-api-key", "sk-1"),
            ("Content-Type", "application/json"),
            ("User-Agent", "ferriscope/0.1 (é)"),
        ],
        b'{"a": 1}',
    )
    assert wire == (
        b"POST /v1/messages?beta=true HTTP/1.1\r\n"
        b"Host: api.anthropic.com\r\n"
        b"x-api-key: sk-1\r\n"
        b"Content-Type: application/json\r\n"
        b"User-Agent: ferriscope/0.1 (\xc3\xa9)\r\n"
        b"Content-Length: 8\r\n"
        b"\r\n"
        b'{"a": 1}'
    )
    assert (
        encode_request("GET", "/", "h:8080", (), b"") == b"GET / HTTP/1.1\r\nHost: h:8080\r\n\r\n"
    )


def test_defaults_fill_in_the_headers_a_dict_does_not_set() -> None:
    """The transport hands the request's header dict and its defaults to one call: a
    default goes first unless the request sets that name in any case."""
    defaults = (("accept", "*/*"), ("user-agent", "ferriscope/x"))
    headers = {"User-Agent": "mine/1", "authorization": "Bearer k"}
    wire = encode_request("POST", "/", "h", headers, b"{}", defaults)
    assert wire == (
        b"POST / HTTP/1.1\r\nHost: h\r\naccept: */*\r\nUser-Agent: mine/1\r\n"
        b"authorization: Bearer k\r\nContent-Length: 2\r\n\r\n{}"
    )
    assert wire == encode_request("POST", "/", "h", list(headers.items()), b"{}", dict(defaults))
    with pytest.raises(ValueError, match='"user-agent"'):
        encode_request("POST", "/", "h", {}, b"", [("user-agent", "a\nb")])
    with pytest.raises(TypeError):
        encode_request("POST", "/", "h", {"a": 1}, b"")  # type: ignore[dict-item]


@pytest.mark.parametrize("value", ["k\r\nX-Injected: 1", "k\nX", "k\rX", "k\x00"])
def test_header_injection_is_refused_naming_the_header(value: str) -> None:
    with pytest.raises(ValueError, match='"Authorization"') as info:
        encode_request("POST", "/", "h", [("Accept", "*/*"), ("Authorization", value)], b"")
    assert "X-Injected" not in str(info.value), "the (secret) value is not echoed"


@pytest.mark.parametrize(
    ("method", "target", "host", "headers", "match"),
    [
        ("POST", "/", "h", [("Bad Name", "v")], "header name"),
        ("POST", "/", "h", [("Content-Length", "5")], "set by the request encoder"),
        ("POST", "/", "h", [("host", "other")], "set by the request encoder"),
        ("POST", "/a b", "h", [], "request target"),
        ("POST", "/", "h\r\nX: y", [], "host"),
        ("PO ST", "/", "h", [], "method"),
    ],
)
def test_request_parts_that_would_break_framing_are_refused(
    method: str, target: str, host: str, headers: list[tuple[str, str]], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        encode_request(method, target, host, headers, b"")


# ---- a response of each framing and coding yields the decoder's chunks ----------------------


@pytest.mark.parametrize("coding", list(CODINGS))
@pytest.mark.parametrize("framing", ["chunked", "length", "close"])
def test_recorded_streams_decode_as_the_plain_body(framing: str, coding: str) -> None:
    for seed, (name, wire_format, thoughts, body) in enumerate(CASES):
        expected = decode(wire_format, [body], thoughts=thoughts)
        wire = response(body, framing, coding, seed=seed)
        for max_read in (7, 300, len(wire)):
            stream = HttpStream(wire_format, include_thoughts=thoughts)
            chunks = run(stream, random_reads(wire, seed, max_read))
            assert chunks == expected, (name, framing, coding, max_read)
            assert stream.done
            assert stream.status == 200 and stream.reason == "OK"
            assert stream.error_body == b""
            if stream.body_complete and framing != "close":
                assert stream.reusable, (name, framing, coding)
            if framing == "close":
                assert not stream.reusable


def test_each_read_returns_the_chunks_it_completed() -> None:
    """One read in, that read's chunks out: not held back until the body ends."""
    wire = response(ANTHROPIC, "chunked", seed=3)
    stream = HttpStream("anthropic")
    plain = StreamDecoder("anthropic")
    head_end = wire.index(b"\r\n\r\n") + 4
    assert stream.feed(wire[:head_end]) == []
    assert stream.head_complete and not stream.done
    # Whole chunks, one read each: every read yields what the plain decoder yields for it.
    body = wire[head_end:]
    pos = 0
    while not stream.done:
        size_end = body.index(b"\r\n", pos)
        size = int(body[pos:size_end], 16)
        end = size_end + 2 + size + 2
        if size == 0:
            end = len(body)
        chunks = stream.feed(body[pos:end])
        expected = plain.feed(body[size_end + 2 : size_end + 2 + size])
        if size == 0 or stream.complete:
            expected += plain.finish()
        assert chunks == expected
        pos = end


def test_a_large_read_is_decoded_the_same() -> None:
    """Reads of 64 KiB and more take the GIL-releasing path."""
    body = ANTHROPIC.replace(b"\n\n", b"\n: " + b"p" * 10_000 + b"\n\n")
    assert len(body) > 64 * 1024
    for coding in CODINGS:
        wire = response(body, "length", coding)
        stream = HttpStream("anthropic")
        assert stream.feed(wire) == decode("anthropic", [body])
        assert stream.done and stream.reusable


def test_headers_are_reported_as_sent() -> None:
    stream = HttpStream("anthropic")
    assert stream.status is None and stream.reason == "" and stream.headers == []
    stream.feed(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nX-Name: caf\xe9\r\n")
    assert not stream.head_complete and stream.status is None
    stream.feed(b"Content-Length: 0\r\n\r\n")
    assert stream.head_complete and stream.status == 429
    assert stream.reason == "Too Many Requests"
    assert stream.headers == [
        ("Retry-After", "7"),
        ("X-Name", "café"),
        ("Content-Length", "0"),
    ]


def test_interim_responses_are_skipped() -> None:
    wire = b"HTTP/1.1 100 Continue\r\n\r\n" + response(ANTHROPIC, "length")
    stream = HttpStream("anthropic")
    assert run(stream, random_reads(wire, 1, 50)) == decode("anthropic", [ANTHROPIC])
    assert stream.status == 200 and stream.reusable


# ---- non-2xx --------------------------------------------------------------------------------


@pytest.mark.parametrize("coding", list(CODINGS))
def test_a_non_2xx_body_is_kept_capped_and_yields_no_chunks(coding: str) -> None:
    error = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    wire = response(error * 10, "chunked", coding, status="529 Overloaded")
    stream = HttpStream("anthropic", max_error_body=100)
    for data in random_reads(wire, 2, 40):
        assert stream.feed(data) == []
    assert stream.status == 529
    assert stream.error_body == (error * 10)[:100]
    assert stream.done and stream.body_complete and stream.reusable
    assert stream.eof() == []


def recorded_identity(wire_format: str, body: bytes) -> tuple[str | None, str | None]:
    """The first non-empty response id and model in a recorded body, read off its JSON."""
    keys = {
        "openai-completions": (None, "id", "model"),
        "openai-responses": ("response", "id", "model"),
        "anthropic": ("message", "id", "model"),
        "google": (None, "responseId", "modelVersion"),
    }
    holder_key, id_key, model_key = keys[wire_format]
    found: dict[str, str] = {}
    for line in body.decode().splitlines():
        if not line.startswith("data:"):
            continue
        try:
            payload = json.loads(line[5:])
        except ValueError:
            continue
        holder = payload.get(holder_key) if holder_key else payload
        if not isinstance(holder, dict):
            continue
        for key in (id_key, model_key):
            if isinstance(holder.get(key), str) and holder[key]:
                found.setdefault(key, holder[key])
    return found.get(id_key), found.get(model_key)


def test_the_response_id_and_model_are_reported_by_both_bindings() -> None:
    """What telemetry's `gen_ai.response.id` and `gen_ai.response.model` come from: unknown
    until the body names them, then the provider's values, however the reads were split."""
    for seed, (name, wire_format, thoughts, body) in enumerate(CASES):
        expected = recorded_identity(wire_format, body)
        assert None not in expected, name
        decoder = StreamDecoder(wire_format, include_thoughts=thoughts)
        assert (decoder.response_id, decoder.response_model) == (None, None)
        for data in random_reads(body, seed, 50):
            decoder.feed(data)
        decoder.finish()
        assert (decoder.response_id, decoder.response_model) == expected, name
        stream = HttpStream(wire_format, include_thoughts=thoughts)
        assert (stream.response_id, stream.response_model) == (None, None)
        run(stream, random_reads(response(body, "chunked", "gzip", seed=seed), seed))
        assert (stream.response_id, stream.response_model) == expected, name


def test_a_non_2xx_response_names_no_response() -> None:
    body = next(body for _, fmt, _, body in CASES if fmt == "openai-completions")
    stream = HttpStream("openai-completions")
    run(stream, [response(body, "length", status="500 Internal Server Error")])
    assert stream.status == 500
    assert (stream.response_id, stream.response_model) == (None, None)


def test_the_default_error_body_cap_is_64_kib() -> None:
    stream = HttpStream("anthropic")
    stream.feed(response(b"x" * 70_000, "length", status="500 Internal Server Error"))
    assert stream.error_body == b"x" * 65536
    assert stream.done


# ---- failures after the head ----------------------------------------------------------------


def good_prefix(body: bytes) -> tuple[bytes, list[Any]]:
    """The first half of the body, cut at an event boundary, and the chunks it yields."""
    cut = body.index(b"\n\n", len(body) // 2) + 2
    plain = StreamDecoder("anthropic")
    chunks = plain.feed(body[:cut])
    assert chunks and not plain.complete
    return body[:cut], chunks


def test_a_framing_error_after_events_yields_them_then_an_error_chunk() -> None:
    prefix, expected = good_prefix(ANTHROPIC)
    head = response(b"", "chunked").removesuffix(b"0\r\n\r\n")
    wire = head + b"%x\r\n" % len(prefix) + prefix + b"\r\nnot-hex\r\n"
    stream = HttpStream("anthropic")
    chunks = stream.feed(wire)
    assert chunks[:-1] == expected
    error = chunks[-1]
    assert isinstance(error, StreamErrorChunk)
    assert error.kind == KIND_OF[llm.ConnectionError]
    assert "chunk" in error.message
    assert stream.done and not stream.reusable and not stream.complete
    assert stream.feed(b"more") == [] and stream.eof() == []


def test_undecodable_content_encoding_is_a_validation_error_chunk() -> None:
    wire = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!"
    stream = HttpStream("anthropic")
    [error] = stream.feed(wire)
    assert isinstance(error, StreamErrorChunk)
    assert error.kind == KIND_OF[llm.ResponseValidationError]
    assert "gzip" in error.message
    assert stream.done and not stream.reusable


def test_a_bad_event_ends_the_stream_with_the_decoders_error() -> None:
    wire = response(b"event: message_start\ndata: {not json\n\n", "chunked")
    stream = HttpStream("anthropic")
    chunks = stream.feed(wire)
    assert [c.kind for c in chunks] == [KIND_OF[llm.ResponseValidationError]]
    assert stream.done


def test_a_terminal_event_with_the_body_left_open_is_done_but_not_reusable() -> None:
    head = response(b"", "chunked").removesuffix(b"0\r\n\r\n")
    wire = head + b"%x\r\n" % len(ANTHROPIC) + ANTHROPIC + b"\r\n"
    stream = HttpStream("anthropic")
    chunks = stream.feed(wire)
    assert chunks == decode("anthropic", [ANTHROPIC])
    assert stream.complete and stream.done
    assert not stream.body_complete and not stream.reusable
    # The peer closing now lost nothing: no error is added.
    assert stream.eof() == []


# ---- eof ------------------------------------------------------------------------------------


def test_eof_ends_a_close_delimited_body() -> None:
    wire = response(ANTHROPIC, "close", "gzip")
    stream = HttpStream("anthropic")
    chunks: list[Any] = []
    for data in random_reads(wire, 4, 64):
        chunks.extend(stream.feed(data))
    # The terminal event is in, so the stream is done before the close, with every chunk.
    assert stream.done and stream.complete and not stream.body_complete
    assert chunks == decode("anthropic", [ANTHROPIC])
    assert stream.eof() == []
    assert not stream.reusable


def test_eof_without_the_terminal_event_is_a_cut_stream() -> None:
    prefix, expected = good_prefix(ANTHROPIC)
    for framing in ("close", "length", "chunked"):
        wire = response(ANTHROPIC, framing)
        if framing == "chunked":  # one chunk, so the cut falls inside its data
            head = wire[: wire.index(b"\r\n\r\n") + 4]
            wire = head + b"%x\r\n" % len(ANTHROPIC) + ANTHROPIC
        wire = wire[: wire.index(prefix) + len(prefix)]
        stream = HttpStream("anthropic")
        assert stream.feed(wire) == expected
        assert not stream.done
        [error] = stream.eof()
        assert isinstance(error, StreamErrorChunk), framing
        assert error.kind == KIND_OF[llm.ConnectionError]
        assert stream.done and not stream.reusable
        assert stream.eof() == []


COMPLETIONS_TO_FINISH = (
    b'data: {"id":"c1","model":"m","choices":[{"index":0,'
    b'"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{},'
    b'"finish_reason":"stop"}]}\n\n'
)
"""A Chat Completions stream up to its `finish_reason`, without the usage event and `[DONE]`:
its decoder accepts the end there (local servers omit `[DONE]`)."""


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_eof_cutting_a_framed_body_after_finish_reason_is_a_connection_error(
    framing: str,
) -> None:
    """The decoder would accept the close, but the body's own framing says more was coming
    (the usage event at least): `eof` itself reports it (docs/spec.md §11.0)."""
    payload = COMPLETIONS_TO_FINISH + b"data: [DONE]\n\n"
    wire = response(payload, framing)
    if framing == "chunked":  # one chunk, so the cut falls inside its data
        head = wire[: wire.index(b"\r\n\r\n") + 4]
        wire = head + b"%x\r\n" % len(payload) + payload
    wire = wire[: wire.index(COMPLETIONS_TO_FINISH) + len(COMPLETIONS_TO_FINISH)]
    stream = HttpStream("openai-completions")
    chunks = stream.feed(wire)
    assert not stream.done and not stream.complete
    *accepted, error = chunks + stream.eof()
    assert accepted == decode("openai-completions", [COMPLETIONS_TO_FINISH])
    assert isinstance(error, StreamErrorChunk)
    assert error.kind == KIND_OF[llm.ConnectionError]
    assert error.message == "the connection closed before the end of the response body"
    assert stream.done and not stream.reusable
    assert stream.eof() == []


def test_eof_ending_a_close_delimited_body_after_finish_reason_is_clean() -> None:
    stream = HttpStream("openai-completions")
    chunks = stream.feed(response(COMPLETIONS_TO_FINISH, "close"))
    chunks += stream.eof()
    assert chunks == decode("openai-completions", [COMPLETIONS_TO_FINISH])
    assert not any(isinstance(c, StreamErrorChunk) for c in chunks)
    assert stream.done and stream.body_complete


def test_eof_before_the_head_raises() -> None:
    for received in (b"", b"HTTP/1.1 200 OK\r\n"):
        stream = HttpStream("openai-completions")
        assert stream.feed(received) == []
        with pytest.raises(HttpProtocolError, match="connection closed before a response"):
            stream.eof()
        assert stream.done and not stream.reusable


# ---- a bad head raises ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reads", "match"),
    [
        ([b"garbage\r\n\r\n"], "invalid HTTP response head"),
        ([b"HTTP/1.1 200 OK\r\n", b"Bad Header\r\n\r\n"], "invalid HTTP response head"),
        ([b"HTTP/2 200\r\n\r\n"], "invalid HTTP response head"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"], "conflicting"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"], "Transfer-Encoding"),
        ([b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000], "longer than 65536 bytes"),
    ],
)
def test_a_malformed_head_raises(reads: list[bytes], match: str) -> None:
    stream = HttpStream("google")
    with pytest.raises(HttpProtocolError, match=match):
        for data in reads:
            assert stream.feed(data) == []
    assert stream.done and not stream.reusable and not stream.head_complete


def test_http_protocol_error_is_an_exception_not_a_value_error() -> None:
    assert issubclass(HttpProtocolError, Exception)
    assert not issubclass(HttpProtocolError, ValueError)
    with pytest.raises(ValueError, match="unknown wire format"):
        HttpStream("smtp")


# ---- keep-alive -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "tail", "reusable"),
    [
        ((), b"", True),
        (("Connection: close",), b"", False),
        ((), b"HTTP/1.1 200 OK\r\n", False),
    ],
)
def test_reuse_verdict(extra: tuple[str, ...], tail: bytes, reusable: bool) -> None:
    stream = HttpStream("anthropic")
    stream.feed(response(ANTHROPIC, "length", extra=extra) + tail)
    assert stream.done and stream.body_complete
    assert stream.reusable is reusable


def test_http_1_0_needs_keep_alive_to_be_reused() -> None:
    for extra, reusable in (((), False), (("Connection: keep-alive",), True)):
        wire = response(ANTHROPIC, "length", extra=extra).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
        stream = HttpStream("anthropic")
        assert stream.feed(wire) == decode("anthropic", [ANTHROPIC])
        assert stream.reusable is reusable

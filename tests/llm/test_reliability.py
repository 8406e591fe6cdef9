"""Reliability and fault injection (issue 8): what a stream does when the network, the server
or the payload misbehaves, for every wire format, over real loopback sockets.

Each test starts a `ReplayServer` (a threaded HTTP/1.1 server on 127.0.0.1), registers a
provider against it and streams through the real httpx clients, so connection resets, stalls,
compression, pooling and cancellation are the real thing rather than mocks. Timeouts are short
and bodies small (but for the 50 MB line, which runs in a subprocess so that its memory can be
measured), so the whole file runs in seconds.

Sections: 1 connection reset · 2 stalls · 3 slow drip and compression · 4 broken payloads ·
5 HTTP and in-stream errors · 6 initial-request retries · 7 cancellation and pooling.
Async variants sit next to their sync tests.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from ferriscope import llm
from ferriscope.llm.providers import transport as transport_module
from ferriscope.testing import Fault, RecordedResponse, ReplayServer
from ferriscope.testing.synth import Reply
from tests.support.backoff import Sleeps
from tests.support.wires import (
    ACTIVE_WIRES,
    ANTHROPIC,
    API_KEY,
    CALLS,
    COMPLETIONS,
    CONTINUED,
    GOOGLE,
    QUICK,
    READ_TIMEOUT,
    RESPONSES,
    STREAM_ERRORS,
    TEXT,
    WIRES,
    StreamErrorCase,
    Wire,
    event_end,
    event_start,
    quick_replay_server,  # noqa: F401  (autouse: fast server shutdown, no Nagle delays)
    raw_utf8,
    serving,
    stream_error_param,
)

# ---- helpers -----------------------------------------------------------------------------


def drain(response: llm.StreamResponse[Any]) -> tuple[list[Any], llm.Error | None]:
    """Every chunk `chunk_stream()` yields and the `llm.Error` that ended it (or None)."""
    chunks: list[Any] = []
    try:
        for chunk in response.chunk_stream():
            chunks.append(chunk)
    except llm.Error as error:
        return chunks, error
    return chunks, None


async def adrain(response: llm.AsyncStreamResponse[Any]) -> tuple[list[Any], llm.Error | None]:
    """`drain` for async responses."""
    chunks: list[Any] = []
    try:
        async for chunk in response.chunk_stream():
            chunks.append(chunk)
    except llm.Error as error:
        return chunks, error
    return chunks, None


def calls_of(response: Any) -> list[tuple[str, Any]]:
    """Completed tool calls as (name, parsed args): Gemini's placeholder ids say nothing."""
    return [(call.name, json.loads(call.args)) for call in response.tool_calls]


EXPECTED_CALLS = [("lookup", {"q": "first"}), ("lookup", {"q": "second"})]


def assert_no_secret(error: BaseException) -> None:
    """The API key appears nowhere an error could carry it: message, repr, body, causes."""
    seen: BaseException | None = error
    while seen is not None:
        assert API_KEY not in str(seen) and API_KEY not in repr(seen)
        assert API_KEY not in repr(getattr(seen, "body", None))
        seen = seen.__cause__


# ---- 1. connection reset mid-stream ------------------------------------------------------


def reset_body(wire: Wire) -> tuple[bytes, int]:
    """A text + two tool calls reply and an offset a few bytes into the event after the one
    that completes the first call(s): the reset lands mid-event."""
    body = wire.body(CALLS)
    return body, event_end(body, wire.calls_done) + 7


@pytest.mark.parametrize("wire", WIRES)
def test_reset_mid_stream_keeps_content_replays_and_resumes(wire: Wire) -> None:
    """A reset raises `llm.ConnectionError` from the iterator; the text and the complete tool
    calls stay, the open call is dropped; iterating again replays then re-raises the same
    error; `resume()` sends a new request that streams normally."""
    body, cut = reset_body(wire)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=cut))
        server.add(RecordedResponse(body=wire.body(CONTINUED)))
        response = wire.model().stream("hi")
        first, error = drain(response)

        assert isinstance(error, llm.ConnectionError)
        assert error.provider == wire.provider
        assert [t.text for t in response.texts] == ["Hello world"]
        assert calls_of(response) == EXPECTED_CALLS[: wire.calls_done_count]
        assert not response.consumed

        replayed, again = drain(response)
        assert replayed == first and again is error

        resumed = response.resume("continue")
        resumed.finish()
        assert resumed.text() == "Continued." and resumed.consumed
        assert len(server.requests) == 2
        sent = server.requests[1].body.decode()
        assert "Hello world" in sent and "continue" in sent


@pytest.mark.parametrize("wire", WIRES)
async def test_reset_mid_stream_async(wire: Wire) -> None:
    """The async form of the reset test: same error, content, replay and resume."""
    body, cut = reset_body(wire)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=cut))
        server.add(RecordedResponse(body=wire.body(CONTINUED)))
        response = await wire.model().stream_async("hi")
        first, error = await adrain(response)

        assert isinstance(error, llm.ConnectionError)
        assert [t.text for t in response.texts] == ["Hello world"]
        assert calls_of(response) == EXPECTED_CALLS[: wire.calls_done_count]

        replayed, again = await adrain(response)
        assert replayed == first and again is error

        resumed = await response.resume("continue")
        await resumed.finish()
        assert resumed.text() == "Continued."
        assert len(server.requests) == 2


@pytest.mark.parametrize("wire", WIRES)
def test_reset_after_the_terminal_event_is_not_an_error(wire: Wire) -> None:
    """A server (or proxy) that drops the connection after the terminal event loses nothing:
    the answer is complete, so the stream ends normally (keep-alive comments pad the body so
    the drop comes after the terminal event, inside the same response)."""
    body = wire.body(TEXT) + b": keep-alive\n\n" * 20
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=len(body) - 30))
        response = wire.model().stream("hi")
        _, error = drain(response)
        assert error is None and response.consumed
        assert response.text() == "Hello world"


def test_completions_reset_before_done_loses_usage_loudly() -> None:
    """Completions accepts EOF after `finish_reason` (local servers omit `[DONE]`), so a drop
    there passes as complete; but ferriscope always asks for `include_usage`, and the usage
    chunk that follows `finish_reason` is then lost without a word. It should be a
    `ConnectionError` (content and both tool calls kept)."""
    wire = COMPLETIONS
    body = wire.body(CALLS)
    with serving(wire) as server:
        cut = event_end(body, b'"finish_reason":"tool_calls"') + 7
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=cut))
        response = wire.model().stream("hi")
        _, error = drain(response)
        assert calls_of(response) == EXPECTED_CALLS
        assert isinstance(error, llm.ConnectionError)


# ---- 2. stalls -----------------------------------------------------------------------------


def stall_at(wire: Wire) -> tuple[bytes, int]:
    """A text reply and the offset just after its first text event (so content arrived)."""
    body = wire.body(TEXT)
    return body, event_end(body, b'"Hello "')


@pytest.mark.parametrize("wire", WIRES)
def test_stall_mid_stream_times_out(wire: Wire) -> None:
    """A server that goes silent mid-stream raises `llm.TimeoutError` after the configured
    read timeout (not the 600 s default, never a hang); what arrived stays."""
    body, stall = stall_at(wire)
    with serving(wire, timeout=httpx.Timeout(10.0, read=READ_TIMEOUT)) as server:
        server.add(RecordedResponse(body=body), fault=Fault(stall_after=stall))
        response = wire.model().stream("hi")
        started = time.monotonic()
        _, error = drain(response)
        elapsed = time.monotonic() - started

        assert isinstance(error, llm.TimeoutError), error
        assert "read timeout" in str(error)  # the message names the timeout that fired
        assert READ_TIMEOUT * 0.9 <= elapsed < READ_TIMEOUT + 1.0
        assert response.text() == "Hello "
        assert len(server.requests) == 1  # content was delivered: never retried


@pytest.mark.parametrize("wire", WIRES)
async def test_stall_mid_stream_times_out_async(wire: Wire) -> None:
    """The async client honours the same read timeout."""
    body, stall = stall_at(wire)
    with serving(wire, timeout=httpx.Timeout(10.0, read=READ_TIMEOUT)) as server:
        server.add(RecordedResponse(body=body), fault=Fault(stall_after=stall))
        response = await wire.model().stream_async("hi")
        started = time.monotonic()
        _, error = await adrain(response)
        elapsed = time.monotonic() - started

        assert isinstance(error, llm.TimeoutError), error
        assert READ_TIMEOUT * 0.9 <= elapsed < READ_TIMEOUT + 1.0
        assert response.text() == "Hello "


def test_stall_before_the_first_byte_times_out_without_retries() -> None:
    """A stall before any body byte also ends in `TimeoutError` once retries are off (with
    retries on it is retried: see section 6)."""
    wire = COMPLETIONS
    timeout = httpx.Timeout(10.0, read=READ_TIMEOUT)
    with serving(wire, max_retries=0, timeout=timeout) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)), fault=Fault(stall_after=0))
        started = time.monotonic()
        _, error = drain(wire.model().stream("hi"))
        assert isinstance(error, llm.TimeoutError)
        assert time.monotonic() - started < READ_TIMEOUT + 1.0


# ---- 3. slow drip and compression ----------------------------------------------------------

DRIP_TEXT = "Hé🌍"


@pytest.mark.parametrize("wire", WIRES)
def test_slow_drip_one_byte_per_read(wire: Wire) -> None:
    """One byte every half millisecond, so reads are single bytes that cut SSE lines, CRLF pairs,
    JSON and multi-byte UTF-8 characters (raw, not escaped); the result is unchanged."""
    body = raw_utf8(wire.body(Reply(text=[DRIP_TEXT])), DRIP_TEXT)
    assert DRIP_TEXT.encode() in body
    with serving(wire, piece_size=1, delay=0.0005) as server:
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == DRIP_TEXT and response.consumed


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body)


def _zlib_deflate(body: bytes) -> bytes:
    return zlib.compress(body)


def _raw_deflate(body: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(body) + packer.flush()


ENCODINGS = [
    pytest.param("gzip", _gzip, id="gzip"),
    pytest.param("deflate", _zlib_deflate, id="deflate-zlib"),
    pytest.param("deflate", _raw_deflate, id="deflate-raw"),
]


@pytest.mark.parametrize("encoding,compress", ENCODINGS)
@pytest.mark.parametrize("wire", WIRES)
def test_compressed_stream(wire: Wire, encoding: str, compress: Callable[[bytes], bytes]) -> None:
    """`content-encoding: gzip|deflate` bodies, sent in small pieces, decode to the same
    answer (httpx undoes the encoding; the Rust decoder sees plain bytes)."""
    body = wire.body(CALLS)
    with serving(wire, piece_size=16) as server:
        server.add(RecordedResponse(body=compress(body), headers={"content-encoding": encoding}))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello world"
        assert calls_of(response) == EXPECTED_CALLS


@pytest.mark.parametrize("encoding,compress", ENCODINGS[:1])
async def test_compressed_stream_async(encoding: str, compress: Callable[[bytes], bytes]) -> None:
    """The async client undoes content-encoding too."""
    wire = ANTHROPIC
    with serving(wire, piece_size=16) as server:
        server.add(
            RecordedResponse(body=compress(wire.body(TEXT)), headers={"content-encoding": encoding})
        )
        response = await wire.model().stream_async("hi")
        await response.finish()
        assert response.text() == "Hello world"


def test_corrupt_gzip_is_a_response_validation_error() -> None:
    """A gzip body that breaks off into garbage is an undecodable payload
    (`ResponseValidationError`), not a connection problem, and is not retried."""
    wire = ANTHROPIC
    packed = gzip.compress(wire.body(TEXT))
    corrupt = packed[:40] + bytes(b ^ 0x5A for b in packed[40:])
    with serving(wire) as server:
        server.add(RecordedResponse(body=corrupt, headers={"content-encoding": "gzip"}))
        _, error = drain(wire.model().stream("hi"))
        assert isinstance(error, llm.ResponseValidationError), error
        assert len(server.requests) == 1


# ---- 4. broken payloads --------------------------------------------------------------------


def truncated(wire: Wire) -> bytes:
    """A text reply whose terminal event (and all after it) never comes; the body itself
    ends cleanly (a proper last chunk), so only the missing terminal event gives it away."""
    body = wire.body(TEXT)
    return body[: event_start(body, wire.terminal)]


def malformed(wire: Wire) -> bytes:
    """A text reply with an event of broken JSON right after the first text event."""
    body = wire.body(TEXT)
    at = event_end(body, b'"Hello "')
    return body[:at] + wire.malformed + body[at:]


def invalid_utf8(wire: Wire) -> bytes:
    """A text reply with a byte that is not UTF-8 inside a text delta."""
    return wire.body(TEXT).replace(b'"world"', b'"wo\xffrld"', 1)


@pytest.mark.parametrize("wire", WIRES)
def test_truncated_stream_is_an_error(wire: Wire) -> None:
    """EOF without the terminal event is `llm.ConnectionError` (docs/spec.md Δ7), never a
    silent success; the text received stays."""
    with serving(wire) as server:
        server.add(RecordedResponse(body=truncated(wire)))
        response = wire.model().stream("hi")
        _, error = drain(response)
        assert isinstance(error, llm.ConnectionError), error
        assert not response.consumed
        assert response.text() == "Hello world"


@pytest.mark.parametrize("wire", WIRES)
def test_malformed_event_json_names_the_event(wire: Wire) -> None:
    """Broken event JSON is `llm.ResponseValidationError` naming the event and quoting its
    data; the text before it stays."""
    with serving(wire) as server:
        server.add(RecordedResponse(body=malformed(wire)))
        response = wire.model().stream("hi")
        _, error = drain(response)
        assert isinstance(error, llm.ResponseValidationError), error
        message = str(error)
        assert "malformed JSON" in message and wire.malformed_name in message
        assert '"wor' in message  # the data excerpt
        assert response.text() == "Hello "


@pytest.mark.parametrize("wire", WIRES)
def test_invalid_utf8_becomes_replacement_character(wire: Wire) -> None:
    """A byte that is not UTF-8 becomes U+FFFD, also when reads split around it."""
    with serving(wire, piece_size=3) as server:
        server.add(RecordedResponse(body=invalid_utf8(wire)))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello wo\ufffdrld"


@pytest.mark.parametrize("wire", WIRES)
async def test_broken_payloads_async(wire: Wire) -> None:
    """Truncation, malformed JSON and invalid UTF-8 through the async client."""
    with serving(wire, piece_size=3) as server:
        server.add(RecordedResponse(body=truncated(wire)))
        server.add(RecordedResponse(body=malformed(wire)))
        server.add(RecordedResponse(body=invalid_utf8(wire)))
        model = wire.model()

        response = await model.stream_async("hi")
        _, error = await adrain(response)
        assert isinstance(error, llm.ConnectionError) and response.text() == "Hello world"

        response = await model.stream_async("hi")
        _, error = await adrain(response)
        assert isinstance(error, llm.ResponseValidationError) and response.text() == "Hello "

        response = await model.stream_async("hi")
        await response.finish()
        assert response.text() == "Hello wo\ufffdrld"


HUGE_LINE_CHILD = textwrap.dedent(
    """
    import asyncio, gc, json, sys, time
    import httpx
    from ferriscope import llm

    def status_mb(key):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
        raise RuntimeError(key)

    url, wires = sys.argv[1], json.loads(sys.argv[2])
    results = []

    def record(error, started):
        results.append({
            "provider": llm.Model(model_id).provider.id,
            "class": type(error).__name__ if error else None,
            "message": str(error)[:300] if error else "",
            "seconds": time.monotonic() - started,
        })

    async def run_async(model):
        response = await model.stream_async("hi")
        started = time.monotonic()
        try:
            await response.finish()
            record(None, started)
        except llm.Error as error:
            record(error, started)

    for provider, model_id, prefix in wires:  # scoped by model id: both OpenAI formats
        llm.register_provider(provider, scope=model_id, base_url=url + prefix, api_key="k",
                              max_retries=0, timeout=httpx.Timeout(30.0))
    gc.collect()
    baseline = status_mb("VmRSS:")
    for provider, model_id, prefix in wires:
        model = llm.Model(model_id)
        response = model.stream("hi")
        started = time.monotonic()
        try:
            response.finish()
            record(None, started)
        except llm.Error as error:
            record(error, started)
        del response
        asyncio.run(run_async(model))
    print(json.dumps({"baseline_mb": baseline, "peak_mb": status_mb("VmHWM:"),
                      "results": results}))
    """
)


@pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="peak RSS is read from /proc (Linux)"
)
@pytest.mark.slow
@pytest.mark.timeout(300)  # its subprocess has 120 s of its own
def test_fifty_megabyte_line_is_refused_with_bounded_memory() -> None:
    """A 50 MB line with no line end (a broken proxy, a hostile server) fails cleanly and
    early: the providers' SSE line limit is 16 MiB (`transport.MAX_LINE_BYTES`), so the
    stream stops with `ResponseValidationError` after ~16 MiB instead of buffering 50 MB and
    failing only at EOF. Peak RSS growth is measured in a child process (client only; the
    server, which holds the body, stays in this process): well under 150 MB."""
    wires = ACTIVE_WIRES
    line = b'data: {"x": "' + b"a" * (50 * 1024 * 1024)
    with ReplayServer(piece_size=256 * 1024) as server:
        for _ in range(2 * len(wires)):  # each wire: sync, then async
            server.add(RecordedResponse(body=line))
        args = json.dumps([[w.provider, w.model_id, w.path_prefix] for w in wires])
        done = subprocess.run(
            [sys.executable, "-c", HUGE_LINE_CHILD, server.url, args],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["results"]) == 2 * len(wires)
    for result in report["results"]:
        assert result["class"] == "ResponseValidationError", result
        assert "max_line_bytes" in result["message"] and "16777216" in result["message"]
        assert result["seconds"] < 10
    assert [r["provider"] for r in report["results"]] == [
        w.provider for w in wires for _ in ("sync", "async")
    ]
    growth = report["peak_mb"] - report["baseline_mb"]
    assert growth < 150, report


def test_transport_line_limit_is_sixteen_mib() -> None:
    """The figure the test above relies on, and the decoder default it lowers."""
    assert transport_module.MAX_LINE_BYTES == 16 * 1024 * 1024
    assert transport_module.Transport(provider_id="x").max_line_bytes == 16 * 1024 * 1024


# ---- 5. HTTP errors and in-stream errors ---------------------------------------------------

STATUS_CLASSES: dict[int, type[llm.APIError]] = {
    400: llm.BadRequestError,
    401: llm.AuthenticationError,
    403: llm.PermissionError,
    404: llm.NotFoundError,
    408: llm.APIError,
    409: llm.BadRequestError,
    413: llm.BadRequestError,
    422: llm.BadRequestError,
    429: llm.RateLimitError,
    500: llm.ServerError,
    502: llm.ServerError,
    503: llm.ServerError,
    504: llm.ServerError,
    529: llm.ServerError,
}


def error_body(wire: Wire, status: int, message: str) -> bytes:
    """A JSON error body shaped as the provider sends it."""
    payload: Any
    if wire is ANTHROPIC:
        payload = {"type": "error", "error": {"type": "api_error", "message": message}}
    elif wire is GOOGLE:  # the streaming endpoint wraps its error in a list
        payload = [{"error": {"code": status, "message": message, "status": "UNKNOWN"}}]
    else:
        payload = {"error": {"message": message, "type": "invalid_request_error", "code": None}}
    return json.dumps(payload).encode()


@pytest.mark.parametrize("wire", WIRES)
def test_http_status_before_the_stream(wire: Wire) -> None:
    """Each status maps to its documented class with `status_code`, `provider`, the parsed
    body and the provider's message, raised at the first pull, never showing the key. (One
    server for all fourteen statuses of a wire format: the requests are independent.)"""
    with serving(wire, max_retries=0) as server:
        for status in STATUS_CLASSES:
            server.add(
                RecordedResponse(
                    body=error_body(wire, status, f"the provider says no ({status})"),
                    status=status,
                    content_type="application/json",
                )
            )
        for count, (status, error_class) in enumerate(STATUS_CLASSES.items(), 1):
            response = wire.model().stream("hi")
            assert len(server.requests) == count - 1  # lazy: nothing sent before a pull
            _, error = drain(response)
            assert type(error) is error_class, (status, error)
            assert isinstance(error, llm.APIError)
            assert error.status_code == status
            assert error.provider == wire.provider
            assert str(error) == f"the provider says no ({status})"
            assert error.body is not None
            assert_no_secret(error)
            assert len(server.requests) == count


@pytest.mark.parametrize("wire", WIRES)
def test_http_error_with_a_non_json_body_quotes_an_excerpt(wire: Wire) -> None:
    """A proxy's HTML error page: the message is `HTTP <status>: <excerpt>`, the excerpt
    bounded however large the page."""
    page = b"<html><body>Bad Gateway" + b"." * 200_000 + b"</body></html>"
    with serving(wire, max_retries=0) as server:
        server.add(RecordedResponse(body=page, status=502, content_type="text/html"))
        _, error = drain(wire.model().stream("hi"))
        assert type(error) is llm.ServerError and error.status_code == 502
        assert str(error).startswith("HTTP 502: <html><body>Bad Gateway...")
        assert len(str(error)) <= 520


def test_gzip_error_body_is_decoded() -> None:
    """Error bodies may be gzip-encoded too: the message comes from the decoded JSON."""
    wire = COMPLETIONS
    body = gzip.compress(error_body(wire, 400, "context too long"))
    with serving(wire, max_retries=0) as server:
        server.add(
            RecordedResponse(
                body=body,
                status=400,
                content_type="application/json",
                headers={"content-encoding": "gzip"},
            )
        )
        _, error = drain(wire.model().stream("hi"))
        assert type(error) is llm.BadRequestError and str(error) == "context too long"


@pytest.mark.parametrize("wire", WIRES)
def test_echoed_api_key_is_redacted(wire: Wire) -> None:
    """A server or proxy that echoes the request's key into its error body: the key is
    masked before the body becomes a message or `.body`."""
    message = f"Incorrect API key provided: {API_KEY}."
    with serving(wire, max_retries=0) as server:
        server.add(
            RecordedResponse(
                body=error_body(wire, 401, message), status=401, content_type="application/json"
            )
        )
        _, error = drain(wire.model().stream("hi"))
        assert type(error) is llm.AuthenticationError
        assert str(error) == "Incorrect API key provided: ***."
        assert_no_secret(error)


def _http_date(seconds_ahead: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds_ahead), True)


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({"retry-after": "17"}, 17.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "HTTP-DATE+30"}, 30.0),  # formatted when the test runs
        ({}, None),
    ],
    ids=["seconds", "fraction", "milliseconds", "http-date", "absent"],
)
def test_retry_after_is_exposed_on_rate_limit_errors(
    headers: dict[str, str], expected: float | None
) -> None:
    """`RateLimitError.retry_after`: seconds from `Retry-After` (number or HTTP date) or
    `retry-after-ms`; None when the provider did not say."""
    wire = RESPONSES
    if headers.get("retry-after") == "HTTP-DATE+30":
        headers = {"retry-after": _http_date(30)}
    with serving(wire, max_retries=0) as server:
        server.add(
            RecordedResponse(
                body=error_body(wire, 429, "slow down"),
                status=429,
                content_type="application/json",
                headers=headers,
            )
        )
        _, error = drain(wire.model().stream("hi"))
        assert isinstance(error, llm.RateLimitError)
        if expected is None:
            assert error.retry_after is None
        else:
            assert error.retry_after == pytest.approx(expected, abs=1.5)


@pytest.mark.parametrize("case", [stream_error_param(c) for c in STREAM_ERRORS])
def test_error_event_after_http_200(case: StreamErrorCase) -> None:
    """An error event mid-stream raises the same classes as HTTP statuses, with the
    provider's message; the text before it stays; nothing is retried (content arrived)."""
    wire = case.wire
    body = wire.body(TEXT)
    body = body[: event_end(body, b'"Hello "')] + case.event
    with serving(wire) as server:
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi")
        _, error = drain(response)
        assert type(error) is case.error_class, error
        assert isinstance(error, llm.APIError)
        assert error.status_code == case.status_code
        assert error.provider == wire.provider
        assert case.message in str(error)
        assert response.text() == "Hello "
        assert len(server.requests) == 1


# ---- 6. initial-request retries --------------------------------------------------------------

RETRIED = [408, 409, 429, 500, 502, 503, 504, 529]
NOT_RETRIED = [400, 401, 403, 404, 413, 422]


def failing(status: int, headers: dict[str, str] | None = None) -> RecordedResponse:
    return RecordedResponse(
        body=error_body(COMPLETIONS, status, f"status {status}"),
        status=status,
        content_type="application/json",
        headers=headers or {},
    )


def assert_backoff(delays: list[float]) -> None:
    """Exponential backoff with ±25 % jitter: 0.5 s, 1 s, 2 s, … (capped at 8 s)."""
    for attempt, delay in enumerate(delays):
        base = min(0.5 * 2**attempt, 8.0)
        assert 0.75 * base <= delay <= 1.25 * base, (attempt, delay)


@pytest.mark.parametrize("wire", WIRES)
def test_retries_recover_from_server_errors(wire: Wire, sleeps: Sleeps) -> None:
    """Two 503s then a good stream: with the default `max_retries=2` the user only sees the
    answer; the server saw three requests, the transport backed off twice."""
    with serving(wire, timeout=QUICK) as server:
        server.add(failing(503))
        server.add(failing(503))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello world"
        assert len(server.requests) == 3
        assert len(sleeps.delays) == 2
        assert_backoff(sleeps.delays)
        assert server.requests[0].body == server.requests[2].body  # the same request


@pytest.mark.parametrize("status", RETRIED)
def test_retryable_statuses_are_retried_until_exhausted(status: int, sleeps: Sleeps) -> None:
    """408, 409, 429 and every 5xx are retried `max_retries` (default 2) times, then the last
    error surfaces."""
    wire = COMPLETIONS
    with serving(wire) as server:
        for _ in range(3):
            server.add(failing(status))
        _, error = drain(wire.model().stream("hi"))
        assert type(error) is STATUS_CLASSES[status]
        assert len(server.requests) == 3
        assert_backoff(sleeps.delays)


@pytest.mark.parametrize("status", NOT_RETRIED)
def test_client_errors_are_not_retried(status: int, sleeps: Sleeps) -> None:
    """Authentication, permission, bad-request and not-found answers would fail again."""
    wire = COMPLETIONS
    with serving(wire) as server:
        server.add(failing(status))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        _, error = drain(wire.model().stream("hi"))
        assert type(error) is STATUS_CLASSES[status]
        assert len(server.requests) == 1 and sleeps.delays == []


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_max_retries_is_configurable(max_retries: int, sleeps: Sleeps) -> None:
    """`register_provider(..., max_retries=n)`: n + 1 requests at most; 0 turns retries off."""
    wire = ANTHROPIC
    with serving(wire, max_retries=max_retries) as server:
        for _ in range(max_retries + 2):
            server.add(failing(500))
        _, error = drain(wire.model().stream("hi"))
        assert isinstance(error, llm.ServerError)
        assert len(server.requests) == max_retries + 1
        assert len(sleeps.delays) == max_retries


@pytest.mark.parametrize(
    "status,headers,first_delay",
    [
        (429, {"retry-after": "7"}, 7.0),
        (429, {"retry-after": "3600"}, 60.0),  # capped
        (503, {"retry-after": "3"}, 3.0),  # honoured on any retried status
        (429, {"retry-after-ms": "2500"}, 2.5),
        (429, {"retry-after": "0"}, None),  # shorter than the backoff: the backoff wins
    ],
    ids=["seconds", "capped", "on-503", "milliseconds", "zero"],
)
def test_retry_after_sets_the_delay(
    status: int, headers: dict[str, str], first_delay: float | None, sleeps: Sleeps
) -> None:
    """A provider's `Retry-After` wins over the backoff when longer, capped at 60 s."""
    wire = RESPONSES
    with serving(wire) as server:
        server.add(failing(status, headers))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello world"
        (delay,) = sleeps.delays
        if first_delay is None:
            assert_backoff([delay])
        else:
            assert delay == pytest.approx(first_delay)


def test_connection_refused_is_retried_then_raised(sleeps: Sleeps) -> None:
    """Nobody listening: each attempt fails to connect; after the retries a
    `ConnectionError` caused by httpx's `ConnectError`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm.register_provider(
        "anthropic",
        scope="anthropic/",
        base_url=f"http://127.0.0.1:{port}",
        api_key=API_KEY,
        timeout=QUICK,
    )
    _, error = drain(ANTHROPIC.model().stream("hi"))
    assert isinstance(error, llm.ConnectionError)
    assert isinstance(error.__cause__, ConnectionRefusedError)
    assert len(sleeps.delays) == 2
    assert_no_secret(error)


class DroppingServer:
    """A raw socket server: reads each request, hangs up without answering on the first
    `drops` connections (the keep-alive race every client meets), then answers with
    `body` as a plain HTTP/1.1 response."""

    def __init__(self, drops: int, body: bytes) -> None:
        self.drops = drops
        self.body = body
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                self.connections += 1
                self._read_request(conn)
                if self.connections <= self.drops:
                    continue
                head = (
                    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    f"content-length: {len(self.body)}\r\nconnection: close\r\n\r\n"
                )
                conn.sendall(head.encode() + self.body)

    @staticmethod
    def _read_request(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                return
            data += piece
        head, _, rest = data.partition(b"\r\n\r\n")
        match = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
        length = int(match.group(1)) if match else 0
        while len(rest) < length:
            piece = conn.recv(65536)
            if not piece:
                return
            rest += piece

    def __enter__(self) -> DroppingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._sock.close()


def test_disconnect_before_the_response_is_retried(sleeps: Sleeps) -> None:
    """ "Server disconnected without sending a response" twice, then an answer: retried."""
    wire = ANTHROPIC
    with DroppingServer(drops=2, body=wire.body(TEXT)) as server:
        llm.register_provider(
            wire.provider, scope=wire.scope, base_url=server.url, api_key="k", timeout=QUICK
        )
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello world"
        assert server.connections == 3 and len(sleeps.delays) == 2


@pytest.mark.parametrize("wire", WIRES)
def test_drop_before_the_first_event_is_retried(wire: Wire, sleeps: Sleeps) -> None:
    """Headers arrived, then the connection dropped before a single event was decoded: no
    content reached the user, so the request is retried (docs/spec.md §11.0)."""
    body = wire.body(TEXT)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=0))
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=20))  # mid first event
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello world" and response.consumed
        assert len(server.requests) == 3 and len(sleeps.delays) == 2


def test_stall_before_the_first_event_is_retried(sleeps: Sleeps) -> None:
    """A read timeout before any content is retried like a failed request."""
    wire = RESPONSES
    timeout = httpx.Timeout(10.0, read=0.2)
    with serving(wire, timeout=timeout, max_retries=1) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)), fault=Fault(stall_after=0))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        response = wire.model().stream("hi")
        response.finish()
        assert response.text() == "Hello world"
        assert len(server.requests) == 2 and len(sleeps.delays) == 1


@pytest.mark.parametrize("wire", WIRES)
def test_never_retried_after_content(wire: Wire, sleeps: Sleeps) -> None:
    """Once a batch reached the response, a failure is the user's to handle (resume or
    `llm.retry`): exactly one request, no backoff."""
    body, cut = reset_body(wire)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=cut))
        server.add(RecordedResponse(body=body))
        _, error = drain(wire.model().stream("hi"))
        assert isinstance(error, llm.ConnectionError)
        assert len(server.requests) == 1 and sleeps.delays == []


async def test_async_retries(sleeps: Sleeps) -> None:
    """The async transport: statuses and an early drop are retried with `asyncio.sleep`,
    a mid-stream reset is not."""
    wire = ANTHROPIC
    body, cut = reset_body(wire)
    with serving(wire) as server:
        server.add(failing(529, {"retry-after": "4"}))
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=0))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        response = await wire.model().stream_async("hi")
        await response.finish()
        assert response.text() == "Hello world"
        assert len(server.requests) == 3
        assert sleeps.delays[0] == 4.0 and len(sleeps.delays) == 2

        server.add(RecordedResponse(body=body), fault=Fault(cut_after=cut))
        response = await wire.model().stream_async("hi")
        _, error = await adrain(response)
        assert isinstance(error, llm.ConnectionError)
        assert len(server.requests) == 4 and len(sleeps.delays) == 2

        for _ in range(3):
            server.add(failing(429))
        _, error = await adrain(await wire.model().stream_async("hi"))
        assert isinstance(error, llm.RateLimitError)
        assert len(server.requests) == 7 and len(sleeps.delays) == 4


# ---- 7. cancellation and pooling -----------------------------------------------------------

STREAMS = 200
ONE_CONNECTION_LIMITS = httpx.Limits(max_connections=1, max_keepalive_connections=1)
# A leaked connection shows up as a pool timeout after half a second, not a hang.
POOL_TIMEOUT = httpx.Timeout(5.0, read=2.0, pool=0.5)
ONE_CONNECTION: dict[str, Any] = {
    "limits": ONE_CONNECTION_LIMITS,
    "timeout": POOL_TIMEOUT,
    "max_retries": 0,  # a pool timeout must surface, not be retried away
}
POOL_REPLY = Reply(text=["one ", "two ", "three ", "four ", "five"])
POOL_TEXT = "one two three four five"
SYNC_MODES = ["break", "del", "close", "with"]
ASYNC_MODES = ["break", "del", "aclose", "async with"]


@contextmanager
def gc_off() -> Iterator[None]:
    """Release must come from reference counting and explicit closing, not from a cycle
    collection that happens to run in time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _abandon_sync(model: llm.Model, mode: str) -> None:
    """Starts one stream, takes one chunk, and abandons it as `mode` says."""
    if mode == "with":
        with model.stream("hi") as response:
            for _chunk in response.chunk_stream():
                break
        return
    response = model.stream("hi")
    for _chunk in response.chunk_stream():
        break
    if mode == "del":
        del response
    elif mode == "close":
        response.close()
        # After close(), iterators replay the cache and end as at an early EOF.
        replayed, error = drain(response)
        assert error is None and replayed == list(response.chunks)
    # "break": the response goes when this function returns


async def _abandon(model: llm.Model, mode: str) -> None:
    """`_abandon_sync` for async streams."""
    if mode == "async with":
        async with await model.stream_async("hi") as response:
            async for _chunk in response.chunk_stream():
                break
        return
    response = await model.stream_async("hi")
    async for _chunk in response.chunk_stream():
        break
    if mode == "del":
        del response
    elif mode == "aclose":
        await response.aclose()
        replayed, error = await adrain(response)
        assert error is None and replayed == list(response.chunks)


def _rotate(modes: list[str], offset: int) -> list[Any]:
    """One test per mode, each on another wire format: 200 streams per test, and every wire
    format covered (releasing a connection does not depend on the format)."""
    params = []
    for i, mode in enumerate(modes):
        wire = WIRES[(i + offset) % len(WIRES)]
        params.append(pytest.param(mode, wire.values[0], id=f"{mode}-{wire.id}", marks=wire.marks))
    return params


@pytest.mark.parametrize("mode,wire", _rotate(SYNC_MODES, 0))
def test_abandoned_streams_release_the_connection(mode: str, wire: Wire) -> None:
    """200 streams on a one-connection pool (`limits=` on register_provider), each abandoned
    after its first chunk: by `break` and dropping the response, `del`, `close()` or `with`.
    A leaked connection would make the next stream fail with a pool timeout."""
    with serving(wire, piece_size=32, **ONE_CONNECTION) as server:
        for _ in range(STREAMS + 1):
            server.add(RecordedResponse(body=wire.body(POOL_REPLY)))
        model = wire.model()
        with gc_off():
            for _ in range(STREAMS):
                _abandon_sync(model, mode)
        final = model.stream("hi")
        final.finish()
        assert final.text() == POOL_TEXT
        assert len(server.requests) == STREAMS + 1


@pytest.mark.parametrize("mode,wire", _rotate(ASYNC_MODES, 2))
async def test_abandoned_async_streams_release_the_connection(mode: str, wire: Wire) -> None:
    """The async form. A dropped async generator is closed by the event loop's finaliser
    hook, in time for the next stream's pool wait."""
    with serving(wire, piece_size=32, **ONE_CONNECTION) as server:
        for _ in range(STREAMS + 1):
            server.add(RecordedResponse(body=wire.body(POOL_REPLY)))
        model = wire.model()
        with gc_off():
            for _ in range(STREAMS):
                await _abandon(model, mode)
        final = await model.stream_async("hi")
        await final.finish()
        assert final.text() == POOL_TEXT
        assert len(server.requests) == STREAMS + 1


def _register_all(server: ReplayServer, **options: Any) -> list[Wire]:
    """Every wire format's provider against one server; the OpenAI formats get scopes of
    their own since both would claim `openai/`."""
    wires = ACTIVE_WIRES
    for wire in wires:
        llm.register_provider(
            wire.provider,
            scope=wire.model_id,
            base_url=server.url + wire.path_prefix,
            api_key=API_KEY,
            **options,
        )
    return wires


SHARED_STREAMS = 64


def _pairs(wires: list[Wire], modes: list[str]) -> list[tuple[Wire, str]]:
    """`SHARED_STREAMS` (wire, mode) pairs, alternating wires, covering every combination."""
    return [
        (wires[i % len(wires)], modes[(i // len(wires)) % len(modes)])
        for i in range(SHARED_STREAMS)
    ]


def test_one_shared_client_for_every_provider() -> None:
    """A user's `http_client` limited to one connection, shared by all four providers:
    every (wire format, way of abandoning) pair four times over, never waiting for the
    pool. (The 200-stream runs above cover volume; this covers the `http_client=` path and
    one pool serving every format.)"""
    client = httpx.Client(limits=ONE_CONNECTION_LIMITS, timeout=POOL_TIMEOUT)
    with ReplayServer(piece_size=32) as server:
        wires = _register_all(server, http_client=client, max_retries=0)
        try:
            with gc_off():
                for wire, mode in _pairs(wires, SYNC_MODES):
                    server.add(RecordedResponse(body=wire.body(POOL_REPLY)))
                    _abandon_sync(wire.model(), mode)
            assert len(server.requests) == SHARED_STREAMS
        finally:
            client.close()


async def test_one_shared_async_client_for_every_provider() -> None:
    """The same with a shared `async_http_client`."""
    client = httpx.AsyncClient(limits=ONE_CONNECTION_LIMITS, timeout=POOL_TIMEOUT)
    with ReplayServer(piece_size=32) as server:
        wires = _register_all(server, async_http_client=client, max_retries=0)
        try:
            with gc_off():
                for wire, mode in _pairs(wires, ASYNC_MODES):
                    server.add(RecordedResponse(body=wire.body(POOL_REPLY)))
                    await _abandon(wire.model(), mode)
            assert len(server.requests) == SHARED_STREAMS
        finally:
            await client.aclose()


async def _cancel_mid_pull(response: llm.AsyncStreamResponse[Any]) -> list[Any]:
    """Consumes `response` in a task, cancels it while it awaits a chunk the server is not
    sending, and returns what the task had received. The cancellation must propagate."""
    received: list[Any] = []
    got_one = asyncio.Event()

    async def consume() -> None:
        async for chunk in response.chunk_stream():
            received.append(chunk)
            got_one.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_one.wait(), 5.0)
    for _ in range(3):  # let the task go back to awaiting the (stalled) read
        await asyncio.sleep(0.002)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return received


@pytest.mark.parametrize("wire", WIRES)
async def test_cancelling_a_task_mid_pull(wire: Wire) -> None:
    """Cancelling a task that awaits the next chunk: `CancelledError` propagates, the
    response replays exactly what it had handed out (then reports the interruption as a
    `ConnectionError`), and the connection is free again (one-connection pool)."""
    body, stall = stall_at(wire)
    with serving(wire, **ONE_CONNECTION) as server:
        server.add(RecordedResponse(body=body), fault=Fault(stall_after=stall))
        server.add(RecordedResponse(body=body))
        model = wire.model()
        response = await model.stream_async("hi")
        received = await _cancel_mid_pull(response)

        assert received == list(response.chunks) and response.text() == "Hello "
        replayed, error = await adrain(response)
        assert replayed == received
        assert isinstance(error, llm.ConnectionError)

        after = await model.stream_async("hi")
        await after.finish()
        assert after.text() == "Hello world"


async def test_interruption_error_names_the_provider() -> None:
    """The error a cancelled pull leaves behind is a `ProviderError` like any other: its
    `provider` is the response's provider, as for a reset or a timeout."""
    wire = ANTHROPIC
    body, stall = stall_at(wire)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(stall_after=stall))
        response = await wire.model().stream_async("hi")
        await _cancel_mid_pull(response)
        _, error = await adrain(response)
        assert isinstance(error, llm.ConnectionError)
        assert error.provider == wire.provider


async def test_many_cancelled_tasks_release_the_connection() -> None:
    """200 cancelled consumers in a row on a one-connection pool: each cancellation
    releases its connection."""
    wire = ANTHROPIC
    body, stall = stall_at(wire)
    with serving(wire, **ONE_CONNECTION) as server:
        for _ in range(STREAMS):
            server.add(RecordedResponse(body=body), fault=Fault(stall_after=stall))
        server.add(RecordedResponse(body=body))
        model = wire.model()
        for _ in range(STREAMS):
            received = await _cancel_mid_pull(await model.stream_async("hi"))
            assert received
        final = await model.stream_async("hi")
        await final.finish()
        assert final.text() == "Hello world"
        assert len(server.requests) == STREAMS + 1


async def _chunks(response: llm.AsyncStreamResponse[Any]) -> AsyncGenerator[Any, None]:
    async for chunk in response.chunk_stream():
        yield chunk


async def test_wait_for_timeout_on_a_pull_releases_the_connection() -> None:
    """`asyncio.wait_for` around a pull is cancellation too: the timeout propagates as
    `asyncio.TimeoutError` (builtin), the connection is released."""
    wire = COMPLETIONS
    body, stall = stall_at(wire)
    with serving(wire, **ONE_CONNECTION) as server:
        server.add(RecordedResponse(body=body), fault=Fault(stall_after=stall))
        server.add(RecordedResponse(body=body))
        model = wire.model()
        response = await model.stream_async("hi")
        chunks = _chunks(response)
        first = await chunks.__anext__()
        assert first == response.chunks[0]
        with pytest.raises(asyncio.TimeoutError):
            while True:
                await asyncio.wait_for(chunks.__anext__(), 0.2)
        await chunks.aclose()
        after = await model.stream_async("hi")
        await after.finish()
        assert after.text() == "Hello world"

"""The HTTP paths over real loopback sockets: the own transport (Rust `HttpStream` driven by
`transport/sync_io.py` and `transport/async_io.py`), a user's `httpx` client and a user's
`httpx2` client, each test run on every path (the `path` fixture).

What users rely on: a stream reads the same whatever framing and read splits a server
chooses, a keep-alive connection is reused, broken framing is a clean `llm.Error` of the
same class on every path, stalls and keepalive-only streams end in `llm.TimeoutError` (never
early), a provider's terminal event ends the stream even when the server holds the body
open, a slow consumer does not make the process buffer the body, and no socket outlives its
stream.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import os
import random
import socket
import threading
import time
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ferriscope import llm
from ferriscope.llm.providers.transport import HTTP_ENV, stream_timeouts
from ferriscope.testing.synth import Reply, openai_completions_stream
from tests.support.http_paths import HTTP_PATHS, client_module
from tests.support.raw_server import (
    BODY,
    EXPECTED,
    Script,
    aoutcome,
    chunked,
    model,
    outcome,
    raw_server,
    split,
)


@pytest.fixture(params=HTTP_PATHS)
def path(request: pytest.FixtureRequest) -> str:
    if request.param == "httpx2":
        pytest.importorskip("httpx2")
    return str(request.param)


# ---- which path a request takes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [
        ("openai", None),
        ("anthropic", None),
        ("google", None),
        ("openai:completions", "http://127.0.0.1:9/v1"),  # an OpenAI-compatible server
    ],
)
def test_the_default_path_is_the_own_transport(
    provider: str, base_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", HTTP_ENV):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    instance = llm.register_provider(provider, api_key="k", base_url=base_url)
    transport = instance.transport
    assert not transport.uses_httpx(instance.base_url + "/x")
    assert not transport.uses_httpx(instance.base_url + "/x", asynchronous=True)
    monkeypatch.setenv(HTTP_ENV, "httpx")  # the opt-out switch, read when a provider is made
    assert not transport.uses_httpx(instance.base_url + "/x")
    llm.reset_provider_registry()  # forgets the cached instances: new ones read it
    instance = llm.register_provider(provider, api_key="k", base_url=base_url)
    assert instance.transport.uses_httpx(instance.base_url + "/x")
    monkeypatch.setenv(HTTP_ENV, "sideways")
    llm.reset_provider_registry()
    instance = llm.register_provider(provider, api_key="k", base_url=base_url)
    with pytest.raises(ValueError, match=HTTP_ENV):
        instance.transport.uses_httpx(instance.base_url + "/x")


def test_proxy_variables_are_read_when_the_provider_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTPS_PROXY / NO_PROXY as urllib reads them (NO_PROXY by host, domain suffix or
    host:port), taken once per provider like httpx takes them per client."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    before = llm.register_provider("openai", api_key="k").transport
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example,127.0.0.1:8443")
    assert not before.uses_httpx("https://api.openai.com/v1/x")  # made before: no proxy
    llm.reset_provider_registry()
    after = llm.register_provider("openai", api_key="k").transport
    assert after.uses_httpx("https://api.openai.com/v1/x")
    assert after.uses_httpx("https://api.openai.com/v1/x")  # the remembered answer
    assert not after.uses_httpx("https://llm.internal.example/v1/x")  # a NO_PROXY domain
    assert not after.uses_httpx("https://127.0.0.1:8443/v1/x")  # a NO_PROXY host:port
    assert after.uses_httpx("https://127.0.0.1:9443/v1/x")
    assert not after.uses_httpx("http://api.openai.com/v1/x")  # no HTTP_PROXY for http://
    monkeypatch.delenv("HTTPS_PROXY")
    assert after.uses_httpx("https://api.openai.com/v1/x")  # still the provider's snapshot


def test_the_provider_switch_and_user_clients_choose_httpx() -> None:
    provider = llm.register_provider("openai", api_key="k", http="httpx")
    assert provider.transport.uses_httpx("https://api.openai.com/v1/x")
    client = httpx.AsyncClient()
    provider = llm.register_provider("openai", api_key="k", async_http_client=client)
    assert provider.transport.uses_httpx("https://x/y", asynchronous=True)
    assert not provider.transport.uses_httpx("https://x/y")  # no sync client given
    with pytest.raises(ValueError, match="http"):
        llm.register_provider("anthropic", api_key="k", http="curl")
    with pytest.raises(TypeError, match="httpx or httpx2"):
        llm.register_provider("anthropic", api_key="k", http_client=object())  # type: ignore[arg-type]


def test_a_proxy_in_the_environment_routes_through_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP_PROXY names a loopback proxy: the request reaches it in absolute form (httpx's
    proxy request), so the proxy was used; NO_PROXY covering the host sends it directly."""
    wire = chunked(BODY, [200])
    with raw_server("own", Script([wire]), Script([wire])) as proxy:
        for name in ("HTTPS_PROXY", "ALL_PROXY", HTTP_ENV, "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        target = "http://upstream.invalid:8080/v1"
        llm.register_provider(
            "openai:completions", scope="openai/", base_url=target, api_key="k", max_retries=0
        )
        assert outcome(model()) == (EXPECTED, None, "")
        assert proxy.request_lines[-1].startswith(b"POST http://upstream.invalid:8080/v1/")

        # NO_PROXY: the own transport goes straight to the (here: proxy's) address.
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        llm.register_provider(
            "openai:completions",
            scope="openai/",
            base_url=proxy.url + "/v1",
            api_key="k",
            max_retries=0,
        )
        assert not llm.Model("openai/gpt-4o").provider.transport.uses_httpx(proxy.url + "/v1")
        assert outcome(model()) == (EXPECTED, None, "")
        assert proxy.request_lines[-1] == b"POST /v1/chat/completions HTTP/1.1"


# ---- any framing and any read split, on every path ------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_any_framing_and_any_reads_give_the_same_stream(path: str, seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.choice([1, 2, 7, 64, 300, 5000]) for _ in range(rng.randint(1, 5))]
    ext = rng.choice([b"", b";name=value", b"; x"])
    trailer = rng.choice([b"", b"X-Sum: 1\r\n"])
    wire = chunked(BODY, sizes, ext=ext, trailer=trailer)
    cuts = [rng.randrange(len(wire)) for _ in range(rng.randint(0, 40))]
    with raw_server(path, Script(split(wire, cuts))):
        assert outcome(model()) == (EXPECTED, None, "")


@pytest.mark.parametrize("seed", range(4))
async def test_any_framing_and_any_reads_give_the_same_stream_async(path: str, seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.choice([1, 7, 64, 300, 5000]) for _ in range(rng.randint(1, 4))]
    wire = chunked(BODY, sizes)
    cuts = [rng.randrange(len(wire)) for _ in range(rng.randint(0, 40))]
    with raw_server(path, Script(split(wire, cuts))):
        assert await aoutcome(model()) == (EXPECTED, None, "")


def test_an_unchunked_close_delimited_body(path: str) -> None:
    with raw_server(path, Script(split(BODY, [10, 500]), chunked=False)):
        assert outcome(model()) == (EXPECTED, None, "")


@pytest.mark.parametrize("coding", ["gzip", "deflate", "deflate-raw"])
def test_compressed_bodies(path: str, coding: str) -> None:
    if coding == "gzip":
        packed = gzip.compress(BODY)
    else:
        compressor = zlib.compressobj(wbits=-15 if coding == "deflate-raw" else 15)
        packed = compressor.compress(BODY) + compressor.flush()
    header = b"content-encoding: " + coding.split("-")[0].encode() + b"\r\n"
    wire = chunked(packed, [97])
    with raw_server(path, Script(split(wire, [5, 300, 301]), headers=header)):
        result = outcome(model())
    if coding == "deflate-raw" and path != "own" and result[1] is not None:
        # httpx's deflate decoder takes raw deflate only when its first read shows it (it
        # depends on the read split); when it refuses, the failure is the usual class.
        assert result[1] is llm.ResponseValidationError, result
    else:
        assert result == (EXPECTED, None, "")


# ---- connection reuse -------------------------------------------------------------------------


def _connections(path: str, *, asynchronous: bool) -> int:
    """Connections two streams take. The own transport finishes the body's framing after
    the terminal event (`data: [DONE]`) from what has arrived by the next request, and async
    httpx reads on briefly to the body's end; a sync httpx response is closed at the
    terminal event (a server may hold the body open after it), which costs httpx its
    connection."""
    return 2 if path != "own" and not asynchronous else 1


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_connection_is_reused(path: str, tls: bool, tmp_path: Path) -> None:
    wire = chunked(BODY, [50])
    with raw_server(
        path, Script([wire]), Script(split(wire, [3, 100, 101])), tls=tls, tmp=tmp_path
    ) as server:
        assert outcome(model()) == (EXPECTED, None, "")
        assert outcome(model()) == (EXPECTED, None, "")
        assert (server.requests, server.accepted) == (2, _connections(path, asynchronous=False))


@pytest.mark.parametrize(("tls", "seed"), [(False, 0), (True, 1), (True, 2)], ids=str)
async def test_connection_is_reused_async(path: str, tls: bool, seed: int, tmp_path: Path) -> None:
    """Two async streams on one keep-alive connection, with random framings and read splits
    (TLS re-chunks what it decrypts)."""
    rng = random.Random(seed)
    wire = chunked(BODY, [rng.choice([7, 64, 5000])])
    first = Script(split(wire, [rng.randrange(len(wire)) for _ in range(rng.randint(0, 30))]))
    with raw_server(
        path, first, Script(split(wire, [3, 100, 101])), tls=tls, tmp=tmp_path
    ) as server:
        assert await aoutcome(model()) == (EXPECTED, None, "")
        assert await aoutcome(model()) == (EXPECTED, None, "")
        expected = _connections(path, asynchronous=True)
        assert (server.requests, server.accepted) == (2, expected)


def test_a_stale_pooled_connection_is_replaced_transparently() -> None:
    """The server drops a kept-alive connection as the next request arrives (the race no
    staleness check can rule out): the request goes once more on a new connection, even
    with retries off, and the user never sees it."""
    wire = chunked(BODY, [80])
    with raw_server("own", Script([wire]), Script([], drop=True), Script([wire])) as server:
        assert outcome(model()) == (EXPECTED, None, "")
        assert outcome(model()) == (EXPECTED, None, "")
        assert (server.requests, server.accepted) == (3, 2)


async def test_a_stale_pooled_connection_is_replaced_transparently_async() -> None:
    wire = chunked(BODY, [80])
    with raw_server("own", Script([wire]), Script([], drop=True), Script([wire])) as server:
        assert await aoutcome(model()) == (EXPECTED, None, "")
        assert await aoutcome(model()) == (EXPECTED, None, "")
        assert (server.requests, server.accepted) == (3, 2)


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    wire = chunked(BODY, [80])
    with raw_server("own", Script([wire], close=True), Script([wire])) as server:
        assert outcome(model()) == (EXPECTED, None, "")
        time.sleep(0.05)  # the close has arrived: the pool sees it before sending
        assert outcome(model()) == (EXPECTED, None, "")
        assert (server.requests, server.accepted) == (2, 2)


# ---- broken framing fails the same way on every path ---------------------------------------

# Cut mid-way through the chunk that holds the tenth event, so some text has arrived.
_CUT = BODY.index(b"\n\n", len(BODY) // 3) + 2
BROKEN = {
    "bad size line": chunked(BODY[:_CUT], [4096]).removesuffix(b"0\r\n\r\n") + b"zz\r\n",
    "data longer than its size": b"%x\r\n" % (_CUT - 1) + BODY[:_CUT] + b"\r\n0\r\n\r\n",
    "oversized size line": chunked(BODY[:_CUT], [4096]).removesuffix(b"0\r\n\r\n") + b"1" * 200_000,
    "connection closed mid-chunk": b"%x\r\n" % (len(BODY)) + BODY[:_CUT],
    "connection closed between chunks": chunked(BODY[:_CUT], [4096]).removesuffix(b"0\r\n\r\n"),
}


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_framing_is_a_connection_error_keeping_what_arrived(
    path: str, case: str, tls: bool, tmp_path: Path
) -> None:
    with raw_server(path, Script([BROKEN[case]], close=True), tls=tls, tmp=tmp_path):
        text, error, message = outcome(model())
    assert error is llm.ConnectionError, message
    assert text and EXPECTED.startswith(text)


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
async def test_broken_framing_is_a_connection_error_async(path: str, case: str) -> None:
    with raw_server(path, Script([BROKEN[case]], close=True)):
        text, error, message = await aoutcome(model())
    assert error is llm.ConnectionError, message
    assert text and EXPECTED.startswith(text)


def test_a_corrupt_gzip_body_is_a_response_validation_error(path: str) -> None:
    packed = gzip.compress(BODY)
    corrupt = packed[:60] + bytes(b ^ 0x5A for b in packed[60:])
    with raw_server(path, Script([chunked(corrupt, [500])], headers=b"content-encoding: gzip\r\n")):
        _, error, message = outcome(model())
    assert error is llm.ResponseValidationError, message


# ---- timeouts ---------------------------------------------------------------------------------

_HALF = BODY.index(b"\n\n", len(BODY) // 2) + 2
PART = chunked(BODY[:_HALF], [40]).removesuffix(b"0\r\n\r\n")


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_stall_times_out_after_the_read_timeout_keeping_the_text(
    path: str, tls: bool, tmp_path: Path
) -> None:
    """The server sends part of the body and then nothing, keeping the connection open."""
    with raw_server(path, Script([PART], hold=3.0), timeout=0.3, tls=tls, tmp=tmp_path):
        started = time.perf_counter()
        text, error, _ = outcome(model())
        waited = time.perf_counter() - started
    assert error is llm.TimeoutError
    assert text and EXPECTED.startswith(text)
    assert 0.3 <= waited < 2.0


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
async def test_a_stall_times_out_after_the_read_timeout_async(
    path: str, tls: bool, tmp_path: Path
) -> None:
    with raw_server(path, Script([PART], hold=3.0), timeout=0.3, tls=tls, tmp=tmp_path):
        started = time.perf_counter()
        text, error, message = await aoutcome(model())
        waited = time.perf_counter() - started
    assert error is llm.TimeoutError, message
    assert text and EXPECTED.startswith(text)
    assert 0.3 <= waited < 2.0
    if path == "own":
        assert "read timeout" in message


def _drip(wire: bytes, parts: int, gap: float) -> list[bytes | float]:
    pieces: list[bytes | float] = []
    for piece in split(wire, list(range(0, len(wire), len(wire) // parts))):
        pieces += [gap, piece]
    return pieces


def test_reads_that_each_arrive_within_the_timeout_never_time_out(path: str) -> None:
    """A body slower in total than the read timeout, but never silent for that long: the
    deadline is per read, not per body."""
    with raw_server(path, Script(_drip(chunked(BODY, [200]), 8, 0.1)), timeout=0.25):
        started = time.perf_counter()
        assert outcome(model()) == (EXPECTED, None, "")
        assert time.perf_counter() - started > 0.5


async def test_reads_within_the_timeout_never_time_out_async(path: str) -> None:
    with raw_server(path, Script(_drip(chunked(BODY, [200]), 8, 0.1)), timeout=0.25):
        assert await aoutcome(model()) == (EXPECTED, None, "")


def _keepalive_only(comments: int, gap: float) -> list[bytes | float]:
    """Two events of content, then only SSE comments (what a stuck upstream behind a proxy
    that pings looks like)."""
    first = BODY[: BODY.index(b"\n\n", BODY.index(b"\n\n") + 2) + 2]
    pieces: list[bytes | float] = [chunked(first, [4096]).removesuffix(b"0\r\n\r\n")]
    for _ in range(comments):
        pieces += [gap, b"e\r\n: keep-alive\n\n\r\n"]
    return pieces


def test_a_keepalive_only_stream_hits_the_idle_timeout(path: str) -> None:
    """Comments every 50 ms reset no read timeout, but they are not content: the stream
    idle timeout (0.4 s) ends the stream, keeping what arrived, and says which timeout."""
    with raw_server(path, Script(_keepalive_only(60, 0.05)), timeout=5.0, idle=0.4):
        started = time.perf_counter()
        text, error, message = outcome(model())
        waited = time.perf_counter() - started
    assert error is llm.TimeoutError, message
    assert "stream idle timeout" in message
    assert text and EXPECTED.startswith(text)
    assert 0.4 <= waited < 2.0


async def test_a_keepalive_only_stream_hits_the_idle_timeout_async(path: str) -> None:
    with raw_server(path, Script(_keepalive_only(60, 0.05)), timeout=5.0, idle=0.4):
        started = time.perf_counter()
        text, error, message = await aoutcome(model())
        waited = time.perf_counter() - started
    assert error is llm.TimeoutError, message
    assert "stream idle timeout" in message
    assert text and EXPECTED.startswith(text)
    assert 0.4 <= waited < 2.0


def test_the_idle_timeout_can_be_set_per_call(path: str) -> None:
    """`stream_timeouts(...)` around the call overrides the provider's idle timeout."""
    with raw_server(path, Script(_keepalive_only(60, 0.05)), timeout=5.0, idle=None):
        with stream_timeouts(stream_idle=0.3):
            response = model().stream("hi")
        started = time.perf_counter()
        with pytest.raises(llm.TimeoutError, match="stream idle timeout"):
            response.finish()
        assert 0.3 <= time.perf_counter() - started < 2.0


def test_content_arriving_keeps_the_idle_timeout_away(path: str) -> None:
    """Content every 0.1 s for longer than the idle timeout (0.3 s) in total: no timeout."""
    with raw_server(path, Script(_drip(chunked(BODY, [200]), 8, 0.1)), idle=0.3):
        assert outcome(model()) == (EXPECTED, None, "")


# ---- the terminal event ends the stream -------------------------------------------------------


def test_the_terminal_event_ends_the_stream_when_the_body_is_held_open(path: str) -> None:
    """`data: [DONE]` arrives but the server keeps the body open (no last chunk): the stream
    ends at once, and that connection is not reused (the next request opens another)."""
    held = chunked(BODY, [300]).removesuffix(b"0\r\n\r\n")
    with raw_server(path, Script([held], hold=5.0), Script([chunked(BODY, [300])])) as server:
        started = time.perf_counter()
        assert outcome(model()) == (EXPECTED, None, "")
        assert time.perf_counter() - started < 1.0
        assert outcome(model()) == (EXPECTED, None, "")
        assert server.accepted == 2


async def test_the_terminal_event_ends_the_stream_async(path: str) -> None:
    held = chunked(BODY, [300]).removesuffix(b"0\r\n\r\n")
    with raw_server(path, Script([held], hold=5.0), Script([chunked(BODY, [300])])) as server:
        started = time.perf_counter()
        assert await aoutcome(model()) == (EXPECTED, None, "")
        assert time.perf_counter() - started < 1.0
        assert await aoutcome(model()) == (EXPECTED, None, "")
        assert server.accepted == 2


# ---- a slow consumer --------------------------------------------------------------------------


async def test_a_consumer_that_stops_pulling_leaves_the_rest_in_the_kernel(path: str) -> None:
    """20 MB of events sent at full speed; the consumer takes 2,000 chunks and sleeps: the
    server cannot get the body out (this process stops reading), then the rest arrives."""
    text = ["x" * 1000] * 20_000
    body = openai_completions_stream(Reply(text=text))
    wire = chunked(body, [1_000_000])
    with raw_server(
        path, Script([wire[i : i + 65536] for i in range(0, len(wire), 65536)])
    ) as server:
        response = await model().stream_async("hi")
        stream = response.text_stream().__aiter__()
        for _ in range(2000):
            await stream.__anext__()
        await asyncio.sleep(0.5)
        # Kernel buffers on both ends hold a few MB at most; the body is 20 MB.
        assert server.sent < len(wire) // 2, server.sent
        rest = [piece async for piece in stream]
    assert len("".join(rest)) == 18_000 * 1000 + 1  # the rest, then the separator


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_uvloop_streams(path: str, tls: bool, tmp_path: Path) -> None:
    """The async driver uses only asyncio's protocol interface: under uvloop (plain and TLS)
    it streams, reuses its connection and times out the same."""
    uvloop = pytest.importorskip("uvloop")
    wire = chunked(BODY, [64])
    loop = uvloop.new_event_loop()
    scripts = (Script(split(wire, [100, 2000])), Script([wire]))
    try:
        with raw_server(path, *scripts, tls=tls, tmp=tmp_path) as server:
            for _ in range(2):
                result = loop.run_until_complete(asyncio.wait_for(aoutcome(model()), 10))
                assert result == (EXPECTED, None, "")
            assert server.accepted == _connections(path, asynchronous=True)
        with raw_server(path, Script([PART], hold=3.0), timeout=0.3):
            _, error, _ = loop.run_until_complete(asyncio.wait_for(aoutcome(model()), 10))
            assert error is llm.TimeoutError
    finally:
        loop.close()


# ---- no socket outlives its stream --------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settled_fds(limit: int) -> int:
    """Open files once the in-process server's threads have seen their connections close
    (their sockets are this process's files too): up to five seconds for them to catch up
    on a loaded machine (a leak never catches up, so the wait only costs a failing run)."""
    deadline = time.monotonic() + 5.0
    count = _open_fds()
    while count > limit and time.monotonic() < deadline:
        time.sleep(0.01)
        gc.collect()
        count = _open_fds()
    return count


def _abandon(mode: str) -> None:
    response = model().stream("hi")
    if mode == "finish":
        response.finish()
    elif mode == "break":
        for _ in response.text_stream():
            break
    elif mode == "close":
        next(iter(response.text_stream()))
        response.close()
    elif mode == "drop":
        stream = iter(response.text_stream())
        next(stream)
        del stream, response


async def _aabandon(mode: str) -> None:
    response = await model().stream_async("hi")
    if mode == "finish":
        await response.finish()
    elif mode == "break":
        async for _ in response.text_stream():
            break
        await response.aclose()
    elif mode == "close":
        await response.text_stream().__aiter__().__anext__()
        await response.aclose()
    elif mode == "cancel":
        reading = asyncio.Event()

        async def consume() -> None:
            async for _ in response.text_stream():
                reading.set()
                await asyncio.sleep(3600)  # mid-stream until cancelled, however slow the box

        task = asyncio.ensure_future(consume())
        await reading.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_open_files_stay_flat_over_many_streams(path: str) -> None:
    slow = chunked(BODY, [200])
    modes = ["finish", "break", "close", "drop"] * 15
    with raw_server(path, *[Script(_drip(slow, 4, 0.002)) for _ in modes]):
        _abandon("finish")  # warm: one pooled connection, imported modules
        gc.collect()
        before = _open_fds()
        for mode in modes[1:]:
            _abandon(mode)
        gc.collect()
        assert _settled_fds(before + 1) <= before + 1


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_an_ended_event_loop_takes_its_kept_alive_connections_with_it(
    tls: bool, tmp_path: Path
) -> None:
    """`asyncio.run` per batch of requests: the provider outlives each loop, and the
    connections its pool kept alive on a loop are closed when that loop shuts down, not
    left to the garbage collector (a ResourceWarning, an error under `-W error`)."""
    scripts = [Script([chunked(BODY, [50])]) for _ in range(3)]
    with raw_server("own", *scripts, tls=tls, tmp=tmp_path) as server:
        # Recorded, not raised: a collection here may also finalise what earlier tests left
        # (an event loop, say); only this test's sockets and transports are its business.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            assert asyncio.run(aoutcome(model())) == (EXPECTED, None, "")
            gc.collect()
            before = _open_fds()
            caught.clear()
            for _ in range(2):
                assert asyncio.run(aoutcome(model())) == (EXPECTED, None, "")
            gc.collect()
        leaked = [
            str(w.message)
            for w in caught
            if issubclass(w.category, ResourceWarning)
            and str(w.message).startswith(
                ("unclosed <socket", "unclosed <ssl", "unclosed transport")
            )
        ]
        assert leaked == []
        assert _settled_fds(before) <= before
        assert (server.requests, server.accepted) == (3, 3)  # one loop, one connection


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
async def test_open_files_stay_flat_over_many_async_streams(path: str) -> None:
    slow = chunked(BODY, [200])
    modes = ["finish", "break", "close", "cancel"] * 10
    with raw_server(path, *[Script(_drip(slow, 4, 0.005)) for _ in modes]):
        await _aabandon("finish")
        gc.collect()
        before = _open_fds()
        for mode in modes[1:]:
            await _aabandon(mode)
        await asyncio.sleep(0.05)  # closed transports release their sockets on the next turn
        gc.collect()
        assert _settled_fds(before + 1) <= before + 1


# ---- which timeout fired ----------------------------------------------------------------------


@contextmanager
def silent_server(*, read_requests: bool) -> Iterator[str]:
    """A server that accepts and then never answers; with `read_requests` off it never
    reads either, so a large request fills the socket buffers and stalls its sender."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            held.append(conn)
            if read_requests:
                threading.Thread(target=_drain, args=(conn, stop), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield "http://{}:{}".format(*sock.getsockname())
    finally:
        stop.set()
        sock.close()
        for conn in held:
            conn.close()


def _drain(conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            if not conn.recv(65536):
                return
        except OSError:
            return


def _register(path: str, url: str, timeout: Any) -> None:
    clients: dict[str, Any] = {}
    if path != "own":
        module = client_module(path)
        clients["http_client"] = module.Client(timeout=timeout.as_httpx(module))
        clients["async_http_client"] = module.AsyncClient(timeout=timeout.as_httpx(module))
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        base_url=url + "/v1",
        api_key="k",
        max_retries=0,
        timeout=timeout,
        **clients,
    )


def test_no_response_head_is_a_first_byte_timeout(path: str) -> None:
    from ferriscope.llm.providers.transport import Timeouts

    with silent_server(read_requests=True) as url:
        _register(path, url, Timeouts(connect=2.0, first_byte=0.3, read=0.3))
        started = time.perf_counter()
        with pytest.raises(llm.TimeoutError) as raised:
            model().stream("hi").finish()
        assert 0.3 <= time.perf_counter() - started < 2.0
    if path == "own":
        assert "first byte timeout (0.3 s)" in str(raised.value)


async def test_no_response_head_is_a_first_byte_timeout_async(path: str) -> None:
    from ferriscope.llm.providers.transport import Timeouts

    with silent_server(read_requests=True) as url:
        _register(path, url, Timeouts(connect=2.0, first_byte=0.3, read=0.3))
        with pytest.raises(llm.TimeoutError) as raised:
            await (await model().stream_async("hi")).finish()
    if path == "own":
        assert "first byte timeout" in str(raised.value)


def test_a_request_the_server_does_not_take_is_a_write_timeout(path: str) -> None:
    """A 20 MB prompt to a server that reads nothing: the send stalls once the socket
    buffers are full, and the write timeout ends it."""
    from ferriscope.llm.providers.transport import Timeouts

    with silent_server(read_requests=False) as url:
        _register(path, url, Timeouts(connect=2.0, write=0.3, first_byte=5.0, read=5.0))
        started = time.perf_counter()
        with pytest.raises(llm.TimeoutError) as raised:
            model().stream("x" * 20_000_000).finish()
        assert time.perf_counter() - started < 3.0
    if path == "own":
        assert "write timeout" in str(raised.value)


async def test_a_request_the_server_does_not_take_is_a_write_timeout_async(path: str) -> None:
    from ferriscope.llm.providers.transport import Timeouts

    with silent_server(read_requests=False) as url:
        _register(path, url, Timeouts(connect=2.0, write=0.3, first_byte=5.0, read=5.0))
        with pytest.raises(llm.TimeoutError) as raised:
            await (await model().stream_async("x" * 20_000_000)).finish()
    if path == "own":
        assert "write timeout" in str(raised.value)

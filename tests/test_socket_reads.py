"""Async socket reads without anyio's per-read cost (`providers/socket_reads.py`), over real
loopback sockets.

What users rely on: async streams over plain HTTP/1.1 take the lighter reads (so many paced
streams on one loop stay cheap), they read exactly as httpx's own path does — content,
errors, timeouts — the connection is handed back to anyio as anyio leaves it, and a consumer
that stops pulling leaves the unread bytes in the kernel, not in this process.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ferriscope import llm
from ferriscope.llm.providers import chunked_body
from ferriscope.llm.providers.socket_reads import FastSocketReads, take_over_socket_reads
from ferriscope.testing.synth import Reply, openai_completions_stream
from tests.test_chunked_body import (
    BODY,
    BROKEN,
    EXPECTED,
    Script,
    chunked,
    raw_server,
    split,
)


@pytest.fixture(params=[True, False], ids=["fast-reads", "anyio-reads"])
def taken(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Runs a test with the lighter reads and with anyio's own, recording each take-over;
    with the lighter reads on, every response (plain or TLS) must have taken them."""
    record: list[Any] = []

    def spy(connection: Any) -> FastSocketReads | None:
        reads = take_over_socket_reads(connection) if request.param else None
        record.append(reads)
        return reads

    monkeypatch.setattr(chunked_body, "take_over_socket_reads", spy)
    yield record
    assert record, "no chunked body was taken over"
    if request.param:
        assert all(reads is not None for reads in record), record


async def outcome(model: llm.Model) -> tuple[str, type[BaseException] | None]:
    response = await model.stream_async("hi")
    error: llm.Error | None = None
    try:
        async for _ in response.text_stream():
            pass
    except llm.Error as caught:
        error = caught
    return response.text(""), type(error) if error else None


def assert_handed_back(reads: FastSocketReads) -> None:
    """After the body, anyio's `read` is back and the socket is paused, as anyio leaves it."""
    assert "read" not in vars(reads._network_stream)
    assert {"data_received", "eof_received", "connection_lost"}.isdisjoint(vars(reads._protocol))
    assert reads._transport.is_closing() or not reads._transport.is_reading()


async def test_async_streams_take_the_lighter_reads(taken: list[Any]) -> None:
    with raw_server(Script(split(chunked(BODY, [64]), [100, 2000]))):
        assert await outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None)
    assert len(taken) == 1
    if taken[0] is not None:
        assert_handed_back(taken[0])


@pytest.mark.parametrize("seed", range(8))
async def test_any_framing_and_any_reads_give_the_same_stream(taken: list[Any], seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.choice([1, 7, 64, 300, 5000]) for _ in range(rng.randint(1, 4))]
    wire = chunked(BODY, sizes)
    cuts = [rng.randrange(len(wire)) for _ in range(rng.randint(0, 40))]
    with raw_server(Script(split(wire, cuts))):
        assert await outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None)


@pytest.mark.parametrize(
    ("tls", "seed"), [(False, None), *((True, seed) for seed in range(4))], ids=str
)
async def test_connection_is_reused_and_handed_back(
    taken: list[Any], tls: bool, seed: int | None
) -> None:
    """Two streams on one keep-alive connection, plain or over TLS (there with random
    framings and read splits: anyio's TLS layer re-chunks what it decrypts)."""
    wire = chunked(BODY, [50])
    first = Script([wire])
    if seed is not None:
        rng = random.Random(seed)
        wire = chunked(BODY, [rng.choice([7, 64, 5000])])
        first = Script(split(wire, [rng.randrange(len(wire)) for _ in range(rng.randint(0, 30))]))
    with raw_server(first, Script(split(wire, [3, 100, 101])), tls=tls) as server:
        model = llm.Model("openai/gpt-4o")
        assert await outcome(model) == (EXPECTED, None)
        assert await outcome(model) == (EXPECTED, None)
        assert (server.requests, server.accepted) == (2, 1)
    assert len(taken) == 2
    for reads in taken:
        if reads is not None:
            assert (reads._tls_stream is not None) == tls
            assert "receive" not in vars(reads._socket_stream)
            assert_handed_back(reads)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
async def test_broken_framing_fails_alike(
    case: str, tls: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(chunked_body, "take_over_socket_reads", lambda c: None)
        with raw_server(Script([BROKEN[case]], close=True), tls=tls):
            text, error = await outcome(llm.Model("openai/gpt-4o"))
        assert error is not None and issubclass(error, llm.Error)
        results.append((error, EXPECTED.startswith(text), bool(text)))
    assert results[0] == results[1]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
async def test_a_stall_times_out_after_the_read_timeout_keeping_the_text(
    taken: list[Any], tls: bool
) -> None:
    """The server sends part of the body and then nothing, keeping the connection open (it
    waits for a next request, as for the second script)."""
    cut = BODY.index(b"\n\n", len(BODY) // 2) + 2
    part = Script([chunked(BODY[:cut], [40]).removesuffix(b"0\r\n\r\n")])
    with raw_server(part, Script([]), timeout=0.3, tls=tls):
        started = time.perf_counter()
        text, error = await outcome(llm.Model("openai/gpt-4o"))
        waited = time.perf_counter() - started
    assert error is llm.TimeoutError
    assert text and EXPECTED.startswith(text)
    assert 0.3 <= waited < 3.0


async def test_reads_that_each_arrive_within_the_timeout_never_time_out(
    taken: list[Any],
) -> None:
    """A body slower in total than the read timeout, but never silent for that long: the
    deadline is per read, not per body (the watchdog re-arms for each wait)."""
    wire = chunked(BODY, [200])
    pieces = split(wire, list(range(0, len(wire), len(wire) // 8)))
    with raw_server(Script(_Drip(pieces, 0.1)), timeout=0.25):
        started = time.perf_counter()
        assert await outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None)
        assert time.perf_counter() - started > 0.5


class _Drip(list[bytes]):
    """Pieces that make the server pause `gap` seconds before each one."""

    def __init__(self, pieces: list[bytes], gap: float) -> None:
        super().__init__(pieces)
        self.gap = gap

    def __iter__(self) -> Iterator[bytes]:
        for piece in super().__iter__():
            time.sleep(self.gap)
            yield piece


async def test_a_consumer_that_stops_pulling_leaves_the_rest_in_the_kernel(
    taken: list[Any],
) -> None:
    """20 MB of events sent at full speed; the consumer takes 2,000 chunks (many socket reads)
    and sleeps: what this process has buffered stays around one socket read, not the body."""
    text = ["x" * 1000] * 20_000
    body = openai_completions_stream(Reply(text=text))
    with raw_server(Script([chunked(body, [1_000_000])])):
        response = await llm.Model("openai/gpt-4o").stream_async("hi")
        stream = response.text_stream().__aiter__()
        for _ in range(2000):
            await stream.__anext__()
        await asyncio.sleep(0.5)
        reads = taken[0]
        if reads is not None:
            assert sum(map(len, reads._queue)) <= 1 << 20
        rest = [piece async for piece in stream]
    assert len("".join(rest)) == 18_000 * 1000 + 1  # the rest, then the separator
    if reads is not None:
        assert_handed_back(reads)


def test_uvloop_streams_keep_anyios_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvloop's transports bind the protocol's callbacks once, so the lighter reads would
    never be woken: under uvloop the take-over declines and the stream reads as before."""
    uvloop = pytest.importorskip("uvloop")
    record: list[Any] = []

    def spy(connection: Any) -> FastSocketReads | None:
        reads = take_over_socket_reads(connection)
        record.append(reads)
        return reads

    monkeypatch.setattr(chunked_body, "take_over_socket_reads", spy)
    loop = uvloop.new_event_loop()
    try:
        with raw_server(Script(split(chunked(BODY, [64]), [100, 2000]))):
            result = loop.run_until_complete(
                asyncio.wait_for(outcome(llm.Model("openai/gpt-4o")), timeout=10)
            )
    finally:
        loop.close()
    assert result == (EXPECTED, None)
    assert record == [None]

"""A randomized fault soak (issue 13): thousands of streams, each cut by a random fault at a
random byte, with random write boundaries, over real loopback sockets.

For every stream the text `text_stream()` yielded before the error must equal the text the
server sent before the fault (the text of the events complete before it), `response.texts`
must agree, and the right `llm.Error` subclass must be raised. Across the run, open file
descriptors and RSS must stay flat and the pool must keep serving.

Seeded and bounded: `FERRISCOPE_SOAK_STREAMS` (streams per mode, default 600 sync + 600
async) and `FERRISCOPE_SOAK_SEED` reproduce or lengthen a run; a failure message names the
stream's plan, which replays alone with the same seed.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import re
import resource
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ferriscope import llm
from ferriscope.testing.synth import Reply
from tests.support.http_paths import HTTP_PATHS, client_module
from tests.support.wires import ACTIVE_WIRES, STREAM_ERRORS, Wire, event_end

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # STREAMS can be raised for a longer soak

SEED = int(os.environ.get("FERRISCOPE_SOAK_SEED", "20261207"))
STREAMS = int(os.environ.get("FERRISCOPE_SOAK_STREAMS", "400"))
READ_TIMEOUT = 0.3
IDLE_TIMEOUT = 0.4
"""Shorter than any run of keepalives a `keepalive` or `hold-open` plan sends (1.6 s)."""
KEEPALIVE_EVERY = 0.05
"""Keepalives come faster than the read timeout: only the idle timeout can end the wait."""
FAULTS = {
    # fault: relative weight
    "none": 3,
    "reset": 4,
    "stall": 1,
    "malformed": 3,
    "error-event": 3,
    "truncate": 3,
    "utf8": 2,
    "garbage-framing": 3,
    "keepalive": 1,
    "hold-open": 2,
}
FRAMINGS = ["chunked", "length", "close"]
CUT_FAULTS = ("reset", "stall", "garbage-framing", "keepalive", "hold-open")
OPEN_FAULTS = ("keepalive", "hold-open")
"""Faults after which the server keeps the body open, sending only keepalives."""


# ---- plans ------------------------------------------------------------------------------


@dataclass
class Plan:
    """One stream: what the server sends and what the client must see."""

    n: int
    wire: Wire
    fault: str
    framing: str
    payload: bytes
    """The body before framing."""
    cut: int | None
    """Payload bytes sent before a reset, a stall or garbage framing."""
    expected_text: str
    expected_error: type[llm.Error] | None
    write_seed: int
    detail: str = ""
    outcome: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"stream {self.n} (seed {SEED}): {self.wire.provider} {self.fault} "
            f"{self.framing} cut={self.cut} {self.detail}"
        )


def _word(i: int) -> str:
    return f"w{i:04d}q "


def _event_ends(body: bytes) -> list[int]:
    """Offsets just past each SSE event (LF or CRLF blank lines)."""
    ends: list[int] = []
    for match in re.finditer(rb"\r\n\r\n|\n\n", body):
        ends.append(match.end())
    return ends


def _dispatched_at(body: bytes, marker: bytes) -> int:
    """The offset by which the event holding `marker` has been dispatched: its blank line's
    end, or for a CRLF blank line its CR (a lone CR already ends a line, WHATWG rules)."""
    end = event_end(body, marker)
    return end - 1 if body[end - 2 : end] == b"\r\n" else end


def _text_upto(body: bytes, words: list[str], upto: int) -> str:
    """The text of the words whose event was dispatched within the first `upto` bytes."""
    return "".join(w for w in words if _dispatched_at(body, w.encode()) <= upto)


def make_plan(n: int, rng: random.Random) -> Plan:
    wire = rng.choice(ACTIVE_WIRES)
    fault = rng.choices(list(FAULTS), weights=list(FAULTS.values()))[0]
    framing = "chunked" if fault == "garbage-framing" else rng.choice(FRAMINGS)
    words = [_word(i) for i in range(rng.randint(1, 12))]
    body = wire.body(Reply(text=list(words)))
    complete_at = _dispatched_at(body, wire.terminal)
    # A broken connection (not a clean end of the body) after Completions' finish_reason
    # still loses the usage chunk that follows it: only `[DONE]` makes that stream whole.
    broken_ok_at = (
        event_end(body, b"[DONE]") if wire.wire_format == "openai-completions" else complete_at
    )
    full = "".join(words)
    boundaries = [0, *(end for end in _event_ends(body) if end < complete_at)]
    write_seed = rng.randrange(1 << 30)
    plan = Plan(n, wire, fault, framing, body, None, full, None, write_seed)
    if fault in ("reset", "stall", "garbage-framing"):
        cut = rng.randrange(0, len(body))
        plan.cut = cut
        if cut >= broken_ok_at:
            return plan  # the terminal event arrived: nothing was lost, no error
        plan.expected_text = _text_upto(body, words, cut)
        plan.expected_error = llm.TimeoutError if fault == "stall" else llm.ConnectionError
    elif fault == "keepalive":
        at = rng.choice(boundaries)
        plan.cut, plan.detail = at, f"at={at}"
        plan.expected_text = _text_upto(body, words, at)
        plan.expected_error = llm.TimeoutError
    elif fault == "hold-open":
        plan.cut = len(body)  # all of it; then keepalives and a body that never ends
    elif fault in ("malformed", "error-event", "truncate"):
        at = rng.choice(boundaries)
        plan.detail = f"at={at}"
        plan.expected_text = _text_upto(body, words, at)
        if fault == "malformed":
            plan.payload = body[:at] + wire.malformed
            plan.expected_error = llm.ResponseValidationError
        elif fault == "error-event":
            case = rng.choice([c for c in STREAM_ERRORS if c.wire is wire])
            plan.payload = body[:at] + case.event
            plan.expected_error = case.error_class
        else:
            plan.payload = body[:at]
            plan.expected_error = llm.ConnectionError
    elif fault == "utf8":
        i = rng.randrange(len(words))
        marker = words[i].encode()
        at = plan.payload.index(marker) + len(marker) - 2  # the `q`
        plan.payload = plan.payload[:at] + b"\xff" + plan.payload[at + 1 :]
        plan.expected_text = full.replace(words[i], words[i][:-2] + "\ufffd ")
        plan.detail = f"word={i}"
    return plan


# ---- the server -------------------------------------------------------------------------


class SoakServer:
    """A raw HTTP/1.1 server: each request names its plan (`soak-N` in the prompt), and the
    server frames the plan's payload, writes it in random pieces and injects its fault."""

    def __init__(self, plans: dict[int, Plan]) -> None:
        self.plans = plans
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> SoakServer:
        self._accepter.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        try:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                while len(buffer) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                request, buffer = buffer[:length], buffer[length:]
                n = int(re.search(rb"soak-(\d+)", request).group(1))  # type: ignore[union-attr]
                if not self._respond(conn, self.plans[n]):
                    return
        except OSError:
            return
        finally:
            conn.close()

    def _respond(self, conn: socket.socket, plan: Plan) -> bool:
        """Sends the plan's response; False when the connection must close afterwards."""
        rng = random.Random(plan.write_seed)
        payload = plan.payload
        cut = plan.cut if plan.fault in CUT_FAULTS else None
        sent = payload if cut is None else payload[:cut]
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        if plan.framing == "chunked":
            head += b"transfer-encoding: chunked\r\n\r\n"
            framed = bytearray()
            at = 0
            while at < len(sent):
                size = rng.randint(1, 300)
                piece = sent[at : at + size]
                framed += b"%x\r\n%s\r\n" % (len(piece), piece)
                at += size
            if plan.fault == "garbage-framing":
                framed += b"zz not a size\r\n"
            elif plan.fault in OPEN_FAULTS:
                pass  # the body never ends
            elif cut is None:
                framed += b"0\r\n\r\n"
            out = head + bytes(framed)
        elif plan.framing == "length":
            length = len(payload) + (1 << 20 if plan.fault in OPEN_FAULTS else 0)
            out = head + b"content-length: %d\r\n\r\n" % length + sent
        else:
            out = head + b"connection: close\r\n\r\n" + sent
        self._write(conn, out, rng)
        if plan.fault in OPEN_FAULTS:
            self._keepalives(conn, plan)
            return False
        if plan.fault == "stall" and cut is not None:
            self._stop.wait(READ_TIMEOUT * 4)
            return False
        if plan.fault == "reset" and cut is not None:
            # RST, not FIN: the peer sees a reset, as when a proxy drops the connection
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if plan.fault == "garbage-framing" or plan.framing == "close":
            return False
        return True

    def _keepalives(self, conn: socket.socket, plan: Plan) -> None:
        """SSE comments (and Anthropic's pings) at a steady pace, for four idle timeouts: a
        client that waits for the body's end instead of the terminal event, or counts
        keepalives as activity, hits its idle timeout."""
        comment = b": keepalive\n\n"
        if plan.wire.wire_format == "anthropic":
            comment += b'event: ping\ndata: {"type": "ping"}\n\n'
        if plan.framing == "chunked":
            comment = b"%x\r\n%s\r\n" % (len(comment), comment)
        deadline = time.monotonic() + 4 * IDLE_TIMEOUT
        try:
            while time.monotonic() < deadline and not self._stop.wait(KEEPALIVE_EVERY):
                conn.sendall(comment)
        except OSError:
            return  # the client hung up: what a client that ends at the terminal event does

    @staticmethod
    def _write(conn: socket.socket, data: bytes, rng: random.Random) -> None:
        at = 0
        while at < len(data):
            size = rng.choice((1, 7, 64, 500, 4096, 1 << 16))
            conn.sendall(data[at : at + size])
            at += size
            if rng.random() < 0.05:
                time.sleep(0.0005)


# ---- running ----------------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def _register(server: SoakServer, path: str, *, is_async: bool) -> list[Any]:
    """Every wire's provider against the server over `path` (scoped by model id, since both
    OpenAI formats would claim `openai/`); returns the clients the caller must close."""
    clients: dict[str, Any] = {}
    if path != "own":
        module = client_module(path)
        timeout = module.Timeout(5.0, read=READ_TIMEOUT)
        key = "async_http_client" if is_async else "http_client"
        clients[key] = (module.AsyncClient if is_async else module.Client)(timeout=timeout)
    for wire in ACTIVE_WIRES:
        llm.register_provider(
            wire.provider,
            scope=wire.model_id,
            base_url=server.url + wire.path_prefix,
            api_key="sk-soak-0123456789",
            max_retries=0,
            timeout=httpx.Timeout(5.0, read=READ_TIMEOUT),
            stream_idle_timeout=IDLE_TIMEOUT,
            **clients,
        )
    return list(clients.values())


def _check(plan: Plan, text: str, response: Any, error: BaseException | None) -> None:
    assert type(error) is (plan.expected_error or type(None)), f"{plan}: raised {error!r}"
    assert text == plan.expected_text, f"{plan}: yielded {text!r}"
    assert response.text(sep="") == plan.expected_text, f"{plan}: texts {response.texts!r}"


def _run_sync(plan: Plan) -> None:
    response = plan.wire.model().stream(f"soak-{plan.n}")
    out: list[str] = []
    error: BaseException | None = None
    try:
        for delta in response.text_stream(sep=""):
            out.append(delta)
    except llm.Error as caught:
        error = caught
    _check(plan, "".join(out), response, error)


async def _run_async(plan: Plan) -> None:
    response = await plan.wire.model().stream_async(f"soak-{plan.n}")
    out: list[str] = []
    error: BaseException | None = None
    try:
        async for delta in response.text_stream(sep=""):
            out.append(delta)
    except llm.Error as caught:
        error = caught
    _check(plan, "".join(out), response, error)


def _plans(offset: int) -> dict[int, Plan]:
    rng = random.Random(SEED + offset)
    return {n: make_plan(n, rng) for n in range(offset, offset + STREAMS)}


def _healthy(plans: dict[int, Plan], n: int) -> Plan:
    """A fault-free plan for the after-soak check that the pool keeps serving."""
    wire = ACTIVE_WIRES[n % len(ACTIVE_WIRES)]
    words = ["still ", "serving"]
    body = wire.body(Reply(text=words))
    plan = Plan(n, wire, "none", "chunked", body, None, "".join(words), None, n)
    plans[n] = plan
    return plan


def _summary(plans: dict[int, Plan]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plan in plans.values():
        counts[plan.fault] = counts.get(plan.fault, 0) + 1
    return counts


SLACK_FDS = 16
"""Idle pooled connections (client and server ends, both in this process) vary with which
stream a pool saw last; a leak grows with the number of streams (hundreds of faults here)."""


@pytest.mark.parametrize("path", HTTP_PATHS)
def test_sync_fault_soak(path: str) -> None:
    plans = _plans(0)
    ordered = list(plans.values())
    with SoakServer(plans) as server:
        clients = _register(server, path, is_async=False)
        for plan in ordered[:50]:
            _run_sync(plan)
        for k in range(len(ACTIVE_WIRES)):  # every pool holds its idle connection
            _run_sync(_healthy(plans, 10**6 + k))
        gc.collect()
        fds, rss = _open_fds(), _rss_mb()
        for plan in ordered[50:]:
            _run_sync(plan)
        for k in range(len(ACTIVE_WIRES)):  # the pools still serve
            _run_sync(_healthy(plans, 10**6 + 100 + k))
        gc.collect()
        assert _open_fds() <= fds + SLACK_FDS, "file descriptors leaked"
        assert _rss_mb() - rss < 40, f"RSS grew by {_rss_mb() - rss:.1f} MB"
        for client in clients:
            client.close()
    print(f"sync soak over {path}: {len(plans)} streams, faults {_summary(plans)}")


@pytest.mark.parametrize("path", HTTP_PATHS)
async def test_async_fault_soak(path: str) -> None:
    plans = _plans(STREAMS)
    ordered = list(plans.values())
    with SoakServer(plans) as server:
        clients = _register(server, path, is_async=True)
        for start in range(0, 100, 25):  # 25 streams at a time on one loop
            await asyncio.gather(*(_run_async(plan) for plan in ordered[start : start + 25]))
        gc.collect()
        fds, rss = _open_fds(), _rss_mb()
        for start in range(100, len(ordered), 25):
            await asyncio.gather(*(_run_async(plan) for plan in ordered[start : start + 25]))
        await asyncio.gather(*(_run_async(_healthy(plans, 2 * 10**6 + k)) for k in range(8)))
        gc.collect()
        assert _open_fds() <= fds + 2 * 25 + SLACK_FDS, "file descriptors leaked"
        assert _rss_mb() - rss < 40, f"RSS grew by {_rss_mb() - rss:.1f} MB"
        for client in clients:
            await client.aclose()
    print(f"async soak over {path}: {len(plans)} streams, faults {_summary(plans)}")

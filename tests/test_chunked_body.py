"""Chunked bodies de-framed in Rust (`providers/chunked_body.py`), over real loopback sockets.

The fast path replaces h11's chunked reader under httpx. What users rely on: that real
HTTP/1.1 streams take it (so the per-chunk saving is real), that a stream reads the same
through it as through httpx's own reader — content, errors and all — for any framing a server
may choose, and that the connection goes back to the pool afterwards.
"""

from __future__ import annotations

import itertools
import random
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import trustme

from ferriscope import llm
from ferriscope._core import ChunkedBodyDecoder
from ferriscope.llm.providers import transport as transport_module
from ferriscope.llm.providers.chunked_body import take_over_chunked_body
from ferriscope.testing import RecordedResponse, ReplayServer
from ferriscope.testing.synth import Reply, openai_completions_stream

TEXT = ["Hello", ", ", "wörld", " 🌍", "!"] * 20
BODY = openai_completions_stream(Reply(text=TEXT))
EXPECTED = "".join(TEXT)


# ---- a server that writes exactly the bytes it is given ------------------------------------


@dataclass
class Script:
    """One response: the body bytes after the headers, written in these pieces."""

    pieces: Sequence[bytes]
    chunked: bool = True
    close: bool = False


@dataclass
class RawServer:
    """Answers each request on a keep-alive connection with the next script, verbatim."""

    scripts: list[Script]
    accepted: int = 0
    requests: int = 0
    sock: socket.socket = field(default_factory=socket.socket)
    #: Serves HTTPS with this context (see `raw_server(tls=...)`).
    tls: ssl.SSLContext | None = None

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def _read_request(self, conn: socket.socket, buffered: bytes) -> bytes | None:
        while b"\r\n\r\n" not in buffered:
            data = conn.recv(65536)
            if not data:
                return None
            buffered += data
        head, _, rest = buffered.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            data = conn.recv(65536)
            if not data:
                return None
            rest += data
        return rest[length:]

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except OSError:  # ssl.SSLError included
                conn.close()
                return
        buffered = b""
        with conn:
            while self.scripts:
                after = self._read_request(conn, buffered)
                if after is None:
                    return
                buffered = after
                self.requests += 1
                script = self.scripts.pop(0)
                framing = b"transfer-encoding: chunked" if script.chunked else b"connection: close"
                head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n" + framing
                conn.sendall(head + b"\r\n\r\n")
                for piece in script.pieces:
                    conn.sendall(piece)
                    time.sleep(0.0005)
                if script.close or not script.chunked:
                    return

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()


@contextmanager
def raw_server(*scripts: Script, timeout: float = 5.0, tls: bool = False) -> Iterator[RawServer]:
    """The server, and ferriscope's OpenAI provider pointed at it; with `tls`, over HTTPS
    with a certificate from a throwaway CA that the provider's async client trusts."""
    clients: dict[str, Any] = {}
    server_context = None
    if tls:
        ca = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_context)
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        clients["async_http_client"] = httpx.AsyncClient(
            verify=client_context, timeout=httpx.Timeout(timeout, connect=5.0)
        )
    server = RawServer(list(scripts), tls=server_context)
    server.sock.bind(("127.0.0.1", 0))
    server.sock.listen()
    threading.Thread(target=server._accept, daemon=True).start()
    llm.reset_provider_registry()
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        base_url=server.url + "/v1",
        api_key="sk-test",
        max_retries=0,
        timeout=timeout,
        **clients,
    )
    try:
        yield server
    finally:
        llm.reset_provider_registry()
        server.sock.close()


def chunked(
    payload: bytes, sizes: Sequence[int], *, ext: bytes = b"", trailer: bytes = b""
) -> bytes:
    """`payload` in HTTP chunks of `sizes` (cycled), then the last chunk."""
    out, at, i = [], 0, 0
    while at < len(payload):
        size = max(1, sizes[i % len(sizes)])
        piece = payload[at : at + size]
        out.append(b"%x%s\r\n%s\r\n" % (len(piece), ext, piece))
        at += size
        i += 1
    out.append(b"0\r\n" + trailer + b"\r\n")
    return b"".join(out)


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@dataclass
class Path:
    enabled: bool
    taken: list[bool]


@pytest.fixture(params=[True, False], ids=["fast", "h11"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs a test through the Rust de-framer and through h11's own reader, recording what
    each take-over attempt returned."""
    chosen = Path(enabled=request.param, taken=[])

    def spy(response: Any) -> bool:
        result = take_over_chunked_body(response) if chosen.enabled else False
        chosen.taken.append(result)
        return result

    monkeypatch.setattr(transport_module, "take_over_chunked_body", spy)
    return chosen


def outcome(model: llm.Model) -> tuple[str, type[BaseException] | None, str]:
    response = model.stream("hi")
    error: llm.Error | None = None
    try:
        for _ in response.text_stream():
            pass
    except llm.Error as caught:
        error = caught
    return response.text(""), type(error) if error else None, str(error or "")


# ---- the fast path is taken, and reads the same ---------------------------------------------


def test_loopback_streams_take_the_fast_path(path: Path) -> None:
    """ferriscope's own replay server (a stdlib HTTP/1.1 server) sends chunked bodies: the
    de-framer must take them over, or the benchmarks measure h11, not ferriscope."""
    with ReplayServer(piece_size=64) as server:
        llm.reset_provider_registry()
        llm.register_provider(
            "openai:completions", scope="openai/", base_url=server.url + "/v1", api_key="k"
        )
        server.add(RecordedResponse(status=200, headers={}, body=BODY))
        try:
            assert outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None, "")
        finally:
            llm.reset_provider_registry()
    assert path.taken == [path.enabled]


@pytest.mark.parametrize("seed", range(12))
def test_any_framing_and_any_reads_give_the_same_stream(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.choice([1, 2, 7, 64, 300, 5000]) for _ in range(rng.randint(1, 5))]
    ext = rng.choice([b"", b";name=value", b"; x"])
    trailer = rng.choice([b"", b"X-Sum: 1\r\n"])
    wire = chunked(BODY, sizes, ext=ext, trailer=trailer)
    cuts = [rng.randrange(len(wire)) for _ in range(rng.randint(0, 40))]
    with raw_server(Script(split(wire, cuts))):
        assert outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None, "")
    assert path.taken == [path.enabled]


def test_connection_is_reused_after_a_fast_body(path: Path) -> None:
    wire = chunked(BODY, [50])
    with raw_server(Script([wire]), Script(split(wire, [3, 100, 101]))) as server:
        model = llm.Model("openai/gpt-4o")
        assert outcome(model) == (EXPECTED, None, "")
        assert outcome(model) == (EXPECTED, None, "")
        assert server.requests == 2
        assert server.accepted == 1
    assert path.taken == [path.enabled] * 2


def test_bytes_after_the_body_are_left_to_h11(path: Path) -> None:
    """A server that writes garbage after the last chunk: the stream itself is complete."""
    wire = chunked(BODY, [80]) + b"GARBAGE"
    with raw_server(Script([wire], close=True)):
        assert outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None, "")


def test_an_unchunked_body_keeps_httpx_reader(path: Path) -> None:
    with raw_server(Script(split(BODY, [10, 500]), chunked=False)):
        assert outcome(llm.Model("openai/gpt-4o")) == (EXPECTED, None, "")
    assert path.taken == [False]


# ---- broken framing fails the same way on both paths -----------------------------------------

# Cut mid-way through the chunk that holds the tenth event, so some text has arrived.
_CUT = BODY.index(b"\n\n", len(BODY) // 3) + 2
BROKEN = {
    "bad size line": chunked(BODY[:_CUT], [4096]).removesuffix(b"0\r\n\r\n") + b"zz\r\n",
    "data longer than its size": b"%x\r\n" % (_CUT - 1) + BODY[:_CUT] + b"\r\n0\r\n\r\n",
    "oversized size line": chunked(BODY[:_CUT], [4096]).removesuffix(b"0\r\n\r\n") + b"1" * 200_000,
    "connection closed mid-chunk": b"%x\r\n" % (len(BODY)) + BODY[:_CUT],
    "connection closed between chunks": chunked(BODY[:_CUT], [4096]).removesuffix(b"0\r\n\r\n"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_framing_is_a_clean_error_keeping_what_arrived(path: Path, case: str) -> None:
    with raw_server(Script([BROKEN[case]], close=True)):
        text, error, message = outcome(llm.Model("openai/gpt-4o"))
    assert error is not None and issubclass(error, llm.Error), message
    assert text and EXPECTED.startswith(text)


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_framing_fails_alike_on_both_paths(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for enabled in (True, False):
        if not enabled:
            monkeypatch.setattr(transport_module, "take_over_chunked_body", lambda r: False)
        with raw_server(Script([BROKEN[case]], close=True)):
            text, error, _ = outcome(llm.Model("openai/gpt-4o"))
        results.append((error, EXPECTED.startswith(text)))
    assert results[0] == results[1]


# ---- the decoder itself ---------------------------------------------------------------------


def test_decoder_accepts_bytes_and_bytearray_and_keeps_leftover() -> None:
    decoder = ChunkedBodyDecoder()
    assert decoder.feed(bytearray(b"3\r\nab")) == b"ab"
    assert decoder.feed(b"c\r\n0\r\nX-A: 1\r\n\r\nnext") == b"c"
    assert decoder.done
    assert decoder.trailers == [b"X-A: 1"]
    assert decoder.take_leftover() == b"next"
    assert decoder.take_leftover() == b""


def test_decoder_errors_are_value_errors_and_sticky() -> None:
    decoder = ChunkedBodyDecoder()
    with pytest.raises(ValueError, match="illegal chunk header"):
        decoder.feed(b"5x\r\n")
    assert decoder.error is not None
    with pytest.raises(ValueError, match="illegal chunk header"):
        decoder.feed(b"5\r\nhello\r\n")


def test_decoder_returns_the_payload_before_a_framing_error_then_raises() -> None:
    decoder = ChunkedBodyDecoder()
    assert decoder.feed(b"2\r\nok\r\n3\r\nabcX") == b"okabc"
    assert decoder.error is not None and "CRLF" in decoder.error
    with pytest.raises(ValueError, match="CRLF"):
        decoder.feed(b"")
    with pytest.raises(TypeError, match="bytes or bytearray"):
        ChunkedBodyDecoder().feed("5\r\n")  # type: ignore[arg-type]

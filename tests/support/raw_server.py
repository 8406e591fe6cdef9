"""A loopback server that writes exactly the bytes it is given (`RawServer`, `raw_server`),
with the Completions stream it usually serves and the readers that drain a model's stream:
for tests of the HTTP paths (tests/llm/providers/transport/) and of what ops records for
them (tests/ops/). Any framing, read split, hold, drop or TLS a test scripts is what the
client sees, byte for byte."""

from __future__ import annotations

import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trustme

from ferriscope import llm
from ferriscope.testing.synth import Reply, openai_completions_stream
from tests.support.http_paths import client_module

TEXT = ["Hello", ", ", "wörld", " 🌍", "!"] * 20
BODY = openai_completions_stream(Reply(text=TEXT))
EXPECTED = "".join(TEXT)


# ---- a server that writes exactly the bytes it is given ------------------------------------


@dataclass
class Script:
    """One response: the body bytes after the head, written in these pieces (a float is a
    pause of that many seconds)."""

    pieces: Sequence[bytes | float]
    chunked: bool = True
    close: bool = False
    """Close the connection after the body."""
    hold: float = 0.0
    """Keep the connection open (silent) this long after the body, then close it."""
    headers: bytes = b""
    drop: bool = False
    """Close the connection on receiving the request, without answering."""


@dataclass
class RawServer:
    """Answers each request with the next script, verbatim, on keep-alive connections."""

    scripts: list[Script]
    accepted: int = 0
    requests: int = 0
    sent: int = 0
    request_lines: list[bytes] = field(default_factory=list)
    sock: socket.socket = field(default_factory=socket.socket)
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
        self.request_lines.append(head.split(b"\r\n", 1)[0])
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
            except OSError:
                conn.close()
                return
        buffered = b""
        with conn:
            while self.scripts:
                try:
                    after = self._read_request(conn, buffered)
                except OSError:  # the client closed or reset the connection
                    return
                if after is None:
                    return
                buffered = after
                self.requests += 1
                script = self.scripts.pop(0)
                if script.drop:
                    return
                framing = b"transfer-encoding: chunked" if script.chunked else b"connection: close"
                head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n" + framing
                try:
                    conn.sendall(head + b"\r\n" + script.headers + b"\r\n")
                    for piece in script.pieces:
                        if isinstance(piece, float):
                            time.sleep(piece)
                            continue
                        conn.sendall(piece)
                        self.sent += len(piece)
                        time.sleep(0.0005)
                except OSError:
                    return
                if script.hold:
                    time.sleep(script.hold)
                    return
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
def raw_server(
    path: str,
    *scripts: Script,
    timeout: float = 5.0,
    tls: bool = False,
    idle: float | None = 300.0,
    max_retries: int = 0,
    tmp: Path | None = None,
) -> Iterator[RawServer]:
    """The server, and ferriscope's OpenAI provider pointed at it through `path`; with `tls`,
    over HTTPS with a certificate from a throwaway CA that the path trusts (for the own
    transport through `SSL_CERT_FILE`, as a user would)."""
    clients: dict[str, Any] = {}
    server_context = None
    client_context = None
    saved_env = os.environ.get("SSL_CERT_FILE")
    if tls:
        ca = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_context)
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        if path == "own":
            assert tmp is not None, "TLS on the own path needs a directory for the CA file"
            ca_file = tmp / f"ca-{id(ca)}.pem"
            ca.cert_pem.write_to_path(str(ca_file))
            os.environ["SSL_CERT_FILE"] = str(ca_file)
    if path != "own":
        module = client_module(path)
        options: dict[str, Any] = {"timeout": module.Timeout(timeout, connect=5.0)}
        if client_context is not None:
            options["verify"] = client_context
        clients["http_client"] = module.Client(**options)
        clients["async_http_client"] = module.AsyncClient(**options)
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
        max_retries=max_retries,
        timeout=httpx.Timeout(timeout, connect=5.0),
        stream_idle_timeout=idle,
        **clients,
    )
    try:
        yield server
    finally:
        llm.reset_provider_registry()
        server.sock.close()
        if clients:
            clients["http_client"].close()
        if saved_env is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved_env


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


def outcome(model: llm.Model) -> tuple[str, type[BaseException] | None, str]:
    response = model.stream("hi")
    error: llm.Error | None = None
    try:
        for _ in response.text_stream():
            pass
    except llm.Error as caught:
        error = caught
    return response.text(""), type(error) if error else None, str(error or "")


async def aoutcome(model: llm.Model) -> tuple[str, type[BaseException] | None, str]:
    response = await model.stream_async("hi")
    error: llm.Error | None = None
    try:
        async for _ in response.text_stream():
            pass
    except llm.Error as caught:
        error = caught
    return response.text(""), type(error) if error else None, str(error or "")


def model() -> llm.Model:
    return llm.Model("openai/gpt-4o")

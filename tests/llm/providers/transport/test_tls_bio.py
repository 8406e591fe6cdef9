"""TLS on the own async transport, done in the protocol over `ssl.MemoryBIO`
(`transport/tls_bio.py`): the session on its own, against an in-memory server, and the
failures a user sees through the async driver, on asyncio's loop and on uvloop: a server
that never answers the ClientHello is a connect timeout that names the handshake, an
untrusted certificate is a `llm.ConnectionError`, and a server that ends the TLS session of
an idle kept-alive connection (close_notify) costs a new connection, not an error.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import trustme

from ferriscope import llm
from ferriscope.llm.providers.transport import Timeouts
from ferriscope.llm.providers.transport.tls_bio import TlsSession
from tests.support.raw_server import BODY, EXPECTED, aoutcome, chunked, model

# ---- the session on its own -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _contexts(ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


def _pair(ca: trustme.CA) -> tuple[TlsSession, ssl.SSLObject, ssl.MemoryBIO, ssl.MemoryBIO]:
    """A client session and a server `SSLObject` shuttling bytes in memory, handshake done."""
    server_context, client_context = _contexts(ca)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = server_context.wrap_bio(incoming, outgoing, server_side=True)
    session = TlsSession(client_context, "127.0.0.1")
    for _ in range(5):
        done = session.handshake()
        incoming.write(session.pending_output())
        try:
            server.do_handshake()
        except ssl.SSLWantReadError:
            pass
        session.received(outgoing.read())
        if done:
            break
    assert session.established
    return session, server, incoming, outgoing


def test_the_session_round_trips_and_reports_close_notify(ca: trustme.CA) -> None:
    session, server, incoming, outgoing = _pair(ca)
    incoming.write(session.encrypt(b"GET / HTTP/1.1\r\n\r\n"))
    assert server.read(100) == b"GET / HTTP/1.1\r\n\r\n"

    payload = bytes(range(256)) * 200  # 51 200 bytes: more than a record, more than the view
    server.write(payload)
    session.received(outgoing.read())
    view = memoryview(bytearray(20_000))
    got = bytearray()
    while True:
        count, ended = session.read_into(view)
        got += view[:count]
        assert not ended
        if count < len(view):
            break
    assert bytes(got) == payload
    assert session.read_into(view) == (0, False)  # nothing more until more arrives

    try:
        server.unwrap()
    except ssl.SSLWantReadError:
        pass
    session.received(outgoing.read())
    assert session.read_into(view) == (0, True)


def test_the_session_refuses_a_certificate_it_does_not_trust(ca: trustme.CA) -> None:
    server_context, _ = _contexts(ca)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = server_context.wrap_bio(incoming, outgoing, server_side=True)
    session = TlsSession(_contexts(trustme.CA())[1], "127.0.0.1")  # trusts another CA
    assert not session.handshake()
    incoming.write(session.pending_output())
    with pytest.raises(ssl.SSLWantReadError):
        server.do_handshake()
    session.received(outgoing.read())
    with pytest.raises(ssl.SSLCertVerificationError):
        session.handshake()


# ---- through the async driver -------------------------------------------------------------------


def _loops() -> list[Any]:
    loops: list[Any] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    try:
        import uvloop
    except ImportError:
        return loops
    return [*loops, pytest.param(uvloop.new_event_loop, id="uvloop")]


LOOPS = _loops()


def _run(new_loop: Callable[[], asyncio.AbstractEventLoop], coro: Coroutine[Any, Any, Any]) -> Any:
    loop = new_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(coro, 10))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())  # closes the loop's pools
        loop.close()


def _register(url: str, timeout: Timeouts | None = None) -> None:
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        base_url=url + "/v1",
        api_key="k",
        max_retries=0,
        timeout=timeout or Timeouts(connect=5.0),
    )


@contextmanager
def _listener() -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield sock, "https://{}:{}".format(*sock.getsockname())
    finally:
        sock.close()


@contextmanager
def _trusting(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The own transport trusts `ca`, as a user makes it (SSL_CERT_FILE)."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    yield


@pytest.mark.parametrize("new_loop", LOOPS)
def test_a_server_that_never_answers_the_handshake_is_a_connect_timeout(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    """It accepts the connection and reads the ClientHello, then says nothing: the connect
    timeout covers the handshake, well before the first-byte timeout."""
    held: list[socket.socket] = []
    with _listener() as (sock, url):

        def accept() -> None:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)

        threading.Thread(target=accept, daemon=True).start()
        _register(url, Timeouts(connect=0.2, first_byte=30.0, read=30.0))
        _, error, message = _run(new_loop, aoutcome(model()))
    for conn in held:
        conn.close()
    assert error is llm.TimeoutError, message
    assert "connect timeout (0.2 s)" in message
    assert "TLS handshake" in message


@pytest.mark.parametrize("new_loop", LOOPS)
def test_an_untrusted_certificate_is_a_connection_error(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server_context, _ = _contexts(ca)
    with _listener() as (sock, url), _trusting(trustme.CA(), tmp_path, monkeypatch):

        def serve() -> None:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            try:
                server_context.wrap_socket(conn, server_side=True).close()
            except OSError:
                conn.close()

        threading.Thread(target=serve, daemon=True).start()
        _register(url)
        text, error, message = _run(new_loop, aoutcome(model()))
    assert (text, error) == ("", llm.ConnectionError), message
    assert "SSLCertVerificationError" in message


def _notify_after_each_response(sock: socket.socket, context: ssl.SSLContext) -> list[str]:
    """Serves one response per connection, then ends its TLS session with close_notify,
    keeping the TCP connection open, and waits for the client's close_notify; returns how
    each connection ended, in order: "clean" (the client ended the session too, sending
    nothing more on it) or "broken"."""
    ends: list[str] = []
    held: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            tls = context.wrap_socket(conn, server_side=True)
            request = b""
            while b"\r\n\r\n" not in request:
                request += tls.recv(65536)
            head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            tls.sendall(head + b"transfer-encoding: chunked\r\n\r\n" + chunked(BODY, [300]))
            held.append(tls.unwrap())  # close_notify, then the client's
            ends.append("clean")
        except OSError:
            ends.append("broken")
            conn.close()

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                for conn in held:
                    conn.close()
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return ends


@pytest.mark.parametrize("new_loop", LOOPS)
def test_a_kept_alive_connection_whose_session_the_server_ended_is_not_reused(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server ends the TLS session of the idle connection: the next request goes on a
    new connection (nothing is written on the ended session, which is closed with a
    close_notify of ours), and the user sees two whole answers."""
    server_context, _ = _contexts(ca)
    with _listener() as (sock, url), _trusting(ca, tmp_path, monkeypatch):
        ends = _notify_after_each_response(sock, server_context)
        _register(url)

        async def two() -> list[tuple[str, Any, str]]:
            first = await aoutcome(model())
            await asyncio.sleep(0.1)  # the close_notify arrives while the connection is idle
            second = await aoutcome(model())
            for _ in range(500):  # until the server has seen the first connection end
                if ends:
                    break
                await asyncio.sleep(0.01)
            return [first, second]

        results = _run(new_loop, two())
    assert results == [(EXPECTED, None, "")] * 2
    assert ends[:1] == ["clean"]


def _serve_then_corrupt(sock: socket.socket, context: ssl.SSLContext, part: bytes) -> None:
    """One connection: the handshake, the response head and `part` of the body as TLS
    records, then bytes that are no TLS record (the connection held open after them)."""
    held: list[socket.socket] = []

    def serve() -> None:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        held.append(conn)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        request = b""
        try:
            while b"\r\n\r\n" not in request:
                incoming.write(conn.recv(65536))
                try:
                    if tls.do_handshake() is None:
                        request += tls.read(65536)
                except ssl.SSLWantReadError:
                    pass
                conn.sendall(outgoing.read())
            tls.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + part)
            conn.sendall(outgoing.read())
            conn.sendall(
                b"\x17\x03\x03\x00\x20" + b"\x00" * 32
            )  # an application record that fails its check
            conn.recv(1)  # until the client goes
        except OSError:
            pass
        finally:
            conn.close()

    threading.Thread(target=serve, daemon=True).start()


@pytest.mark.parametrize("new_loop", LOOPS)
def test_a_corrupt_record_mid_stream_is_a_connection_error_keeping_what_arrived(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server_context, _ = _contexts(ca)
    cut = BODY.index(b"\n\n", len(BODY) // 3) + 2
    with _listener() as (sock, url), _trusting(ca, tmp_path, monkeypatch):
        _serve_then_corrupt(
            sock, server_context, chunked(BODY[:cut], [4096]).removesuffix(b"0\r\n\r\n")
        )
        _register(url)
        text, error, message = _run(new_loop, aoutcome(model()))
    assert error is llm.ConnectionError, message
    assert "SSLError" in message
    assert text and EXPECTED.startswith(text)

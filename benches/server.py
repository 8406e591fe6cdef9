"""A fast loopback HTTP/1.1 server for the end-to-end and concurrency benchmarks.

It serves pre-generated SSE bodies at full speed from its own process, so the client's
`time.process_time()` measures only the client. Every body is framed once (when first asked
for) and then written to the socket with one `write` per response: the server does almost no
work per request, and one asyncio loop keeps a thousand concurrent streams busy.

Bodies live in a directory, one file per body (`<name>.sse`). The client picks the body and
the framing through the URL prefix, so one server serves every case and every provider path:

    POST /b/<name>/<framing>/<anything the SDK appends>

    base_url (OpenAI)    = f"{url}/b/<name>/event/v1"
    base_url (Anthropic) = f"{url}/b/<name>/event"
    base_url (Google)    = f"{url}/b/<name>/event"

Framings (`Transfer-Encoding: chunked` unless said otherwise):

- `event`   one HTTP chunk per SSE event, as the real APIs send them (they flush every
            token). httpx/h11 hand one HTTP chunk per read to the client, so every SSE
            event is one network read for the client, whatever the socket delivers at once.
- `<n>`     HTTP chunks of n bytes cut anywhere (inside lines, JSON, UTF-8 sequences): a
            proxy that re-buffers the stream; n=65536 is the cheapest case for a client.
- `length`  no chunking, `Content-Length`: reads are whatever the socket delivers.
- `event@r` the `event` framing paced at r events per second per stream (a model's token
            rate): one ticker writes what is due on every connection each millisecond, the
            streams' start times staggered over the first 1/r seconds.

Run standalone (prints the URL on its first line of stdout, then serves until killed):

    python benches/server.py --dir /tmp/bodies [--port 0] [--tls-cert C --tls-key K]

With a certificate it speaks HTTPS (`BenchServer(directory, tls=True)` makes one from a
throwaway `trustme` CA and exposes the CA file as `ca_file`: clients trust it through
`SSL_CERT_FILE`, which httpx honours for ferriscope and for Mirascope's SDK clients alike).

or from Python: `with BenchServer(directory) as url: ...` (starts the script as a child
process and stops it on exit). `build_body(kind, n)` and `write_body` generate the bodies in
the client process, written by `ferriscope.testing.synth` (its realistic Chat Completions and
Anthropic text streams; Responses, Gemini, tool calls and structured output from replies).
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import random
import re
import resource
import ssl
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BenchServer", "Body", "build_body", "frame", "serve", "split_events", "write_body"]

_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def split_events(body: bytes) -> list[bytes]:
    """The body cut after each blank line (one SSE event per piece, terminator included)."""
    out: list[bytes] = []
    start = 0
    for m in _EVENT_END.finditer(body):
        out.append(body[start : m.end()])
        start = m.end()
    if start < len(body):
        out.append(body[start:])
    return out


def _chunked(pieces: list[bytes]) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p]
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\n"
)


def frame(body: bytes, framing: str) -> bytes:
    """Response head and body for `framing` (see the module docstring)."""
    if framing == "length":
        return _HEAD + b"content-length: %d\r\n\r\n" % len(body) + body
    head = _HEAD + b"transfer-encoding: chunked\r\n\r\n"
    if framing == "event":
        return head + _chunked(split_events(body))
    size = int(framing)
    return head + _chunked([body[i : i + size] for i in range(0, len(body), size)])


def paced_pieces(body: bytes) -> list[bytes]:
    """The `event` framing as separate writes: the head (with nothing else), one HTTP
    chunk per SSE event, and the terminating chunk."""
    pieces = [b"%x\r\n%s\r\n" % (len(p), p) for p in split_events(body) if p]
    pieces[-1] += b"0\r\n\r\n"
    return [_HEAD + b"transfer-encoding: chunked\r\n\r\n", *pieces]


_NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
)


class _Store:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cache: dict[tuple[str, str], Any] = {}

    def response(self, path: str) -> tuple[bytes | list[bytes], float]:
        """The response for `path`: all its bytes, or (paced) its pieces and their rate."""
        parts = path.split("/")
        # ["", "b", name, framing, ...]
        if len(parts) < 4 or parts[1] != "b":
            return self._missing(f"bad path {path}"), 0.0
        name, framing = parts[2], parts[3]
        framing, _, rate = framing.partition("@")
        key = (name, framing if not rate else "paced")
        cached = self.cache.get(key)
        if cached is None:
            file = self.directory / f"{name}.sse"
            if not file.exists():
                return self._missing(f"no body {name}"), 0.0
            data = file.read_bytes()
            cached = self.cache[key] = paced_pieces(data) if rate else frame(data, framing)
        return cached, float(rate or 0)

    @staticmethod
    def _missing(message: str) -> bytes:
        body = json.dumps({"error": {"message": message, "type": "not_found"}}).encode()
        return _NOT_FOUND % (len(body), body)


class _Paced:
    __slots__ = ("done", "pieces", "rate", "sent", "start", "writer")

    def __init__(
        self, writer: asyncio.StreamWriter, pieces: list[bytes], rate: float, start: float
    ) -> None:
        self.writer = writer
        self.pieces = pieces
        self.rate = rate
        self.start = start
        self.sent = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class _Pacer:
    """One ticker (every millisecond) writes what is due on every paced connection: event i
    of a stream is sent at `start + i / rate`, `start` staggered over the first 1/rate
    seconds so that the streams do not all tick together."""

    TICK = 0.001

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, _Paced]] = []
        self.seq = 0
        self.task: asyncio.Task[None] | None = None

    def send(self, writer: asyncio.StreamWriter, pieces: list[bytes], rate: float) -> _Paced:
        loop = asyncio.get_running_loop()
        writer.write(pieces[0])  # the head at once: the client's request returns
        state = _Paced(writer, pieces, rate, loop.time() + random.random() / rate)
        state.sent = 1
        self._push(state)
        if self.task is None:
            self.task = loop.create_task(self._run())
        return state

    def _push(self, state: _Paced) -> None:
        self.seq += 1
        due = state.start + (state.sent - 1) / state.rate
        heapq.heappush(self.heap, (due, self.seq, state))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        heap = self.heap
        while True:
            now = loop.time()
            while heap and heap[0][0] <= now:
                state = heapq.heappop(heap)[2]
                if state.writer.is_closing():
                    state.done.set_result(None)
                    continue
                due = min(len(state.pieces), int((now - state.start) * state.rate) + 2)
                if due > state.sent:
                    state.writer.write(b"".join(state.pieces[state.sent : due]))
                    state.sent = due
                if state.sent >= len(state.pieces):
                    state.done.set_result(None)
                else:
                    self._push(state)
            await asyncio.sleep(self.TICK)


async def _handle(
    store: _Store, pacer: _Pacer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1].split("?")[0]
            length = 0
            chunked = False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            if chunked:  # a request body sent chunked: skip it
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            elif length:
                await reader.readexactly(length)
            response, rate = store.response(path)
            if isinstance(response, list):
                await pacer.send(writer, response, rate).done
            else:
                writer.write(response)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(
    directory: Path, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
) -> None:
    """Serves `directory` until cancelled; prints the URL first."""
    store = _Store(directory)
    pacer = _Pacer()
    server = await asyncio.start_server(
        lambda r, w: _handle(store, pacer, r, w),
        host,
        port,
        backlog=4096,
        limit=1 << 20,
        ssl=tls,
    )
    sock_host, sock_port = server.sockets[0].getsockname()[:2]
    scheme = "https" if tls is not None else "http"
    print(f"{scheme}://{sock_host}:{sock_port}", flush=True)
    async with server:
        await server.serve_forever()


# The CPUs this process may use at import, before any server pinned it to fewer.
_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


class BenchServer:
    """`benches/server.py` as a child process: `with BenchServer(dir) as url: ...`."""

    def __init__(self, directory: str | os.PathLike[str], *, tls: bool = False) -> None:
        self.directory = Path(directory)
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.tls = tls
        self.ca_file = ""
        self._client_cpus: set[int] | None = None

    def __enter__(self) -> str:
        args = [sys.executable, __file__, "--dir", str(self.directory)]
        if self.tls:
            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1")
            paths = {name: self.directory / f"tls-{name}.pem" for name in ("ca", "cert", "key")}
            ca.cert_pem.write_to_path(str(paths["ca"]))
            cert.cert_chain_pems[0].write_to_path(str(paths["cert"]))
            cert.private_key_pem.write_to_path(str(paths["key"]))
            self.ca_file = str(paths["ca"])
            args += ["--tls-cert", str(paths["cert"]), "--tls-key", str(paths["key"])]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith(("http://", "https://")):
            self.process.kill()
            raise RuntimeError("benches/server.py did not start")
        self._pin()
        return self.url

    def _pin(self) -> None:
        """Server and client on different CPUs, when there are two or more: sharing a core
        with the server's writes made the client's CPU per chunk vary by up to 2× between runs
        on a 2-core machine (cache and scheduler effects), for either library."""
        if not _CPUS or len(_CPUS) < 2 or self.process is None:
            return
        self._client_cpus = os.sched_getaffinity(0)
        # The client away from CPU 0, which takes more of the kernel's own work on this VM.
        os.sched_setaffinity(self.process.pid, {_CPUS[0]})
        os.sched_setaffinity(0, set(_CPUS[1:]))  # inherited by client subprocesses

    def __exit__(self, *exc_info: object) -> None:
        if self._client_cpus is not None:
            os.sched_setaffinity(0, self._client_cpus)
            self._client_cpus = None
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()  # the pipe the URL came through
            self.process = None


# ---- the bodies -----------------------------------------------------------------------------
# Built in the client process (they need ferriscope's generators), written to the server's
# directory, then served from there. Imports are lazy so the server process stays light.


@dataclass(frozen=True)
class Body:
    """One generated response body and what a client must get out of it."""

    name: str
    wire_format: str
    body: bytes
    #: The deltas of the streamed content (text deltas, or tool-call argument deltas).
    deltas: int
    #: The concatenated text of the response ("" for tool calls).
    text: str = ""
    #: Tool call id → full argument JSON text.
    tool_args: dict[str, str] = field(default_factory=dict)


def text_deltas(n: int, seed: int = 0) -> list[str]:
    """`n` text deltas drawn like the realistic streams' (a word or two, with punctuation,
    escapes and multi-byte UTF-8)."""
    from ferriscope.testing.synth import token_deltas

    return token_deltas(n, seed=seed)


# Bytes per text event of the realistic streams (for sizing by chunk count).
_BYTES_PER_DELTA = {"openai-completions": 330, "anthropic": 137}


def _sized(generator: Any, wire: str, n: int) -> tuple[bytes, str, int]:
    stream = generator(_BYTES_PER_DELTA[wire] * n + 1000)
    return stream.body, stream.text, stream.n_text_deltas


def _interleaved_tool_calls(
    n_calls: int, deltas: int, seed: int = 0
) -> tuple[bytes, dict[str, str], int]:
    """A Chat Completions stream of `n_calls` parallel tool calls whose argument deltas
    interleave round-robin (`index` keyed; each call's first delta carries `id` and `name`)."""
    from ferriscope.testing.synth import CompletionsEnvelope

    rng = random.Random(seed)
    per_call = max(1, deltas // n_calls)
    args: dict[str, str] = {}
    pieces: dict[int, list[str]] = {}
    for i in range(n_calls):
        words = text_deltas(per_call, seed=seed * 100 + i)
        notes = "".join(words)
        full = json.dumps(
            {"city": f"City {i}", "notes": notes, "days": i + 1}, separators=(",", ":")
        )
        # cut into `per_call` pieces of about equal size
        step = max(1, -(-len(full) // per_call))
        cut = [full[j : j + step] for j in range(0, len(full), step)]
        pieces[i] = cut
        args[f"call_{i:02d}_{rng.randrange(1 << 30):08x}"] = full
    ids = list(args)
    head = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_bench",
    }
    envelope = CompletionsEnvelope(head, live_nulls=True)
    out: list[str] = []

    def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
        out.append(envelope.chunk(delta, finish))

    chunk({"role": "assistant", "content": None, "refusal": None})
    started: set[int] = set()
    cursor = dict.fromkeys(range(n_calls), 0)
    while any(cursor[i] < len(pieces[i]) for i in range(n_calls)):
        for i in range(n_calls):
            if cursor[i] >= len(pieces[i]):
                continue
            if i not in started:  # the call's first delta: id and name, no arguments yet
                started.add(i)
                function = {"name": "get_weather", "arguments": ""}
                start = {"index": i, "id": ids[i], "type": "function", "function": function}
                chunk({"tool_calls": [start]})
            piece = pieces[i][cursor[i]]
            cursor[i] += 1
            chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
    chunk({}, "tool_calls")
    usage = {"prompt_tokens": 50, "completion_tokens": deltas, "total_tokens": 50 + deltas}
    out += [envelope.usage(usage), "data: [DONE]\n\n"]
    return "".join(out).encode(), args, sum(len(p) for p in pieces.values())


def shelf_document(n_chars: int) -> str:
    """`{"books": [...]}` of about `n_chars` characters (books from `benches/books.py`)."""
    from benches.books import books_document

    return '{"books": ' + books_document(n_chars) + "}"


def build_body(kind: str, n: int) -> Body:
    """The body of case `kind` with about `n` content deltas.

    kinds: `openai-completions` / `anthropic` (the realistic text streams, sized by
    bytes, so the delta count is approximate), `openai-responses` / `google` (text deltas
    written by `ferriscope.testing.synth`), `tools8` (8 interleaved Chat Completions tool
    calls, n argument deltas in all), `tools8-sequential` (the same calls one after the
    other), `shelf` (a JSON document of books as Chat Completions text in 1-8 character
    deltas).
    """
    from ferriscope.testing import synth

    name = f"{kind}-{n}"
    if kind == "openai-completions":
        body, text, count = _sized(synth.realistic_completions_stream, kind, n)
        return Body(name, kind, body, count, text)
    if kind == "anthropic":
        body, text, count = _sized(synth.realistic_anthropic_stream, kind, n)
        return Body(name, kind, body, count, text)
    if kind in ("openai-responses", "google"):
        deltas = text_deltas(n)
        body = synth.stream_for(kind, synth.Reply(text=deltas, model="gpt-4o"))
        return Body(name, kind, body, len(deltas), "".join(deltas))
    if kind == "tools8":
        body, args, count = _interleaved_tool_calls(8, n)
        return Body(name, "openai-completions", body, count, tool_args=args)
    if kind == "tools8-sequential":
        _, args, _ = _interleaved_tool_calls(8, n)
        calls = [
            synth.SynthToolCall(id, "get_weather", json.loads(full), pieces=n // 8)
            for id, full in args.items()
        ]
        body = synth.openai_completions_stream(synth.Reply(tool_calls=calls, model="gpt-4o"))
        # synth cuts `json.dumps(args)` (with spaces): keep what it sends as the truth
        args = {c.id: json.dumps(c.args) for c in calls}
        count = sum(len(synth.cut(a, n // 8)) for a in args.values())
        return Body(name, "openai-completions", body, count, tool_args=args)
    if kind == "shelf":
        from benches.books import char_pieces

        doc = shelf_document(n * 4)  # 1-8 characters a delta: about 4.5 on average
        deltas = char_pieces(doc)
        body = synth.openai_completions_stream(synth.Reply(text=deltas, model="gpt-4o"))
        return Body(name, "openai-completions", body, len(deltas), doc)
    raise ValueError(f"unknown body kind {kind!r}")


def write_body(directory: str | os.PathLike[str], body: Body) -> str:
    """Writes `body` where the server finds it; returns its name."""
    (Path(directory) / f"{body.name}.sse").write_bytes(body.body)
    return body.name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="directory of <name>.sse bodies")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = parser.parse_args(argv)
    _raise_fd_limit()
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    try:
        asyncio.run(serve(Path(args.dir), args.host, args.port, tls))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

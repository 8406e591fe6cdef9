"""`python -m ferriscope bench`: ferriscope against its peers, in the same run, on the same bytes.

    python -m ferriscope bench                          # sse, decode, partial-json
    python -m ferriscope bench partial-json --json-kb 10,100
    python -m ferriscope bench e2e concurrency          # from a checkout: the pytest suites
    python -m ferriscope bench short-answers            # whole short answers, import time
    python -m ferriscope bench all                      # everything this directory can run

No pytest needed for the kinds measured here: every case runs a few times under
`time.perf_counter` (or, with `--timer process_time`, CPU time, steadier on a busy machine)
and the best run is reported, with the ratio peer time / ferriscope time. The same
implementations and workloads drive the pytest-benchmark suites in `benches/`, so both
measure exactly the same code paths on the same bytes.

- **sse** (a synthetic ~20 MB body cut into random 1-16 KB reads, see `_benchdata`): bytes →
  one event object per SSE event, every event's `event` and `data` read once. ferriscope's
  `SSEDecoder` against httpx-sse (its line decoder and event decoder, driven exactly as
  `EventSource.iter_sse` drives them over `iter_text`), and the SSE decoders of the openai
  and anthropic SDKs (`SSEDecoder.iter_bytes`). The `via httpx` rows run both sides through
  an `httpx.Response` streaming the same pieces.
- **decode** (the same bodies): bytes → typed chunk objects. ferriscope's `StreamDecoder`
  against the SDK typed streams Mirascope 2.8.2 consumes: `openai.Stream[ChatCompletionChunk]`
  and `anthropic.Stream[RawMessageStreamEvent]`, plus `MessageStream`, which Mirascope's
  Anthropic provider wraps around it; its text accumulation is quadratic, so it runs on its
  own 1 MB body (`--message-stream-mb`). Per-item costs are per ferriscope chunk and per SDK
  event.
- **partial-json** (`benches/test_bench_partial_json.py`'s workload): the books document of
  `_benchbooks` (1 KB to 1 MB, `--json-kb`) arrives in 1-8 character pieces and the partial
  value is read after every piece. ferriscope's `PartialJSONParser` feeds each piece once;
  its peers have no incremental API, so they re-parse the whole prefix every time: jiter and
  pydantic-core in trailing-strings partial mode, partial-json-parser and json-repair (each
  skipped with a note when not installed), and one `json.loads` of the whole document is the
  floor. A peer whose full run is estimated to exceed `--peer-budget` seconds re-parses every
  Nth prefix only (spread evenly); its row says "sampled 1/N" and its time is ×N.
- **e2e**, **concurrency**: ferriscope against Mirascope 2.8.2 through the loopback HTTP
  server of `benches/server.py` (text_stream() on 4 providers, structured_stream(), 8
  interleaved tool calls; many async streams and memory). The server and the suites are not
  in the wheel, so these run `benches/test_bench_e2e.py` / `benches/test_bench_concurrency.py`
  under pytest in a child process, from the root of a checkout only (exit status 2
  elsewhere). Their `FERRISCOPE_E2E_*` / `FERRISCOPE_CONC_*` settings pass through the
  environment; the suites print their own tables and write JSON to the temp directory.
- **short-answers**: the client CPU of one whole streamed answer (request to the end of
  `text_stream()`) at 1, 50 and 300 Chat Completions deltas, sync, async and over TLS:
  ferriscope (default path, and with an explicit `httpx.Client`), Mirascope 2.8.2, the
  openai SDK, httpx with `iter_lines` and `json.loads`, and bare requests that only read the
  body bytes (httpx, httpx2, pyreqwest, aiohttp); then the import time of `from ferriscope
  import llm` against `import pydantic`, and the field (pydantic-ai, litellm) when its venv
  exists. Runs `benches/test_bench_short_answers.py` from a checkout, as e2e does
  (`FERRISCOPE_SHORT_*`).

Each run is checked (event count and data size for SSE, the decoded text for decode, the last
partial value against `json.loads` for partial JSON); a mismatch is reported in the table
instead of a time and makes the exit status 1, as does a failing pytest suite.
"""

from __future__ import annotations

import argparse
import codecs
import functools
import gc
import importlib
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ferriscope._benchbooks import books_document, byte_pieces, char_pieces
from ferriscope._benchdata import (
    DEFAULT_SIZE,
    SyntheticStream,
    anthropic_messages_stream,
    openai_completions_stream,
    split_pieces,
)

__all__ = [
    "DEFAULT_JSON_SIZES",
    "PARTIAL_PEERS",
    "BooksWorkload",
    "Case",
    "Impl",
    "Measurement",
    "ReparsePeer",
    "books_workload",
    "cases",
    "decode_impls",
    "main",
    "make_response",
    "partial_json_impls",
    "sse_impls",
    "streams",
]

Pieces = Sequence[bytes]

#: Partial-JSON document sizes: from one structured answer to a very long one.
DEFAULT_JSON_SIZES = (1_000, 10_000, 100_000, 1_000_000)

_URLS = {
    "openai-completions": "https://api.openai.com/v1/chat/completions",
    "anthropic": "https://api.anthropic.com/v1/messages",
}


def make_response(pieces: Pieces, url: str = "https://api.openai.com/v1/chat/completions") -> Any:
    """A streaming `httpx.Response` whose body arrives as `pieces`, as a network read would."""
    import httpx

    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream; charset=utf-8"},
        content=iter(pieces),
        request=httpx.Request("POST", url),
    )


# ---- SSE: bytes → event objects -----------------------------------------------------------
# Each returns (events, characters of data): the consumer reads `event` and `data` once.


def _consume_events(events: Iterator[Any]) -> tuple[int, int]:
    n = 0
    chars = 0
    for ev in events:
        ev.event  # noqa: B018 (a consumer looks at the type)
        chars += len(ev.data)
        n += 1
    return n, chars


def _ferriscope_events(pieces: Pieces) -> Iterator[Any]:
    from ferriscope.sse import SSEDecoder

    decoder = SSEDecoder()
    for piece in pieces:
        yield from decoder.feed(piece)
    yield from decoder.finish()


def sse_ferriscope(pieces: Pieces) -> tuple[int, int]:
    """`ferriscope.sse.SSEDecoder.feed` per read."""
    return _consume_events(_ferriscope_events(pieces))


def sse_ferriscope_httpx(pieces: Pieces) -> tuple[int, int]:
    """`ferriscope.sse.iter_sse` over an `httpx.Response`."""
    from ferriscope.sse import iter_sse

    return _consume_events(iter_sse(make_response(pieces)))


def _httpx_sse_events(pieces: Pieces) -> Iterator[Any]:
    # `EventSource.iter_sse` without the httpx.Response: `iter_text` is an incremental UTF-8
    # decoder (errors="replace") that drops empty results, then httpx-sse's line decoder,
    # `rstrip("\n")` and its event decoder.
    decoders = importlib.import_module("httpx_sse._decoders")
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = decoders.SSELineDecoder()
    decoder = decoders.SSEDecoder()

    def all_lines() -> Iterator[str]:
        for piece in pieces:
            text = text_decoder.decode(piece)
            if text:
                yield from lines.decode(text)
        tail = text_decoder.decode(b"", True)
        if tail:
            yield from lines.decode(tail)
        yield from lines.flush()

    for line in all_lines():
        sse = decoder.decode(line.rstrip("\n"))
        if sse is not None:
            yield sse


def sse_httpx_sse(pieces: Pieces) -> tuple[int, int]:
    """httpx-sse's `SSELineDecoder` + `SSEDecoder`, driven as `EventSource.iter_sse` does."""
    return _consume_events(_httpx_sse_events(pieces))


def sse_httpx_sse_httpx(pieces: Pieces) -> tuple[int, int]:
    """`httpx_sse.EventSource(response).iter_sse()` over an `httpx.Response`."""
    event_source = importlib.import_module("httpx_sse").EventSource
    return _consume_events(event_source(make_response(pieces)).iter_sse())


def sse_openai_sdk(pieces: Pieces) -> tuple[int, int]:
    """`openai._streaming.SSEDecoder().iter_bytes` over the reads."""
    decoder = importlib.import_module("openai._streaming").SSEDecoder()
    return _consume_events(decoder.iter_bytes(iter(pieces)))


def sse_anthropic_sdk(pieces: Pieces) -> tuple[int, int]:
    """`anthropic._streaming.SSEDecoder().iter_bytes` over the reads."""
    decoder = importlib.import_module("anthropic._streaming").SSEDecoder()
    return _consume_events(decoder.iter_bytes(iter(pieces)))


# ---- decode: bytes → typed chunks ---------------------------------------------------------


def decode_ferriscope(pieces: Pieces, wire_format: str) -> list[Any]:
    """`ferriscope._core.StreamDecoder(wire_format).feed` per read, then `finish`."""
    from ferriscope._core import StreamDecoder

    decoder = StreamDecoder(wire_format)
    chunks: list[Any] = []
    for piece in pieces:
        chunks += decoder.feed(piece)
    chunks += decoder.finish()
    return chunks


def decode_ferriscope_httpx(pieces: Pieces, wire_format: str) -> list[Any]:
    """`StreamDecoder.feed` over `httpx.Response.iter_bytes()`."""
    from ferriscope._core import StreamDecoder

    decoder = StreamDecoder(wire_format)
    chunks: list[Any] = []
    response = make_response(pieces, _URLS[wire_format])
    for data in response.iter_bytes():
        chunks += decoder.feed(data)
    chunks += decoder.finish()
    return chunks


_clients: dict[str, Any] = {}


def _client(module: str) -> Any:
    """One SDK client per process (constructing it is not part of streaming)."""
    if module not in _clients:
        mod = importlib.import_module(module)
        cls = mod.OpenAI if module == "openai" else mod.Anthropic
        _clients[module] = cls(api_key="x")
    return _clients[module]


def decode_openai_sdk(pieces: Pieces) -> list[Any]:
    """`openai.Stream[ChatCompletionChunk]` over an `httpx.Response` (Mirascope 2.8.2's path)."""
    openai = importlib.import_module("openai")
    chunk = importlib.import_module("openai.types.chat").ChatCompletionChunk
    stream = openai.Stream(
        cast_to=chunk,
        response=make_response(pieces, _URLS["openai-completions"]),
        client=_client("openai"),
    )
    return list(stream)


def _anthropic_stream(pieces: Pieces) -> Any:
    anthropic = importlib.import_module("anthropic")
    event = importlib.import_module("anthropic.types").RawMessageStreamEvent
    return anthropic.Stream(
        cast_to=event,
        response=make_response(pieces, _URLS["anthropic"]),
        client=_client("anthropic"),
    )


def decode_anthropic_sdk(pieces: Pieces) -> list[Any]:
    """`anthropic.Stream[RawMessageStreamEvent]` over an `httpx.Response`."""
    return list(_anthropic_stream(pieces))


def decode_anthropic_message_stream(pieces: Pieces) -> list[Any]:
    """`anthropic.lib.streaming.MessageStream` around that `Stream` (what Mirascope 2.8.2's
    Anthropic provider iterates: it also accumulates the message snapshot)."""
    anthropic = importlib.import_module("anthropic")
    streaming = importlib.import_module("anthropic.lib.streaming")
    return list(streaming.MessageStream(_anthropic_stream(pieces), anthropic.NOT_GIVEN))


# ---- correctness guards (outside the timed region) ----------------------------------------


def text_of_ferriscope(chunks: Sequence[Any]) -> str:
    """The text of ferriscope chunks; raises `ValueError` on a stream error chunk."""
    for c in chunks:
        if c.type == "stream_error_chunk":
            raise ValueError(f"{c.error_class}: {c.message}")
    return "".join(c.delta for c in chunks if c.type == "text_chunk")


def text_of_openai(chunks: Sequence[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def text_of_anthropic(events: Sequence[Any]) -> str:
    return "".join(
        e.delta.text
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )


def expected_sse(stream: SyntheticStream) -> tuple[int, int]:
    """(events, characters of data) an SSE decoder must find in `stream`."""
    return stream.n_events, _data_chars(stream)


_data_chars_cache: dict[int, int] = {}


def _data_chars(stream: SyntheticStream) -> int:
    key = id(stream.body)
    if key not in _data_chars_cache:
        total = 0
        for block in stream.body.decode().split("\n\n"):
            data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
            total += len("\n".join(data))
        _data_chars_cache[key] = total
    return _data_chars_cache[key]


# ---- the cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Impl:
    """One implementation of a case: `run(pieces)` does the timed work and returns what
    `check` verifies (an error message, or None) and `count` turns into the item count."""

    name: str
    run: Callable[[Pieces], Any]
    count: Callable[[Any], int]
    check: Callable[[Any], str | None]
    #: Modules that must be importable (peers are optional).
    requires: tuple[str, ...] = ()
    #: The ferriscope row this peer is compared with.
    baseline: str = "ferriscope"
    #: Seconds per round on a 20 MB body (the SDK typed streams): fewer rounds.
    slow: bool = False
    #: `run` does 1/`every` of the work (a sampled re-parse peer): its time is scaled by it.
    every: int = 1
    #: Runs regardless of `--rounds` (a call of microseconds needs many to find its best).
    rounds: int | None = None

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)


def streams(size: int = DEFAULT_SIZE, seed: int = 0) -> dict[str, SyntheticStream]:
    """The benchmark bodies, by wire format."""
    return {
        "openai-completions": openai_completions_stream(size, seed=seed),
        "anthropic": anthropic_messages_stream(size, seed=seed),
    }


VIA_HTTPX = "ferriscope via httpx"


def sse_impls(stream: SyntheticStream) -> list[Impl]:
    """ferriscope first, then its peers, for the SSE case on `stream`."""
    want = expected_sse(stream)

    def check(got: tuple[int, int]) -> str | None:
        if got != want:
            return f"(events, data chars) {got} != expected {want}"
        return None

    def count(got: tuple[int, int]) -> int:
        return got[0]

    return [
        Impl("ferriscope", sse_ferriscope, count, check),
        Impl(VIA_HTTPX, sse_ferriscope_httpx, count, check, ("httpx",)),
        Impl("httpx-sse", sse_httpx_sse, count, check, ("httpx_sse",)),
        Impl("httpx-sse via httpx", sse_httpx_sse_httpx, count, check, ("httpx_sse",), VIA_HTTPX),
        Impl("openai SDK SSEDecoder", sse_openai_sdk, count, check, ("openai",)),
        Impl("anthropic SDK SSEDecoder", sse_anthropic_sdk, count, check, ("anthropic",)),
    ]


def decode_impls(stream: SyntheticStream, *, message_stream: bool = False) -> list[Impl]:
    """ferriscope first, then the SDK typed stream for the decode case on `stream`; with
    `message_stream`, also anthropic's `MessageStream` (quadratic: keep the body small)."""
    wire = stream.wire_format

    def check_ferriscope(chunks: list[Any]) -> str | None:
        try:
            text = text_of_ferriscope(chunks)
        except ValueError as e:
            return f"error chunk: {e}"
        return None if text == stream.text else _text_mismatch(text, stream.text)

    def check_with(text_of: Callable[[Sequence[Any]], str]) -> Callable[[list[Any]], str | None]:
        def check(items: list[Any]) -> str | None:
            text = text_of(items)
            return None if text == stream.text else _text_mismatch(text, stream.text)

        return check

    impls = [
        Impl("ferriscope", lambda p: decode_ferriscope(p, wire), len, check_ferriscope),
        Impl(VIA_HTTPX, lambda p: decode_ferriscope_httpx(p, wire), len, check_ferriscope),
    ]
    if wire == "openai-completions":
        check_openai = check_with(text_of_openai)
        impls.append(
            Impl(
                "openai.Stream",
                decode_openai_sdk,
                len,
                check_openai,
                ("openai",),
                VIA_HTTPX,
                slow=True,
            )
        )
    elif wire == "anthropic":
        check_anthropic = check_with(text_of_anthropic)
        impls.append(
            Impl(
                "anthropic.Stream",
                decode_anthropic_sdk,
                len,
                check_anthropic,
                ("anthropic",),
                VIA_HTTPX,
                slow=True,
            )
        )
        if message_stream:
            impls.append(
                Impl(
                    "anthropic MessageStream",
                    decode_anthropic_message_stream,
                    len,
                    check_anthropic,
                    ("anthropic",),
                    VIA_HTTPX,
                    slow=True,
                )
            )
    return impls


def _text_mismatch(got: str, want: str) -> str:
    i = next(
        (k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
        min(len(got), len(want)),
    )
    return f"text differs at char {i} (got {len(got)} chars, expected {len(want)})"


@dataclass(frozen=True)
class Case:
    name: str
    pieces: Pieces
    impls: list[Impl]


def cases(
    size: int = DEFAULT_SIZE,
    *,
    seed: int = 0,
    kinds: Sequence[str] = ("sse", "decode"),
    wires: Sequence[str] = ("openai-completions", "anthropic"),
    message_stream_size: int = 1_000_000,
    json_sizes: Sequence[int] = DEFAULT_JSON_SIZES,
    peer_budget: float = 2.0,
) -> Iterator[Case]:
    """The runner's cases, built as they are run (a case's bodies are big): per stream, SSE
    then decode; then anthropic's `MessageStream` on a `message_stream_size` body (0:
    skipped); then partial JSON at each of `json_sizes` bytes, a peer sampled where
    re-parsing every prefix would take over `peer_budget` seconds."""
    mb = f"{size / 1e6:g} MB"
    if "sse" in kinds or "decode" in kinds:
        for wire in wires:
            stream = streams(size, seed)[wire]
            pieces = split_pieces(stream.body, seed=seed)
            if "sse" in kinds:
                yield Case(f"sse {wire} {mb}", pieces, sse_impls(stream))
            if "decode" in kinds:
                yield Case(f"decode {wire} {mb}", pieces, decode_impls(stream))
    if "decode" in kinds and "anthropic" in wires and message_stream_size > 0:
        stream = anthropic_messages_stream(message_stream_size, seed=seed)
        impls = [
            i for i in decode_impls(stream, message_stream=True) if i.name != "anthropic.Stream"
        ]
        name = f"decode anthropic {message_stream_size / 1e6:g} MB"
        yield Case(name, split_pieces(stream.body, seed=seed), impls)
    if "partial-json" in kinds:
        for json_size in json_sizes:
            w = books_workload(json_size)
            yield Case(
                f"partial-json {_size_label(json_size)}", (), partial_json_impls(w, peer_budget)
            )


def _size_label(size: int) -> str:
    return f"{size / 1e6:g} MB" if size >= 1_000_000 else f"{size / 1e3:g} KB"


# ---- partial JSON: the books document, value() after every 1-8 character piece -----------


@dataclass(frozen=True)
class BooksWorkload:
    """`benches/test_bench_partial_json.py`'s workload: the document, its pieces (as token
    deltas arrive) and where each piece ends, so a re-parse peer gets exactly the prefixes
    ferriscope has seen."""

    text: str
    data: bytes
    pieces: list[str]
    bytes_pieces: list[bytes]
    #: The end of each str piece as a UTF-8 byte offset and as a character offset.
    byte_ends: list[int]
    char_ends: list[int]
    expected: Any


@functools.cache
def books_workload(size: int) -> BooksWorkload:
    """The books document of at least `size` bytes, cut as the pytest suite cuts it."""
    text = books_document(size)
    pieces = char_pieces(text)
    byte_ends, char_ends = [], []
    nbytes = nchars = 0
    for piece in pieces:
        nchars += len(piece)
        nbytes += len(piece.encode())
        char_ends.append(nchars)
        byte_ends.append(nbytes)
    data = text.encode()
    return BooksWorkload(
        text, data, pieces, byte_pieces(data), byte_ends, char_ends, json.loads(text)
    )


@dataclass(frozen=True)
class ReparsePeer:
    """A parser with no incremental API: a partial value costs a parse of the whole prefix."""

    name: str
    module: str
    #: Parses bytes (the UTF-8 prefix) rather than str.
    takes_bytes: bool
    #: Resolves the parse function once, so the timed loop pays only for the parse.
    load: Callable[[], Callable[[Any], Any]]


def _attr(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


#: How each peer parses one prefix, exactly as `benches/test_bench_partial_json.py` calls it.
PARTIAL_PEERS: list[ReparsePeer] = [
    ReparsePeer(
        "jiter",
        "jiter",
        True,
        lambda: functools.partial(_attr("jiter", "from_json"), partial_mode="trailing-strings"),
    ),
    ReparsePeer(
        "pydantic_core",
        "pydantic_core",
        True,
        lambda: functools.partial(
            _attr("pydantic_core", "from_json"), allow_partial="trailing-strings"
        ),
    ),
    ReparsePeer(
        "partial_json_parser",
        "partial_json_parser",
        False,
        lambda: _attr("partial_json_parser", "loads"),
    ),
    ReparsePeer("json_repair", "json_repair", False, lambda: _attr("json_repair", "loads")),
]


def _nice_ceil(x: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `x`: sampling rates that read well
    and stay put when the calibration wobbles a little."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= x:
                return step * magnitude
        magnitude *= 10


def sample_every(
    parse: Callable[[Any], Any], source: Any, ends: Sequence[int], budget: float
) -> int:
    """1 if re-parsing the prefixes `source[:end]` for all `ends` should fit in `budget`
    seconds, else the N of "every Nth prefix". Estimated from a few prefixes spread over the
    document (a prefix's cost is not just its length: an unfinished one needs repairing)."""
    k = min(len(ends), 8)
    probes = [source[: ends[(2 * i + 1) * len(ends) // (2 * k)]] for i in range(k)]
    start = time.perf_counter()
    for prefix in probes:
        parse(prefix)
    estimate = (time.perf_counter() - start) / k * len(ends)
    # At least one prefix is parsed, however slow the peer.
    return 1 if estimate <= budget else min(_nice_ceil(estimate / budget), len(ends))


def _values_equal(got: Any, want: Any) -> str | None:
    if got == want:
        return None
    return f"the last partial value != json.loads of the document ({_describe(got)})"


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _ferriscope_partial(pieces: Sequence[str | bytes]) -> Callable[[Pieces], Any]:
    from ferriscope.partial_json import PartialJSONParser

    def run(_: Pieces) -> Any:
        parser = PartialJSONParser()
        value = None
        for piece in pieces:
            parser.feed(piece)
            value = parser.value()
        return value

    return run


def _reparse(parse: Callable[[Any], Any], prefixes: list[int], source: Any) -> Any:
    def run(_: Pieces) -> Any:
        value = None
        for end in prefixes:
            value = parse(source[:end])
        return value

    return run


def partial_json_impls(w: BooksWorkload, budget: float = 2.0) -> list[Impl]:
    """ferriscope on str pieces first, then on byte pieces (cut inside code points), the
    re-parse peers (sampled when a full run would exceed `budget` seconds), and one
    `json.loads` of the whole document as the floor."""
    n = len(w.pieces)

    def check(value: Any) -> str | None:
        return _values_equal(value, w.expected)

    def pieces_read(_: Any) -> int:
        return n

    impls = [
        Impl("ferriscope", _ferriscope_partial(w.pieces), pieces_read, check),
        Impl("ferriscope (bytes pieces)", _ferriscope_partial(w.bytes_pieces), pieces_read, check),
    ]
    for peer in PARTIAL_PEERS:
        impl = Impl(f"{peer.name} re-parse", _unavailable, pieces_read, check, (peer.module,))
        if impl.available():
            impl = _reparse_impl(impl, peer, w, budget)
        impls.append(impl)

    def loads(_: Pieces) -> Any:
        return json.loads(w.text)

    impls.append(Impl("json.loads (whole document, once)", loads, lambda _: 1, check, rounds=20))
    return impls


def _unavailable(_: Pieces) -> Any:
    raise RuntimeError("not installed")  # `measure` skips an unavailable impl first


def _reparse_impl(impl: Impl, peer: ReparsePeer, w: BooksWorkload, budget: float) -> Impl:
    parse = peer.load()
    source: Any = w.data if peer.takes_bytes else w.text
    ends = w.byte_ends if peer.takes_bytes else w.char_ends
    every = sample_every(parse, source, ends, budget)
    # Evenly spread prefixes (the middle of each run of `every`), so their total cost is
    # 1/every of parsing all of them, as in the pytest suite.
    prefixes = ends[every // 2 :: every]

    def check(value: Any) -> str | None:
        # A sampled run's last prefix is not the document: its last partial is parsed here,
        # outside the timed region.
        return impl.check(value if every == 1 else parse(source))

    name = impl.name if every == 1 else f"{impl.name} [sampled 1/{every}]"
    run = _reparse(parse, prefixes, source)
    return replace(impl, name=name, run=run, check=check, slow=True, every=every)


# ---- the runner ---------------------------------------------------------------------------


@dataclass
class Measurement:
    case: str
    impl: str
    baseline: str
    best: float | None = None  # seconds
    items: int = 0
    note: str = ""
    times: list[float] = field(default_factory=list)

    @property
    def per_item_us(self) -> float | None:
        if self.best is None or not self.items:
            return None
        return self.best / self.items * 1e6


def measure(
    case: str,
    impl: Impl,
    pieces: Pieces,
    rounds: int,
    timer: Callable[[], float] = time.perf_counter,
) -> Measurement:
    """Best of `rounds` runs; stops at the first run that fails its check."""
    m = Measurement(case, impl.name, impl.baseline)
    if not impl.available():
        m.note = f"skipped: {', '.join(impl.requires)} not installed"
        return m
    for _ in range(impl.rounds or rounds):
        gc.collect()
        start = timer()
        result = impl.run(pieces)
        elapsed = timer() - start
        error = impl.check(result)
        if error is not None:
            m.note = f"CHECK FAILED: {error}"
            m.best = None
            return m
        m.items = impl.count(result)
        m.times.append(elapsed * impl.every)
        del result
    m.best = min(m.times)
    if impl.every > 1:
        m.note = f"one prefix in {impl.every} re-parsed, the time shown is ×{impl.every}"
    return m


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.machine()}"
    )


def _fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1e3
    return f"{ms:,.1f}" if ms >= 1 else f"{ms:.3f}"


def _fmt_us(us: float | None) -> str:
    return "-" if us is None else f"{us:,.2f}"


def _fmt_ratio(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def render(results: Sequence[Measurement]) -> str:
    """Plain-text table: one row per peer, next to the ferriscope row it is compared with
    (ratio = peer time / ferriscope time)."""
    by_key = {(m.case, m.impl): m for m in results}
    header = (
        "case",
        "ferriscope",
        "ms",
        "items",
        "µs/item",
        "peer",
        "ms",
        "items",
        "µs/item",
        "ratio",
    )
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for m in results:
        if m.note:
            notes.append(f"{m.case} / {m.impl}: {m.note}")
        if m.impl == m.baseline:
            continue
        base = by_key.get((m.case, m.baseline))
        base_best = base.best if base else None
        if m.note.startswith("CHECK FAILED"):
            ratio = "CHECK FAILED"
        elif m.best and base_best:
            ratio = _fmt_ratio(m.best / base_best)
        else:
            ratio = "-"
        rows.append(
            (
                m.case,
                m.baseline,
                _fmt_ms(base_best),
                f"{base.items:,}" if base and base.best else "-",
                _fmt_us(base.per_item_us if base else None),
                m.impl,
                _fmt_ms(m.best),
                f"{m.items:,}" if m.best else "-",
                _fmt_us(m.per_item_us),
                ratio,
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    left = {0, 1, 5}

    def line(r: Sequence[str]) -> str:
        cells = (
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    if notes:
        out += ["", *notes]
    return "\n".join(out)


_ITEMS = {
    "sse": "sse: events",
    "decode": "decode: ferriscope chunks / SDK events",
    "partial-json": "partial-json: pieces fed, each followed by a read of the partial value",
}

_TIMERS: dict[str, Callable[[], float]] = {
    "perf_counter": time.perf_counter,
    "process_time": time.process_time,
}

#: Kinds measured in this process (they work from an installed wheel).
IN_PROCESS = ("sse", "decode", "partial-json")


@dataclass(frozen=True)
class Suite:
    """A pytest suite of `benches/` that the runner starts as it is (it needs the loopback
    server of `benches/server.py`, which is not in the wheel)."""

    path: str
    #: Prefix of the environment variables the suite reads (passed through as they are).
    env_prefix: str
    #: The variable naming the suite's JSON output, and its file name in the temp directory.
    json_env: str
    json_name: str


SUITES = {
    "e2e": Suite(
        "benches/test_bench_e2e.py", "FERRISCOPE_E2E_", "FERRISCOPE_E2E_JSON", "ferriscope-e2e.json"
    ),
    "concurrency": Suite(
        "benches/test_bench_concurrency.py",
        "FERRISCOPE_CONC_",
        "FERRISCOPE_CONC_JSON",
        "ferriscope-concurrency.json",
    ),
    "short-answers": Suite(
        "benches/test_bench_short_answers.py",
        "FERRISCOPE_SHORT_",
        "FERRISCOPE_SHORT_JSON",
        "ferriscope-short-answers.json",
    ),
}

KINDS = (*IN_PROCESS, *SUITES)


def checkout_missing(suite: Suite, root: Path | None = None) -> str | None:
    """Why `suite` cannot run from `root` (default: the current directory), or None."""
    root = Path.cwd() if root is None else root
    benches = root / "benches"
    for needed in (benches / "__init__.py", benches / "server.py", root / suite.path):
        if not needed.is_file():
            return (
                f"{suite.path} needs a checkout of the ferriscope repository: run this from "
                f"its root (no {needed.relative_to(root)} in {root})"
            )
    for module, package in (("pytest", "pytest"), ("pytest_benchmark", "pytest-benchmark")):
        if not _installed(module):
            return f"{suite.path} needs {package}: pip install -e '.[bench]'"
    return None


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run_suite(name: str, suite: Suite, pytest_args: Sequence[str] = ()) -> int:
    """Runs the suite under pytest in a child process (its own tables go to this stdout) and
    returns pytest's exit status."""
    env = dict(os.environ)
    env.setdefault(suite.json_env, os.path.join(tempfile.gettempdir(), suite.json_name))
    settings = sorted(k for k in env if k.startswith(suite.env_prefix) and k != suite.json_env)
    command = [sys.executable, "-m", "pytest", suite.path, "--benchmark-only", "-q", "-s"]
    command += pytest_args
    print(f"\n== {name}: {shlex.join(['python', *command[1:]])}", flush=True)
    if settings:
        print("   with " + " ".join(f"{k}={env[k]}" for k in settings), flush=True)
    done = subprocess.run(command, env=env, check=False)
    status = "passed" if done.returncode == 0 else f"FAILED (pytest exit status {done.returncode})"
    print(f"== {name}: {status}; the suite's JSON: {env[suite.json_env]}", flush=True)
    return done.returncode


def _kb_list(text: str) -> list[int]:
    try:
        sizes = [int(float(x) * 1e3) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes in KB: {text!r}") from None
    if not sizes or min(sizes) < 2:
        raise argparse.ArgumentTypeError("sizes must be at least 0.002 KB")
    return sizes


_EPILOG = """\
kinds (default: sse decode partial-json; all: every kind this directory can run):
  sse           bytes -> SSE events: httpx-sse, the openai and anthropic SDK decoders
  decode        bytes -> typed chunks: openai.Stream, anthropic.Stream, MessageStream
  partial-json  the books document in 1-8 character pieces, the partial value read after
                every piece: jiter, pydantic-core, partial-json-parser, json-repair
                re-parsing every prefix (sampled 1/N where that would exceed
                --peer-budget), one json.loads of the whole document as the floor
  e2e           benches/test_bench_e2e.py under pytest: ferriscope vs mirascope 2.8.2
                through a loopback HTTP server (needs a checkout; FERRISCOPE_E2E_*)
  concurrency   benches/test_bench_concurrency.py under pytest: many async streams,
                memory (needs a checkout; FERRISCOPE_CONC_*)
  short-answers benches/test_bench_short_answers.py under pytest: CPU per whole answer
                at 1/50/300 deltas vs mirascope, the openai SDK and bare HTTP clients,
                sync/async/TLS; import time; the field when its venv exists (needs a
                checkout; FERRISCOPE_SHORT_*, FERRISCOPE_FIELD_VENV)
"""


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m ferriscope bench",
        description="ferriscope against its peers, on the same bytes in the same run, "
        "with ratios (peer time / ferriscope time).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kinds", nargs="*", metavar="KIND", help="kinds to run (see below)")
    p.add_argument(
        "--only",
        choices=(*KINDS, "all"),
        action="append",
        help="run this kind (repeatable; the same as naming it)",
    )
    p.add_argument(
        "--size-mb",
        type=float,
        default=DEFAULT_SIZE / 1e6,
        help="sse/decode body size in MB (default: %(default)s)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs per case, the best is shown (default: %(default)s)",
    )
    p.add_argument(
        "--sdk-rounds",
        type=int,
        default=1,
        help="runs of the slow peers (the SDK typed streams, partial-JSON re-parsing), "
        "seconds each (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bodies and the read sizes")
    p.add_argument(
        "--wire",
        choices=("openai-completions", "anthropic"),
        action="append",
        help="sse/decode: run only these streams (repeatable)",
    )
    p.add_argument(
        "--message-stream-mb",
        type=float,
        default=1.0,
        help="body size for anthropic's MessageStream, which is quadratic in the "
        "text length; 0 skips it (default: %(default)s)",
    )
    p.add_argument(
        "--json-kb",
        type=_kb_list,
        default=list(DEFAULT_JSON_SIZES),
        metavar="KB[,KB...]",
        help="partial-json document sizes in KB (default: 1,10,100,1000)",
    )
    p.add_argument(
        "--peer-budget",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="partial-json: a re-parse peer estimated to take longer than this on a size "
        "parses every Nth prefix only, its time extrapolated ×N (default: %(default)s)",
    )
    p.add_argument(
        "--pytest-args",
        type=shlex.split,
        default=[],
        help="the pytest suites (e2e, concurrency, short-answers): extra pytest arguments, "
        'e.g. --pytest-args="-k text_stream"',
    )
    p.add_argument(
        "--timer",
        choices=sorted(_TIMERS),
        default="perf_counter",
        help="process_time (CPU time) is steadier on a busy machine",
    )
    args = p.parse_intermixed_args(argv)
    unknown = [k for k in args.kinds if k not in (*KINDS, "all")]
    if unknown:
        p.error(f"unknown kind {unknown[0]!r} (choose from {', '.join((*KINDS, 'all'))})")
    args.kinds = [*args.kinds, *(args.only or [])]
    if args.rounds < 1 or args.sdk_rounds < 1 or args.size_mb <= 0 or args.message_stream_mb < 0:
        p.error("--rounds, --sdk-rounds and --size-mb must be positive")
    if args.peer_budget <= 0:
        p.error("--peer-budget must be positive")
    return args


def _run_in_process(args: argparse.Namespace, kinds: Sequence[str]) -> list[Measurement]:
    size = int(args.size_mb * 1e6)
    timer = _TIMERS[args.timer]
    print(
        f"ferriscope bench: {', '.join(kinds)}; best of {args.rounds} "
        f"({args.sdk_rounds} for the slow peers), timer {args.timer}"
    )
    if "sse" in kinds or "decode" in kinds:
        print(f"  sse/decode: {size / 1e6:g} MB bodies in random 1-16 KB reads (seed {args.seed})")
    if "partial-json" in kinds:
        docs = ", ".join(
            f"{_size_label(n)} ({len(books_workload(n).pieces):,} pieces)" for n in args.json_kb
        )
        print(f"  partial-json: books documents of {docs}")
    print(f"machine: {machine()}", flush=True)
    results: list[Measurement] = []
    for case in cases(
        size,
        seed=args.seed,
        kinds=kinds,
        wires=args.wire or ["openai-completions", "anthropic"],
        message_stream_size=int(args.message_stream_mb * 1e6),
        json_sizes=args.json_kb,
        peer_budget=args.peer_budget,
    ):
        for impl in case.impls:
            print(f"  {case.name}: {impl.name} ...", end="", flush=True, file=sys.stderr)
            rounds = args.sdk_rounds if impl.slow else args.rounds
            m = measure(case.name, impl, case.pieces, rounds, timer)
            print(f" {_fmt_ms(m.best)} ms {m.note}", file=sys.stderr, flush=True)
            results.append(m)
    print()
    print(render(results))
    print("\nitems: " + "; ".join(_ITEMS[k] for k in kinds))
    return results


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints the table. Exit status 1 if a correctness check (or a
    pytest suite) failed, 2 if a kind asked for by name cannot run here."""
    args = _parse(argv)
    asked = args.kinds or list(IN_PROCESS)
    everything = "all" in asked
    kinds = [k for k in KINDS if everything or k in asked]
    suites: list[str] = []
    for name in (k for k in kinds if k in SUITES):
        why = checkout_missing(SUITES[name])
        if why is None:
            suites.append(name)
        elif everything:
            print(f"skipping {name}: {why}", file=sys.stderr)
        else:
            print(f"python -m ferriscope bench {name}: {why}", file=sys.stderr)
            return 2
    failed = False
    in_process = [k for k in kinds if k in IN_PROCESS]
    if in_process:
        results = _run_in_process(args, in_process)
        failed = any(m.note.startswith("CHECK FAILED") for m in results)
    for name in suites:
        failed |= run_suite(name, SUITES[name], args.pytest_args) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m ferriscope bench`: SSE and wire-decode throughput, ferriscope against its peers.

No pytest needed: every case runs a few times under `time.perf_counter` (or, with
`--timer process_time`, CPU time, steadier on a busy machine) and the best run is reported.
The same implementations drive the pytest-benchmark suites in `benches/`, so both measure
exactly the same code paths.

Cases (each on a synthetic ~20 MB body cut into random 1-16 KB reads, see `_benchdata`):

- **sse**: bytes → one event object per SSE event, every event's `event` and `data` read once.
  ferriscope's `SSEDecoder` against httpx-sse (its line decoder and event decoder, driven
  exactly as `EventSource.iter_sse` drives them over `iter_text`), and the SSE decoders of
  the openai and anthropic SDKs (`SSEDecoder.iter_bytes`). The `via httpx` rows run both
  sides through an `httpx.Response` streaming the same pieces.
- **decode**: bytes → typed chunk objects. ferriscope's `StreamDecoder` against the SDK
  typed streams Mirascope 2.8.2 consumes: `openai.Stream[ChatCompletionChunk]` and
  `anthropic.Stream[RawMessageStreamEvent]`, plus `MessageStream`, which Mirascope's
  Anthropic provider wraps around it; its text accumulation is quadratic, so it runs on its
  own 1 MB body (`--message-stream-mb`). Per-item costs are per ferriscope chunk and per SDK
  event.

Each run is checked (event count and data size for SSE, the decoded text for decode); a
mismatch is reported in the table instead of a time and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import codecs
import gc
import importlib
import importlib.util
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ferriscope._benchdata import (
    DEFAULT_SIZE,
    SyntheticStream,
    anthropic_messages_stream,
    openai_completions_stream,
    split_pieces,
)

__all__ = [
    "Case",
    "Impl",
    "Measurement",
    "cases",
    "decode_impls",
    "main",
    "make_response",
    "sse_impls",
    "streams",
]

Pieces = Sequence[bytes]

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
) -> list[Case]:
    """The runner's cases: per stream, SSE then decode; then anthropic's `MessageStream` on a
    `message_stream_size` body (0: skipped)."""
    out: list[Case] = []
    mb = f"{size / 1e6:g} MB"
    for wire in wires:
        stream = streams(size, seed)[wire]
        pieces = split_pieces(stream.body, seed=seed)
        if "sse" in kinds:
            out.append(Case(f"sse {wire} {mb}", pieces, sse_impls(stream)))
        if "decode" in kinds:
            out.append(Case(f"decode {wire} {mb}", pieces, decode_impls(stream)))
    if "decode" in kinds and "anthropic" in wires and message_stream_size > 0:
        stream = anthropic_messages_stream(message_stream_size, seed=seed)
        impls = [
            i for i in decode_impls(stream, message_stream=True) if i.name != "anthropic.Stream"
        ]
        name = f"decode anthropic {message_stream_size / 1e6:g} MB"
        out.append(Case(name, split_pieces(stream.body, seed=seed), impls))
    return out


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
    for _ in range(rounds):
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
        m.times.append(elapsed)
        del result
    m.best = min(m.times)
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
    return "-" if seconds is None else f"{seconds * 1e3:.1f}"


def _fmt_us(us: float | None) -> str:
    return "-" if us is None else f"{us:.2f}"


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
        ratio = f"{m.best / base_best:.1f}x" if m.best and base_best else "-"
        rows.append(
            (
                m.case,
                m.baseline,
                _fmt_ms(base_best),
                str(base.items) if base and base.best else "-",
                _fmt_us(base.per_item_us if base else None),
                m.impl,
                _fmt_ms(m.best),
                str(m.items) if m.best else "-",
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


_TIMERS: dict[str, Callable[[], float]] = {
    "perf_counter": time.perf_counter,
    "process_time": time.process_time,
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m ferriscope bench",
        description="SSE and wire-decode throughput: ferriscope against httpx-sse and the "
        "openai/anthropic SDKs on synthetic streams read in random 1-16 KB pieces.",
    )
    p.add_argument(
        "--size-mb",
        type=float,
        default=DEFAULT_SIZE / 1e6,
        help="body size in MB (default: %(default)s)",
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
        help="runs of the SDK typed streams, seconds each (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bodies and the read sizes")
    p.add_argument("--only", choices=("sse", "decode"), help="run one kind of case")
    p.add_argument(
        "--wire",
        choices=("openai-completions", "anthropic"),
        action="append",
        help="run only these streams (repeatable)",
    )
    p.add_argument(
        "--message-stream-mb",
        type=float,
        default=1.0,
        help="body size for anthropic's MessageStream, which is quadratic in the "
        "text length; 0 skips it (default: %(default)s)",
    )
    p.add_argument(
        "--timer",
        choices=sorted(_TIMERS),
        default="perf_counter",
        help="process_time (CPU time) is steadier on a busy machine",
    )
    args = p.parse_args(argv)
    if args.rounds < 1 or args.sdk_rounds < 1 or args.size_mb <= 0 or args.message_stream_mb < 0:
        p.error("--rounds, --sdk-rounds and --size-mb must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmarks and prints the table. Exit status 1 if a correctness check failed."""
    args = _parse(argv)
    size = int(args.size_mb * 1e6)
    timer = _TIMERS[args.timer]
    print(
        f"ferriscope bench: {size / 1e6:g} MB bodies in random 1-16 KB reads (seed "
        f"{args.seed}), best of {args.rounds} ({args.sdk_rounds} for the SDK typed streams), "
        f"timer {args.timer}"
    )
    print(f"machine: {machine()}", flush=True)
    results: list[Measurement] = []
    for case in cases(
        size,
        seed=args.seed,
        kinds=[args.only] if args.only else ["sse", "decode"],
        wires=args.wire or ["openai-completions", "anthropic"],
        message_stream_size=int(args.message_stream_mb * 1e6),
    ):
        for impl in case.impls:
            print(f"  {case.name}: {impl.name} ...", end="", flush=True, file=sys.stderr)
            rounds = args.sdk_rounds if impl.slow else args.rounds
            m = measure(case.name, impl, case.pieces, rounds, timer)
            print(f" {_fmt_ms(m.best)} ms {m.note}", file=sys.stderr, flush=True)
            results.append(m)
    print()
    print(render(results))
    failed = any(m.note.startswith("CHECK FAILED") for m in results)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The partial-json kind: the books document (`benches/books.py`) in 1-8 character pieces, the
partial value read after every piece. ferriscope's `PartialJSONParser` feeds each piece once;
the peers have no incremental API, so they re-parse every prefix (sampled 1/N where a full run
would exceed the budget), and one `json.loads` of the whole document is the floor."""

from __future__ import annotations

import functools
import importlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from benches.books import books_document, byte_pieces, char_pieces
from benches.harness.measure import Impl
from benches.harness.reads import Pieces

__all__ = [
    "DEFAULT_JSON_SIZES",
    "PARTIAL_PEERS",
    "BooksWorkload",
    "ReparsePeer",
    "books_workload",
    "partial_json_impls",
    "sample_every",
]

#: Partial-JSON document sizes: from one structured answer to a very long one.
DEFAULT_JSON_SIZES = (1_000, 10_000, 100_000, 1_000_000)


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

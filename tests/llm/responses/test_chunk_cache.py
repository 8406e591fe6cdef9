"""The compact chunk cache (`responses/chunk_cache.py`): replay must be exact, memory small.

Text and thought chunks are kept as delta lengths over their part's text and re-made when an
iterator replays them, so every test compares what iterators yield with the chunks the source
sent (type and fields), under compaction after every batch (`COMPACT_AT` = 1) as well as the
default, with random batches, interleaved iterators, errors, restarts and reads of the growing
text in between.
"""

from __future__ import annotations

import asyncio
import gc
import operator
import random
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ferriscope import llm
from ferriscope._core import StreamErrorChunk
from ferriscope.llm._error_kinds import KIND_OF
from ferriscope.llm.responses import AsyncStreamResponse, StreamResponse, chunk_cache
from ferriscope.llm.responses import base_stream_response as base
from ferriscope.llm.responses.base_stream_response import _json_start
from ferriscope.partial_json import PartialJSONError, PartialJSONParser
from tests.support.decoding import CONTENT_TYPES as CONTENT_KINDS
from tests.support.decoding import FORMAT_TOOL_NAME as FORMAT_TOOL
from tests.support.decoding import response_args


@pytest.fixture(params=[1, 3, chunk_cache.COMPACT_AT], ids=lambda k: f"compact_at={k}")
def compact_at(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Compaction after every batch, every few entries, and at the default; replays re-made
    two chunks at a time, so spans end inside runs."""
    monkeypatch.setattr(base, "COMPACT_AT", request.param)
    monkeypatch.setattr(chunk_cache, "REPLAY_SPAN", 2)
    return int(request.param)


# ---- random streams and what their cache must hold ----------------------------------------


def random_delta(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""
    if roll < 0.10:
        return "ü€😀" * rng.randint(1, 3)  # 2- and 4-byte code points
    if roll < 0.13:
        return "x" * rng.randint(256, 700)  # longer than a one-byte length
    return "".join(rng.choice('ab {}":,\n') for _ in range(rng.randint(1, 8)))


def random_stream(rng: random.Random) -> list[Any]:
    """Text, thought, interleaved tool calls and a format tool call, with usage chunks."""
    chunks: list[Any] = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(["text", "text", "thought", "calls", "format"])
        n = rng.choice([0, 1, 5, 40, 300])
        if kind in ("text", "thought"):
            start, chunk, end = (
                (llm.TextStartChunk, llm.TextChunk, llm.TextEndChunk)
                if kind == "text"
                else (llm.ThoughtStartChunk, llm.ThoughtChunk, llm.ThoughtEndChunk)
            )
            chunks.append(start())
            chunks.extend(chunk(delta=random_delta(rng)) for _ in range(n))
            chunks.append(end())
        elif kind == "format":
            id = f"fmt{len(chunks)}"
            chunks.append(llm.ToolCallStartChunk(id=id, name=FORMAT_TOOL))
            chunks.extend(llm.ToolCallChunk(id=id, delta=random_delta(rng)) for _ in range(n))
            chunks.append(llm.ToolCallEndChunk(id=id))
        else:
            ids = [f"c{len(chunks)}", f"d{len(chunks)}"]
            chunks.extend(llm.ToolCallStartChunk(id=id, name="f") for id in ids)
            chunks.extend(
                llm.ToolCallChunk(id=rng.choice(ids), delta=random_delta(rng)) for _ in range(n)
            )
            chunks.extend(llm.ToolCallEndChunk(id=id) for id in ids)
        if rng.random() < 0.5:
            chunks.append(llm.UsageDeltaChunk(input_tokens=1, output_tokens=2))
    chunks.append(llm.FinishReasonChunk(finish_reason=llm.FinishReason.MAX_TOKENS))
    return chunks


def cached_form(chunks: list[Any]) -> list[Any]:
    """What the cache must hold: content chunks only, the format tool's as text chunks."""
    formats: set[str] = set()
    out: list[Any] = []
    for chunk in chunks:
        if chunk.type not in CONTENT_KINDS:
            continue
        if chunk.type == "tool_call_start_chunk" and chunk.name == FORMAT_TOOL:
            formats.add(chunk.id)
            out.append(llm.TextStartChunk())
        elif chunk.type == "tool_call_chunk" and chunk.id in formats:
            out.append(llm.TextChunk(delta=chunk.delta))
        elif chunk.type == "tool_call_end_chunk" and chunk.id in formats:
            out.append(llm.TextEndChunk())
        else:
            out.append(chunk)
    return out


def text_of(cached: list[Any], sep: str = "\n") -> list[str]:
    """What `text_stream(sep)` yields over `cached`."""
    out: list[str] = []
    for chunk in cached:
        if chunk.type == "text_chunk":
            out.append(chunk.delta)
        elif chunk.type == "text_end_chunk":
            out.append(sep)
    return out


def same(got: list[Any], want: list[Any]) -> bool:
    """Equal as lists and of the same classes, element by element."""
    return got == want and [type(c) for c in got] == [type(c) for c in want]


def batches_of(chunks: list[Any], rng: random.Random) -> list[list[Any]]:
    out: list[list[Any]] = []
    i = 0
    while i < len(chunks):
        n = rng.choice([1, 1, 2, 3, 7, 64, 500])
        out.append(chunks[i : i + n])
        i += n
    return out


def make(batches: list[list[Any]], fail_with: Exception | None = None) -> StreamResponse[None]:
    def source() -> Iterator[list[Any]]:
        yield from batches
        if fail_with is not None:
            raise fail_with

    return StreamResponse(
        **response_args(),
        batches=source,
    )


def reference_partial(state: list[Any], cached: list[Any]) -> Any:
    """`_partial_json_value` as it was over a plain list cache: its return values are the
    contract the compact cache must keep."""
    delta = "".join(c.delta for c in cached[state[2] :] if type(c) is llm.TextChunk)
    state[2] = len(cached)
    state[1] += len(delta)
    parser = state[0]
    if parser is None:
        if state[3] is None:
            return None
        prefix = state[3] + delta
        start = _json_start(prefix)
        if start is None:
            state[3] = prefix
            return None
        parser = state[0] = PartialJSONParser(ignore_trailing=True)
        delta = prefix[start:]
        state[3] = ""
    if delta:
        try:
            parser.feed(delta)
        except PartialJSONError:
            state[0], state[3] = None, None
            return None
    return parser.value()


# ---- replay is exact ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_interleaved_cursors_replay_exactly_what_was_received(compact_at: int, seed: int) -> None:
    rng = random.Random(seed)
    source = random_stream(rng)
    want = cached_form(source)
    r = make(batches_of(source, rng))
    makers = {"chunks": r.chunk_stream, "text": r.text_stream, "pretty": r.pretty_stream}
    cursors: list[tuple[str, Iterator[Any], list[Any]]] = []
    live: list[tuple[str, Iterator[Any], list[Any]]] = []
    ref_state: list[Any] = [None, 0, 0, ""]
    while live or len(cursors) < 4:
        roll = rng.random()
        if len(cursors) < 4 and (roll < 0.1 or not live):
            kind = rng.choice(list(makers))
            cursors.append((kind, makers[kind](), []))
            live.append(cursors[-1])
            continue
        if roll < 0.2:
            cached = list(r.chunks)
            assert same(cached, want[: len(cached)])
            for i, text in enumerate(r.texts):  # the growing text reads right at any time
                assert text.text == "".join(c.delta for c in cached_form_of_part(cached, i))
            assert r._partial_json_value() == reference_partial(ref_state, cached)
            if cached:
                k = rng.randrange(len(cached))
                assert same([r.chunks[k], r.chunks[k - len(cached)]], [want[k], want[k]])
        cursor = rng.choice(live)
        for _ in range(rng.choice([1, 1, 5, 50])):
            try:
                cursor[2].append(next(cursor[1]))
            except StopIteration:
                live.remove(cursor)
                break
    assert r.consumed
    for kind, _, seen in cursors:
        if kind == "chunks":
            assert same(seen, want)
        elif kind == "text":
            assert seen == text_of(want)
        else:
            assert seen == list(r.pretty_stream())  # the same again, replayed
    assert same(list(r.chunks), want) and len(r.chunks) == len(want)
    assert same(r.chunks[1::3], want[1::3]) and same(r.chunks[-5:], want[-5:])
    assert r.chunks == want and want == r.chunks and r.chunks != want[:-1]
    assert same(list(r.chunk_stream()), want)  # a replay after the end
    assert list(r.text_stream("|")) == text_of(want, "|")
    assert [t.text for t in r.texts] == [
        "".join(c.delta for c in cached_form_of_part(want, i)) for i in range(len(r.texts))
    ]
    assert r._partial_json_value() == reference_partial(ref_state, want)


def cached_form_of_part(cached: list[Any], index: int) -> list[Any]:
    """The text chunks of the `index`-th text part of `cached`."""
    part = -1
    out: list[Any] = []
    for chunk in cached:
        if chunk.type == "text_start_chunk":
            part += 1
        elif chunk.type == "text_chunk" and part == index:
            out.append(chunk)
    return out


def test_the_live_consumer_gets_the_original_objects() -> None:
    source = [llm.TextStartChunk(), *(llm.TextChunk(delta=str(i)) for i in range(1000))]
    source.append(llm.TextEndChunk())
    r = make([source[i : i + 7] for i in range(0, len(source), 7)])
    seen = list(r.chunk_stream())
    assert len(seen) == len(source) and all(map(operator.is_, seen, source))
    replayed = list(r.chunk_stream())
    assert same(replayed, source) and not any(map(operator.is_, replayed[1:-1], source[1:-1]))


def test_a_cursor_left_behind_finishes_the_batch_it_was_reading(compact_at: int) -> None:
    source = [llm.ThoughtStartChunk(), *(llm.ThoughtChunk(delta=f"<{i}>") for i in range(200))]
    source.append(llm.ThoughtEndChunk())
    r = make([source[i : i + 10] for i in range(0, len(source), 10)])
    behind = r.chunk_stream()
    first = [next(behind) for _ in range(3)]
    assert same(list(r.chunk_stream()), source)  # compacts everything behind `behind`
    assert same(first + list(behind), source)


@pytest.mark.parametrize("seed", range(10))
def test_an_error_keeps_what_was_received(compact_at: int, seed: int) -> None:
    rng = random.Random(seed)
    source = [c for c in random_stream(rng) if c.type != "finish_reason_chunk"]
    cut = rng.randrange(1, len(source) + 1)
    error = StreamErrorChunk(KIND_OF[llm.ServerError], "Overloaded", 529)
    r = make(batches_of([*source[:cut], error, *source[cut:]], rng))
    seen: list[Any] = []
    with pytest.raises(llm.ServerError):
        for chunk in r.chunk_stream():
            seen.append(chunk)
    # The chunks before the error in its batch are cached but were not read before it raised.
    want = cached_form(source[:cut])
    assert same(seen, want[: len(seen)]) and same(list(r.chunks), want)
    replayed: list[Any] = []
    with pytest.raises(llm.ServerError):  # sticky: the replay ends with the same error
        for chunk in r.chunk_stream():
            replayed.append(chunk)
    assert same(replayed, want)
    assert [t.text for t in r.texts] == [  # a part cut short keeps what it received
        "".join(c.delta for c in cached_form_of_part(want, i)) for i in range(len(r.texts))
    ]


def test_a_source_failing_mid_part_keeps_the_text(compact_at: int) -> None:
    source = [llm.TextStartChunk(), *(llm.TextChunk(delta=f"{i},") for i in range(50))]
    r = make([source[:20], source[20:]], fail_with=ValueError("cut"))
    with pytest.raises(ValueError, match="cut"):
        r.finish()
    assert same(list(r.chunks), source)
    assert r.text() == "".join(f"{i}," for i in range(50))
    assert type(r.texts[0]) is llm.Text  # frozen on failure


def test_reset_starts_an_empty_cache(compact_at: int) -> None:
    first = [llm.TextStartChunk(), *(llm.TextChunk(delta="a") for _ in range(30))]
    r = make([first])
    it = r.chunk_stream()
    next(it)
    r._apply([*(llm.TextChunk(delta="b") for _ in range(30))])
    r._reset()  # what a retry does before the next attempt
    assert r.chunks == [] and len(r.chunks) == 0 and not r.chunks and r.texts == []
    second = [llm.TextStartChunk(), llm.TextChunk(delta="new"), llm.TextEndChunk()]
    r._apply(second)
    r._chunks.compact()
    assert same(list(r.chunks), second) and r.text() == "new"


def test_mismatched_text_and_thought_chunks_are_refused() -> None:
    r = make([[llm.TextStartChunk(), llm.ThoughtChunk(delta="x")]])
    with pytest.raises(RuntimeError, match="thought_chunk while processing text"):
        r.finish()
    r = make([[llm.TextChunk(delta="x")]])
    with pytest.raises(RuntimeError, match="while no text or thought is open"):
        r.finish()


def test_chunks_is_a_read_only_sequence(compact_at: int) -> None:
    source = [llm.TextStartChunk(), *(llm.TextChunk(delta=c) for c in "abcdef"), llm.TextEndChunk()]
    r = make([source])
    assert r.chunks == [] and repr(r.chunks) == "[]"
    r.finish()
    chunks = r.chunks
    assert len(chunks) == 8 and chunks[0] == source[0] and chunks[-1] == source[-1]
    assert chunks[3] == llm.TextChunk(delta="c") and chunks[-3] == llm.TextChunk(delta="e")
    assert same(chunks[2:5], source[2:5]) and same(chunks[::-1], source[::-1])
    assert same(list(reversed(chunks)), source[::-1])
    assert chunks.index(llm.TextChunk(delta="d")) == 4 and llm.TextChunk(delta="f") in chunks
    assert chunks.count(llm.TextEndChunk()) == 1
    assert repr(chunks) == repr(source)
    with pytest.raises(IndexError):
        chunks[8]
    with pytest.raises(IndexError):
        chunks[-9]
    with pytest.raises(TypeError):
        chunks["0"]  # type: ignore[call-overload]


def test_the_growing_text_keeps_few_pieces(compact_at: int) -> None:
    """Each compaction joins the deltas it files into one block, so the open part holds one
    string per COMPACT_AT deltas (plus the hot ones) instead of one per delta."""
    n = 2000
    r = make([[llm.TextStartChunk()], *([llm.TextChunk(delta=f"{i} ")] for i in range(n))])
    r.finish()
    pieces = r.texts[0].__dict__["_pieces"]
    if compact_at > 1:
        assert len(pieces) <= 2 + n // compact_at + compact_at
    assert r.texts[0].text == "".join(f"{j} " for j in range(n))


def test_reading_the_text_between_compactions(compact_at: int) -> None:
    """Reading a growing text joins its pieces, hot deltas included; the next compaction
    must still file each delta at its offset."""
    n = 1000
    deltas = [f"{i}{'é' * (i % 3)} " for i in range(n)]
    source = [llm.TextStartChunk(), *(llm.TextChunk(delta=d) for d in deltas)]
    r = make([source[i : i + 3] for i in range(0, len(source), 3)])
    it = r.chunk_stream()
    for i, _ in enumerate(it):
        if i % 37 == 0:  # the text has every delta applied, the rest of the batch too
            assert r.texts[0].text == "".join(deltas[: len(r.chunks) - 1])
        if i % 101 == 0:
            assert same(list(r.chunk_stream())[: i + 1], source[: i + 1])
    assert same(list(r.chunks), source) and r.text() == "".join(deltas)


async def test_async_cursors_interleaved(compact_at: int) -> None:
    rng = random.Random(7)
    source = random_stream(rng)
    want = cached_form(source)
    batches = batches_of(source, rng)

    async def gen() -> AsyncIterator[list[Any]]:
        for batch in batches:
            await asyncio.sleep(0)
            yield batch

    r: AsyncStreamResponse[None] = AsyncStreamResponse(
        **response_args(),
        batches=gen,
    )
    one, two = r.chunk_stream(), r.text_stream()
    seen_one: list[Any] = []
    seen_two: list[str] = []
    for _ in range(30):
        seen_one.extend([await one.__anext__() for _ in range(rng.randint(0, 3))])
    seen_one.extend([c async for c in one])
    seen_two.extend([d async for d in two])
    assert same(seen_one, want) and seen_two == text_of(want)
    assert same([c async for c in r.chunk_stream()], want)


# ---- memory -------------------------------------------------------------------------------


def test_a_long_response_costs_a_few_bytes_per_cached_chunk() -> None:
    """100k text chunks of ~5 characters, kept: the chunk objects would cost ~130 B each;
    the compact cache is the text plus ~1 B a chunk. The bound is generous (40 B), and holds
    at the peak as well as at the end."""
    n = 100_000

    def source() -> Iterator[list[Any]]:  # makes the chunks as it goes, as a decoder does
        yield [llm.TextStartChunk()]
        for i in range(0, n, 50):
            yield [llm.TextChunk(delta=f"w{j % 997} ") for j in range(i, i + 50)]
        yield [llm.TextEndChunk()]

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        r = StreamResponse(
            **response_args(),
            batches=source,
        )
        count = sum(1 for _ in r.text_stream())
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
        kept -= before
        peak -= before
    finally:
        tracemalloc.stop()
    assert count == n + 1 and len(r.chunks) == n + 2
    text_bytes = len(r.text())
    assert kept < text_bytes + 40 * n, f"{kept / n:.1f} B per cached chunk"
    # While streaming too (the text is briefly there twice when the part is frozen).
    assert peak < 2 * text_bytes + 40 * n, f"peak {peak / n:.1f} B per chunk"


def test_indexing_a_long_compacted_cache_is_not_quadratic() -> None:
    n = 50_000
    source = [llm.TextStartChunk(), *(llm.TextChunk(delta=f"{i}") for i in range(n))]
    r = make([source[i : i + 100] for i in range(0, len(source), 100)])
    r.finish()
    calls = 0
    real = chunk_cache._run_chunks

    def counted(run: Any, first: int, stop: int) -> list[Any]:
        nonlocal calls
        calls += stop - first
        return real(run, first, stop)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunk_cache, "_run_chunks", counted)
        assert same(r.chunks[1:], source[1:]) and same(r.chunks[::-1000], source[::-1000])
        assert r.chunks[n // 2] == source[n // 2]
    assert calls <= 2 * (n + 1)  # each chunk made about once per read, not a span per chunk

"""StreamResponse over a chunk source: accumulation, replay, cursors, substreams, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ferriscope import llm
from ferriscope._core import StreamErrorChunk
from ferriscope.llm._error_kinds import KIND_OF
from ferriscope.llm.responses import AsyncStreamResponse, StreamResponse

FORMAT_TOOL = "__mirascope_formatted_output_tool__"


def text_chunks(*deltas: str) -> list[Any]:
    return [llm.TextStartChunk(), *(llm.TextChunk(delta=d) for d in deltas), llm.TextEndChunk()]


def call_chunks(id: str, name: str, *deltas: str) -> list[Any]:
    return [
        llm.ToolCallStartChunk(id=id, name=name),
        *(llm.ToolCallChunk(id=id, delta=d) for d in deltas),
        llm.ToolCallEndChunk(id=id),
    ]


def make(chunks: list[Any], *, pulled: list[int] | None = None) -> StreamResponse[None]:
    def source() -> Iterator[Any]:
        for i, chunk in enumerate(chunks):
            if pulled is not None:
                pulled.append(i)
            yield chunk

    return StreamResponse(
        provider_id="openai",
        model_id="openai/gpt-test",
        provider_model_name="gpt-test",
        params={},
        input_messages=[llm.messages.user("hi")],
        chunk_iterator=source(),
    )


def amake(chunks: list[Any]) -> AsyncStreamResponse[None]:
    async def source() -> AsyncIterator[Any]:
        for chunk in chunks:
            yield chunk

    return AsyncStreamResponse(
        provider_id="openai",
        model_id="openai/gpt-test",
        provider_model_name="gpt-test",
        params={},
        input_messages=[],
        chunk_iterator=source(),
    )


def test_text_accumulates_in_place_and_text_stream_adds_sep_after_each_part() -> None:
    r = make([*text_chunks("Hel", "lo"), *text_chunks("World")])
    it = r.text_stream(sep="|")
    assert next(it) == "Hel"
    first = r.texts[0]
    assert first.text == "Hel"  # visible from the first delta
    assert list(it) == ["lo", "|", "World", "|"]
    assert first is r.texts[0] and first == llm.Text(text="Hello")
    assert type(first) is llm.Text  # a finished part is a plain Text again
    assert r.text() == "Hello\nWorld" and r.consumed


def test_replay_and_partial_consumption_continue_live() -> None:
    pulled: list[int] = []
    r = make(text_chunks("a", "b", "c"), pulled=pulled)
    for chunk in r.chunk_stream():
        if chunk.type == "text_chunk":
            break
    assert pulled == [0, 1] and not r.consumed
    assert [c.type for c in r.chunk_stream()] == [
        "text_start_chunk",
        "text_chunk",
        "text_chunk",
        "text_chunk",
        "text_end_chunk",
    ]
    assert r.consumed and len(pulled) == 5
    assert "".join(r.text_stream()) == "abc\n"  # replay only


def test_interleaved_iterators_each_see_every_chunk_once() -> None:
    r = make(text_chunks("a", "b"))
    one, two = r.chunk_stream(), r.chunk_stream()
    seen_one, seen_two = [], []
    for _ in range(2):
        seen_one.append(next(one))
        seen_two.append(next(two))
    seen_one.extend(one)
    seen_two.extend(two)
    assert seen_one == seen_two == list(r.chunks)
    assert len(seen_one) == 4


def test_tool_calls_appear_only_when_complete_and_blank_args_become_braces() -> None:
    r = make([*call_chunks("c1", "f", '{"x"', ": 1}"), *call_chunks("c2", "g")])
    it = r.chunk_stream()
    next(it), next(it)
    assert r.tool_calls == [] and r.content == []
    r.finish()
    assert r.tool_calls == [
        llm.ToolCall(id="c1", name="f", args='{"x": 1}'),
        llm.ToolCall(id="c2", name="g", args="{}"),
    ]
    assert r.messages[-1].content is r.content


def test_streams_serialises_interleaved_tool_calls() -> None:
    chunks = [
        llm.ToolCallStartChunk(id="a", name="f"),
        llm.ToolCallStartChunk(id="b", name="g"),
        llm.ToolCallChunk(id="a", delta="1"),
        llm.ToolCallChunk(id="b", delta="2"),
        llm.ToolCallChunk(id="a", delta="3"),
        llm.ToolCallEndChunk(id="a"),
        llm.ToolCallEndChunk(id="b"),
    ]
    r = make(chunks)
    got = [(s.tool_id, s.tool_name, list(s)) for s in r.streams()]  # type: ignore[union-attr]
    assert got == [("a", "f", ["1", "3"]), ("b", "g", ["2"])]
    # A new streams() replays with fresh accumulators.
    assert [s.collect() for s in r.streams()] == [
        llm.ToolCall(id="a", name="f", args="13"),
        llm.ToolCall(id="b", name="g", args="2"),
    ]


def test_skipped_substreams_are_drained_into_the_response() -> None:
    r = make([*call_chunks("a", "f", "{}"), *text_chunks("x", "y")])
    kinds = [s.content_type for s in r.streams()]
    assert kinds == ["tool_call", "text"]
    assert r.consumed and r.text() == "xy" and len(r.tool_calls) == 1


def test_format_tool_becomes_text() -> None:
    r = make(call_chunks("f1", FORMAT_TOOL, '{"a":', " 1}"))
    assert "".join(r.text_stream()) == '{"a": 1}\n'
    assert r.tool_calls == [] and r.texts == [llm.Text(text='{"a": 1}')]
    assert [c.type for c in r.chunks] == [
        "text_start_chunk",
        "text_chunk",
        "text_chunk",
        "text_end_chunk",
    ]


def test_usage_finish_and_raw_message() -> None:
    r = make(
        [
            *text_chunks("a"),
            llm.UsageDeltaChunk(input_tokens=5, output_tokens=1),
            llm.UsageDeltaChunk(output_tokens=2, reasoning_tokens=1),
            llm.FinishReasonChunk(finish_reason=llm.FinishReason.MAX_TOKENS),
            llm.RawMessageChunk(raw_message={"role": "assistant"}),
        ]
    )
    assert list(r.chunk_stream())[-1].type == "text_end_chunk"  # source-only chunks hidden
    assert r.usage == llm.Usage(input_tokens=5, output_tokens=3, reasoning_tokens=1)
    assert r.finish_reason is llm.FinishReason.MAX_TOKENS
    assert r.messages[-1].raw_message == {"role": "assistant"}


def test_in_stream_error_is_raised_kept_and_sticky() -> None:
    error_chunk = StreamErrorChunk(KIND_OF[llm.ServerError], "Overloaded", 529)
    r = make([llm.TextStartChunk(), llm.TextChunk(delta="kept"), error_chunk])
    with pytest.raises(llm.ServerError, match="Overloaded") as info:
        for _ in r.text_stream():
            pass
    assert info.value.status_code == 529 and info.value.provider == "openai"
    assert r.text() == "kept" and not r.consumed
    replayed: list[str] = []
    with pytest.raises(llm.ServerError):
        for delta in r.text_stream():
            replayed.append(delta)
    assert replayed == ["kept"]


def test_close_ends_the_stream_early() -> None:
    r = make(text_chunks("a", "b"))
    it = r.chunk_stream()
    next(it)
    r.close()
    assert list(it) == [] and not r.consumed


async def test_async_iterators_replay_and_substreams() -> None:
    r = amake([*text_chunks("a", "b"), *call_chunks("c", "f", "{}")])
    assert [d async for d in r.text_stream()] == ["a", "b", "\n"]
    assert [d async for d in r.pretty_stream()] == [
        "",
        "a",
        "b",
        "",
        "\n\n**ToolCall (f):** ",
        "{}",
        "",
    ]
    kinds = []
    async for stream in r.streams():
        kinds.append((stream.type, await stream.collect()))
    assert kinds == [
        ("async_text_stream", llm.Text(text="ab")),
        ("async_tool_call_stream", llm.ToolCall(id="c", name="f", args="{}")),
    ]
    assert r.consumed and r.tool_calls[0].name == "f"


def test_a_long_substream_keeps_its_text_not_its_deltas() -> None:
    deltas = [f"{i} " for i in range(5000)]
    r = make(text_chunks(*deltas))
    for live in (True, False):  # streaming, then replayed from the cache
        for stream in r.streams():
            seen = []
            for i, delta in enumerate(stream):
                seen.append(delta)
                if i == 2500:
                    assert stream.partial_text == "".join(deltas[:2501])  # type: ignore[union-attr]
            assert seen == deltas and len(stream._pieces) < 300, live
            assert stream.collect() == llm.Text(text="".join(deltas))


async def test_a_long_async_substream_keeps_its_text_not_its_deltas() -> None:
    deltas = [f"{i} " for i in range(5000)]
    r = amake(text_chunks(*deltas))
    async for stream in r.streams():
        seen = [delta async for delta in stream]
        assert seen == deltas and len(stream._pieces) < 300
        assert await stream.collect() == llm.Text(text="".join(deltas))

"""The public chunk classes: keyword construction, type tags, equality, repr."""

import json

import pytest

from ferriscope import llm
from ferriscope._core import StreamDecoder


def test_keyword_construction_and_type_tags() -> None:
    chunk = llm.ToolCallChunk(id="call_1", delta='{"a"')
    assert (chunk.type, chunk.content_type, chunk.id, chunk.delta) == (
        "tool_call_chunk",
        "tool_call",
        "call_1",
        '{"a"',
    )
    assert llm.TextStartChunk().type == "text_start_chunk"
    assert llm.ThoughtEndChunk().content_type == "thought"
    with pytest.raises(TypeError):
        llm.TextChunk("positional")  # type: ignore[misc]


def test_field_equality_and_repr() -> None:
    assert llm.TextChunk(delta="a") == llm.TextChunk(delta="a")
    assert llm.TextChunk(delta="a") != llm.TextChunk(delta="b")
    assert llm.TextChunk(delta="a") != llm.ThoughtChunk(delta="a")
    assert llm.TextEndChunk() == llm.TextEndChunk()
    assert repr(llm.TextChunk(delta="a")) == (
        "TextChunk(type='text_chunk', content_type='text', delta='a')"
    )


def test_usage_delta_defaults() -> None:
    usage = llm.UsageDeltaChunk(output_tokens=3)
    assert (usage.input_tokens, usage.output_tokens, usage.provider_tool_usage) == (0, 3, None)
    assert usage == llm.UsageDeltaChunk(output_tokens=3)


@pytest.mark.parametrize("calls", [2, 40])
def test_interleaved_tool_call_ids_survive_the_decoders_id_strings(calls: int) -> None:
    """The decoder hands out one string object per recent id (more calls than it keeps
    included): every delta still carries its own call's id."""

    def event(delta: dict[str, object], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"

    body = [
        event({"tool_calls": [{"index": i, "id": f"call_{i}", "function": {"name": "f"}}]})
        for i in range(calls)
    ]
    expected = {f"call_{i}": "" for i in range(calls)}
    for piece in range(3):
        for i in reversed(range(calls)):  # round robin, in another order than they started
            args = f'{{"p{piece}":{i}}}' if piece == 0 else f" {piece}-{i}"
            expected[f"call_{i}"] += args
            body.append(event({"tool_calls": [{"index": i, "function": {"arguments": args}}]}))
    body.append(event({}, finish="tool_calls") + b"data: [DONE]\n\n")

    decoder = StreamDecoder("openai-completions")
    chunks = [c for part in body for c in decoder.feed(part)] + decoder.finish()
    got: dict[str, str] = {}
    for chunk in chunks:
        if isinstance(chunk, llm.ToolCallChunk):
            got[chunk.id] = got.get(chunk.id, "") + chunk.delta
    assert got == expected
    starts = [c.id for c in chunks if isinstance(c, llm.ToolCallStartChunk)]
    ends = [c.id for c in chunks if isinstance(c, llm.ToolCallEndChunk)]
    assert starts == [f"call_{i}" for i in range(calls)]
    assert sorted(ends) == sorted(starts)

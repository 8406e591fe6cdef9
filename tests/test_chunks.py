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


def test_type_tags_are_accepted_as_keywords_with_their_fixed_values() -> None:
    # Mirascope's chunk dataclasses have `type`/`content_type` fields with fixed defaults, so
    # code that spells them out (or rebuilds a chunk from its dict) must keep working.
    assert llm.TextChunk(type="text_chunk", content_type="text", delta="x") == llm.TextChunk(
        delta="x"
    )
    assert llm.ThoughtStartChunk(content_type="thought") == llm.ThoughtStartChunk()
    assert llm.ToolCallEndChunk(id="c", type="tool_call_end_chunk").id == "c"
    assert (
        llm.FinishReasonChunk(
            finish_reason=llm.FinishReason.MAX_TOKENS, type="finish_reason_chunk"
        ).finish_reason
        == llm.FinishReason.MAX_TOKENS
    )
    assert llm.UsageDeltaChunk(type="usage_delta_chunk", input_tokens=2).input_tokens == 2
    assert llm.RawMessageChunk(raw_message={}, type="raw_message_chunk").raw_message == {}
    with pytest.raises(ValueError, match=r"TextChunk\.type is always 'text_chunk', not 'x'"):
        llm.TextChunk(type="x", delta="a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="content_type is always 'text'"):
        llm.TextEndChunk(content_type="thought")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="usage_delta_chunk"):
        llm.UsageDeltaChunk(type="text_chunk")  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # no content_type field, as in Mirascope
        llm.FinishReasonChunk(finish_reason=None, content_type="text")  # type: ignore[call-arg]


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

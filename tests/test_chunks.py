"""The public chunk classes: keyword construction, type tags, equality, repr."""

import pytest

from ferriscope import llm


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

"""structured_stream() and parse(partial=True): incremental, monotonic, and equal to parse()
at the end, for any chunking (API.md §3.5, §7.3, §7.4)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ferriscope import llm
from ferriscope.llm.responses import StreamResponse

FORMAT_TOOL = "__mirascope_formatted_output_tool__"


class Author(BaseModel):
    first_name: str
    last_name: str


class Book(BaseModel):
    title: str
    author: Author
    pages: int
    rating: float
    tags: list[str]
    summary: str


def response_for(chunks: list[Any], format: Any) -> StreamResponse[Any]:
    return StreamResponse(
        provider_id="openai",
        model_id="openai/gpt-test",
        provider_model_name="gpt-test",
        params={},
        format=llm.format(format, mode="json"),
        input_messages=[],
        chunk_iterator=iter(chunks),
    )


def text_chunks(text: str, cuts: list[int]) -> list[Any]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    deltas = [text[a:b] for a, b in itertools.pairwise(points) if b > a]
    return [llm.TextStartChunk(), *(llm.TextChunk(delta=d) for d in deltas), llm.TextEndChunk()]


books = st.builds(
    Book,
    title=st.text(min_size=1, max_size=30),
    author=st.builds(Author, first_name=st.text(max_size=12), last_name=st.text(max_size=12)),
    pages=st.integers(min_value=0, max_value=10**6),
    rating=st.floats(allow_nan=False, allow_infinity=False, width=32),
    tags=st.lists(st.text(max_size=8), max_size=4),
    summary=st.text(max_size=80),
)


def _is_prefix_consistent(earlier: Any, later: Any) -> bool:
    """A shown value never changes, except an open string that only grows."""
    if earlier is None:
        return True
    if isinstance(earlier, str):
        return isinstance(later, str) and later.startswith(earlier)
    if isinstance(earlier, list):
        return (
            isinstance(later, list)
            and len(later) >= len(earlier)
            and all(_is_prefix_consistent(a, b) for a, b in zip(earlier, later, strict=False))
        )
    if isinstance(earlier, dict):
        return isinstance(later, dict) and all(
            k in later and _is_prefix_consistent(v, later[k]) for k, v in earlier.items()
        )
    return bool(earlier == later)


@settings(max_examples=60, deadline=None)
@given(book=books, cuts=st.lists(st.integers(min_value=0), max_size=40), prose=st.booleans())
def test_partials_are_monotonic_and_end_at_the_parsed_value(
    book: Book, cuts: list[int], prose: bool
) -> None:
    text = book.model_dump_json()
    if prose:
        text = "Here you go:\n```json\n" + text + "\n```\nEnjoy!"
    response = response_for(text_chunks(text, cuts), Book)
    partials = [p.model_dump() for p in response.structured_stream()]
    assert partials, "at least one partial once the object started"
    for earlier, later in itertools.pairwise(partials):
        assert _is_prefix_consistent(earlier, later), (earlier, later)
    final = response.parse()
    assert final == book
    assert partials[-1] == book.model_dump()


def test_numbers_are_withheld_until_complete() -> None:
    text = '{"title": "X", "pages": 123, "rating": 4.5}'
    seen: list[Any] = []
    response = response_for(text_chunks(text, list(range(len(text)))), Book)
    for partial in response.structured_stream():
        seen.append(partial.pages)
    assert 1 not in seen and 12 not in seen  # never a number that later changes
    assert seen[-1] == 123


def test_parse_partial_reads_incrementally_without_reparsing() -> None:
    text = json.dumps({"title": "Dune", "summary": "s" * 2000})
    response = response_for(text_chunks(text, list(range(0, len(text), 7))), Book)
    stream = response.chunk_stream()
    next(stream)
    for _ in stream:
        response.parse(partial=True)
    state = response._partial_state
    assert state is not None and state[1] == len(text)  # one parser, fed to the end once
    assert response.parse(partial=True).summary == "s" * 2000  # type: ignore[union-attr]


def test_primitive_format_unwraps_and_skips_falsy() -> None:
    response = response_for(text_chunks('{"output": [1, 2, 3]}', list(range(25))), list[int])
    values = list(response.structured_stream())
    assert [] not in values and values[-1] == [1, 2, 3]
    assert response.parse() == [1, 2, 3]


def test_no_format_and_output_parser_are_refused() -> None:
    plain = StreamResponse(
        provider_id="openai",
        model_id="openai/gpt-test",
        provider_model_name="gpt-test",
        params={},
        input_messages=[],
        chunk_iterator=iter(text_chunks("hi", [])),
    )
    try:
        next(iter(plain.structured_stream()))
    except ValueError as error:
        assert "format" in str(error)
    else:  # pragma: no cover - the assertion above is the test
        raise AssertionError("expected ValueError")


def _interleaved() -> Iterator[Any]:
    """A real tool call open while the format tool streams (tool mode, Δ9)."""
    yield llm.ToolCallStartChunk(id="real", name="lookup")
    yield llm.ToolCallStartChunk(id="fmt", name=FORMAT_TOOL)
    yield llm.ToolCallChunk(id="fmt", delta='{"first_name": "Ur')
    yield llm.ToolCallChunk(id="real", delta='{"isbn": ')
    yield llm.ToolCallChunk(id="fmt", delta='sula", "last_name": "Le Guin"}')
    yield llm.ToolCallChunk(id="real", delta='"0-7653"}')
    yield llm.ToolCallEndChunk(id="fmt")
    yield llm.ToolCallEndChunk(id="real")


def test_format_tool_interleaved_with_a_real_tool_call() -> None:
    response = StreamResponse(
        provider_id="anthropic",
        model_id="anthropic/claude-test",
        provider_model_name="claude-test",
        params={},
        format=llm.format(Author, mode="tool"),
        input_messages=[],
        chunk_iterator=_interleaved(),
    )
    partials = [p.first_name for p in response.structured_stream()]
    assert partials[0] == "Ur" and partials[-1] == "Ursula"
    assert response.parse() == Author(first_name="Ursula", last_name="Le Guin")
    assert response.tool_calls == [
        llm.ToolCall(id="real", name="lookup", args='{"isbn": "0-7653"}')
    ]
    kinds = [(s.content_type, s.collect()) for s in response.streams()]
    assert kinds == [
        ("tool_call", llm.ToolCall(id="real", name="lookup", args='{"isbn": "0-7653"}')),
        ("text", llm.Text(text='{"first_name": "Ursula", "last_name": "Le Guin"}')),
    ]

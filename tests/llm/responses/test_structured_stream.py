"""structured_stream() and parse(partial=True): incremental, monotonic, and equal to parse()
at the end, for any chunking (docs/spec.md §3.5, §7.3, §7.4)."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import UnionType
from typing import Any, Literal, Optional, Union, get_args, get_origin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError, create_model

from ferriscope import llm
from ferriscope.llm.formatting import Partial
from ferriscope.llm.responses import StreamResponse
from ferriscope.partial_json import parse_partial

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


def _response_args(format: Any) -> dict[str, Any]:
    return {
        "provider_id": "openai",
        "model_id": "openai/gpt-test",
        "provider_model_name": "gpt-test",
        "params": {},
        "format": llm.format(format, mode="json"),
        "input_messages": [],
    }


def response_for(chunks: list[Any], format: Any, *, one_read: bool = False) -> StreamResponse[Any]:
    """A stream of `chunks`, one per pull, or all of them in a single network read."""
    if one_read:
        return StreamResponse(batches=lambda: iter([chunks]), **_response_args(format))
    return StreamResponse(chunk_iterator=iter(chunks), **_response_args(format))


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


@pytest.mark.parametrize("sync", [True, False])
def test_partials_follow_the_chunk_not_the_network_read(sync: bool) -> None:
    """A whole network read is applied at once; each partial must still be the text up to
    its own chunk (as in Mirascope's chunk-at-a-time loop), not the end of the read."""
    text = json.dumps({"title": "Dune", "author": {"first_name": "Frank"}, "tags": ["a", "b"]})
    chunks = text_chunks(text, list(range(0, len(text), 5)))
    deltas = [c.delta for c in chunks if type(c) is llm.TextChunk]
    expected = [
        Partial[Book].model_validate(parse_partial("".join(deltas[: k + 1])))  # type: ignore[misc]
        for k in range(len(deltas))
    ]
    expected = [p.model_dump() for p in expected if p]
    if sync:
        response: Any = response_for(chunks, Book, one_read=True)
        got = [p.model_dump() for p in response.structured_stream()]
    else:

        async def one_read() -> Any:
            yield chunks

        response = llm.AsyncStreamResponse(batches=one_read, **_response_args(Book))

        async def collect() -> list[Any]:
            return [p.model_dump() async for p in response.structured_stream()]

        got = asyncio.run(collect())
    assert got == expected
    assert len({json.dumps(p, sort_keys=True) for p in got}) > 5


def test_parse_partial_in_a_chunk_loop_follows_the_loop() -> None:
    """The seed page's `parse(partial=True)` inside a `chunk_stream()` loop, with the whole
    answer in one network read: each call shows the text up to the loop's chunk; after the
    loop (or `finish()`), all of it."""
    text = json.dumps({"title": "Mistborn", "pages": 541})
    chunks = text_chunks(text, list(range(0, len(text), 4)))
    response = response_for(chunks, Book, one_read=True)
    titles = []
    for chunk in response.chunk_stream():
        partial = response.parse(partial=True)
        if type(chunk) is llm.TextChunk and partial is not None and partial.title:
            titles.append(partial.title)
    assert titles[0] != "Mistborn" and titles[-1] == "Mistborn"
    assert all("Mistborn".startswith(t) for t in titles)
    assert response.parse(partial=True).pages == 541


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
    """A real tool call open while the format tool streams (tool mode, docs/spec.md Δ9)."""
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


# ---- incremental partials: equal to validating the whole value, after every chunk ------------
#
# `parse(partial=True)` on a stream assembles the partial from what it validated before
# (`ferriscope.llm.formatting.partial_build`). Random models and random documents for them
# (wrong types, extra keys, duplicate keys included), cut at random: after every chunk the
# result must be exactly `Partial[T].model_validate(value)`, and a partial once returned must
# never change afterwards.

_model_ids = itertools.count()
_FIELD_NAMES = ["a", "b", "c", "d", "e"]
_LEAVES: list[Any] = [str, int, float, bool, Any, Literal["x", "y"], dict[str, int]]


@dataclass
class Obj:
    """A JSON object written as these pairs, in this order (so keys may repeat)."""

    pairs: list[tuple[str, Any]]


def _model_type(draw: st.DrawFn, depth: int) -> type[BaseModel]:
    names = draw(st.lists(st.sampled_from(_FIELD_NAMES), min_size=1, max_size=5, unique=True))
    fields: dict[str, Any] = {name: (_field_type(draw, depth), ...) for name in names}
    return create_model(f"Random{next(_model_ids)}", **fields)


def _field_type(draw: st.DrawFn, depth: int) -> Any:
    leaf = draw(st.sampled_from(_LEAVES))
    if depth >= 2:
        return draw(st.sampled_from([leaf, list[leaf], Optional[leaf]]))  # noqa: UP045
    shape = draw(st.sampled_from(["leaf", "model", "list", "optional", "union", "dict"]))
    if shape == "leaf":
        return draw(st.sampled_from([leaf, list[leaf]]))
    model = _model_type(draw, depth + 1)
    if shape == "model":
        return model
    if shape == "list":
        return list[model]  # type: ignore[valid-type]
    if shape == "optional":
        return Optional[model]  # noqa: UP045
    if shape == "union":
        return Union[model, _model_type(draw, depth + 1)]  # noqa: UP007
    return dict[str, model]  # type: ignore[valid-type]


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_FIELD_NAMES), inner, max_size=3).map(
            lambda d: Obj(list(d.items()))
        )
    ),
    max_leaves=6,
)


def _document(draw: st.DrawFn, tp: Any, depth: int = 0) -> Any:
    """A value for type `tp`, now and then of another type."""
    if depth and draw(st.integers(0, 14)) == 0:
        return draw(_json_values)
    origin, args = get_origin(tp), get_args(tp)
    if tp is str:
        return draw(st.text(max_size=12))
    if tp is int:
        return draw(st.integers(min_value=-(10**20), max_value=10**20))
    if tp is float:
        return draw(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-99, 99))
    if tp is bool:
        return draw(st.booleans())
    if tp is Any:
        return draw(_json_values)
    if tp is type(None):
        return None
    if origin is Literal:
        return draw(st.sampled_from(["x", "y", "z"]))
    if origin is list:
        return [_document(draw, args[0], depth + 1) for _ in range(draw(st.integers(0, 3)))]
    if origin is dict:
        keys = draw(st.lists(st.text(max_size=3), max_size=3))
        return Obj([(key, _document(draw, args[1], depth + 1)) for key in keys])
    if origin in (Union, UnionType):
        return _document(draw, draw(st.sampled_from(args)), depth)
    assert issubclass(tp, BaseModel)
    fields = tp.model_fields
    names = draw(st.permutations(list(fields)))
    names = names[: draw(st.integers(0, len(names)))] if draw(st.booleans()) else names
    pairs = [(name, _document(draw, fields[name].annotation, depth + 1)) for name in names]
    if draw(st.integers(0, 4)) == 0:
        pairs.insert(draw(st.integers(0, len(pairs))), ("extra", draw(_json_values)))
    for _ in range(draw(st.integers(0, 2)) if pairs else 0):  # repeated keys: the last wins
        at = draw(st.integers(0, len(pairs) - 1))
        name = pairs[at][0]
        again = draw(_json_values) if name == "extra" else _document(draw, fields[name].annotation)
        pairs.insert(draw(st.integers(at + 1, len(pairs))), (name, again))
    return Obj(pairs)


def _dump(value: Any, ascii: bool) -> str:
    if isinstance(value, Obj):
        inner = ", ".join(
            f"{json.dumps(k, ensure_ascii=ascii)}: {_dump(v, ascii)}" for k, v in value.pairs
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v, ascii) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii)


def _has_union(tp: Any) -> bool:
    if get_origin(tp) in (Union, UnionType):
        models = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) > 1:
            return True
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return any(_has_union(f.annotation) for f in tp.model_fields.values())
    return any(_has_union(a) for a in get_args(tp))


def _reference(model: type[BaseModel], value: Any) -> Any:
    try:
        return Partial[model].model_validate(value)  # type: ignore[attr-defined]
    except ValidationError:
        return None


def _seen(partial: Any) -> Any:
    """Everything a partial shows: classes and value types (repr), and which fields are set."""
    if partial is None:
        return None
    return repr(partial), partial.model_dump(exclude_unset=True)


def _check_stream(model: type[BaseModel], text: str, cuts: list[int]) -> Any:
    """Streams `text` cut at `cuts`, checking every partial against whole validation and that
    none changes later; returns the last one."""
    response = response_for(text_chunks(text, cuts), model)
    returned: list[tuple[Any, Any]] = []
    partial = None
    for chunk in response.chunk_stream():
        if type(chunk) is not llm.TextChunk:
            continue
        partial = response.parse(partial=True)
        expected = _reference(model, response._partial_json_value())
        assert _seen(partial) == _seen(expected), (text, cuts)
        returned.append((partial, copy.deepcopy(_seen(partial))))
    for earlier, seen in returned:
        assert _seen(earlier) == seen, (text, cuts)  # not changed by what streamed in later
    return partial


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_incremental_partials_equal_whole_validation(data: st.DataObject) -> None:
    model = _model_type(data.draw, 0)
    text = _dump(_document(data.draw, model), ascii=data.draw(st.booleans()))
    cuts = data.draw(st.lists(st.integers(min_value=0), max_size=60))
    partial = _check_stream(model, text, cuts)
    try:
        final = response_for(text_chunks(text, []), model).parse()
    except llm.ParseError:
        return
    if not _has_union(model):  # a union may pick another model when all fields are optional
        assert partial is not None and partial.model_dump() == final.model_dump()


class Loose(BaseModel):
    a: Any
    b: int
    c: list[Author]
    d: Author


@pytest.mark.parametrize(
    ("text", "marks"),
    [
        # a repeated key re-sets an entry before the last one, seen or in the same chunk
        ('{"a": {"x": [1]}, "b": 1, "a": {"y": [2, {"z": 3}]}, "c": [{"first_name": "U"}]}', []),
        ('{"b": 1, "c": [], "d": {}, "b": 5, "e": 1, "d": {"first_name": "V"}}', ['"b": 5']),
        # ... or, arriving with its first occurrence and a later key, hides an open container
        ('{"b": 1, "a": 0, "c": [], "a": {"y": [2, {"z": 3}]}, "d": {}}', ['"a": 0', "[2"]),
        ('{"b": 1, "d": 0, "c": [], "d": {"first_name": "U", "last_name": "V"}}', ['"d": 0', "U"]),
    ],
)
def test_duplicate_keys_and_open_containers_in_any_fields(text: str, marks: list[str]) -> None:
    """A repeated key breaks "only the last entry is open"; an `Any` field would hold the
    parser's own, still growing, containers unless they are copied."""
    for step in range(1, 16):
        _check_stream(Loose, text, list(range(0, len(text), step)))
    at = [text.index(mark) for mark in marks]
    _check_stream(Loose, text, [*at, *range(max(at, default=0) + 1, len(text))])


class Shelf(BaseModel):
    books: list[Book]
    owner: str


def test_completed_sub_models_are_shared_not_rebuilt() -> None:
    """A completed book is one object in every later partial (it was validated once), and a
    chunk that shows nothing new gives the same partial back."""
    book = {"title": "T", "author": {"first_name": "A"}, "tags": ["a", "b"], "summary": "s" * 40}
    text = json.dumps({"books": [book] * 3, "owner": "me"})
    _check_stream(Shelf, text, list(range(len(text))))
    response = response_for(text_chunks(text, list(range(len(text)))), Shelf)
    partials = list(response.structured_stream())
    assert len({id(p.books[0]) for p in partials if p.books and len(p.books) > 1}) == 1
    assert len({id(p) for p in partials}) < len(partials)  # e.g. while a number is read

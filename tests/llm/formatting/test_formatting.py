"""`llm.formatting` (docs/spec.md §7): formats, instructions, the format tool, parsing, `Partial`.

The recorded fixtures fix the exact schema, instruction text and format-tool definition each
format must produce: the models of `call.format.python` are redefined here and must
reproduce them, the request bodies, and the parsed results.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Annotated, Any, Literal, Union

import pytest
from pydantic import BaseModel, Field, ValidationError

from ferriscope.llm import formatting
from ferriscope.llm.content import Text
from ferriscope.llm.exceptions import ParseError
from ferriscope.llm.formatting import (
    Format,
    OutputParser,
    Partial,
    extract_json_text,
    format,
    output_parser,
    parse,
    parse_partial,
    resolve_format,
    strip_json_preamble,
    with_formatting_instructions,
)
from ferriscope.llm.messages import SystemMessage, system, user
from ferriscope.llm.tools import FORMAT_TOOL_NAME
from tests.support.fixture_models import Author, Book, BookSummary, FentanylHandbook, LuckyNumber
from tests.support.paths import FIXTURES

# ---- the fixtures' formats, as the recorded tests wrote them ------------------------------------


MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m for m in (Author, Book, BookSummary, FentanylHandbook, LuckyNumber)
}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(path.relative_to(FIXTURES).with_suffix("")), json.loads(path.read_text()))
        for path in sorted(FIXTURES.rglob("*.json"))
    ]


def _model_of(case: dict[str, Any]) -> type[BaseModel]:
    classes = [re.match(r"class (\w+)", line) for line in case["call"]["format"]["python"]]
    return MODELS[[found for found in classes if found][-1].group(1)]


CASES = _cases()
FORMAT_CASES = [(n, c) for n, c in CASES if c["call"].get("format", {}).get("schema")]
IDS = [n for n, _ in FORMAT_CASES]


def _fixture_format(case: dict[str, Any]) -> Format[Any]:
    made = format(_model_of(case), mode=case["call"]["format"]["mode"])
    assert made is not None
    return made


def _inline_refs(value: Any, defs: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if "$ref" in value:
            return _inline_refs(defs[value["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _inline_refs(v, defs) for k, v in value.items()}
    if isinstance(value, list):
        return [_inline_refs(v, defs) for v in value]
    return value


def _without(value: Any, keys: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_without(v, keys) for v in value]
    return value


def test_fixture_cases_exist() -> None:
    assert len(FORMAT_CASES) >= 40


@pytest.mark.parametrize(("name", "case"), FORMAT_CASES, ids=IDS)
def test_fixture_format_definitions(name: str, case: dict[str, Any]) -> None:
    """Name, description, schema and instructions as recorded.

    The recorded `schema` is the `Format.schema` after the provider's encoder ran, and
    Mirascope's strict encoders edit it in place (`additionalProperties`, Gemini's
    `propertyOrdering` and inlined `$ref`s): those edits are undone before comparing.
    """
    recorded = case["call"]["format"]
    made = _fixture_format(case)
    assert made.name == recorded["name"]
    assert made.description == recorded["description"]
    assert made.mode == recorded["mode"]
    assert made.formatting_instructions == recorded["formatting_instructions"]
    expected = _without(recorded["schema"], {"additionalProperties", "propertyOrdering"})
    schema = made.schema
    if case["provider_api"] == "google" and made.mode == "strict" and "$defs" in schema:
        schema = {**_inline_refs(schema, schema["$defs"]), "$defs": schema["$defs"]}
    assert schema == expected


def _system_text(case: dict[str, Any], body: dict[str, Any]) -> str | None:
    """The system prompt a request body carries, however the provider spells it."""
    api = case["provider_api"]
    if api == "openai-completions":
        first = body["messages"][0]
        return first["content"] if first["role"] == "system" else None
    if api == "openai-responses":
        first = body["input"][0]
        return first["content"] if first.get("role") == "developer" else None
    if api.startswith("anthropic"):
        return body["system"][0]["text"] if body.get("system") else None
    instruction = body.get("systemInstruction")
    return instruction["parts"][0]["text"] if instruction else None


SENT = [(n, c) for n, c in FORMAT_CASES if c["interactions"]]


@pytest.mark.parametrize(("name", "case"), SENT, ids=[n for n, _ in SENT])
def test_fixture_instructions_in_requests(name: str, case: dict[str, Any]) -> None:
    """Instructions become a new first system message (the prompts have none of their own)."""
    made = _fixture_format(case)
    prompt = [user(m["text"]) for m in case["call"]["messages"]]
    assert all(m["role"] == "user" for m in case["call"]["messages"])
    messages = with_formatting_instructions(prompt, made)
    instructions = made.formatting_instructions
    if instructions is None:
        assert messages == prompt
    else:
        assert messages == [SystemMessage(content=Text(text=instructions)), *prompt]
    for interaction in case["interactions"]:
        assert _system_text(case, interaction["request"]["body"]) == instructions


TOOL_MODE = [(n, c) for n, c in SENT if c["call"]["format"]["mode"] == "tool"]


def _format_tool_entry(body: dict[str, Any]) -> dict[str, Any] | None:
    for entry in body.get("tools") or []:
        spec = entry.get("function", entry)
        if spec.get("name") == FORMAT_TOOL_NAME:
            return dict(spec)
    return None


@pytest.mark.parametrize(("name", "case"), TOOL_MODE, ids=[n for n, _ in TOOL_MODE])
def test_fixture_format_tool(name: str, case: dict[str, Any]) -> None:
    """`create_tool_schema()` is the hidden tool the requests declared (§7.4)."""
    schema = _fixture_format(case).create_tool_schema()
    assert schema.name == FORMAT_TOOL_NAME
    assert schema.strict is None
    dumped = schema.parameters.model_dump(by_alias=True, exclude_none=True)
    body = case["interactions"][0]["request"]["body"]
    if case["provider_api"] == "google":
        declarations = body["tools"][0]["functionDeclarations"]
        sent = next(d for d in declarations if d["name"] == FORMAT_TOOL_NAME)
        assert sent["description"] == schema.description
        return
    sent = _format_tool_entry(body)
    assert sent is not None
    assert sent["description"] == schema.description
    params = sent.get("parameters", sent.get("input_schema"))
    nested_fixups = {"additionalProperties"}  # strict providers add it to nested objects
    assert params["additionalProperties"] is False
    assert _without(params, nested_fixups) == _without({**dumped, "type": "object"}, nested_fixups)
    assert list(params)[:3] == ["properties", "required", "additionalProperties"]


def test_format_tool_description_and_required() -> None:
    class Opt(BaseModel):
        a: int
        b: str = "x"

    tool_schema = format(Opt, mode="tool").create_tool_schema()  # type: ignore[union-attr]
    assert (
        tool_schema.description
        == "Use this tool to extract data in Opt format for a final response."
    )
    assert tool_schema.parameters.required == ["a", "b"]
    assert tool_schema.parameters.additionalProperties is False
    with_doc = format(Book, mode="tool").create_tool_schema()  # type: ignore[union-attr]
    assert with_doc.description.endswith(
        ".\nA book with a rating. The title should be in all caps!"
    )
    assert with_doc.parameters.defs is not None and "Author" in with_doc.parameters.defs
    with pytest.raises(TypeError):
        with_doc.fn()


PARSED = [(n, c) for n, c in FORMAT_CASES if "parsed" in c["expected"]]


def _assistant_texts(case: dict[str, Any]) -> list[str]:
    return [
        "".join(p["text"] for p in m["content"] if p["type"] == "text")
        for m in case["expected"]["messages"]
        if m["role"] == "assistant"
    ]


@pytest.mark.parametrize(("name", "case"), PARSED, ids=[n for n, _ in PARSED])
def test_fixture_parse(name: str, case: dict[str, Any]) -> None:
    made = _fixture_format(case)
    value = parse(made, _assistant_texts(case)[-1])
    model = _model_of(case)
    assert value == model.model_validate(case["expected"]["parsed"])
    for dotted, expected in (case["call"].get("checks") or {}).get("parsed", {}).items():
        got: Any = value
        for part in dotted.split("."):
            got = getattr(got, part)
        assert got == expected


RETRIED = [(n, c) for n, c in CASES if c["scenario"] == "validation_retry"]


def _unversioned(text: str) -> str:
    return re.sub(r"errors\.pydantic\.dev/[\d.]+/", "errors.pydantic.dev/X/", text)


@pytest.mark.parametrize(("name", "case"), RETRIED, ids=[n for n, _ in RETRIED])
def test_fixture_validation_retry_message(name: str, case: dict[str, Any]) -> None:
    """The first answer fails the hidden validator; the retry message is what was sent."""
    made = _fixture_format(case)
    with pytest.raises(ParseError) as failure:
        parse(made, _assistant_texts(case)[0])
    assert isinstance(failure.value.original_exception, ValidationError)
    sent = [m for m in case["expected"]["messages"] if m["role"] == "user"][-1]
    assert _unversioned(failure.value.retry_message()) == _unversioned(sent["content"][0]["text"])


# ---- modes, names and instructions --------------------------------------------------------------


def test_format_modes_and_resolution() -> None:
    assert format(None, mode="json") is None
    json_format = format(Book, mode="json")
    assert json_format is not None and json_format.formattable is Book
    assert resolve_format(json_format, default_mode="tool") is json_format
    assert resolve_format(Book, default_mode="tool").mode == "tool"  # type: ignore[union-attr]
    assert resolve_format(None, default_mode="tool") is None
    assert format(Book, mode="strict").formatting_instructions is None  # type: ignore[union-attr]
    assert format(Book, mode="tool").formatting_instructions == (  # type: ignore[union-attr]
        "Always respond to the user's query using the __mirascope_formatted_output_tool__ "
        "tool for structured output."
    )
    with pytest.raises(ValueError, match="Unknown formatting mode"):
        format(Book, mode="yaml")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot be used as a format"):
        format(object, mode="json")  # type: ignore[arg-type]
    # schemas are copies: editing one (as a provider might) never leaks into the next call
    json_format.schema["properties"]["title"]["x"] = 1
    assert "x" not in format(Book, mode="json").schema["properties"]["title"]  # type: ignore[union-attr]


def test_formatting_instructions_classmethod_wins() -> None:
    class Custom(BaseModel):
        x: int

        @classmethod
        def formatting_instructions(cls) -> str | None:
            return "Write x."

    class Silent(BaseModel):
        x: int

        @classmethod
        def formatting_instructions(cls) -> str | None:
            return None

    for mode in ("json", "tool", "strict"):
        assert format(Custom, mode=mode).formatting_instructions == "Write x."  # type: ignore[union-attr]
        assert format(Silent, mode=mode).formatting_instructions is None  # type: ignore[union-attr]


def test_with_formatting_instructions_placement() -> None:
    made = format(LuckyNumber, mode="tool")
    instructions = made.formatting_instructions  # type: ignore[union-attr]
    assert instructions is not None
    prompt = [system("Be brief."), user("Pick a number")]
    once = with_formatting_instructions(prompt, made)
    assert once[0] == SystemMessage(content=Text(text="Be brief.\n" + instructions))
    assert once[1:] == prompt[1:]
    assert with_formatting_instructions(once, made) == once  # idempotent
    assert with_formatting_instructions(prompt, None) == prompt
    assert with_formatting_instructions(prompt, format(Book, mode="strict")) == prompt
    fresh = with_formatting_instructions([user("hi")], made)
    assert fresh[0] == SystemMessage(content=Text(text=instructions))
    assert prompt[0] == system("Be brief.")  # the input is never modified


class Color(Enum):
    RED = "red"
    BLUE = "blue"


@pytest.mark.parametrize(
    ("spec", "name", "wrapper_title", "text", "value"),
    [
        (int, "int", "intOutput", '{"output": 7}', 7),
        (str, "str", "strOutput", '{"output": "hi"}', "hi"),
        (float, "float", "floatOutput", '{"output": 1.5}', 1.5),
        (bool, "bool", "boolOutput", '{"output": true}', True),
        (list[str], "list", "listOutput", '{"output": ["a"]}', ["a"]),
        (set[int], "set", "setOutput", '{"output": [1, 1]}', {1}),
        (tuple[int, str], "tuple", "tupleOutput", '{"output": [1, "a"]}', (1, "a")),
        (dict[str, int], "dict", "dictOutput", '{"output": {"a": 1}}', {"a": 1}),
        (Color, "Color", "ColorOutput", '{"output": "red"}', Color.RED),
        (Literal["a", "b"], "Literal", "LiteralOutput", '{"output": "b"}', "b"),
        (Union[int, str], "Union", "UnionOutput", '{"output": "x"}', "x"),  # noqa: UP007
        (Annotated[int, Field(gt=0)], "Annotated", "intOutput", '{"output": 3}', 3),
    ],
)
def test_primitive_formats(spec: Any, name: str, wrapper_title: str, text: str, value: Any) -> None:
    made = format(spec, mode="json")
    assert made is not None
    assert made.name == name
    assert made.description is None
    assert made.schema["title"] == wrapper_title
    assert made.schema["required"] == ["output"]
    assert made.schema["description"].startswith("Wrapper for primitive type ")
    assert parse(made, f"Here you go: {text} done") == value
    assert parse_partial(made, json.loads(text)) == value
    assert parse_partial(made, {}) is None


def test_model_collections_as_formats() -> None:
    books = format(list[Book], mode="json")
    assert books is not None
    assert books.schema["properties"]["output"]["items"] == {"$ref": "#/$defs/Book"}
    text = (
        '{"output": [{"title": "T", "author": {"first_name": "A", "last_name": "B"}, "rating": 7}]}'
    )
    assert parse(books, text) == [Book.model_validate(json.loads(text)["output"][0])]
    partial = parse_partial(books, {"output": [{"title": "T"}]})
    assert partial[0].title == "T" and partial[0].author is None
    by_name = format(dict[str, Book], mode="tool")
    assert by_name.schema["properties"]["output"]["additionalProperties"] == {  # type: ignore[union-attr]
        "$ref": "#/$defs/Book"
    }


# ---- parsing ------------------------------------------------------------------------------------

BOOK_JSON = '{"title": "T", "author": {"first_name": "A", "last_name": "B"}, "rating": 7}'
BOOK = Book.model_validate_json(BOOK_JSON)


@pytest.mark.parametrize(
    "text",
    [
        BOOK_JSON,
        f"Sure! Here it is:\n{BOOK_JSON}",
        f"```json\n{BOOK_JSON}\n```",
        f"Ignore {{this}}. ```json\n{BOOK_JSON}\n``` and {{that}}",
        f'{BOOK_JSON}\nHope that helps! {{"not": "this"}}',
    ],
)
def test_parse_finds_the_json(text: str) -> None:
    assert parse(format(Book, mode="json"), text) == BOOK


def test_a_fence_inside_bare_json_is_content() -> None:
    """A structured answer whose string holds a fenced code block (a markdown field) is
    still that answer; only a fence outside the object picks the fenced object."""
    text = json.dumps({"title": "x", "notes": 'see ```json\n{"a": 1}\n```'})
    assert extract_json_text(text) == text
    assert extract_json_text("  " + text[:30]) == text[:30]  # still open: no cut at the fence
    assert strip_json_preamble('{"early": 1} ```json\n{"late": 2}') == '{"late": 2}'


def test_extract_json_text_respects_strings_and_escapes() -> None:
    tricky = r'{"a": "}{", "b": "quote \" and } brace", "c": {"d": "\\"}} trailing }'
    assert extract_json_text("prefix " + tricky) == tricky[: tricky.index(" trailing")]
    assert strip_json_preamble("no json") is None
    assert strip_json_preamble('x {"a') == '{"a'
    assert strip_json_preamble('{"early": 1} ```json\n{"late": 2}') == '{"late": 2}'
    with pytest.raises(json.JSONDecodeError, match=re.escape("missing '{'")):
        extract_json_text("nothing here")
    # an object still streaming in: everything from its `{`, for an incremental parser
    assert extract_json_text('Here: ```json\n{"open": {"x": 1}') == '{"open": {"x": 1}'
    with pytest.raises(ParseError) as unclosed:  # but a finished answer must be complete
        parse(format(Book, mode="json"), '{"open": {"x": 1}')
    assert isinstance(unclosed.value.original_exception, json.JSONDecodeError)
    assert "missing '}'" in str(unclosed.value)


def test_parse_errors() -> None:
    made = format(Book, mode="json")
    with pytest.raises(ParseError) as missing:
        parse(made, "I cannot help with that.")
    assert isinstance(missing.value.original_exception, json.JSONDecodeError)
    assert str(missing.value).startswith("Failed to parse response: ")
    assert missing.value.retry_message() == (
        "Your response could not be parsed because no valid JSON object was found. Please "
        "ensure your response contains a JSON object with opening '{' and closing '}' braces."
    )
    with pytest.raises(ParseError) as invalid:
        parse(made, '{"title": "T"}')
    assert isinstance(invalid.value.original_exception, ValidationError)
    assert invalid.value.retry_message().startswith(
        "Your response failed schema validation:\n2 validation errors for Book\nauthor\n"
    )
    assert parse(None, "anything") is None


def test_parse_partial() -> None:
    made = format(Book, mode="json")
    assert parse_partial(made, None) is None
    assert parse_partial(made, {"title": "T", "author": {"first_name": "A"}}) == Partial[Book](
        title="T", author=Partial[Author](first_name="A")
    )
    assert parse_partial(made, {"rating": "not a number"}) is None
    assert parse_partial(made, ["not", "an", "object"]) is None
    assert parse_partial(None, {}) is None
    lucky = parse_partial(format(LuckyNumber, mode="json"), {"value": 5})
    assert lucky.value == 5  # validators are dropped: partial values are never rejected


# ---- Partial -------------------------------------------------------------------------------------


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Shelf(BaseModel):
    best: Book
    books: list[Book]
    by_name: dict[str, Book]
    maybe: Book | None = None
    nested: list[list[Book]] = []
    tag: Literal["a", "b"] = "a"


def test_partial_models() -> None:
    partial_shelf = Partial[Shelf]
    assert partial_shelf.__name__ == "PartialShelf"
    assert Partial[Shelf] is partial_shelf  # cached
    assert Partial[int] is int
    assert Partial[list[Book]] == list[Book]
    empty = partial_shelf()
    assert all(getattr(empty, name) is None for name in Shelf.model_fields)
    filled = partial_shelf.model_validate(
        {
            "best": {"title": "T"},
            "books": [{"author": {}}],
            "by_name": {"x": {"rating": 1}},
            "maybe": {"title": "M"},
        }
    )
    assert filled.best.author is None  # type: ignore[attr-defined]
    assert filled.books[0].author.first_name is None  # type: ignore[attr-defined]
    assert filled.by_name["x"].rating == 1  # type: ignore[attr-defined]
    assert filled.maybe.title == "M"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):  # deeper nesting keeps the strict model
        partial_shelf.model_validate({"nested": [[{"title": "T"}]]})
    complete = partial_shelf.model_validate({"nested": [[json.loads(BOOK_JSON)]]})
    assert complete.nested[0][0] == BOOK  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        Partial()
    partial_node = Partial[Node]
    assert partial_node.model_validate({"children": [{"name": "leaf"}]}).children[0].name == "leaf"  # type: ignore[attr-defined]


class Strict(BaseModel):
    """Nested deeper than a direct type argument: stays strict, validators included."""

    lucky: list[list[LuckyNumber]]
    either: Author | Book
    loose: Any = None


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (Shelf, {"best": json.loads(BOOK_JSON), "books": [json.loads(BOOK_JSON)] * 2}),
        (
            Shelf,
            {"by_name": {"x": json.loads(BOOK_JSON)}, "maybe": None, "nested": [[]], "tag": "b"},
        ),
        (Strict, {"lucky": [[{"value": 173}], [{"value": 5}]], "either": json.loads(BOOK_JSON)}),
        (Strict, {"either": {"first_name": "A"}, "loose": {"x": [1, {"y": "z"}]}}),
        (Node, {"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}]}),
        (LuckyNumber, {"value": 5}),
        (list[Book], {"output": [json.loads(BOOK_JSON), {"title": "T2", "rating": "7"}]}),
        (dict[str, int], {"output": {"a": 1, "b": 2.0}}),
        (int, {"output": 12345}),
        (Literal["a", "b"], {"output": "b"}),
        (Book, {"title": 5, "rating": 7}),  # a wrong type: nothing validates
    ],
)
def test_stream_partial_parser_equals_parse_partial(spec: Any, value: Any) -> None:
    """The incremental parser of a stream agrees with validating the whole value, after each
    character, for the shapes it assembles and those it leaves to pydantic alike."""
    from ferriscope.llm.formatting.parsing import stream_partial_parser
    from ferriscope.partial_json import PartialJSONParser

    made = format(spec, mode="json")
    assert made is not None
    text = json.dumps(value)
    incremental = stream_partial_parser(made)
    parser = PartialJSONParser()
    for char in text:
        parser.feed(char)
        current = parser.value()
        assert repr(incremental(current)) == repr(parse_partial(made, current)), current
    assert repr(incremental(parser.value())) == repr(parse_partial(made, json.loads(text)))


# ---- output parsers -----------------------------------------------------------------------------


@output_parser(formatting_instructions="Answer as <title>...</title>")
def parse_title(response: Any) -> str:
    """Reads the title tag."""
    text: str = response.text()
    if not text.startswith("<title>"):
        raise ValueError("no title tag")
    return text.removeprefix("<title>").removesuffix("</title>")


class FakeResponse:
    def __init__(self, text: str) -> None:
        self._text = text

    def text(self, sep: str = "\n") -> str:
        return self._text


def test_output_parser() -> None:
    assert isinstance(parse_title, OutputParser)
    assert formatting.is_output_parser(parse_title)
    assert parse_title.__name__ == "parse_title"
    made = resolve_format(parse_title, default_mode="json")
    assert made is not None
    assert (made.name, made.description, made.schema, made.mode) == (
        "parse_title",
        "Reads the title tag.",
        {},
        "parser",
    )
    assert made.formatting_instructions == "Answer as <title>...</title>"
    assert parse(made, "", response=FakeResponse("<title>Dune</title>")) == "Dune"
    with pytest.raises(ParseError, match="OutputParser failed: no title tag") as failure:
        parse(made, "", response=FakeResponse("Dune"))
    assert failure.value.retry_message() == (
        "Your response could not be parsed: no title tag\n\n"
        "Please ensure your response matches the expected format."
    )
    with pytest.raises(NotImplementedError):
        parse_partial(made, {})
    with pytest.raises(ValueError, match="mode must be 'parser'"):
        format(parse_title, mode="json")
    with_instructions = with_formatting_instructions([user("Title?")], made)
    assert with_instructions[0] == system("Answer as <title>...</title>")

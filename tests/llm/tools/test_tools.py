"""`llm.tools` (docs/spec.md §8): schemas from Python definitions, toolkits, execution.

The recorded fixtures fix what the schemas must be: each tool in `call.tools[]` is redefined
here from its `python` signature and `description`, and must produce the recorded parameters,
and the tool bodies sent in the requests. Tool outputs must read back as the second requests
recorded them.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from ferriscope import _core, llm
from ferriscope.llm import tools
from ferriscope.llm._names import is_format_tool_name
from ferriscope.llm.content import ToolCall, ToolOutput
from ferriscope.llm.context import Context, first_param_is_context
from ferriscope.llm.exceptions import ToolExecutionError, ToolNotFoundError
from ferriscope.llm.tools import (
    FORMAT_TOOL_NAME,
    AsyncContextTool,
    AsyncContextToolkit,
    AsyncTool,
    AsyncToolkit,
    ContextTool,
    ContextToolkit,
    Tool,
    Toolkit,
    ToolParameterSchema,
    ToolSchema,
    WebSearchTool,
    normalize_tools,
    tool,
    tool_output_response_object,
    tool_output_result_text,
)
from tests.support.fixture_models import FIXTURE_TOOLS, get_book_info, secret_retrieval_tool
from tests.support.paths import FIXTURES


def _cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(path.relative_to(FIXTURES).with_suffix("")), json.loads(path.read_text()))
        for path in sorted(FIXTURES.rglob("*.json"))
    ]


CASES = _cases()
TOOL_CASES = [(name, case) for name, case in CASES if case["call"].get("tools")]


def _dump(schema: ToolSchema[Any]) -> dict[str, Any]:
    return schema.parameters.model_dump(by_alias=True, exclude_none=True)


def _strip_nested_strict(value: Any, top: bool = True) -> Any:
    """Drops `additionalProperties` below the top level: strict providers add it there."""
    if isinstance(value, dict):
        return {
            key: _strip_nested_strict(item, False)
            for key, item in value.items()
            if top or key != "additionalProperties"
        }
    if isinstance(value, list):
        return [_strip_nested_strict(item, False) for item in value]
    return value


def test_fixture_cases_exist() -> None:
    assert len(TOOL_CASES) >= 25


@pytest.mark.parametrize(("name", "case"), TOOL_CASES, ids=[n for n, _ in TOOL_CASES])
def test_fixture_tool_schemas(name: str, case: dict[str, Any]) -> None:
    for recorded in case["call"]["tools"]:
        made = FIXTURE_TOOLS[recorded["name"]]
        assert f"def {made.name}(" in recorded["python"]
        if "parameters" not in recorded:  # a case that failed before sending: no schema kept
            continue
        assert made.name == recorded["name"]
        assert made.description == recorded["description"]
        assert made.strict == recorded["strict"]
        assert _dump(made) == recorded["parameters"]


def _body_tools(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, description, parameters) of the non-Google tools in a request body."""
    found = []
    for entry in body.get("tools") or []:
        if "functionDeclarations" in entry:
            continue
        spec = entry.get("function", entry)
        params = spec.get("parameters", spec.get("input_schema"))
        found.append((spec["name"], spec["description"], params))
    return found


@pytest.mark.parametrize(("name", "case"), TOOL_CASES, ids=[n for n, _ in TOOL_CASES])
def test_fixture_request_tools(name: str, case: dict[str, Any]) -> None:
    """The providers send `parameters` plus `"type": "object"` (strict adds nested flags)."""
    for interaction in case["interactions"]:
        for tool_name, description, params in _body_tools(interaction["request"]["body"]):
            if tool_name == FORMAT_TOOL_NAME:
                continue  # covered by test_formatting
            made = FIXTURE_TOOLS[tool_name]
            assert description == made.description
            assert _strip_nested_strict(params) == {**_dump(made), "type": "object"}
            assert list(params)[:3] == ["properties", "required", "additionalProperties"]


def _tool_calls_and_outputs(case: dict[str, Any]) -> tuple[list[ToolCall], list[dict[str, Any]]]:
    calls: list[ToolCall] = []
    outputs: list[dict[str, Any]] = []
    for message in case["expected"].get("messages") or []:
        for part in message["content"]:
            if part["type"] == "tool_call" and part["name"] != FORMAT_TOOL_NAME:
                calls.append(ToolCall(id=part["id"], name=part["name"], args=part["args"]))
            elif part["type"] == "tool_output":
                outputs.append(part)
    return calls, outputs


EXECUTED = [(n, c) for n, c in TOOL_CASES if _tool_calls_and_outputs(c)[1]]


@pytest.mark.parametrize(("name", "case"), EXECUTED, ids=[n for n, _ in EXECUTED])
def test_fixture_tool_execution(name: str, case: dict[str, Any]) -> None:
    """Running the recorded calls gives the recorded outputs, and the text the second request
    sent back (strings unquoted: `Welcome to Moria!`)."""
    calls, expected = _tool_calls_and_outputs(case)
    kit = Toolkit([FIXTURE_TOOLS[t["name"]] for t in case["call"]["tools"]])
    outputs = kit.execute_all(calls)
    assert [(o.id, o.name, o.result, o.error) for o in outputs] == [
        (e["id"], e["name"], e["result"], None) for e in expected
    ]
    second = json.dumps(case["interactions"][1]["request"]["body"])
    for output in outputs:
        assert json.dumps(tool_output_result_text(output)) in second


# ---- schema generation --------------------------------------------------------------------------


def test_google_docstring() -> None:
    @tool
    def search(query: str, limit: int = 10, tags: list[str] | None = None) -> list[str]:
        """Search the catalogue.

        Args:
            query: What to look for.
            limit (int): At most this many,
                counted after filtering.
            tags (list[str], optional): Only these tags.

        Returns:
            The matching titles.
        """
        return []

    props = search.parameters.properties
    assert props["query"] == {
        "description": "What to look for.",
        "title": "Query",
        "type": "string",
    }
    assert props["limit"] == {
        "default": 10,
        "description": "At most this many,\ncounted after filtering.",
        "title": "Limit",
        "type": "integer",
    }
    assert props["tags"]["description"] == "Only these tags."
    assert props["tags"]["default"] is None
    assert search.parameters.required == ["query"]
    assert search.description.startswith("Search the catalogue.\n\nArgs:\n    query:")


def test_numpy_docstring() -> None:
    @tool
    def area(width: float, height: float) -> float:
        """Area of a rectangle.

        Parameters
        ----------
        width : float
            The width
            in metres.
        height : float
            The height.
        """
        return width * height

    props = area.parameters.properties
    assert props["width"]["description"] == "The width\nin metres."
    assert props["height"]["description"] == "The height."


def test_rest_docstring() -> None:
    @tool
    def greet(name: str, times: int) -> str:
        """Greets.

        :param name: Who to greet.
        :param int times: How often.
        :type name: str
        :returns: the greeting
        """
        return name * times

    props = greet.parameters.properties
    assert props["name"]["description"] == "Who to greet."
    assert props["times"]["description"] == "How often."


def test_epydoc_docstring() -> None:
    @tool
    def scale(value: float, factor: float) -> float:
        """Scales.

        @param value: The value.
        @type value: float
        @param factor: The factor.
        @return: the product
        """
        return value * factor

    props = scale.parameters.properties
    assert props["value"]["description"] == "The value."
    assert props["factor"]["description"] == "The factor."


def test_style_with_most_fields_wins() -> None:
    @tool
    def mixed(a: int, b: int) -> None:
        """Mixed styles: the Google section has two fields, the ReST one only one.

        Args:
            a: google a
            b: google b

        :param b: rest b
        """

    props = mixed.parameters.properties
    assert props["a"]["description"] == "google a"
    assert props["b"]["description"] == "google b"


def test_annotated_field_wins_over_docstring() -> None:
    @tool
    def pick(
        count: Annotated[int, Field(description="How many", ge=1)] = 3,
        label: Annotated[str, Field(title="Label", examples=["x"], alias="ignored")] = "a",
    ) -> None:
        """Pick.

        Args:
            count: docstring text, not used
            label: docstring label, not used either
        """

    props = pick.parameters.properties
    assert props["count"] == {
        "default": 3,
        "description": "How many",
        "minimum": 1,
        "title": "Count",
        "type": "integer",
    }
    assert props["label"] == {"default": "a", "examples": ["x"], "title": "Label", "type": "string"}
    assert pick.parameters.required == []


class Author(BaseModel):
    name: str


def test_missing_hints_defaults_and_defs() -> None:
    @tool
    def untyped(a, b: Any, author: Author, when: datetime.date = datetime.date(2020, 1, 1)):  # type: ignore[no-untyped-def]
        return None

    dumped = _dump(untyped)
    assert dumped["properties"]["a"] == {"title": "A"}
    assert dumped["properties"]["b"] == {"title": "B"}
    assert dumped["properties"]["author"] == {"$ref": "#/$defs/Author"}
    assert dumped["properties"]["when"]["default"] == "2020-01-01"
    assert dumped["required"] == ["a", "b", "author"]
    assert dumped["$defs"]["Author"]["properties"] == {"name": {"title": "Name", "type": "string"}}
    assert list(dumped) == ["properties", "required", "additionalProperties", "$defs"]
    assert untyped.description == "untyped"  # no docstring: the name


def test_parameter_schema_model() -> None:
    schema = ToolParameterSchema(properties={"a": {"type": "string"}}, required=["a"])
    assert schema.model_dump(by_alias=True, exclude_none=True) == {
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    with_defs = ToolParameterSchema.model_validate({"$defs": {"X": {}}})
    assert with_defs.defs == {"X": {}}


def test_strict_flag_and_reserved_name() -> None:
    @tool(strict=True)
    def strict_tool() -> None: ...

    @tool(strict=False)
    def lax_tool() -> None: ...

    @tool()
    def default_tool() -> None: ...

    assert (strict_tool.strict, lax_tool.strict, default_tool.strict) == (True, False, None)
    assert isinstance(tools.ToolDecorator(strict=True), tools.ToolDecorator)

    def __mirascope_formatted_output_tool__extra() -> None: ...

    with pytest.raises(ValueError, match="reserved name"):
        tool(__mirascope_formatted_output_tool__extra)


def test_the_format_tool_name_is_the_cores_and_matched_by_prefix() -> None:
    # One name for the Rust decoders and every Python layer (docs/spec.md §7.4): Mirascope's.
    assert FORMAT_TOOL_NAME == "__mirascope_formatted_output_tool__"
    assert FORMAT_TOOL_NAME is _core.FORMAT_TOOL_NAME
    assert is_format_tool_name(FORMAT_TOOL_NAME)
    assert is_format_tool_name(FORMAT_TOOL_NAME + "Book")
    assert not is_format_tool_name(FORMAT_TOOL_NAME[1:])
    assert not is_format_tool_name("lookup")
    # Raw provider JSON may hold anything where a name should be.
    assert not is_format_tool_name(None)
    assert not is_format_tool_name([FORMAT_TOOL_NAME])


def test_tool_keeps_function_identity() -> None:
    def double(x: int) -> int:
        """Doubles."""
        return 2 * x

    made = tool(double)
    assert made(4) == 8
    assert made.__name__ == "double"
    assert made.__doc__ == "Doubles."
    assert made.__wrapped__ is double  # type: ignore[attr-defined]
    assert made.fn is double
    assert made == tool(double)
    assert hash(made) == hash(tool(double))
    assert made.can_execute(ToolCall(id="1", name="double", args="{}"))


# ---- kinds and context ---------------------------------------------------------------------------


@dataclass
class Library:
    books: list[str]


class LibraryContext(Context[Library]):
    pass


def test_context_is_keyword_only() -> None:
    ctx = Context(deps=Library(books=["Dune"]))
    assert ctx.deps.books == ["Dune"]
    with pytest.raises(TypeError):
        Context(Library(books=[]))  # type: ignore[misc]


def test_tool_kind_detection() -> None:
    def plain(x: int) -> int:
        return x

    async def plain_async(x: int) -> int:
        return x

    def with_ctx(ctx: Context[Library], x: int) -> int:
        return x

    async def with_ctx_async(ctx: Context[Library], x: int) -> int:
        return x

    def with_subclass(ctx: LibraryContext, x: int) -> int:
        return x

    def ctx_unannotated(ctx, x: int) -> int:  # type: ignore[no-untyped-def]
        return x

    def other_name(context: Context[Library], x: int) -> int:
        return x

    assert type(tool(plain)) is Tool
    assert type(tool(plain_async)) is AsyncTool
    assert type(tool(with_ctx)) is ContextTool
    assert type(tool(with_ctx_async)) is AsyncContextTool
    assert type(tool(with_subclass)) is ContextTool
    assert type(tool(ctx_unannotated)) is Tool
    assert type(tool(other_name)) is Tool
    assert first_param_is_context(with_ctx)
    for made in (tool(with_ctx), tool(with_ctx_async), tool(with_subclass)):
        assert list(made.parameters.properties) == ["x"]
    assert list(tool(ctx_unannotated).parameters.properties) == ["ctx", "x"]


def test_context_tool_execution() -> None:
    @tool
    def available(ctx: Context[Library], genre: str) -> list[str]:
        """Books of a genre in the library."""
        return [b for b in ctx.deps.books if genre in b]

    ctx = Context(deps=Library(books=["sf: Dune", "fantasy: Mistborn"]))
    assert available(ctx, "sf") == ["sf: Dune"]
    kit = ContextToolkit([available, secret_retrieval_tool])
    call = ToolCall(id="c1", name="available", args='{"genre": "fantasy"}')
    assert kit.execute(ctx, call) == ToolOutput(
        id="c1", name="available", result=["fantasy: Mistborn"]
    )
    plain = kit.execute(
        ctx, ToolCall(id="c2", name="secret_retrieval_tool", args='{"password": "mellon"}')
    )
    assert plain.result == "Welcome to Moria!"


# ---- execution -----------------------------------------------------------------------------------


class Point(BaseModel):
    x: int
    y: int


@tool
def convert(when: datetime.date, pair: tuple[int, int], point: Point, raw=None) -> str:  # type: ignore[no-untyped-def]
    return f"{when!r} {pair!r} {point!r} {raw!r}"


@tool
def no_args() -> str:
    return "ok"


@tool
def boom(x: int) -> int:
    raise RuntimeError(f"boom {x}")


def _call(name: str, args: str, id: str = "id1") -> ToolCall:
    return ToolCall(id=id, name=name, args=args)


def test_arguments_are_converted_with_type_adapters() -> None:
    out = convert.execute(
        _call(
            "convert",
            '{"when": "2024-05-01", "pair": [1, 2], "point": {"x": 1, "y": 2}, "raw": [1]}',
        )
    )
    assert out.error is None
    assert out.result == "datetime.date(2024, 5, 1) (1, 2) Point(x=1, y=2) [1]"


@pytest.mark.parametrize("args", ["", "   ", "{}"])
def test_blank_arguments_mean_none(args: str) -> None:
    assert no_args.execute(_call("no_args", args)).result == "ok"


def test_failures_become_outputs() -> None:
    raised = boom.execute(_call("boom", '{"x": 3}'))
    assert raised.result == "boom 3"
    assert isinstance(raised.error, ToolExecutionError)
    assert isinstance(raised.error.tool_exception, RuntimeError)
    with pytest.raises(ToolExecutionError):
        _ = raised.output

    bad_json = boom.execute(_call("boom", '{"x": '))
    assert isinstance(bad_json.error, ToolExecutionError)
    assert isinstance(bad_json.error.tool_exception, json.JSONDecodeError)

    invalid = boom.execute(_call("boom", '{"x": "three"}'))
    assert isinstance(invalid.error, ToolExecutionError)
    assert "validation error" in str(invalid.result)

    missing = boom.execute(_call("boom", "{}"))
    assert isinstance(missing.error, ToolExecutionError)
    assert isinstance(missing.error.tool_exception, TypeError)

    not_object = boom.execute(_call("boom", "[1]"))
    assert isinstance(not_object.error, ToolExecutionError)


def test_unknown_tool() -> None:
    kit = Toolkit([boom])
    call = _call("nope", "{}", id="x")
    with pytest.raises(ToolNotFoundError):
        kit.get(call)
    out = kit.execute(call)
    assert out.id == "x" and out.name == "nope"
    assert out.result == "Tool 'nope' not found in registered tools"
    assert out.error == ToolNotFoundError("nope")


def test_toolkit_collection_rules() -> None:
    search = WebSearchTool()
    kit = Toolkit([secret_retrieval_tool, search, get_book_info])  # type: ignore[list-item]
    assert kit.tools == [secret_retrieval_tool, search, get_book_info]
    assert list(kit.tools_dict) == ["secret_retrieval_tool", "get_book_info"]
    assert kit.provider_tools_dict == {"web_search": search}
    assert kit.get(_call("get_book_info", "")) is get_book_info
    assert search.name == "web_search"
    assert Toolkit(None).tools == []
    with pytest.raises(ValueError, match="Multiple tools with name: get_book_info"):
        Toolkit([get_book_info, get_book_info])


def test_normalize_tools() -> None:
    kit = Toolkit([get_book_info])
    assert normalize_tools(kit, kind="sync") is kit
    assert type(normalize_tools(None, kind="sync")) is Toolkit
    assert normalize_tools([get_book_info], kind="sync") == kit
    assert type(normalize_tools([get_book_info], kind="async")) is AsyncToolkit
    context = normalize_tools(kit, kind="context")
    assert type(context) is ContextToolkit and context.tools == [get_book_info]
    assert type(normalize_tools(None, kind="async_context")) is AsyncContextToolkit
    assert tools.normalize_context_tools(None).tools == []


async def test_async_toolkit_runs_concurrently_in_order() -> None:
    started: list[str] = []
    both_started = asyncio.Event()

    @tool
    async def slow(label: str, delay: float) -> str:
        started.append(label)
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 1)
        await asyncio.sleep(delay)
        return label

    kit = AsyncToolkit([slow])
    calls = [
        _call("slow", '{"label": "first", "delay": 0.05}', id="1"),
        _call("slow", '{"label": "second", "delay": 0}', id="2"),
        _call("missing", "{}", id="3"),
    ]
    outputs = await kit.execute_all(calls)
    assert [o.result for o in outputs[:2]] == ["first", "second"]
    assert isinstance(outputs[2].error, ToolNotFoundError)
    assert started == ["first", "second"]  # the second started before the first finished
    assert (await slow("direct", 0)) == "direct"


async def test_async_context_toolkit() -> None:
    @tool
    async def count(ctx: Context[Library]) -> int:
        return len(ctx.deps.books)

    @tool
    async def echo(text: str) -> str:
        return text

    kit = AsyncContextToolkit([count, echo])
    ctx = Context(deps=Library(books=["a", "b"]))
    outputs = await kit.execute_all(
        ctx, [_call("count", "", id="1"), _call("echo", '{"text": "hi"}', id="2")]
    )
    assert [o.result for o in outputs] == [2, "hi"]

    @tool
    async def fails() -> None:
        raise ValueError("nope")

    failed = await AsyncToolkit([fails]).execute(_call("fails", ""))
    assert failed.result == "nope" and isinstance(failed.error, ToolExecutionError)


# ---- results sent back --------------------------------------------------------------------------


def test_tool_output_result_text() -> None:
    assert tool_output_result_text("Welcome to Moria!") == "Welcome to Moria!"
    assert tool_output_result_text(ToolOutput(id="1", name="t", result="x")) == "x"
    assert tool_output_result_text(Point(x=1, y=2)) == '{"x":1,"y":2}'
    assert tool_output_result_text({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert tool_output_result_text([Point(x=1, y=2)]) == '[{"x": 1, "y": 2}]'
    assert tool_output_result_text(7) == "7"
    assert tool_output_result_text(None) == "null"
    assert tool_output_result_text(datetime.date(2020, 1, 2)) == "2020-01-02"
    assert tool_output_response_object("hi") == {"output": "hi"}
    assert tool_output_response_object({"a": 1}) == {"a": 1}
    assert tool_output_response_object(Point(x=1, y=2)) == {"x": 1, "y": 2}
    assert tool_output_response_object([1]) == {"output": [1]}


def test_a_sync_call_refuses_async_tools() -> None:
    """An async tool in a sync call is a clear TypeError at `.stream()`, not coroutine
    objects returned by `execute_tools()` later."""

    @llm.tool
    async def lookup(q: str) -> str:
        return q

    @llm.tool
    def plain(q: str) -> str:
        return q

    with pytest.raises(TypeError, match="'lookup' is async"):
        llm.Model("openai/gpt-4o").stream("hi", tools=[plain, lookup])
    with pytest.raises(TypeError, match="'lookup' is async"):
        llm.ContextToolkit([lookup])  # type: ignore[list-item]
    assert llm.AsyncToolkit([lookup, plain]).tools_dict.keys() == {"lookup", "plain"}

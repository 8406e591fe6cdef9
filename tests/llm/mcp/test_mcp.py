"""`llm.mcp` against real MCP servers written with the official SDK.

The calc server (`tests/support/mcp_servers/calc_server.py`) runs as a subprocess over stdio and
in-process over Streamable HTTP and SSE on a free 127.0.0.1 port. The model is the replay
server of `ferriscope.testing`: it streams a reply that calls the server's tools, the tools
run on the MCP server through `execute_tools()`, and `resume()` streams the answer.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any

import anyio
import pytest
import uvicorn
from mcp import ClientSession, McpError, StdioServerParameters
from mcp.server.lowlevel import Server
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import CallToolResult, ImageContent, ListToolsRequest, ListToolsResult, Tool
from starlette.types import ASGIApp

from ferriscope import llm
from ferriscope.llm.mcp.tools import mcp_tool_parameters, to_async_tool
from ferriscope.llm.providers.openai.schema import strict_schema
from ferriscope.testing.pytest_plugin import FerriscopeReplay
from ferriscope.testing.synth import Reply, SynthToolCall
from tests.support.mcp_servers.calc_server import build_server
from tests.support.paths import MCP_SERVERS as SERVERS

CALC = StdioServerParameters(command=sys.executable, args=[str(SERVERS / "calc_server.py")])
TIMEOUT = 30.0
"""Bounds every MCP exchange here: a regression fails the test instead of hanging it."""


def text_block(text: str) -> dict[str, Any]:
    """One MCP text content block as the tool result carries it (Mirascope's form)."""
    return {"type": "text", "text": text, "annotations": None, "meta": None}


@pytest.fixture
def replay() -> Iterator[FerriscopeReplay]:
    with FerriscopeReplay() as instance:
        yield instance


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Serves `app` with uvicorn on a free loopback port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", loop="asyncio", lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert server.started, "the MCP test server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        assert not thread.is_alive(), "the MCP test server did not shut down"


@pytest.fixture
def streamable_http_url() -> Iterator[str]:
    with serving(build_server().streamable_http_app()) as base:
        yield base + "/mcp"


@pytest.fixture
def sse_url() -> Iterator[str]:
    with serving(build_server().sse_app()) as base:
        yield base + "/sse"


@asynccontextmanager
async def connected(
    client: AbstractAsyncContextManager[llm.mcp.MCPClient],
) -> AsyncIterator[llm.mcp.MCPClient]:
    """`async with client` with a deadline on everything done inside it."""
    with anyio.fail_after(TIMEOUT):
        async with client as opened:
            yield opened


async def stream_tool_loop(
    response: Any, ctx: llm.Context[Any] | None = None
) -> tuple[str, list[list[llm.ToolOutput[Any]]]]:
    """Runs a streamed tool loop to its end: the text streamed and each round's outputs.
    A context call's response takes its `ctx` for executing and resuming."""
    given = () if ctx is None else (ctx,)
    streamed: list[str] = []
    rounds: list[list[llm.ToolOutput[Any]]] = []
    while True:
        async for piece in response.text_stream():
            streamed.append(piece)
        if not response.tool_calls:
            return "".join(streamed), rounds
        outputs = await response.execute_tools(*given)
        rounds.append(outputs)
        response = await response.resume(*given, outputs)


def expected_parameters(input_schema: dict[str, Any]) -> dict[str, Any]:
    """What a provider is sent for an MCP tool's input schema: the schema's own
    `properties`/`required`/`$defs`, no extra properties unless the server allows them."""
    expected = {
        "properties": input_schema.get("properties", {}),
        "required": input_schema.get("required", []),
        "additionalProperties": input_schema.get("additionalProperties", False),
        "type": "object",
    }
    if "$defs" in input_schema:
        expected["$defs"] = input_schema["$defs"]
    return expected


# ---- the full loop over each transport -----------------------------------------------------


async def test_stdio_tool_loop_runs_tools_on_the_server(replay: FerriscopeReplay) -> None:
    replay.use("anthropic")
    replay.add(
        Reply(
            tool_calls=[
                SynthToolCall("toolu_add", "add", {"a": 2, "b": 40}, pieces=3),
                SynthToolCall("toolu_div", "divide", {"a": 1, "b": 0}),
                SynthToolCall("toolu_ref", "refuse", {"reason": "not today"}),
            ]
        )
    )
    replay.add(Reply(text=["2 + 40 ", "is 42."]))

    async with connected(llm.mcp.stdio_client(CALC)) as client:
        assert isinstance(client, llm.mcp.MCPClient)
        tools = await client.list_tools()
        assert all(isinstance(tool, llm.AsyncTool) for tool in tools)
        assert [tool.name for tool in tools] == ["add", "divide", "refuse", "shelve"]
        response = await llm.Model("anthropic/claude-sonnet-4-5").stream_async(
            "What is 2 + 40?", tools=tools
        )
        text, rounds = await stream_tool_loop(response)
        server_schemas = {t.name: t.inputSchema for t in (await client.session.list_tools()).tools}

    assert text == "2 + 40 is 42.\n"
    [outputs] = rounds
    added, divided, refused = outputs
    assert (added.id, added.name, added.error) == ("toolu_add", "add", None)
    assert added.result == [text_block("42")]
    # An exception inside the tool: FastMCP answers isError with the exception's text.
    assert isinstance(divided.error, llm.ToolExecutionError)
    assert isinstance(divided.error.tool_exception, llm.mcp.MCPToolError)
    assert divided.result == "Error executing tool divide: cannot divide by zero"
    # An explicit isError result: its text is what the model is told.
    assert isinstance(refused.error, llm.ToolExecutionError)
    assert refused.result == "not today"
    assert refused.error.tool_exception.content == [text_block("not today")]  # type: ignore[union-attr]
    with pytest.raises(llm.ToolExecutionError):
        refused.output  # noqa: B018

    first, second = (request.json() for request in replay.requests)
    sent = {tool["name"]: tool for tool in first["tools"]}
    for name, schema in server_schemas.items():
        assert sent[name]["input_schema"] == expected_parameters(schema)
    assert sent["add"]["description"] == "Adds two integers."
    results = {
        block["tool_use_id"]: block["content"]
        for block in second["messages"][-1]["content"]
        if block["type"] == "tool_result"
    }
    assert results == {
        "toolu_add": json.dumps([text_block("42")]),
        "toolu_div": "Error executing tool divide: cannot divide by zero",
        "toolu_ref": "not today",
    }


async def test_streamable_http_tool_loop(
    replay: FerriscopeReplay, streamable_http_url: str
) -> None:
    replay.use("openai")
    book = {"title": "Dune", "author": "Frank Herbert"}
    replay.add(
        Reply(
            tool_calls=[
                SynthToolCall("call_add", "add", {"a": 7, "b": 5}),
                SynthToolCall("call_shelve", "shelve", {"book": book, "copies": 2}, pieces=4),
            ]
        )
    )
    replay.add(Reply(text=["Twelve, ", "and Dune is shelved."]))

    async with connected(llm.mcp.streamable_http_client(streamable_http_url)) as client:
        tools = await client.list_tools()
        response = await llm.Model("openai/gpt-5-mini").stream_async("Go.", tools=tools)
        text, rounds = await stream_tool_loop(response)
        server_schemas = {t.name: t.inputSchema for t in (await client.session.list_tools()).tools}

    assert text == "Twelve, and Dune is shelved.\n"
    assert [(o.name, o.result, o.error) for o in rounds[0]] == [
        ("add", [text_block("12")], None),
        ("shelve", [text_block("2 x Dune by Frank Herbert")], None),
    ]
    first, second = (request.json() for request in replay.requests)
    sent = {tool["name"]: tool for tool in first["tools"]}
    assert "$defs" in server_schemas["shelve"]
    for name, schema in server_schemas.items():
        # OpenAI's encoder closes nested objects too (as for any tool), nothing else changes.
        expected = strict_schema(expected_parameters(schema), require_all=False)
        assert sent[name]["parameters"] == expected
        assert sent[name]["strict"] is False  # the server owns and validates the schema
    outputs = {
        item["call_id"]: item["output"]
        for item in second["input"]
        if item.get("type") == "function_call_output"
    }
    assert outputs == {
        "call_add": json.dumps([text_block("12")]),
        "call_shelve": json.dumps([text_block("2 x Dune by Frank Herbert")]),
    }


async def test_sse_context_call_tool_loop_reports_a_tool_exception(
    replay: FerriscopeReplay, sse_url: str
) -> None:
    replay.use("google")
    replay.add(Reply(tool_calls=[SynthToolCall("unused", "divide", {"a": 3, "b": 0})]))
    replay.add(Reply(text=["You cannot divide by zero."]))

    async with connected(llm.mcp.sse_client(sse_url)) as client:
        tools = await client.list_tools()

        @llm.call("google/gemini-2.5-flash", tools=tools)  # a context call: the async context kit
        async def ask(ctx: llm.Context[str], question: str) -> str:
            return f"{ctx.deps}: {question}"

        ctx = llm.Context(deps="maths")
        response = await ask.stream(ctx, "3/0?")
        text, rounds = await stream_tool_loop(response, ctx)

    assert text == "You cannot divide by zero.\n"
    [[output]] = rounds
    assert output.name == "divide"
    assert isinstance(output.error, llm.ToolExecutionError)
    assert output.result == "Error executing tool divide: cannot divide by zero"
    sent = replay.requests[1].json()["contents"][-1]["parts"][0]["functionResponse"]
    assert sent["response"] == {"output": "Error executing tool divide: cannot divide by zero"}


# ---- tools outside a model call ------------------------------------------------------------


async def test_tools_can_be_called_directly_and_bad_arguments_are_errors() -> None:
    async with connected(llm.mcp.stdio_client(CALC, name="calc")) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        assert await tools["add"](a=1, b=2) == [text_block("3")]
        with pytest.raises(llm.mcp.MCPToolError, match="nope"):
            await tools["refuse"](reason="nope")
        # The server validates arguments; a mistyped call is an error output, not a crash.
        call = llm.ToolCall(id="c1", name="add", args='{"a": "two"}')
        output = await tools["add"].execute(call)
        assert isinstance(output.error, llm.ToolExecutionError)
        assert "validation error" in str(output.result)
        # Arguments that are not a JSON object never reach the server.
        output = await tools["add"].execute(llm.ToolCall(id="c2", name="add", args="[1, 2]"))
        assert isinstance(output.error, llm.ToolExecutionError)
    # After the block the session is closed: a call says so instead of failing silently.
    output = await tools["add"].execute(llm.ToolCall(id="c3", name="add", args='{"a":1,"b":1}'))
    assert isinstance(output.error, llm.ToolExecutionError)
    assert isinstance(output.error.tool_exception, anyio.ClosedResourceError)  # as in Mirascope
    assert output.result == "the connection to the MCP server is closed; 'add' was not run"


async def test_a_server_that_dies_mid_call_gives_error_outputs() -> None:
    crashing = StdioServerParameters(
        command=sys.executable, args=[str(SERVERS / "crashing_server.py")]
    )
    async with connected(llm.mcp.stdio_client(crashing)) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        died = await tools["crash"].execute(llm.ToolCall(id="1", name="crash", args="{}"))
        after = await tools["echo"].execute(llm.ToolCall(id="2", name="echo", args='{"s":"x"}'))
    assert isinstance(died.error, llm.ToolExecutionError)
    assert died.result  # the SDK's "Connection closed", not an empty message
    assert isinstance(after.error, llm.ToolExecutionError)
    assert isinstance(after.error.tool_exception, anyio.ClosedResourceError)  # as in Mirascope
    assert after.result == "the connection to the MCP server is closed; 'echo' was not run"


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, or the exception itself."""
    inner: tuple[BaseException, ...] | None = getattr(error, "exceptions", None)
    if inner is None:
        return [error]
    return [leaf for sub in inner for leaf in leaves(sub)]


async def test_a_server_that_exits_at_once_raises_instead_of_hanging() -> None:
    gone = StdioServerParameters(command=sys.executable, args=["-c", "raise SystemExit(1)"])
    with pytest.raises(Exception) as raised, anyio.fail_after(TIMEOUT):
        async with llm.mcp.stdio_client(gone):
            pass
    assert any(isinstance(leaf, McpError) for leaf in leaves(raised.value)), raised.value


# ---- schema conversion and pagination ------------------------------------------------------


def mcp_tool(input_schema: dict[str, Any], name: str = "t") -> Tool:
    return Tool(name=name, description="d", inputSchema=input_schema)


def test_input_schema_goes_through_unchanged() -> None:
    defs = {"Point": {"type": "object", "properties": {"x": {"type": "number"}}}}
    schema = {
        "type": "object",
        "title": "ignored",
        "properties": {"p": {"$ref": "#/$defs/Point"}, "tags": {"type": "array"}},
        "required": ["p"],
        "$defs": defs,
    }
    parameters = mcp_tool_parameters(mcp_tool(schema))
    assert parameters.model_dump(by_alias=True, exclude_none=True) == {
        "properties": schema["properties"],
        "required": ["p"],
        "additionalProperties": False,
        "$defs": defs,
    }


@pytest.mark.parametrize(
    ("declared", "sent"),
    [(None, False), (False, False), (True, True), ({"type": "string"}, True)],
)
def test_additional_properties(declared: object, sent: bool) -> None:
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    if declared is not None:
        schema["additionalProperties"] = declared
    assert mcp_tool_parameters(mcp_tool(schema)).additionalProperties is sent


def test_a_tool_without_properties_takes_no_arguments() -> None:
    parameters = mcp_tool_parameters(mcp_tool({"type": "object"}))
    assert (parameters.properties, parameters.required, parameters.defs) == ({}, [], None)


@asynccontextmanager
async def paged_client(cursors: list[str | None]) -> AsyncIterator[llm.mcp.MCPClient]:
    """A client of an in-memory low-level server whose `tools/list` pages end with
    `cursors` in turn (None: the last page)."""
    server: Server[Any, Any] = Server("paged")
    pages = iter(enumerate(cursors))

    @server.list_tools()  # type: ignore[untyped-decorator,no-untyped-call,unused-ignore]
    async def list_tools(request: ListToolsRequest) -> ListToolsResult:
        index, cursor = next(pages)
        tool = Tool(name=f"tool_{index}", inputSchema={"type": "object"})
        return ListToolsResult(tools=[tool], nextCursor=cursor)

    async with create_connected_server_and_client_session(server) as session:
        assert isinstance(session, ClientSession)
        yield llm.mcp.MCPClient(session)


async def test_list_tools_follows_pagination() -> None:
    async with paged_client(["page2", "page3", None]) as client:
        tools = await client.list_tools()
    assert [tool.name for tool in tools] == ["tool_0", "tool_1", "tool_2"]
    assert [tool.description for tool in tools] == ["tool_0", "tool_1", "tool_2"]


async def test_a_repeated_cursor_is_an_error_not_a_loop() -> None:
    async with paged_client(["a", "b", "a", None]) as client:
        with pytest.raises(ValueError, match="repeated pagination cursor"):
            await client.list_tools()


async def test_a_reserved_tool_name_is_refused() -> None:
    reserved = llm.tools.FORMAT_TOOL_NAME
    async with paged_client([None]) as client:
        tool = Tool(name=reserved, inputSchema={"type": "object"})
        with pytest.raises(ValueError, match="reserved name"):
            to_async_tool(client.session, tool)


async def test_an_error_without_text_still_tells_the_model_something() -> None:
    server: Server[Any, Any] = Server("silent")
    picture = ImageContent(type="image", data="AAAA", mimeType="image/png")
    tool = Tool(name="draw", inputSchema={"type": "object"})

    @server.list_tools()  # type: ignore[untyped-decorator,no-untyped-call,unused-ignore]
    async def list_tools() -> list[Tool]:
        return [tool]

    @server.call_tool()  # type: ignore[untyped-decorator,no-untyped-call,unused-ignore]
    async def call_tool(name: str, arguments: dict[str, Any]) -> CallToolResult:
        return CallToolResult(isError=True, content=[picture])

    async with create_connected_server_and_client_session(server) as session:
        [draw] = await llm.mcp.MCPClient(session).list_tools()
        output = await draw.execute(llm.ToolCall(id="1", name="draw", args="{}"))
    assert output.result == "MCP tool 'draw' failed without an error message"
    assert isinstance(output.error, llm.ToolExecutionError)
    error = output.error.tool_exception
    assert isinstance(error, llm.mcp.MCPToolError)
    assert (error.tool_name, error.content) == ("draw", [picture.model_dump(mode="json")])


# ---- the optional extra --------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_llm_imports_mcp_only_on_first_use() -> None:
    done = run_python(
        """
        import sys
        from ferriscope import llm
        assert "mcp" not in sys.modules and "ferriscope.llm.mcp" not in sys.modules
        assert llm.mcp.MCPClient.__name__ == "MCPClient"
        assert "mcp" in sys.modules
        """
    )
    assert done.returncode == 0, done.stderr


def test_without_the_sdk_the_error_names_the_extra() -> None:
    done = run_python(
        """
        import sys
        sys.modules["mcp"] = None  # as if the MCP SDK were not installed
        from ferriscope import llm
        assert llm.Model  # the rest of llm works
        for use in (
            lambda: llm.mcp.stdio_client,
            lambda: __import__("ferriscope.llm.mcp", fromlist=["MCPClient"]).MCPClient,
        ):
            try:
                use()
            except ImportError as error:
                print(error)
            else:
                raise AssertionError("no ImportError")
        try:
            llm.mcp.not_a_name
        except AttributeError:
            pass
        """
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all("pip install 'ferriscope[mcp]'" in line for line in lines)
    assert "llm.mcp.stdio_client" in lines[0]

"""An MCP server's tool as an `llm.AsyncTool`: its schema for the model, its call for us.

The model is told exactly what the server declared: the input schema's `properties`,
`required`, `additionalProperties` and `$defs` go through untouched, as Mirascope passes them,
and the provider encoders add `"type": "object"`. The tool is never strict, because the server
(not us) owns and validates the schema. A call's result goes back to the model as the list of
its content blocks in JSON form, as in Mirascope; a result the server flags with `isError`
raises `MCPToolError`, which `execute()` turns into a `ToolOutput` error like any failing tool.
A call on a closed session raises anyio's closed-stream error, as in Mirascope, but with a
message for the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import anyio
from mcp import ClientSession
from mcp.types import CallToolResult, TextContent
from mcp.types import Tool as MCPTool

from ferriscope.llm._names import is_format_tool_name
from ferriscope.llm.exceptions import Error
from ferriscope.llm.tools import AsyncTool, ToolParameterSchema
from ferriscope.llm.types import Jsonable

__all__ = ["MCPToolError", "mcp_tool_parameters", "to_async_tool"]


class MCPToolError(Error):
    """The MCP server answered a tool call with `isError: true`.

    The message is the server's error text (FastMCP puts the tool's exception there), which
    is what the model is told; `content` keeps every block of the answer.
    """

    tool_name: str
    content: list[Jsonable]

    def __init__(self, tool_name: str, content: list[Jsonable], message: str) -> None:
        super().__init__(message)
        self.tool_name = tool_name
        self.content = content


def mcp_tool_parameters(mcp_tool: MCPTool) -> ToolParameterSchema:
    """The tool's argument schema as the providers send it.

    `additionalProperties` may be a schema in JSON Schema; the model-facing schema only has a
    yes/no for it, and a schema there means extra keys are allowed, so it becomes `True`.
    Other top-level keywords (a title, `anyOf`) have no place in a tool's parameters and are
    dropped, as Mirascope drops them.
    """
    input_schema: Mapping[str, object] = mcp_tool.inputSchema
    additional = input_schema.get("additionalProperties", False)
    parameters = ToolParameterSchema(
        properties=cast(dict[str, dict[str, object]], input_schema.get("properties", {})),
        required=cast(list[str], input_schema.get("required", [])),
        additionalProperties=additional if isinstance(additional, bool) else True,
    )
    if "$defs" in input_schema:
        parameters.defs = cast(dict[str, dict[str, object]], input_schema["$defs"])
    return parameters


def _content_of(result: CallToolResult) -> list[Jsonable]:
    # JSON mode, so a resource link's URL is a string a caller can use, not a pydantic object.
    return [cast(Jsonable, block.model_dump(mode="json")) for block in result.content]


def _error_message(tool_name: str, result: CallToolResult) -> str:
    texts = [block.text for block in result.content if isinstance(block, TextContent)]
    if texts:
        return "\n".join(texts)
    return f"MCP tool {tool_name!r} failed without an error message"


def to_async_tool(session: ClientSession, mcp_tool: MCPTool) -> AsyncTool[..., Jsonable]:
    """An `AsyncTool` whose call runs `mcp_tool` on the server behind `session`."""
    name = mcp_tool.name
    if is_format_tool_name(name):
        raise ValueError(f"MCP server declares a tool with the reserved name {name!r}")

    async def call_mcp_tool(**kwargs: object) -> Jsonable:
        try:
            result = await session.call_tool(name, dict(kwargs))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError) as exc:
            # The SDK raises these without a message, so the model would be told nothing.
            # The same type (what Mirascope's callers check for), now saying what happened.
            message = f"the connection to the MCP server is closed; {name!r} was not run"
            raise type(exc)(message) from exc
        content = _content_of(result)
        if result.isError:
            raise MCPToolError(name, content, _error_message(name, result))
        return content

    call_mcp_tool.__name__ = name
    call_mcp_tool.__qualname__ = name
    return AsyncTool(
        fn=call_mcp_tool,
        name=name,
        description=mcp_tool.description or name,
        parameters=mcp_tool_parameters(mcp_tool),
        strict=False,
    )

"""A small MCP server (FastMCP) for the `llm.mcp` tests.

Run as a script it serves over stdio (`python calc_server.py`); the tests also import
`build_server()` to serve the same tools over Streamable HTTP and SSE. Its tools cover a plain
result, an exception inside the tool, an explicit `isError` result and an argument schema
with `$defs`.
"""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field


class Book(BaseModel):
    title: str
    author: str = Field(description="Who wrote it.")


def build_server() -> FastMCP:
    """A fresh server: a FastMCP's HTTP session manager can be started only once."""
    server = FastMCP("calc", log_level="WARNING")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two integers."""
        return a + b

    @server.tool()
    def divide(a: float, b: float) -> float:
        """Divides a by b."""
        if b == 0:
            raise ValueError("cannot divide by zero")
        return a / b

    @server.tool()
    def refuse(reason: str) -> CallToolResult:
        """Always declines, with an error result rather than an exception."""
        return CallToolResult(isError=True, content=[TextContent(type="text", text=reason)])

    @server.tool()
    def shelve(book: Book, copies: int = 1) -> str:
        """Puts copies of a book on the shelf."""
        return f"{copies} x {book.title} by {book.author}"

    return server


if __name__ == "__main__":
    build_server().run()  # stdio

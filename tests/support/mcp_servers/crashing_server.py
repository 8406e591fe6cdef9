"""An MCP server (FastMCP, stdio) whose `crash` tool ends the server process mid-call."""

from __future__ import annotations

import os

from mcp.server.fastmcp import FastMCP

server = FastMCP("crashing", log_level="WARNING")


@server.tool()
def crash() -> str:
    """Exits the server process without answering."""
    os._exit(3)


@server.tool()
def echo(s: str) -> str:
    """Returns its argument."""
    return s


if __name__ == "__main__":
    server.run()

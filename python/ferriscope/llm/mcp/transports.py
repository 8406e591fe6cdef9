"""The three ways to reach an MCP server, each an `async with` yielding an `MCPClient`.

Each opens the SDK's transport, starts a `ClientSession` on it and completes the MCP
handshake before yielding, so the client is ready to list and call tools. Leaving the block
closes the session and the transport (and, for stdio, ends the server process).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from mcp import ClientSession, StdioServerParameters
from mcp.client.sse import sse_client as mcp_sse_client
from mcp.client.stdio import stdio_client as mcp_stdio_client
from mcp.client.streamable_http import streamable_http_client as mcp_streamable_http_client

from ferriscope.llm.mcp.client import MCPClient

__all__ = ["sse_client", "stdio_client", "streamable_http_client"]


@asynccontextmanager
async def stdio_client(
    server_parameters: StdioServerParameters,
    name: str | None = None,
) -> AsyncIterator[MCPClient]:
    """Runs the server as a subprocess and talks to it over its stdin/stdout.

    `name` is accepted for Mirascope compatibility and not used.
    """
    async with (
        mcp_stdio_client(server_parameters) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield MCPClient(session)


@asynccontextmanager
async def streamable_http_client(url: str) -> AsyncIterator[MCPClient]:
    """Connects to a server's Streamable HTTP endpoint (for example `http://host/mcp`)."""
    async with (
        mcp_streamable_http_client(url) as (read, write, _session_id),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield MCPClient(session)


@asynccontextmanager
async def sse_client(
    url: str,
    read_timeout_seconds: timedelta | None = None,
) -> AsyncIterator[MCPClient]:
    """Connects to a server's (legacy) SSE endpoint (for example `http://host/sse`).

    `read_timeout_seconds` bounds how long each request waits for the server's answer.
    """
    async with (
        mcp_sse_client(url) as (read, write),
        ClientSession(read, write, read_timeout_seconds=read_timeout_seconds) as session,
    ):
        await session.initialize()
        yield MCPClient(session)

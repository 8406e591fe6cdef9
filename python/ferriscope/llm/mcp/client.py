"""`MCPClient`: an initialized MCP session whose tools come out ready for `tools=`."""

from __future__ import annotations

from mcp import ClientSession
from mcp.types import PaginatedRequestParams
from mcp.types import Tool as MCPTool

from ferriscope.llm.mcp.tools import to_async_tool
from ferriscope.llm.tools import AsyncTool
from ferriscope.llm.types import Jsonable

__all__ = ["MCPClient"]


class MCPClient:
    """Wraps an MCP `ClientSession`; `session` is the SDK's own object for anything else
    (prompts, resources, pings).

    The tools it lists call the server through this session, so they work only while the
    `async with` block that made the client is open.
    """

    def __init__(self, session: ClientSession) -> None:
        self._session = session

    @property
    def session(self) -> ClientSession:
        """The underlying MCP `ClientSession`."""
        return self._session

    async def list_tools(self) -> list[AsyncTool[..., Jsonable]]:
        """Every tool the server offers, following `tools/list` pagination to the end.

        Raises `ValueError` if the server hands back a cursor it already gave, which would
        otherwise loop forever.
        """
        found: list[MCPTool] = []
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            params = None if cursor is None else PaginatedRequestParams(cursor=cursor)
            page = await self._session.list_tools(params=params)
            found.extend(page.tools)
            cursor = page.nextCursor
            if cursor is None:
                return [to_async_tool(self._session, tool) for tool in found]
            if cursor in seen:
                raise ValueError("MCP tools/list returned a repeated pagination cursor")
            seen.add(cursor)

"""`llm.mcp`: tools served by Model Context Protocol servers, usable in `tools=` (async only).

Needs the MCP SDK (`pip install 'ferriscope[mcp]'`). Without it this module still imports,
so `from ferriscope import llm` never depends on it, and using any of its names raises an
`ImportError` that says which extra to install.
"""

from __future__ import annotations

__all__ = ["MCPClient", "MCPToolError", "sse_client", "stdio_client", "streamable_http_client"]

_INSTALL_HINT = "llm.mcp needs the MCP SDK: pip install 'ferriscope[mcp]'"

try:
    from ferriscope.llm.mcp.client import MCPClient
    from ferriscope.llm.mcp.tools import MCPToolError
    from ferriscope.llm.mcp.transports import sse_client, stdio_client, streamable_http_client
except ModuleNotFoundError as _missing:
    if _missing.name is None or _missing.name.partition(".")[0] != "mcp":
        raise
    _sdk_error = _missing

    def __getattr__(name: str) -> object:
        if name in __all__:
            raise ImportError(f"{_INSTALL_HINT} (to use llm.mcp.{name})") from _sdk_error
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

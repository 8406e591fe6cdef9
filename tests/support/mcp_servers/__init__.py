"""MCP servers the `llm.mcp` tests talk to, written with the official MCP SDK."""

"""Where the tests find the repository's files, independent of how deep a test module sits
under `tests/` (so a module can move without its paths changing)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root (README.md, pyproject.toml, docs/, examples/)."""
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures" / "streams"
"""The recorded provider streams: one JSON case per recorded call (see tests/fixtures)."""
MCP_SERVERS = TESTS / "support" / "mcp_servers"
"""The MCP servers the `llm.mcp` tests start as subprocesses."""

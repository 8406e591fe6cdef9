"""ferriscope: Mirascope-compatible LLM streaming whose hot path is Rust.

`from ferriscope import llm` is the streaming API; `ferriscope.sse` and
`ferriscope.partial_json` are the standalone Rust decoders underneath it.

`import ferriscope` then `ferriscope.llm` works as `import mirascope; mirascope.llm` does, but
the subpackages load on first access, so importing the package alone stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferriscope._core import __version__
from ferriscope._lazy import lazy_exports

__all__ = ["__version__", "llm", "partial_json", "sse", "testing"]

if TYPE_CHECKING:
    from ferriscope import llm, partial_json, sse, testing
else:
    __getattr__, __dir__ = lazy_exports(
        __name__, {}, submodules=("llm", "partial_json", "sse", "testing")
    )

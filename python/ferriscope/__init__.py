"""ferriscope: Mirascope-compatible LLM streaming whose hot path is Rust.

`from ferriscope import llm` is the streaming API; `ferriscope.sse` and
`ferriscope.partial_json` are the standalone Rust decoders underneath it.

`import ferriscope` then `ferriscope.llm` works as `import mirascope; mirascope.llm` does, but
the subpackages load on first access, so importing the package alone stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ferriscope._core import __version__

if TYPE_CHECKING:
    from ferriscope import llm, partial_json, sse, testing

__all__ = ["__version__", "llm", "partial_json", "sse", "testing"]

_SUBMODULES = frozenset({"llm", "partial_json", "sse", "testing"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

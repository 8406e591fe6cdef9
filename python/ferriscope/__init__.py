"""ferriscope: Mirascope-compatible LLM streaming whose hot path is Rust.

`from ferriscope import llm` is the streaming API; `ferriscope.sse` and
`ferriscope.partial_json` are the standalone Rust decoders underneath it.
"""

from ferriscope._core import __version__

__all__ = ["__version__"]

"""Synthetic provider streams for the benchmarks (re-exported from `ferriscope._benchdata`).

The generators live in the package so that `python -m ferriscope bench` works from an
installed wheel; benches import them from here, e.g.
`from benches.streams import openai_completions_stream, split_pieces`.
"""

from ferriscope._benchdata import (
    DEFAULT_SIZE,
    SyntheticStream,
    anthropic_messages_stream,
    openai_completions_stream,
    split_pieces,
)

__all__ = [
    "DEFAULT_SIZE",
    "SyntheticStream",
    "anthropic_messages_stream",
    "openai_completions_stream",
    "split_pieces",
]

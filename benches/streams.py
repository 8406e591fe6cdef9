"""The throughput benchmarks' bodies: ~20 MB text streams dressed as the live APIs send them,
cut into random 1-16 KB reads.

The streams are written by `ferriscope.testing.synth` (the one owner of what a provider stream
looks like); this module only fixes the benchmarks' size and names the bodies by wire format.
"""

from __future__ import annotations

from ferriscope.testing.synth import (
    SyntheticStream,
    realistic_anthropic_stream,
    realistic_completions_stream,
    split_reads,
)

__all__ = ["DEFAULT_SIZE", "SyntheticStream", "split_pieces", "streams"]

#: The size the throughput benchmarks quote: about 20 MB of body.
DEFAULT_SIZE = 20_000_000

#: Network reads of a body (`split_reads`, under the name the suites use).
split_pieces = split_reads


def streams(size: int = DEFAULT_SIZE, seed: int = 0) -> dict[str, SyntheticStream]:
    """The benchmark bodies, by wire format."""
    return {
        "openai-completions": realistic_completions_stream(size, seed=seed),
        "anthropic": realistic_anthropic_stream(size, seed=seed),
    }

"""Synthesised provider streams in each real wire format, for tests, demos and benchmarks.

The one owner of what a provider stream looks like. A reply is described once — thinking,
text, tool calls, usage, how it ends — and written as the SSE body the provider would send
(`stream_for`, or one function per format). The shapes follow the recorded fixtures event for
event (including the events a client must skip), so the decoders meet realistic input.

For throughput work, `realistic_completions_stream` and `realistic_anthropic_stream` write a
long text answer of a given byte size dressed exactly as the live APIs send it (OpenAI's
`obfuscation` padding, Anthropic's padding spaces and pings), and `split_reads` cuts a body
into random network reads; the benchmarks in `benches/` measure on these bodies.

One module per wire format (`completions`, `responses`, `anthropic`, `gemini`), the reply
model (`reply`), seeded text and reads (`text`), and the JSON/SSE spelling they share
(`framing`).
"""

from __future__ import annotations

from ferriscope.testing.synth.anthropic import (
    anthropic_event,
    anthropic_stream,
    realistic_anthropic_stream,
)
from ferriscope.testing.synth.completions import (
    CompletionsEnvelope,
    openai_completions_stream,
    realistic_completions_stream,
)
from ferriscope.testing.synth.framing import cut
from ferriscope.testing.synth.gemini import gemini_stream
from ferriscope.testing.synth.reply import Reply, SyntheticStream, SynthToolCall
from ferriscope.testing.synth.responses import openai_responses_stream
from ferriscope.testing.synth.text import split_reads, token_deltas

__all__ = [
    "CompletionsEnvelope",
    "Reply",
    "SynthToolCall",
    "SyntheticStream",
    "anthropic_event",
    "anthropic_stream",
    "cut",
    "gemini_stream",
    "openai_completions_stream",
    "openai_responses_stream",
    "realistic_anthropic_stream",
    "realistic_completions_stream",
    "split_reads",
    "stream_for",
    "token_deltas",
]

_BY_FORMAT = {
    "openai-completions": openai_completions_stream,
    "openai-responses": openai_responses_stream,
    "anthropic": anthropic_stream,
    "google": gemini_stream,
}


def stream_for(wire_format: str, reply: Reply) -> bytes:
    """The body of `reply` in the named wire format."""
    try:
        return _BY_FORMAT[wire_format](reply)
    except KeyError:
        raise ValueError(f"unknown wire format {wire_format!r}") from None

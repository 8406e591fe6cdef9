"""What individual Claude models can do, as far as the request encoding depends on it.

Three facts decide the shape of a request: whether a model takes the structured-outputs beta
(strict output schemas and strict tools), whether it only accepts adaptive thinking (Claude
4.7 and later reject a token budget with a 400), and whether it thinks always (so "none"
cannot be honoured). Unknown, newer model names are assumed to support structured outputs,
because every model released after the beta does.
"""

from __future__ import annotations

import re

__all__ = [
    "always_thinks",
    "supports_structured_outputs",
    "uses_adaptive_thinking",
    "wire_model_name",
]

# The models released before the structured-outputs beta, with their aliases and snapshots.
_WITHOUT_STRUCTURED_OUTPUTS: frozenset[str] = frozenset(
    f"claude-{family}{suffix}"
    for family in (
        "3-5-haiku",
        "3-7-sonnet",
        "3-haiku",
        "3-opus",
        "opus-4",
        "opus-4-0",
        "sonnet-4",
        "sonnet-4-0",
    )
    for suffix in ("", "-latest")
) | frozenset(
    {
        "claude-3-5-haiku-20241022",
        "claude-3-7-sonnet-20250219",
        "claude-3-haiku-20240307",
        "claude-3-opus-20240229",
        "claude-opus-4-20250514",
        "claude-opus-4-0-20250514",
        "claude-sonnet-4-20250514",
        "claude-sonnet-4-0-20250514",
    }
)

# claude-<family>-<major>[-<minor>]: 4.7 and later, or any major version from 5 on.
_ADAPTIVE_ONLY = re.compile(r"^claude-[a-z]+-(?:4-[7-9]|[5-9]|[1-9][0-9])(?:-|$)")
_ALWAYS_THINKING = re.compile(r"^claude-(?:opus-5-5|sonnet-5-5|(?:fable|mythos)-5(?:-|$))")


def wire_model_name(model_id: str) -> str:
    """The model name the API expects: everything after the first "/" (docs/spec.md §2.5,
    docs/spec.md Δ1)."""
    return model_id.partition("/")[2]


def supports_structured_outputs(name: str) -> bool:
    """Whether the model takes `output_format` and strict tools (the beta of §11.3)."""
    return name not in _WITHOUT_STRUCTURED_OUTPUTS


def uses_adaptive_thinking(name: str) -> bool:
    """Whether the model only accepts `thinking: {type: adaptive}` plus an effort level."""
    return _ADAPTIVE_ONLY.match(name) is not None


def always_thinks(name: str) -> bool:
    """Whether the model cannot have thinking disabled."""
    return _ALWAYS_THINKING.match(name) is not None

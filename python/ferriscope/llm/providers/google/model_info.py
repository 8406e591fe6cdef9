"""What the encoder must know about particular Gemini models (docs/spec.md §11.4, §7.2).

Only two facts change the request: whether a model may combine function tools with JSON
output (it decides the default formatting mode and when json/strict must be refused), and
which thinking control a model takes (Gemini 3 models take a named level, the others a token
budget). Unknown models are assumed capable, so new releases work without an update here.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ThinkingControl",
    "supports_json_output_with_tools",
    "thinking_control",
]

_NO_JSON_OUTPUT_WITH_TOOLS: frozenset[str] = frozenset(
    {
        "gemini-2.5-flash",
        "gemini-2.5-flash-image",
        "gemini-2.5-flash-image-preview",
        "gemini-2.5-flash-lite",
        "gemini-2.5-flash-lite-preview-09-2025",
        "gemini-2.5-flash-preview-09-2025",
        "gemini-2.5-pro",
        "gemini-3-pro-image-preview",
        "gemini-flash-latest",
        "gemini-flash-lite-latest",
        "gemini-pro-latest",
        "gemini-robotics-er-1.5-preview",
        "gemma-3-12b-it",
        "gemma-3-1b-it",
        "gemma-3-27b-it",
        "gemma-3-4b-it",
        "gemma-3n-e2b-it",
        "gemma-3n-e4b-it",
        "nano-banana-pro-preview",
    }
)
"""Models that reject a response schema / JSON mime type when function tools are present."""

ThinkingControl = Literal["flash_level", "pro_level", "budget"]


def supports_json_output_with_tools(wire_model: str) -> bool:
    """Whether json/strict output may be requested together with function tools."""
    return wire_model not in _NO_JSON_OUTPUT_WITH_TOOLS


def thinking_control(wire_model: str) -> ThinkingControl:
    """How the model's reasoning effort is set: Gemini 3 Flash and Pro take
    `thinking_level` (with different level sets), everything else `thinking_budget`."""
    if "gemini-3-flash" in wire_model:
        return "flash_level"
    if "gemini-3-pro" in wire_model:
        return "pro_level"
    return "budget"

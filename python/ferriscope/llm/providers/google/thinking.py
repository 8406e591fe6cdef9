"""`ThinkingConfig` → Gemini's `thinkingConfig` (docs/spec.md §2.4, §11.4).

Gemini 3 models take a named `thinking_level` and each family knows only some levels, so the
seven ferriscope levels are folded onto the nearest one. Older models take a token budget,
computed as a share of the output limit (16000 when none is set): -1 lets the model decide,
0 turns thinking off. The keys are snake_case because that is how the google SDK serialises
this object, and the recorded requests carry them so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ferriscope.llm.providers.google.model_info import thinking_control

__all__ = ["BUDGET_SHARE", "LEVELS", "thinking_config"]

LEVELS = frozenset({"none", "default", "minimal", "low", "medium", "high", "max"})

DEFAULT_BUDGET_BASE = 16000
"""The output limit a budget is a share of when the call sets no `max_tokens`."""

BUDGET_SHARE: dict[str, float] = {
    "minimal": 0.1,
    "low": 0.2,
    "medium": 0.4,
    "high": 0.6,
    "max": 0.8,
}

_UNSPECIFIED = "THINKING_LEVEL_UNSPECIFIED"

_FLASH_LEVEL: dict[str, str] = {
    "default": _UNSPECIFIED,
    "none": "MINIMAL",
    "minimal": "MINIMAL",
    "low": "LOW",
    "medium": "MEDIUM",
    "high": "HIGH",
    "max": "HIGH",
}

_PRO_LEVEL: dict[str, str] = {
    "default": _UNSPECIFIED,
    "none": "LOW",
    "minimal": "LOW",
    "low": "LOW",
    "medium": "HIGH",
    "high": "HIGH",
    "max": "HIGH",
}


def _budget(level: str, max_tokens: int | None) -> int:
    if level == "default":
        return -1
    if level == "none":
        return 0
    return int(BUDGET_SHARE[level] * (max_tokens or DEFAULT_BUDGET_BASE))


def thinking_config(
    config: Mapping[str, Any], *, wire_model: str, max_tokens: int | None
) -> dict[str, Any]:
    """The `thinkingConfig` object for a (validated) thinking config.

    `include_thoughts` is sent only when the caller set it, even to False, as the
    reference does; leaving it out lets the API apply its own default.
    """
    level = str(config.get("level", "default"))
    out: dict[str, Any] = {}
    control = thinking_control(wire_model)
    if control == "flash_level":
        out["thinking_level"] = _FLASH_LEVEL[level]
    elif control == "pro_level":
        out["thinking_level"] = _PRO_LEVEL[level]
    else:
        out["thinking_budget"] = _budget(level, max_tokens)
    if "include_thoughts" in config and config["include_thoughts"] is not None:
        out["include_thoughts"] = bool(config["include_thoughts"])
    return out

"""How a `ThinkingConfig` level becomes Anthropic's `thinking` (and `output_config`) fields.

Older models take a token budget, a share of `max_tokens` (never below the API's minimum of
1024); Claude 4.7 and later take only adaptive thinking with an effort level. "default"
leaves the field out so the API's own default applies (docs/spec.md §11.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.anthropic.model_info import always_thinks, uses_adaptive_thinking

__all__ = ["BUDGET_SHARE", "EFFORT", "MIN_BUDGET_TOKENS", "ThinkingFields", "thinking_fields"]

MIN_BUDGET_TOKENS = 1024

BUDGET_SHARE: dict[str, float] = {
    "minimal": 0.0,
    "low": 0.2,
    "medium": 0.4,
    "high": 0.6,
    "max": 0.8,
}

EFFORT: dict[str, str] = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "max": "max",
}


@dataclass(frozen=True)
class ThinkingFields:
    """The request fields one thinking level produces (None: field left out)."""

    thinking: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None


def thinking_fields(level: str, *, max_tokens: int, model_id: str, name: str) -> ThinkingFields:
    """The fields for `level` on model `name`; `level` must be a known ThinkingLevel.

    Raises FeatureNotSupportedError for "none" on a model that always thinks, because
    silently thinking anyway would bill tokens the caller asked not to spend.
    """
    if level == "default":
        return ThinkingFields()
    if level == "none":
        if always_thinks(name):
            raise FeatureNotSupportedError(
                "thinking level 'none'",
                "anthropic",
                model_id,
                message=f"{name} cannot disable thinking. Use thinking level 'low' to minimize it.",
            )
        return ThinkingFields(thinking={"type": "disabled"})
    if uses_adaptive_thinking(name):
        effort = {"effort": EFFORT[level]}
        return ThinkingFields(thinking={"type": "adaptive"}, output_config=effort)
    budget = max(MIN_BUDGET_TOKENS, int(BUDGET_SHARE[level] * max_tokens))
    return ThinkingFields(thinking={"type": "enabled", "budget_tokens": budget})

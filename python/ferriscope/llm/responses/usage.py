"""Token usage and provider-side tool usage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ProviderToolUsage", "Usage"]


@dataclass(kw_only=True)
class ProviderToolUsage:
    """How often a provider-executed tool (web search) ran during one response."""

    name: str
    call_count: int = 0
    duration_seconds: float | None = None
    metadata: dict[str, Any] | None = None


@dataclass(kw_only=True)
class Usage:
    """Token counts of one response; counts a provider does not report are 0.

    `input_tokens` includes cache reads and writes; `output_tokens` includes reasoning.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    provider_tool_usage: list[ProviderToolUsage] | None = None
    raw: Any = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

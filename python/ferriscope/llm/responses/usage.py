"""Token usage and provider-side tool usage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(kw_only=True)
class ProviderToolUsage:
    """How often a provider-executed tool (web search) ran during one response."""

    name: str
    call_count: int = 0
    duration_seconds: float | None = None
    metadata: dict[str, Any] | None = None

"""Provider-native tools (API.md §1, [L]): configuration the provider runs server-side.

They are accepted in `tools=` so code written for Mirascope imports and type-checks, but no
ferriscope provider encodes them yet: using one raises `FeatureNotSupportedError` at
`.stream()`. They never appear in `Toolkit.tools_dict` because no local code executes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ProviderTool", "WebSearchTool"]


@dataclass(frozen=True)
class ProviderTool:
    """A capability built into a provider's API rather than a function run locally."""

    name: str


@dataclass(frozen=True)
class WebSearchTool(ProviderTool):
    """Lets the model search the web through the provider."""

    name: str = field(default="web_search", init=False)

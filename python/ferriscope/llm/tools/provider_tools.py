"""Provider-native tools: configuration of a tool the provider runs server-side.

`WebSearchTool` is encoded for Anthropic, OpenAI Responses and Gemini (docs/providers.md,
"Web search"); Chat Completions and any other `ProviderTool` raise `FeatureNotSupportedError`
at `.stream()`. They never appear in `Toolkit.tools_dict` because no local code executes them.
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
    """Lets the model search the web through the provider; the sources it cites are in
    `response.citations`."""

    name: str = field(default="web_search", init=False)

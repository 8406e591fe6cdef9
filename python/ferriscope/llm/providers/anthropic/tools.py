"""Tool schemas → Anthropic `tools` entries, and the `tool_choice` of the format tool.

The same tools are re-sent on every turn of a tool loop, so each tool's wire form is computed
once and reused (tool schemas are immutable and hashable). Each request gets its own copy of
every entry, because only the last tool of a request carries the prompt-cache breakpoint; the
schemas inside are shared, read-only (the body is serialised as soon as it is built).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.anthropic.schema import strict_tool_schema
from ferriscope.llm.tools import FORMAT_TOOL_NAME, AnyToolSchema, ProviderTool, WebSearchTool

__all__ = ["EPHEMERAL", "check_strict_tools", "format_tool_choice", "tool_definitions"]

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}

# Anthropic's server-side web search, the version Mirascope 2.8.2 requests.
WEB_SEARCH: dict[str, str] = {"type": "web_search_20250305", "name": "web_search"}


@lru_cache(maxsize=256)
def _definition(tool: AnyToolSchema, beta: bool, model_strict: bool) -> dict[str, Any]:
    input_schema = tool.parameters.model_dump(by_alias=True, exclude_none=True)
    input_schema["type"] = "object"
    definition: dict[str, Any] = {"name": tool.name, "description": tool.description}
    if not beta:
        definition["input_schema"] = input_schema
        return definition
    strict = model_strict if tool.strict is None else tool.strict
    definition["input_schema"] = strict_tool_schema(input_schema) if strict else input_schema
    definition["strict"] = strict
    return definition


def check_strict_tools(
    tools: Sequence[AnyToolSchema | ProviderTool], *, allowed: bool, model_id: str
) -> None:
    """Refuses `strict=True` tools where strict tool calling is unavailable (docs/spec.md §8)."""
    if allowed:
        return
    if any(not isinstance(tool, ProviderTool) and tool.strict is True for tool in tools):
        raise FeatureNotSupportedError(
            "strict tools",
            "anthropic",
            model_id,
            message=(
                "Strict tools require a model that supports structured outputs, such as "
                "claude-sonnet-4-5; use one, or set strict=False on your tools."
            ),
        )


def tool_definitions(
    tools: Sequence[AnyToolSchema | ProviderTool], *, beta: bool, model_strict: bool
) -> list[dict[str, Any]]:
    """The `tools` field: one entry per tool, the last marked as a prompt-cache breakpoint.

    On the beta path every function tool states `strict` (None → whether the model supports
    it). `WebSearchTool` becomes Anthropic's server tool; the API runs the searches itself.
    """
    definitions: list[dict[str, Any]] = []
    for tool in tools:
        if isinstance(tool, WebSearchTool):
            definitions.append(dict(WEB_SEARCH))
            continue
        if isinstance(tool, ProviderTool):
            raise FeatureNotSupportedError(f"Provider tool {tool.name}", "anthropic")
        definitions.append(dict(_definition(tool, beta, model_strict)))
    if definitions:
        definitions[-1]["cache_control"] = dict(EPHEMERAL)
    return definitions


def format_tool_choice(*, has_user_tools: bool) -> dict[str, Any]:
    """Forces a tool call: the format tool alone, or any tool when the model may need others
    first (then the model answers through the format tool after using them)."""
    if has_user_tools:
        return {"type": "any"}
    return {"type": "tool", "name": FORMAT_TOOL_NAME, "disable_parallel_tool_use": True}

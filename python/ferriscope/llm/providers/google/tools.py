"""Function declarations for a call's tools (docs/spec.md §8, §11.4).

All declarations travel in a single `tools` entry, the hidden format tool first, because the
google SDK merges every function into one Tool and the recordings show that shape. Gemini has
no strict tool mode, so a tool that demands one is refused rather than silently sent lenient;
`WebSearchTool` is Gemini's Google Search grounding, a `tools` entry of its own after the
functions; other provider tools are refused.
"""

from __future__ import annotations

from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.google.model_id import PROVIDER_ID
from ferriscope.llm.providers.google.schema import function_parameters
from ferriscope.llm.tools import AnyToolSchema, ProviderTool, WebSearchTool

__all__ = ["GOOGLE_SEARCH", "function_declaration", "function_tools", "has_web_search"]

GOOGLE_SEARCH: dict[str, Any] = {"googleSearch": {}}


def _tools(toolkit: Any) -> list[Any]:
    return [] if toolkit is None else list(getattr(toolkit, "tools", toolkit))


def has_web_search(toolkit: Any) -> bool:
    """Whether the call asks for Google Search grounding."""
    return any(isinstance(tool, WebSearchTool) for tool in _tools(toolkit))


def function_tools(toolkit: Any, *, model_id: str) -> list[AnyToolSchema]:
    """The toolkit's tools in declaration order (a call without tools may pass None),
    refusing what Gemini cannot honour before anything else is encoded."""
    tools: list[AnyToolSchema] = []
    for tool in _tools(toolkit):
        if isinstance(tool, WebSearchTool):
            continue
        if isinstance(tool, ProviderTool):
            raise FeatureNotSupportedError(f"Provider tool {tool.name}", PROVIDER_ID, model_id)
        if tool.strict is True:
            raise FeatureNotSupportedError(
                "strict tools",
                PROVIDER_ID,
                model_id,
                message=(
                    "Google does not support strict mode for tools. "
                    "Set strict=False on your tools or omit the strict parameter."
                ),
            )
        tools.append(tool)
    return tools


def function_declaration(tool: AnyToolSchema, *, model_id: str) -> dict[str, Any]:
    """`{name, description, parameters}` of one function tool."""
    return {
        "name": tool.name,
        "description": tool.description,
        "parameters": function_parameters(tool, model_id=model_id),
    }

"""Function declarations for a call's tools (API.md §8, §11.4).

All declarations travel in a single `tools` entry, the hidden format tool first, because the
google SDK merges every function into one Tool and the recordings show that shape. Gemini has
no strict tool mode, so a tool that demands one is refused rather than silently sent lenient;
provider-native tools are not encoded by ferriscope yet.
"""

from __future__ import annotations

from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.google.model_id import PROVIDER_ID
from ferriscope.llm.providers.google.schema import function_parameters
from ferriscope.llm.tools import AnyToolSchema, ProviderTool

__all__ = ["function_declaration", "function_tools"]


def function_tools(toolkit: Any, *, model_id: str) -> list[AnyToolSchema]:
    """The toolkit's tools in declaration order (a call without tools may pass None),
    refusing what Gemini cannot honour before anything else is encoded."""
    tools: list[AnyToolSchema] = []
    for tool in [] if toolkit is None else list(getattr(toolkit, "tools", toolkit)):
        if isinstance(tool, ProviderTool):
            raise FeatureNotSupportedError(
                f"provider tool {tool.name}",
                PROVIDER_ID,
                model_id,
                message=(
                    f"Provider tool '{tool.name}' is not supported by provider 'google' in "
                    "ferriscope yet; pass function tools instead."
                ),
            )
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

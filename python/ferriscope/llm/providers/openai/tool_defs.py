"""Function tools as OpenAI declares them; both APIs share the fields, not the nesting.

Strict is the default (`strict=None` → true) because OpenAI supports it on every tool and it
guarantees arguments that validate; `strict=False` sends a lenient schema.
"""

from __future__ import annotations

from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.openai.schema import tool_parameters
from ferriscope.llm.tools import AnyToolSchema, ProviderTool

__all__ = ["function_definition", "toolkit_tools"]


def toolkit_tools(toolkit: Any) -> list[AnyToolSchema | ProviderTool]:
    """The toolkit's tools in declaration order (a call without tools may pass None)."""
    if toolkit is None:
        return []
    return list(getattr(toolkit, "tools", toolkit))


def function_definition(
    tool: AnyToolSchema | ProviderTool, *, provider_id: str, model_id: str
) -> dict[str, Any]:
    """`name`, `description`, `parameters`, `strict` of one function tool."""
    if isinstance(tool, ProviderTool):
        raise FeatureNotSupportedError(
            f"Provider tool {tool.name}",
            provider_id,
            model_id,
            message=(
                f"Provider tool '{tool.name}' is not supported by provider '{provider_id}' "
                "in ferriscope yet; pass function tools instead."
            ),
        )
    strict = True if tool.strict is None else bool(tool.strict)
    return {
        "name": tool.name,
        "description": tool.description,
        "parameters": tool_parameters(tool, strict=strict),
        "strict": strict,
    }

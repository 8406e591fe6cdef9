"""Tools the model can call: `@llm.tool`, the tool kinds, toolkits and their schemas (§8)."""

from typing import TYPE_CHECKING

from ferriscope._lazy import lazy_exports

__all__ = [
    "FORMAT_TOOL_NAME",
    "AnyTool",
    "AnyToolFn",
    "AnyToolSchema",
    "AnyTools",
    "AsyncContextTool",
    "AsyncContextToolFn",
    "AsyncContextToolkit",
    "AsyncContextTools",
    "AsyncTool",
    "AsyncToolFn",
    "AsyncToolkit",
    "AsyncTools",
    "BaseToolkit",
    "ContextTool",
    "ContextToolFn",
    "ContextToolkit",
    "ContextTools",
    "ProviderTool",
    "Tool",
    "ToolDecorator",
    "ToolFn",
    "ToolParameterSchema",
    "ToolSchema",
    "ToolSchemaT",
    "ToolT",
    "Toolkit",
    "ToolkitKind",
    "ToolkitT",
    "Tools",
    "WebSearchTool",
    "normalize_async_context_tools",
    "normalize_async_tools",
    "normalize_context_tools",
    "normalize_tools",
    "tool",
    "tool_output_response_object",
    "tool_output_result_text",
]

if TYPE_CHECKING:
    from ferriscope.llm.tools.decorator import ToolDecorator, tool
    from ferriscope.llm.tools.parameters import ToolParameterSchema
    from ferriscope.llm.tools.protocols import (
        AsyncContextToolFn,
        AsyncToolFn,
        ContextToolFn,
        ToolFn,
    )
    from ferriscope.llm.tools.provider_tools import ProviderTool, WebSearchTool
    from ferriscope.llm.tools.results import tool_output_response_object, tool_output_result_text
    from ferriscope.llm.tools.schema import FORMAT_TOOL_NAME, AnyToolSchema, ToolSchema, ToolSchemaT
    from ferriscope.llm.tools.toolkit import (
        AsyncContextToolkit,
        AsyncToolkit,
        BaseToolkit,
        ContextToolkit,
        Toolkit,
        ToolkitT,
    )
    from ferriscope.llm.tools.tools import (
        AnyTool,
        AsyncContextTool,
        AsyncTool,
        ContextTool,
        Tool,
        ToolT,
    )
    from ferriscope.llm.tools.types import (
        AnyToolFn,
        AnyTools,
        AsyncContextTools,
        AsyncTools,
        ContextTools,
        ToolkitKind,
        Tools,
        normalize_async_context_tools,
        normalize_async_tools,
        normalize_context_tools,
        normalize_tools,
    )
else:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "decorator": ("ToolDecorator", "tool"),
            "protocols": ("AsyncContextToolFn", "AsyncToolFn", "ContextToolFn", "ToolFn"),
            "provider_tools": ("ProviderTool", "WebSearchTool"),
            "results": ("tool_output_response_object", "tool_output_result_text"),
            "parameters": ("ToolParameterSchema",),
            "schema": ("FORMAT_TOOL_NAME", "AnyToolSchema", "ToolSchema", "ToolSchemaT"),
            "toolkit": (
                "AsyncContextToolkit",
                "AsyncToolkit",
                "BaseToolkit",
                "ContextToolkit",
                "Toolkit",
                "ToolkitT",
            ),
            "tools": ("AnyTool", "AsyncContextTool", "AsyncTool", "ContextTool", "Tool", "ToolT"),
            "types": (
                "AnyToolFn",
                "AnyTools",
                "AsyncContextTools",
                "AsyncTools",
                "ContextTools",
                "ToolkitKind",
                "Tools",
                "normalize_async_context_tools",
                "normalize_async_tools",
                "normalize_context_tools",
                "normalize_tools",
            ),
        },
    )

"""The accepted forms of a call's `tools=` argument, and their conversion to a toolkit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeAlias, overload

from typing_extensions import TypeAliasType

from ferriscope.llm.context import DepsT
from ferriscope.llm.tools.provider_tools import ProviderTool
from ferriscope.llm.tools.schema import AnyToolSchema
from ferriscope.llm.tools.toolkit import (
    AsyncContextToolkit,
    AsyncToolkit,
    BaseToolkit,
    ContextToolkit,
    Toolkit,
)
from ferriscope.llm.tools.tools import AsyncContextTool, AsyncTool, ContextTool, Tool

__all__ = [
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
]

AnyToolFn: TypeAlias = Callable[..., Any]
"""A function `@llm.tool` accepts (sync or async, with or without `ctx`)."""

AnyTools: TypeAlias = Sequence[AnyToolSchema | ProviderTool] | BaseToolkit[AnyToolSchema]
"""Tools of any kind, as a provider receives them."""

Tools: TypeAlias = Sequence[Tool[..., Any] | ProviderTool] | Toolkit
"""`tools=` of a sync call."""

AsyncTools: TypeAlias = Sequence[AsyncTool[..., Any] | ProviderTool] | AsyncToolkit
"""`tools=` of an async call."""

ContextTools = TypeAliasType(
    "ContextTools",
    Sequence[Tool[..., Any] | ContextTool[DepsT, Any, ...] | ProviderTool] | ContextToolkit[DepsT],
    type_params=(DepsT,),
)
"""`tools=` of a sync context call: plain and context tools may mix."""

AsyncContextTools = TypeAliasType(
    "AsyncContextTools",
    Sequence[AsyncTool[..., Any] | AsyncContextTool[DepsT, Any, ...] | ProviderTool]
    | AsyncContextToolkit[DepsT],
    type_params=(DepsT,),
)
"""`tools=` of an async context call."""

ToolkitKind: TypeAlias = Literal["sync", "async", "context", "async_context"]
"""Which toolkit a call needs; it follows the call's kind, never its tools."""

_KITS: dict[str, type[BaseToolkit[Any]]] = {
    "sync": Toolkit,
    "async": AsyncToolkit,
    "context": ContextToolkit,
    "async_context": AsyncContextToolkit,
}


@overload
def normalize_tools(tools: Any, *, kind: Literal["sync"] = "sync") -> Toolkit: ...
@overload
def normalize_tools(tools: Any, *, kind: Literal["async"]) -> AsyncToolkit: ...
@overload
def normalize_tools(tools: Any, *, kind: Literal["context"]) -> ContextToolkit[Any]: ...
@overload
def normalize_tools(tools: Any, *, kind: Literal["async_context"]) -> AsyncContextToolkit[Any]: ...
def normalize_tools(tools: Any, *, kind: ToolkitKind = "sync") -> BaseToolkit[Any]:
    """The toolkit of `kind` for a call's `tools=` (None, a sequence, or any toolkit).

    A toolkit of the right kind is returned as is (so responses share it); one of another
    kind is rebuilt from its tools, e.g. when a context call is given a plain `Toolkit`.
    """
    kit_class = _KITS[kind]
    if tools is None:
        return kit_class(None)
    if isinstance(tools, BaseToolkit):
        if isinstance(tools, kit_class):
            return tools
        return kit_class(tools.tools)
    return kit_class(tools)


def normalize_async_tools(tools: AsyncTools | None) -> AsyncToolkit:
    """`normalize_tools(tools, kind="async")`, under Mirascope's name."""
    return normalize_tools(tools, kind="async")


def normalize_context_tools(tools: ContextTools[DepsT] | None) -> ContextToolkit[DepsT]:
    """`normalize_tools(tools, kind="context")`, under Mirascope's name."""
    return normalize_tools(tools, kind="context")


def normalize_async_context_tools(
    tools: AsyncContextTools[DepsT] | None,
) -> AsyncContextToolkit[DepsT]:
    """`normalize_tools(tools, kind="async_context")`, under Mirascope's name."""
    return normalize_tools(tools, kind="async_context")

"""The four tool kinds: plain or context, sync or async (docs/spec.md §8).

Each is a `ToolSchema` that can also run: called directly it is the original function, and
`execute(tool_call)` runs it with the model's arguments. Execution never raises for a failing
tool: the exception becomes the `ToolOutput`'s result text and `error`, so the model can be
told what went wrong and try again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, Generic

from typing_extensions import ParamSpec, TypeVar

from ferriscope.llm.content import ToolCall, ToolOutput
from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.exceptions import ToolExecutionError
from ferriscope.llm.tools.schema import ToolSchema

__all__ = ["AnyTool", "AsyncContextTool", "AsyncTool", "ContextTool", "Tool", "ToolT"]

P = ParamSpec("P", default=...)
R = TypeVar("R", covariant=True, default=Any)


def _failed(tool_call: ToolCall, name: str, exc: Exception) -> ToolOutput[Any]:
    return ToolOutput(id=tool_call.id, name=name, result=str(exc), error=ToolExecutionError(exc))


class Tool(ToolSchema[Callable[P, R]], Generic[P, R]):
    """A synchronous tool: `tool(...)` calls the function, `execute(call)` runs a model call."""

    _context_tool = False

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(*args, **kwargs)

    def execute(self, tool_call: ToolCall) -> ToolOutput[R]:
        try:
            result = self.fn(**self.parse_arguments(tool_call))  # type: ignore[call-arg]
        except Exception as exc:
            return _failed(tool_call, self.name, exc)
        return ToolOutput(id=tool_call.id, name=self.name, result=result)


class AsyncTool(ToolSchema[Callable[P, Awaitable[R]]], Generic[P, R]):
    """An `async def` tool: calling it returns the coroutine; `execute` must be awaited."""

    _context_tool = False

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Awaitable[R]:
        return self.fn(*args, **kwargs)

    async def execute(self, tool_call: ToolCall) -> ToolOutput[R]:
        try:
            result = await self.fn(**self.parse_arguments(tool_call))  # type: ignore[call-arg]
        except Exception as exc:
            return _failed(tool_call, self.name, exc)
        return ToolOutput(id=tool_call.id, name=self.name, result=result)


class ContextTool(ToolSchema[Callable[Concatenate[Context[DepsT], P], R]], Generic[DepsT, R, P]):
    """A synchronous tool whose first parameter is the call's `ctx` (absent from its schema)."""

    _context_tool = True

    def __call__(self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(ctx, *args, **kwargs)

    def execute(self, ctx: Context[DepsT], tool_call: ToolCall) -> ToolOutput[R]:
        try:
            result = self.fn(ctx, **self.parse_arguments(tool_call))  # type: ignore[call-arg]
        except Exception as exc:
            return _failed(tool_call, self.name, exc)
        return ToolOutput(id=tool_call.id, name=self.name, result=result)


class AsyncContextTool(
    ToolSchema[Callable[Concatenate[Context[DepsT], P], Awaitable[R]]], Generic[DepsT, R, P]
):
    """An `async def` tool whose first parameter is the call's `ctx`."""

    _context_tool = True

    def __call__(self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs) -> Awaitable[R]:
        return self.fn(ctx, *args, **kwargs)

    async def execute(self, ctx: Context[DepsT], tool_call: ToolCall) -> ToolOutput[R]:
        try:
            result = await self.fn(ctx, **self.parse_arguments(tool_call))  # type: ignore[call-arg]
        except Exception as exc:
            return _failed(tool_call, self.name, exc)
        return ToolOutput(id=tool_call.id, name=self.name, result=result)


AnyTool = (
    Tool[..., Any]
    | AsyncTool[..., Any]
    | ContextTool[Any, Any, ...]
    | AsyncContextTool[Any, Any, ...]
)
"""Any of the four tool kinds."""

ToolT = TypeVar(
    "ToolT",
    bound="Tool[..., Any] | AsyncTool[..., Any] | ContextTool[Any, Any, ...] "
    "| AsyncContextTool[Any, Any, ...]",
    covariant=True,
)
"""A tool of one of the four kinds (what a call decorator's `tools=` holds)."""

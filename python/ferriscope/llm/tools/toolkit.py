"""Toolkits: the tools of one call, looked up by the name the model used (docs/spec.md §8).

A call's kind (sync/async, plain/context) decides its toolkit kind, never the tools
themselves: that is what lets `response.execute_tools()` be sync or awaitable to match the
call. Lookup failures and tool exceptions become `ToolOutput`s with an `error` instead of
raising, so one bad call never loses the results of the others.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from ferriscope._lazy import lazy_module
from ferriscope.llm.content import ToolCall, ToolOutput
from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.exceptions import ToolNotFoundError
from ferriscope.llm.tools.provider_tools import ProviderTool
from ferriscope.llm.tools.schema import AnyToolSchema
from ferriscope.llm.tools.tools import AsyncContextTool, AsyncTool, ContextTool, Tool

if TYPE_CHECKING:
    import asyncio
else:
    asyncio = lazy_module("asyncio")

__all__ = [
    "AsyncContextToolkit",
    "AsyncToolkit",
    "BaseToolkit",
    "ContextToolkit",
    "Toolkit",
    "ToolkitT",
]

ToolT = TypeVar("ToolT", bound=AnyToolSchema, covariant=True, default=AnyToolSchema)


def _not_found(tool_call: ToolCall, error: ToolNotFoundError) -> ToolOutput[Any]:
    return ToolOutput(id=tool_call.id, name=tool_call.name, result=str(error), error=error)


class BaseToolkit(Generic[ToolT]):
    """An ordered collection of tools with unique names.

    `tools` keeps the order given (it is the order sent to the provider) and includes
    provider-native tools; `tools_dict` holds only the tools this process can execute.
    """

    tools: Sequence[ToolT | ProviderTool]
    tools_dict: dict[str, ToolT]
    provider_tools_dict: dict[str, ProviderTool]

    def __init__(self, tools: Sequence[ToolT | ProviderTool] | None = None) -> None:
        self.tools = list(tools or ())
        self.tools_dict = {}
        self.provider_tools_dict = {}
        for tool in self.tools:
            if isinstance(tool, ProviderTool):
                if tool.name in self.provider_tools_dict:
                    raise ValueError(f"Multiple provider tools with name: {tool.name}")
                self.provider_tools_dict[tool.name] = tool
            else:
                if tool.name in self.tools_dict:
                    raise ValueError(f"Multiple tools with name: {tool.name}")
                self.tools_dict[tool.name] = tool

    def get(self, tool_call: ToolCall) -> ToolT:
        """The tool `tool_call` names; `ToolNotFoundError` if the model invented one."""
        tool = self.tools_dict.get(tool_call.name)
        if tool is None:
            raise ToolNotFoundError(tool_call.name)
        return tool

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseToolkit):
            return NotImplemented
        return type(self) is type(other) and list(self.tools) == list(other.tools)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.tools)!r})"


def _refuse_async(tools: Sequence[Any]) -> None:
    """A sync call cannot await an async tool: without this check `execute_tools()` would
    hand back un-awaited coroutines instead of results (MCP tools are async, for one)."""
    for tool in tools:
        if isinstance(tool, AsyncTool | AsyncContextTool):
            raise TypeError(
                f"tool {tool.name!r} is async; a sync call cannot run it. Use the async form "
                "of the call (`stream_async`, `call_async`, an `async def` call function)."
            )


class Toolkit(BaseToolkit[Tool[..., Any]]):
    """The tools of a sync call."""

    def __init__(self, tools: Sequence[Tool[..., Any] | ProviderTool] | None = None) -> None:
        super().__init__(tools)
        _refuse_async(self.tools)

    def execute(self, tool_call: ToolCall) -> ToolOutput[Any]:
        try:
            tool = self.get(tool_call)
        except ToolNotFoundError as error:
            return _not_found(tool_call, error)
        return tool.execute(tool_call)

    def execute_all(self, tool_calls: Sequence[ToolCall]) -> list[ToolOutput[Any]]:
        """Runs the calls one after another, outputs in call order."""
        return [self.execute(tool_call) for tool_call in tool_calls]


class AsyncToolkit(BaseToolkit[AsyncTool[..., Any]]):
    """The tools of an async call."""

    async def execute(self, tool_call: ToolCall) -> ToolOutput[Any]:
        try:
            tool = self.get(tool_call)
        except ToolNotFoundError as error:
            return _not_found(tool_call, error)
        output: Any = tool.execute(tool_call)
        if inspect.isawaitable(output):  # a sync tool in an async kit still works
            output = await output
        return output  # type: ignore[no-any-return]

    async def execute_all(self, tool_calls: Sequence[ToolCall]) -> list[ToolOutput[Any]]:
        """Runs the calls concurrently; outputs stay in call order."""
        return list(await asyncio.gather(*(self.execute(call) for call in tool_calls)))


class ContextToolkit(BaseToolkit[Tool[..., Any] | ContextTool[DepsT, Any, ...]], Generic[DepsT]):
    """The tools of a sync context call: context tools get `ctx`, plain tools do not."""

    def __init__(
        self,
        tools: Sequence[Tool[..., Any] | ContextTool[DepsT, Any, ...] | ProviderTool] | None = None,
    ) -> None:
        super().__init__(tools)
        _refuse_async(self.tools)

    def execute(self, ctx: Context[DepsT], tool_call: ToolCall) -> ToolOutput[Any]:
        try:
            tool = self.get(tool_call)
        except ToolNotFoundError as error:
            return _not_found(tool_call, error)
        if isinstance(tool, ContextTool):
            return tool.execute(ctx, tool_call)
        return tool.execute(tool_call)

    def execute_all(
        self, ctx: Context[DepsT], tool_calls: Sequence[ToolCall]
    ) -> list[ToolOutput[Any]]:
        """Runs the calls one after another, outputs in call order."""
        return [self.execute(ctx, tool_call) for tool_call in tool_calls]


class AsyncContextToolkit(
    BaseToolkit[AsyncTool[..., Any] | AsyncContextTool[DepsT, Any, ...]], Generic[DepsT]
):
    """The tools of an async context call."""

    async def execute(self, ctx: Context[DepsT], tool_call: ToolCall) -> ToolOutput[Any]:
        try:
            tool = self.get(tool_call)
        except ToolNotFoundError as error:
            return _not_found(tool_call, error)
        output: Any
        if isinstance(tool, (AsyncContextTool, ContextTool)):
            output = tool.execute(ctx, tool_call)
        else:
            output = tool.execute(tool_call)
        if inspect.isawaitable(output):
            output = await output
        return output  # type: ignore[no-any-return]

    async def execute_all(
        self, ctx: Context[DepsT], tool_calls: Sequence[ToolCall]
    ) -> list[ToolOutput[Any]]:
        """Runs the calls concurrently; outputs stay in call order."""
        return list(await asyncio.gather(*(self.execute(ctx, call) for call in tool_calls)))


ToolkitT = TypeVar(
    "ToolkitT",
    bound="Toolkit | AsyncToolkit | ContextToolkit[Any] | AsyncContextToolkit[Any]",
    covariant=True,
)
"""The toolkit kind of a response (follows its call's kind)."""

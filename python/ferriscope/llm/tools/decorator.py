"""`@llm.tool` / `@llm.tool(strict=...)`: turn a function into the matching tool kind.

The kind is read off the function itself (`async def`, leading `ctx: Context[...]`) so one
decorator serves all four; the overloads give type checkers the precise tool type.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Concatenate, overload

from typing_extensions import ParamSpec, TypeVar

from ferriscope.llm.context import Context, DepsT, first_param_is_context
from ferriscope.llm.tools.tools import AnyTool, AsyncContextTool, AsyncTool, ContextTool, Tool

__all__ = ["ToolDecorator", "tool"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(kw_only=True)
class ToolDecorator:
    """What `@llm.tool(strict=...)` returns: applies the options to the decorated function.

    `strict=None` leaves strict tool calling to each provider's default (strict where
    supported); `True` requires it; `False` turns it off.
    """

    strict: bool | None = None

    @overload
    def __call__(  # type: ignore[overload-overlap]
        self, fn: Callable[Concatenate[Context[DepsT], P], Awaitable[R]]
    ) -> AsyncContextTool[DepsT, R, P]: ...

    @overload
    def __call__(
        self, fn: Callable[Concatenate[Context[DepsT], P], R]
    ) -> ContextTool[DepsT, R, P]: ...

    @overload
    def __call__(self, fn: Callable[P, Awaitable[R]]) -> AsyncTool[P, R]: ...  # type: ignore[overload-overlap]

    @overload
    def __call__(self, fn: Callable[P, R]) -> Tool[P, R]: ...

    def __call__(self, fn: Callable[..., Any]) -> AnyTool:
        is_context = first_param_is_context(fn)
        if inspect.iscoroutinefunction(fn):
            if is_context:
                return AsyncContextTool.from_function(fn, strict=self.strict)
            return AsyncTool.from_function(fn, strict=self.strict)
        if is_context:
            return ContextTool.from_function(fn, strict=self.strict)
        return Tool.from_function(fn, strict=self.strict)


@overload
def tool(  # type: ignore[overload-overlap]
    fn: Callable[Concatenate[Context[DepsT], P], Awaitable[R]], /
) -> AsyncContextTool[DepsT, R, P]: ...


@overload
def tool(fn: Callable[Concatenate[Context[DepsT], P], R], /) -> ContextTool[DepsT, R, P]: ...


@overload
def tool(fn: Callable[P, Awaitable[R]], /) -> AsyncTool[P, R]: ...  # type: ignore[overload-overlap]


@overload
def tool(fn: Callable[P, R], /) -> Tool[P, R]: ...


@overload
def tool(*, strict: bool | None = None) -> ToolDecorator: ...


def tool(
    fn: Callable[..., Any] | None = None, /, *, strict: bool | None = None
) -> AnyTool | ToolDecorator:
    """Makes `fn` a tool the model can call; its name, docstring and signature describe it.

    A first parameter `ctx: llm.Context[Deps]` makes a context tool: the call's context is
    passed in and the parameter is hidden from the model.

    ```python
    @llm.tool
    def available_books(genre: str) -> list[str]:
        '''Lists the books of a genre.'''
        ...
    ```
    """
    decorator = ToolDecorator(strict=strict)
    if fn is None:
        return decorator
    made: AnyTool = decorator(fn)
    return made

"""The shapes of the functions `@llm.tool` turns into tools, as typing protocols.

Mirascope names them; annotating with them keeps a tool function's parameters and result
type visible to a type checker (`ToolFn[[str], int]`).
"""

from __future__ import annotations

from typing import Protocol

from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.types import JsonableCovariantT, P

__all__ = ["AsyncContextToolFn", "AsyncToolFn", "ContextToolFn", "ToolFn"]


class ToolFn(Protocol[P, JsonableCovariantT]):
    """A sync tool function."""

    __name__: str

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> JsonableCovariantT: ...


class AsyncToolFn(Protocol[P, JsonableCovariantT]):
    """An async tool function."""

    __name__: str

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> JsonableCovariantT: ...


class ContextToolFn(Protocol[DepsT, P, JsonableCovariantT]):
    """A sync tool function whose first parameter is `ctx: llm.Context[DepsT]`."""

    __name__: str

    def __call__(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> JsonableCovariantT: ...


class AsyncContextToolFn(Protocol[DepsT, P, JsonableCovariantT]):
    """An async tool function whose first parameter is `ctx: llm.Context[DepsT]`."""

    __name__: str

    async def __call__(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> JsonableCovariantT: ...

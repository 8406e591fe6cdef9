"""`llm.call`: a prompt bound to a default model (docs/spec.md §2.1).

`call(*args)` runs the prompt against `call.model`, which is the default model unless a
`with llm.model(...)` block overrides it at call time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.models.model import Model, use_model
from ferriscope.llm.prompts import (
    AsyncContextMessageTemplate,
    AsyncContextPrompt,
    AsyncMessageTemplate,
    AsyncPrompt,
    ContextMessageTemplate,
    ContextPrompt,
    MessageTemplate,
    Prompt,
    prompt_class,
)
from ferriscope.llm.tools.tools import ToolT
from ferriscope.llm.types import P

if TYPE_CHECKING:
    from ferriscope.llm.formatting import FormatSpec
    from ferriscope.llm.responses import (
        AsyncContextResponse,
        AsyncContextStreamResponse,
        AsyncResponse,
        AsyncStreamResponse,
        ContextResponse,
        ContextStreamResponse,
        Response,
        StreamResponse,
    )
    from ferriscope.llm.tools import ProviderTool

__all__ = [
    "AsyncCall",
    "AsyncContextCall",
    "Call",
    "CallDecorator",
    "CallT",
    "ContextCall",
    "call",
]


class _CallBase:
    prompt: Any

    def __init__(self, prompt: Any, default_model: Model) -> None:
        functools.update_wrapper(cast(Any, self), prompt.fn)
        self.prompt = prompt
        self.default_model = default_model

    @property
    def model(self) -> Model:
        return use_model(self.default_model)

    @property
    def fn(self) -> Callable[..., Any]:
        return self.prompt.fn  # type: ignore[no-any-return]


CallT = TypeVar("CallT", bound=_CallBase)
"""Any call kind (`Call`, `AsyncCall`, `ContextCall`, `AsyncContextCall`, the retry calls)."""


class Call(_CallBase, Generic[P, FormattableT]):
    prompt: Prompt[P, FormattableT]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Response[FormattableT]:
        return self.call(*args, **kwargs)

    def call(self, *args: P.args, **kwargs: P.kwargs) -> Response[FormattableT]:
        return self.prompt.call(self.model, *args, **kwargs)

    def stream(self, *args: P.args, **kwargs: P.kwargs) -> StreamResponse[FormattableT]:
        return self.prompt.stream(self.model, *args, **kwargs)


class AsyncCall(_CallBase, Generic[P, FormattableT]):
    prompt: AsyncPrompt[P, FormattableT]

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> AsyncResponse[FormattableT]:
        return await self.call(*args, **kwargs)

    async def call(self, *args: P.args, **kwargs: P.kwargs) -> AsyncResponse[FormattableT]:
        return await self.prompt.call(self.model, *args, **kwargs)

    async def stream(self, *args: P.args, **kwargs: P.kwargs) -> AsyncStreamResponse[FormattableT]:
        return await self.prompt.stream(self.model, *args, **kwargs)


class ContextCall(_CallBase, Generic[P, DepsT, FormattableT]):
    prompt: ContextPrompt[P, DepsT, FormattableT]

    def __call__(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> ContextResponse[DepsT, FormattableT]:
        return self.call(ctx, *args, **kwargs)

    def call(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> ContextResponse[DepsT, FormattableT]:
        return self.prompt.call(self.model, ctx, *args, **kwargs)

    def stream(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> ContextStreamResponse[DepsT, FormattableT]:
        return self.prompt.stream(self.model, ctx, *args, **kwargs)


class AsyncContextCall(_CallBase, Generic[P, DepsT, FormattableT]):
    prompt: AsyncContextPrompt[P, DepsT, FormattableT]

    async def __call__(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> AsyncContextResponse[DepsT, FormattableT]:
        return await self.call(ctx, *args, **kwargs)

    async def call(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> AsyncContextResponse[DepsT, FormattableT]:
        return await self.prompt.call(self.model, ctx, *args, **kwargs)

    async def stream(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> AsyncContextStreamResponse[DepsT, FormattableT]:
        return await self.prompt.stream(self.model, ctx, *args, **kwargs)


_CALL_FOR_PROMPT: dict[type, type[_CallBase]] = {
    Prompt: Call,
    AsyncPrompt: AsyncCall,
    ContextPrompt: ContextCall,
    AsyncContextPrompt: AsyncContextCall,
}


class CallDecorator(Generic[ToolT, FormattableT]):
    """What `llm.call(model, ...)` returns; applied to the prompt function. Its parameters are
    the kinds of its tools and its format; the call it makes follows the function's shape."""

    def __init__(
        self,
        model: Model,
        tools: Sequence[ToolT | ProviderTool] | None,
        format: FormatSpec[FormattableT] | None,
    ) -> None:
        self.model = model
        self.tools = tools
        self.format = format

    @overload
    def __call__(
        self, fn: AsyncContextMessageTemplate[P, DepsT]
    ) -> AsyncContextCall[P, DepsT, FormattableT]: ...
    @overload
    def __call__(
        self, fn: ContextMessageTemplate[P, DepsT]
    ) -> ContextCall[P, DepsT, FormattableT]: ...
    @overload
    def __call__(self, fn: AsyncMessageTemplate[P]) -> AsyncCall[P, FormattableT]: ...
    @overload
    def __call__(self, fn: MessageTemplate[P]) -> Call[P, FormattableT]: ...
    def __call__(self, fn: Callable[..., Any]) -> Any:
        prompt_cls = prompt_class(fn)
        prompt = prompt_cls(fn, self.tools, self.format)
        return _CALL_FOR_PROMPT[prompt_cls](prompt, self.model)


def call(
    model: Model | str,
    *,
    tools: Sequence[ToolT | ProviderTool] | None = None,
    format: FormatSpec[FormattableT] | None = None,
    **params: Any,
) -> CallDecorator[ToolT, FormattableT]:
    """`@llm.call("openai/gpt-5-mini", tools=[...], format=Book, temperature=0.2)`."""
    if isinstance(model, Model):
        if params:
            raise ValueError("params can only be given with a model id, not a Model instance")
        default = model
    else:
        default = Model(model, **params)
    return CallDecorator(default, tools, format)

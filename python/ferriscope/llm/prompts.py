"""`llm.prompt`: a function that writes the messages, called later with a model (docs/spec.md §2.1).

The decorated function's shape picks the variant: `async def` → AsyncPrompt; a first
parameter named `ctx` annotated `llm.Context[...]` → ContextPrompt (and both → the async
context variant).
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, cast, overload

from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.messages import Message, UserContent, promote_to_messages
from ferriscope.llm.models.model import Model
from ferriscope.llm.tools import normalize_tools
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
    "AsyncContextMessageTemplate",
    "AsyncContextPrompt",
    "AsyncMessageTemplate",
    "AsyncPrompt",
    "ContextMessageTemplate",
    "ContextPrompt",
    "MessageTemplate",
    "Prompt",
    "PromptDecorator",
    "is_context_function",
    "prompt",
    "render_messages",
]


class MessageTemplate(Protocol[P]):
    """A function that writes a prompt: `@llm.prompt` makes it a `Prompt`, `@llm.call` a
    `Call`."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> UserContent | Sequence[Message]: ...


class AsyncMessageTemplate(Protocol[P]):
    """An async `MessageTemplate` (→ `AsyncPrompt` / `AsyncCall`)."""

    async def __call__(
        self, *args: P.args, **kwargs: P.kwargs
    ) -> UserContent | Sequence[Message]: ...


class ContextMessageTemplate(Protocol[P, DepsT]):
    """A `MessageTemplate` whose first parameter is `ctx: llm.Context[DepsT]`."""

    def __call__(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> UserContent | Sequence[Message]: ...


class AsyncContextMessageTemplate(Protocol[P, DepsT]):
    """An async `ContextMessageTemplate`."""

    async def __call__(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> UserContent | Sequence[Message]: ...


def is_context_function(fn: Callable[..., Any]) -> bool:
    """True when the first parameter (after self/cls) is `ctx: Context[...]`."""
    params = [p for p in inspect.signature(fn).parameters.values() if p.name not in ("self", "cls")]
    if not params or params[0].name != "ctx":
        return False
    annotation = params[0].annotation
    if isinstance(annotation, str):
        try:
            annotation = typing.get_type_hints(fn).get("ctx", annotation)
        except Exception:
            return "Context" in annotation
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, Context)


def render_messages(result: Any) -> list[Message]:
    """What a prompt function returned, as messages: a str, a part or a list of them is one
    user message; a list of Messages is used as is."""
    return list(promote_to_messages(result))


def _as_model(model: Model | str) -> Model:
    return Model(model) if isinstance(model, str) else model


class _PromptBase:
    def __init__(self, fn: Callable[..., Any], tools: Any, format: Any) -> None:
        functools.update_wrapper(cast(Any, self), fn)
        self.fn = fn
        self.tools = tools
        self.format = format

    @property
    def toolkit(self) -> Any:
        return normalize_tools(self.tools, kind=self._tool_kind)

    _tool_kind: Literal["sync", "async", "context", "async_context"] = "sync"


class Prompt(_PromptBase, Generic[P, FormattableT]):
    """A sync prompt: `prompt(model, *args)` calls, `prompt.stream(model, *args)` streams."""

    def messages(self, *args: P.args, **kwargs: P.kwargs) -> list[Message]:
        return render_messages(self.fn(*args, **kwargs))

    def __call__(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> Response[FormattableT]:
        return self.call(model, *args, **kwargs)

    def call(self, model: Model | str, *args: P.args, **kwargs: P.kwargs) -> Response[FormattableT]:
        return _as_model(model).call(
            self.messages(*args, **kwargs), tools=self.tools, format=self.format
        )

    def stream(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> StreamResponse[FormattableT]:
        return _as_model(model).stream(
            self.messages(*args, **kwargs), tools=self.tools, format=self.format
        )


class AsyncPrompt(_PromptBase, Generic[P, FormattableT]):
    """An async prompt: `await prompt(model, ...)`, `await prompt.stream(model, ...)`."""

    _tool_kind = "async"

    async def messages(self, *args: P.args, **kwargs: P.kwargs) -> list[Message]:
        return render_messages(await self.fn(*args, **kwargs))

    async def __call__(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncResponse[FormattableT]:
        return await self.call(model, *args, **kwargs)

    async def call(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncResponse[FormattableT]:
        messages = await self.messages(*args, **kwargs)
        response: AsyncResponse[FormattableT] = await _as_model(model).call_async(
            messages, tools=self.tools, format=self.format
        )
        return response

    async def stream(
        self, model: Model | str, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncStreamResponse[FormattableT]:
        messages = await self.messages(*args, **kwargs)
        response: AsyncStreamResponse[FormattableT] = await _as_model(model).stream_async(
            messages, tools=self.tools, format=self.format
        )
        return response


class ContextPrompt(_PromptBase, Generic[P, DepsT, FormattableT]):
    """A sync context prompt: `prompt(model, ctx, *args)`."""

    _tool_kind = "context"

    def messages(self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs) -> list[Message]:
        return render_messages(self.fn(ctx, *args, **kwargs))

    def __call__(
        self, model: Model | str, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> ContextResponse[DepsT, FormattableT]:
        return self.call(model, ctx, *args, **kwargs)

    def call(
        self, model: Model | str, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> ContextResponse[DepsT, FormattableT]:
        return _as_model(model).context_call(
            self.messages(ctx, *args, **kwargs), ctx=ctx, tools=self.tools, format=self.format
        )

    def stream(
        self, model: Model | str, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> ContextStreamResponse[DepsT, FormattableT]:
        return _as_model(model).context_stream(
            self.messages(ctx, *args, **kwargs), ctx=ctx, tools=self.tools, format=self.format
        )


class AsyncContextPrompt(_PromptBase, Generic[P, DepsT, FormattableT]):
    """An async context prompt: `await prompt(model, ctx, *args)`."""

    _tool_kind = "async_context"

    async def messages(
        self, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> list[Message]:
        return render_messages(await self.fn(ctx, *args, **kwargs))

    async def __call__(
        self, model: Model | str, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> AsyncContextResponse[DepsT, FormattableT]:
        return await self.call(model, ctx, *args, **kwargs)

    async def call(
        self, model: Model | str, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> AsyncContextResponse[DepsT, FormattableT]:
        messages = await self.messages(ctx, *args, **kwargs)
        response: AsyncContextResponse[DepsT, FormattableT] = await _as_model(
            model
        ).context_call_async(messages, ctx=ctx, tools=self.tools, format=self.format)
        return response

    async def stream(
        self, model: Model | str, ctx: Context[DepsT], *args: P.args, **kwargs: P.kwargs
    ) -> AsyncContextStreamResponse[DepsT, FormattableT]:
        messages = await self.messages(ctx, *args, **kwargs)
        response: AsyncContextStreamResponse[DepsT, FormattableT] = await _as_model(
            model
        ).context_stream_async(messages, ctx=ctx, tools=self.tools, format=self.format)
        return response


def prompt_class(fn: Callable[..., Any]) -> type[_PromptBase]:
    is_async = inspect.iscoroutinefunction(fn)
    if is_context_function(fn):
        return AsyncContextPrompt if is_async else ContextPrompt
    return AsyncPrompt if is_async else Prompt


class PromptDecorator(Generic[ToolT, FormattableT]):
    """What `llm.prompt(tools=..., format=...)` returns; its parameters are the kinds of its
    tools and its format, and the prompt it makes follows the decorated function's shape."""

    def __init__(
        self,
        tools: Sequence[ToolT | ProviderTool] | None = None,
        format: FormatSpec[FormattableT] | None = None,
    ) -> None:
        self.tools = tools
        self.format = format

    @overload
    def __call__(
        self, fn: AsyncContextMessageTemplate[P, DepsT]
    ) -> AsyncContextPrompt[P, DepsT, FormattableT]: ...
    @overload
    def __call__(
        self, fn: ContextMessageTemplate[P, DepsT]
    ) -> ContextPrompt[P, DepsT, FormattableT]: ...
    @overload
    def __call__(self, fn: AsyncMessageTemplate[P]) -> AsyncPrompt[P, FormattableT]: ...
    @overload
    def __call__(self, fn: MessageTemplate[P]) -> Prompt[P, FormattableT]: ...
    def __call__(self, fn: Callable[..., Any]) -> Any:
        return prompt_class(fn)(fn, self.tools, self.format)


@overload
def prompt(fn: AsyncContextMessageTemplate[P, DepsT]) -> AsyncContextPrompt[P, DepsT, None]: ...
@overload
def prompt(fn: ContextMessageTemplate[P, DepsT]) -> ContextPrompt[P, DepsT, None]: ...
@overload
def prompt(fn: AsyncMessageTemplate[P]) -> AsyncPrompt[P, None]: ...
@overload
def prompt(fn: MessageTemplate[P]) -> Prompt[P, None]: ...
@overload
def prompt(
    fn: None = None,
    *,
    tools: Sequence[ToolT | ProviderTool] | None = None,
    format: FormatSpec[FormattableT] | None = None,
) -> PromptDecorator[ToolT, FormattableT]: ...
def prompt(
    fn: Callable[..., Any] | None = None,
    *,
    tools: Sequence[Any] | None = None,
    format: Any = None,
) -> Any:
    """`@llm.prompt` or `@llm.prompt(tools=..., format=...)`."""
    decorator: PromptDecorator[Any, Any] = PromptDecorator(tools=tools, format=format)
    return decorator if fn is None else decorator(fn)

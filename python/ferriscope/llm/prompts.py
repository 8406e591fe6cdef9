"""`llm.prompt`: a function that writes the messages, called later with a model (API.md §2.1).

The decorated function's shape picks the variant: `async def` → AsyncPrompt; a first
parameter named `ctx` annotated `llm.Context[...]` → ContextPrompt (and both → the async
context variant).
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

from ferriscope.llm.messages import AssistantMessage, Message, SystemMessage, UserMessage, user
from ferriscope.llm.models.model import Model

__all__ = [
    "AsyncContextPrompt",
    "AsyncPrompt",
    "ContextPrompt",
    "Prompt",
    "PromptDecorator",
    "is_context_function",
    "prompt",
    "render_messages",
]

_MESSAGES = (SystemMessage, UserMessage, AssistantMessage)


def is_context_function(fn: Callable[..., Any]) -> bool:
    """True when the first parameter (after self/cls) is `ctx: Context[...]`."""
    from ferriscope.llm.context import Context

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
    if isinstance(result, Sequence) and not isinstance(result, str):
        if len(result) == 0:
            raise ValueError("a prompt function returned an empty list of messages")
        if isinstance(result[0], _MESSAGES):
            return list(result)
    return [user(result)]


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
        from ferriscope.llm.tools import normalize_tools

        return normalize_tools(self.tools, kind=self._tool_kind)

    _tool_kind: Literal["sync", "async", "context", "async_context"] = "sync"


class Prompt(_PromptBase):
    """A sync prompt: `prompt(model, *args)` calls, `prompt.stream(model, *args)` streams."""

    def messages(self, *args: Any, **kwargs: Any) -> list[Message]:
        return render_messages(self.fn(*args, **kwargs))

    def __call__(self, model: Model | str, *args: Any, **kwargs: Any) -> Any:
        return self.call(model, *args, **kwargs)

    def call(self, model: Model | str, *args: Any, **kwargs: Any) -> Any:
        return _as_model(model).call(
            self.messages(*args, **kwargs), tools=self.tools, format=self.format
        )

    def stream(self, model: Model | str, *args: Any, **kwargs: Any) -> Any:
        return _as_model(model).stream(
            self.messages(*args, **kwargs), tools=self.tools, format=self.format
        )


class AsyncPrompt(_PromptBase):
    """An async prompt: `await prompt(model, ...)`, `await prompt.stream(model, ...)`."""

    _tool_kind = "async"

    async def messages(self, *args: Any, **kwargs: Any) -> list[Message]:
        return render_messages(await self.fn(*args, **kwargs))

    async def __call__(self, model: Model | str, *args: Any, **kwargs: Any) -> Any:
        return await self.call(model, *args, **kwargs)

    async def call(self, model: Model | str, *args: Any, **kwargs: Any) -> Any:
        messages = await self.messages(*args, **kwargs)
        return await _as_model(model).call_async(messages, tools=self.tools, format=self.format)

    async def stream(self, model: Model | str, *args: Any, **kwargs: Any) -> Any:
        messages = await self.messages(*args, **kwargs)
        return await _as_model(model).stream_async(messages, tools=self.tools, format=self.format)


class ContextPrompt(_PromptBase):
    """A sync context prompt: `prompt(model, ctx, *args)`."""

    _tool_kind = "context"

    def messages(self, ctx: Any, *args: Any, **kwargs: Any) -> list[Message]:
        return render_messages(self.fn(ctx, *args, **kwargs))

    def __call__(self, model: Model | str, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return self.call(model, ctx, *args, **kwargs)

    def call(self, model: Model | str, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return _as_model(model).context_call(
            self.messages(ctx, *args, **kwargs), ctx=ctx, tools=self.tools, format=self.format
        )

    def stream(self, model: Model | str, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return _as_model(model).context_stream(
            self.messages(ctx, *args, **kwargs), ctx=ctx, tools=self.tools, format=self.format
        )


class AsyncContextPrompt(_PromptBase):
    """An async context prompt: `await prompt(model, ctx, *args)`."""

    _tool_kind = "async_context"

    async def messages(self, ctx: Any, *args: Any, **kwargs: Any) -> list[Message]:
        return render_messages(await self.fn(ctx, *args, **kwargs))

    async def __call__(self, model: Model | str, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.call(model, ctx, *args, **kwargs)

    async def call(self, model: Model | str, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        messages = await self.messages(ctx, *args, **kwargs)
        return await _as_model(model).context_call_async(
            messages, ctx=ctx, tools=self.tools, format=self.format
        )

    async def stream(self, model: Model | str, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        messages = await self.messages(ctx, *args, **kwargs)
        return await _as_model(model).context_stream_async(
            messages, ctx=ctx, tools=self.tools, format=self.format
        )


def prompt_class(fn: Callable[..., Any]) -> type[_PromptBase]:
    is_async = inspect.iscoroutinefunction(fn)
    if is_context_function(fn):
        return AsyncContextPrompt if is_async else ContextPrompt
    return AsyncPrompt if is_async else Prompt


class PromptDecorator:
    """What `llm.prompt(tools=..., format=...)` returns."""

    def __init__(self, tools: Sequence[Any] | None = None, format: Any = None) -> None:
        self.tools = tools
        self.format = format

    def __call__(self, fn: Callable[..., Any]) -> Any:
        return prompt_class(fn)(fn, self.tools, self.format)


def prompt(
    fn: Callable[..., Any] | None = None,
    *,
    tools: Sequence[Any] | None = None,
    format: Any = None,
) -> Any:
    """`@llm.prompt` or `@llm.prompt(tools=..., format=...)`."""
    decorator = PromptDecorator(tools=tools, format=format)
    return decorator if fn is None else decorator(fn)

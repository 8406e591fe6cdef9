"""`llm.call`: a prompt bound to a default model (API.md §2.1).

`call(*args)` runs the prompt against `call.model`, which is the default model unless a
`with llm.model(...)` block overrides it at call time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, cast

from ferriscope.llm.models.model import Model, use_model
from ferriscope.llm.prompts import (
    AsyncContextPrompt,
    AsyncPrompt,
    ContextPrompt,
    Prompt,
    prompt_class,
)

__all__ = ["AsyncCall", "AsyncContextCall", "Call", "CallDecorator", "ContextCall", "call"]


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


class Call(_CallBase):
    prompt: Prompt

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(*args, **kwargs)

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self.prompt.call(self.model, *args, **kwargs)

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        return self.prompt.stream(self.model, *args, **kwargs)


class AsyncCall(_CallBase):
    prompt: AsyncPrompt

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return await self.call(*args, **kwargs)

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        return await self.prompt.call(self.model, *args, **kwargs)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        return await self.prompt.stream(self.model, *args, **kwargs)


class ContextCall(_CallBase):
    prompt: ContextPrompt

    def __call__(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return self.call(ctx, *args, **kwargs)

    def call(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return self.prompt.call(self.model, ctx, *args, **kwargs)

    def stream(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return self.prompt.stream(self.model, ctx, *args, **kwargs)


class AsyncContextCall(_CallBase):
    prompt: AsyncContextPrompt

    async def __call__(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.call(ctx, *args, **kwargs)

    async def call(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.prompt.call(self.model, ctx, *args, **kwargs)

    async def stream(self, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.prompt.stream(self.model, ctx, *args, **kwargs)


_CALL_FOR_PROMPT: dict[type, type[_CallBase]] = {
    Prompt: Call,
    AsyncPrompt: AsyncCall,
    ContextPrompt: ContextCall,
    AsyncContextPrompt: AsyncContextCall,
}


class CallDecorator:
    """What `llm.call(model, ...)` returns; applied to the prompt function."""

    def __init__(self, model: Model, tools: Sequence[Any] | None, format: Any) -> None:
        self.model = model
        self.tools = tools
        self.format = format

    def __call__(self, fn: Callable[..., Any]) -> Any:
        prompt_cls = prompt_class(fn)
        prompt = prompt_cls(fn, self.tools, self.format)
        return _CALL_FOR_PROMPT[prompt_cls](prompt, self.model)


def call(
    model: Model | str,
    *,
    tools: Sequence[Any] | None = None,
    format: Any = None,
    **params: Any,
) -> CallDecorator:
    """`@llm.call("openai/gpt-5-mini", tools=[...], format=Book, temperature=0.2)`."""
    if isinstance(model, Model):
        if params:
            raise ValueError("params can only be given with a model id, not a Model instance")
        default = model
    else:
        default = Model(model, **params)
    return CallDecorator(default, tools, format)

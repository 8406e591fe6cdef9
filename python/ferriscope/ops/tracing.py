"""`@trace`: a span around every call of a function, or of an `@llm.call`.

Sync and async functions get a span for the call; generator functions (sync and async) get
one span from the first step to exhaustion or close, current only while the generator runs
(never across a `yield`, which would leak it into the consumer's code). An `@llm.call` is
wrapped so `call()`, `stream()` and calling it run in a span; the LLM request spans of what
they return are its children.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, TypeVar, cast, overload

from ferriscope.ops.spans import Span

__all__ = ["TracedCall", "trace"]

F = TypeVar("F", bound=Callable[..., Any])


def _attributes(fn: Any, tags: Sequence[str] | None, metadata: dict[str, Any] | None) -> Any:
    attributes: dict[str, Any] = {
        "ferriscope.fn.qualname": getattr(fn, "__qualname__", repr(fn)),
        "ferriscope.fn.module": getattr(fn, "__module__", None) or "",
    }
    if tags:
        attributes["ferriscope.trace.tags"] = list(tags)
    if metadata:
        attributes["ferriscope.trace.metadata"] = json.dumps(metadata, default=str)
    return attributes


def _wrap_function(fn: Callable[..., Any], name: str, attributes: dict[str, Any]) -> Any:
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def traced_agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            span = Span(name, **attributes)
            inner = fn(*args, **kwargs)
            try:
                while True:
                    with _current(span):
                        try:
                            item = await inner.__anext__()
                        except StopAsyncIteration:
                            return
                    yield item
            except BaseException as error:
                if not isinstance(error, GeneratorExit):
                    span.record_error(error)
                raise
            finally:
                await inner.aclose()
                span.finish()

        return traced_agen
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def traced_gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            span = Span(name, **attributes)
            inner = fn(*args, **kwargs)
            try:
                while True:
                    with _current(span):
                        try:
                            item = next(inner)
                        except StopIteration as stop:
                            return stop.value  # type: ignore[no-any-return]
                    yield item
            except BaseException as error:
                if not isinstance(error, GeneratorExit):
                    span.record_error(error)
                raise
            finally:
                inner.close()
                span.finish()

        return traced_gen
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def traced_async(*args: Any, **kwargs: Any) -> Any:
            with Span(name, **attributes):
                return await fn(*args, **kwargs)

        return traced_async

    @functools.wraps(fn)
    def traced(*args: Any, **kwargs: Any) -> Any:
        with Span(name, **attributes):
            return fn(*args, **kwargs)

    return traced


class _current:
    """Makes a lazily started span current for one generator step (started at the first)."""

    def __init__(self, span: Span) -> None:
        self.span = span

    def __enter__(self) -> None:
        from ferriscope.ops import _otel

        span = self.span
        if not _otel.available():
            return
        from opentelemetry import context, trace

        if span._span is None and not span._finished:
            span.__enter__()  # starts it, current
            return
        if span._span is not None and span._token is None:
            span._token = context.attach(trace.set_span_in_context(span._span))

    def __exit__(self, *exc_info: object) -> None:
        span = self.span
        if span._token is not None:
            from opentelemetry import context

            context.detach(span._token)
            span._token = None


class TracedCall:
    """An `@llm.call` whose `call()`, `stream()` and `__call__` each run in a span."""

    def __init__(self, call: Any, name: str, attributes: dict[str, Any]) -> None:
        functools.update_wrapper(cast(Any, self), call.fn)
        self.wrapped_call = call
        self.call = _wrap_function(call.call, name, attributes)
        self.stream = _wrap_function(call.stream, name, attributes)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(*args, **kwargs)

    def __getattr__(self, item: str) -> Any:
        return getattr(self.wrapped_call, item)


def _is_llm_call(fn: Any) -> bool:
    from ferriscope.llm.calls import AsyncCall, AsyncContextCall, Call, ContextCall

    return isinstance(fn, Call | AsyncCall | ContextCall | AsyncContextCall)


@overload
def trace(fn: F, /) -> F: ...


@overload
def trace(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    tags: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Callable[[F], F]: ...


def trace(
    fn: Any = None,
    /,
    *,
    name: str | None = None,
    tags: Sequence[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Any:
    """`@ops.trace` or `@ops.trace(name=..., tags=[...], metadata={...})`: a span per call
    (named after the function unless `name` is given); an exception marks it failed."""

    def decorate(target: Any) -> Any:
        if _is_llm_call(target):
            inner = target.fn
            attributes = _attributes(inner, tags, metadata)
            return TracedCall(target, name or inner.__qualname__, attributes)
        if not callable(target):
            raise TypeError(f"ops.trace decorates functions and llm calls, not {target!r}")
        attributes = _attributes(target, tags, metadata)
        label = name or str(getattr(target, "__qualname__", "trace"))
        return _wrap_function(target, label, attributes)

    if fn is None:
        return decorate
    return decorate(fn)

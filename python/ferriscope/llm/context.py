"""`llm.Context`: the dependencies a context call hands to its prompt and tools (docs/spec.md §2.6).

A function opts into receiving the context by naming its first parameter `ctx` and annotating
it `llm.Context[...]` (or a subclass). Both halves are required so that an unrelated first
parameter that happens to be called `ctx` is never swallowed by the library.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, get_origin

from typing_extensions import TypeVar

__all__ = ["Context", "DepsT", "first_param_is_context"]

DepsT = TypeVar("DepsT")
"""The type of `Context.deps`; one deps type is shared by a call and all its tools."""


@dataclass(kw_only=True)
class Context(Generic[DepsT]):
    """Carries user dependencies into context calls, prompts and tools.

    Keyword-only so that `Context(x)` fails loudly instead of guessing what `x` is, and so
    subclasses can add fields with defaults without ordering problems.
    """

    deps: DepsT


def _is_context_annotation(annotation: Any) -> bool:
    """Whether `annotation` is `Context`, `Context[...]`, a subclass, or a subclass's alias."""
    target = get_origin(annotation) or annotation
    return isinstance(target, type) and issubclass(target, Context)


def first_param_is_context(fn: Callable[..., Any]) -> bool:
    """Whether `fn` takes a context first (after `self`/`cls`): named `ctx` and typed `Context`.

    Hints are resolved with `typing.get_type_hints` so string annotations (PEP 563) work; an
    unresolvable hint falls back to the raw annotation rather than failing the decorator.
    """
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    if not params:
        return False
    first = params[1] if params[0].name in ("self", "cls") and len(params) > 1 else params[0]
    if first.name != "ctx":
        return False
    try:
        annotation = typing.get_type_hints(fn).get(first.name, first.annotation)
    except (NameError, AttributeError, TypeError):
        annotation = first.annotation
    if annotation is inspect.Parameter.empty or annotation is None:
        return False
    return _is_context_annotation(annotation)

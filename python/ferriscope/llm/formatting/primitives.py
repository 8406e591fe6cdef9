"""Formats that are not pydantic models: `int`, `list[Book]`, `Literal[...]`, enums, unions…

Providers and parsers only understand JSON objects, so such a type is wrapped in a generated
model with a single field `output`; the model is asked for `{"output": ...}` and `parse()`
hands back the unwrapped value. Wrappers are generated once per type so that their schema,
validators and `Partial` versions are reused rather than rebuilt on every call.
"""

from __future__ import annotations

import inspect
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Literal, TypeAlias, Union, cast, get_args, get_origin

from pydantic import BaseModel, create_model
from typing_extensions import TypeIs

__all__ = [
    "PrimitiveType",
    "PrimitiveWrapperModel",
    "create_wrapper_model",
    "is_primitive_type",
    "primitive_type_name",
]

PrimitiveType: TypeAlias = (
    str | int | float | bool | bytes | list[Any] | set[Any] | tuple[Any, ...] | dict[Any, Any]
)
"""The non-model types `format=` accepts (plus enums, literals, unions and `Annotated`)."""

_PRIMITIVES: frozenset[Any] = frozenset({str, int, float, bool, bytes, list, set, tuple, dict})
_SPECIAL_FORMS: frozenset[Any] = frozenset({Annotated, Literal, Union, UnionType})


class PrimitiveWrapperModel(BaseModel):
    """The shape of a generated wrapper (for typing only; wrappers are created per type)."""

    output: Any


def is_primitive_type(type_: Any) -> TypeIs[type[PrimitiveType]]:
    """Whether `type_` must be wrapped: a builtin container/scalar, enum, or typing form."""
    if inspect.isclass(type_) and issubclass(type_, Enum):
        return True
    try:
        if type_ in _PRIMITIVES:
            return True
    except TypeError:  # unhashable annotation objects
        pass
    return get_origin(type_) in _PRIMITIVES or get_origin(type_) in _SPECIAL_FORMS


def primitive_type_name(type_: Any) -> str:
    """The `Format.name` of a primitive: its `__name__` (`list[Book]` → `list`), else `str()`."""
    name = getattr(type_, "__name__", None)
    return name if isinstance(name, str) else str(type_)


def _wrapper_type_name(type_: Any) -> str:
    """The wrapper's class-name stem: `Annotated` is looked through, other forms sanitised."""
    if get_origin(type_) is Annotated:
        return _wrapper_type_name(get_args(type_)[0])
    name = getattr(type_, "__name__", None)
    if isinstance(name, str):
        return name
    text = str(type_)
    for old, new in (("[", "_"), ("]", "_"), (", ", "_"), (" ", ""), ("'", ""), ('"', "")):
        text = text.replace(old, new)
    return text


_wrappers: dict[Any, type[PrimitiveWrapperModel]] = {}


def create_wrapper_model(primitive_type: Any) -> type[PrimitiveWrapperModel]:
    """The model `{"output": primitive_type}` (required), generated once per type."""
    try:
        cached = _wrappers.get(primitive_type)
    except TypeError:  # unhashable metadata inside Annotated: build without caching
        cached = None
        hashable = False
    else:
        hashable = True
    if cached is not None:
        return cached
    name = _wrapper_type_name(primitive_type)
    wrapper = cast(
        type[PrimitiveWrapperModel],
        create_model(
            f"{name}Output",
            __doc__=f"Wrapper for primitive type {name}",
            output=(primitive_type, ...),
        ),
    )
    if hashable:
        _wrappers[primitive_type] = wrapper
    return wrapper

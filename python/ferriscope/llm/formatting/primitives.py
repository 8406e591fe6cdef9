"""Formats that are not pydantic models: `int`, `list[Book]`, `Literal[...]`, enums, unions…

Providers and parsers only understand JSON objects, so such a type is wrapped in a generated
model with a single field `output`; the model is asked for `{"output": ...}` and `parse()`
hands back the unwrapped value. Wrappers are generated once per type so that their schema,
validators and `Partial` versions are reused rather than rebuilt on every call; they are
pydantic models, so they live in `wrappers.py`, and this module (which the formatting API
needs to exist at all) loads no pydantic.
"""

from __future__ import annotations

import inspect
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Literal, TypeAlias, Union, get_origin

from typing_extensions import TypeIs

__all__ = [
    "PrimitiveType",
    "is_primitive_type",
    "primitive_type_name",
]

PrimitiveType: TypeAlias = (
    str | int | float | bool | bytes | list[Any] | set[Any] | tuple[Any, ...] | dict[Any, Any]
)
"""The non-model types `format=` accepts (plus enums, literals, unions and `Annotated`)."""

_PRIMITIVES: frozenset[Any] = frozenset({str, int, float, bool, bytes, list, set, tuple, dict})
_SPECIAL_FORMS: frozenset[Any] = frozenset({Annotated, Literal, Union, UnionType})


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

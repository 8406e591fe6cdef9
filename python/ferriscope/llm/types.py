"""Shared type aliases and type variables, under Mirascope's names (`llm.types`)."""

from __future__ import annotations

from dataclasses import Field
from typing import Any, ClassVar, Protocol, TypeAlias, Union, runtime_checkable

from typing_extensions import ParamSpec, TypeVar

Jsonable: TypeAlias = Union[str, int, float, bool, "list[Jsonable]", "dict[str, Jsonable]", None]

P = ParamSpec("P")
"""The parameters of a wrapped function (a prompt's, a tool's)."""

AnyP = ParamSpec("AnyP", default=...)
"""Like `P`, defaulting to any parameters when not given."""

CovariantT = TypeVar("CovariantT", covariant=True)

JsonableT = TypeVar("JsonableT", bound=Jsonable)
"""What a tool returns: it is sent back to the model as JSON."""

JsonableCovariantT = TypeVar("JsonableCovariantT", covariant=True, bound=Jsonable, default=Jsonable)

NoneType = type(None)


@runtime_checkable
class Dataclass(Protocol):
    """Any dataclass instance or class (what `dataclasses.is_dataclass` accepts)."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]


__all__ = [
    "AnyP",
    "CovariantT",
    "Dataclass",
    "Jsonable",
    "JsonableCovariantT",
    "JsonableT",
    "NoneType",
    "P",
]

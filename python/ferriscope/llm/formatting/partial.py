"""`Partial[Model]`: the model with every field optional, for values still streaming in (§7.3).

While JSON arrives, a structured stream validates what it has so far against the partial
model: a field is `None` until its value has started. Nested models become partial too, but
only as a field's own type or a direct type argument (`Author`, `list[Author]`,
`dict[str, Author]`, `Author | None`); deeper nesting keeps the strict model, which then
validates only once complete. Validators and defaults of the original are not carried over,
because they would reject or invent values the model simply has not sent yet.
"""

from __future__ import annotations

import inspect
from types import UnionType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Union, cast, get_args, get_origin

from ferriscope._lazy import lazy_module
from ferriscope.llm.formatting.types import FormattableT

if TYPE_CHECKING:
    import pydantic
    from pydantic import BaseModel
else:  # pydantic when a partial model is first built (docs/architecture.md, "Lazy loading")
    pydantic = lazy_module("pydantic")

__all__ = ["Partial", "is_partial_model"]

_partial_models: dict[type[BaseModel], type[BaseModel]] = {}
_generated: set[type[BaseModel]] = set()
_building: set[type[BaseModel]] = set()


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, pydantic.BaseModel)


def _partial_annotation(annotation: Any) -> Any:
    """The field type with models (itself or its direct type arguments) made partial."""
    if _is_model(annotation):
        return _partial_model(annotation)
    origin = get_origin(annotation)
    if origin is None:
        return annotation
    args = get_args(annotation)
    new_args = tuple(_partial_model(arg) if _is_model(arg) else arg for arg in args)
    if new_args == args:
        return annotation
    if origin in (Union, UnionType):
        return Union[new_args]  # noqa: UP007 (rebuilt from runtime arguments)
    return origin[new_args]


def _partial_model(model: type[BaseModel]) -> type[BaseModel]:
    cached = _partial_models.get(model)
    if cached is not None:
        return cached
    if model in _building:
        return model  # a self-referencing model: the inner occurrence stays strict
    _building.add(model)
    try:
        fields: dict[str, Any] = {
            name: (Union[_partial_annotation(info.annotation), None], None)  # noqa: UP007
            for name, info in model.model_fields.items()
        }
        partial = pydantic.create_model(
            f"Partial{model.__name__}", __base__=pydantic.BaseModel, **fields
        )
    finally:
        _building.discard(model)
    _partial_models[model] = partial
    _generated.add(partial)
    return partial


def is_partial_model(cls: Any) -> bool:
    """Whether `cls` is a generated `Partial<Name>`: plain fields, all optional, default config
    and no validators, which is what lets a structured stream assemble it without pydantic."""
    return cls in _generated


class Partial(Generic[FormattableT]):
    """`Partial[Model]` is the generated `Partial<Name>` model; `Partial[T]` is `T` otherwise.

    Only subscripted: it cannot be instantiated or subclassed itself.
    """

    def __new__(cls, *args: object, **kwargs: object) -> Partial[FormattableT]:
        raise TypeError("Cannot instantiate abstract Partial class.")

    def __init_subclass__(cls, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(f"Cannot subclass {cls.__module__}.Partial")

    def __class_getitem__(cls, wrapped_class: type[FormattableT]) -> type[FormattableT]:
        if not _is_model(wrapped_class):
            return wrapped_class
        return cast(type[FormattableT], _partial_model(cast("type[BaseModel]", wrapped_class)))

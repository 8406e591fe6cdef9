"""The pydantic model `{"output": T}` that carries a primitive format type (§7.1).

A primitive format (`list[str]`, `Literal[...]`, an enum) has no model of its own, so its
JSON schema and validation come from a generated wrapper model. Built with pydantic on the
first use of such a format (docs/architecture.md, "Lazy loading"), once per type.
"""

from __future__ import annotations

from typing import Annotated, Any, cast, get_args, get_origin

from pydantic import BaseModel, create_model

__all__ = ["PrimitiveWrapperModel", "create_wrapper_model"]


class PrimitiveWrapperModel(BaseModel):
    """The shape of a generated wrapper (for typing only; wrappers are created per type)."""

    output: Any


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

"""The pydantic side of a tool: its argument schema and the validators of its arguments.

Kept apart from `tools.schema` so that pydantic's model machinery (and the JSON-schema
generator) loads when the first tool is defined, not when `ToolSchema` is (docs/architecture.md,
"Lazy loading"); `ToolSchema` reaches this module through a `lazy_module` stand-in.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, cast, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.fields import FieldInfo

from ferriscope.llm.tools.docstrings import param_descriptions

__all__ = ["ToolParameterSchema", "argument_adapters", "build_parameters"]


class ToolParameterSchema(BaseModel):
    """The JSON schema of a tool's arguments: always an object, never extra properties.

    Providers send `model_dump(by_alias=True, exclude_none=True)` (plus `"type": "object"`),
    so the field order here is the key order of the recorded request bodies.
    """

    model_config = ConfigDict(populate_by_name=True)

    properties: dict[str, dict[str, Any]] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)
    additionalProperties: bool = False
    defs: dict[str, dict[str, Any]] | None = Field(default=None, alias="$defs")


def _field_for(annotation: Any, default: Any, docstring_description: str | None) -> tuple[Any, Any]:
    """The pydantic field definition of one parameter.

    An `Annotated[..., Field(...)]` keeps its schema metadata (description, title, examples,
    constraints) but never its alias or default: the parameter's own name and default are
    what the call uses. Other `Annotated` metadata is dropped, as in Mirascope.
    """
    field_info: FieldInfo | None = None
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        if any(isinstance(extra, FieldInfo) for extra in args[1:]):
            field_info = FieldInfo.from_annotation(annotation)
        annotation = args[0]
    if field_info is not None:
        value = Field(
            default=default,
            description=field_info.description,
            title=field_info.title,
            examples=field_info.examples,
            json_schema_extra=field_info.json_schema_extra,
        )
        value.metadata = list(field_info.metadata)
        return annotation, value
    if docstring_description:
        return annotation, Field(default=default, description=docstring_description)
    return annotation, default


def build_parameters(fn: Callable[..., Any], *, is_context_tool: bool) -> ToolParameterSchema:
    """The argument schema of `fn`, skipping `self`/`cls` and a context tool's `ctx`."""
    descriptions = param_descriptions(fn.__doc__)
    hints = get_type_hints(fn, include_extras=True)
    fields: dict[str, tuple[Any, Any]] = {}
    skip_context = is_context_tool
    for param in inspect.signature(fn).parameters.values():
        if param.name in ("self", "cls"):
            continue
        if skip_context:
            skip_context = False
            continue
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = _field_for(
            hints.get(param.name, Any), default, descriptions.get(param.name)
        )
    model = create_model("TempModel", **cast(dict[str, Any], fields))
    schema = model.model_json_schema()
    parameters = ToolParameterSchema(
        properties=schema.get("properties", {}),
        required=schema.get("required", []),
        additionalProperties=False,
    )
    if "$defs" in schema:
        parameters.defs = schema["$defs"]
    return parameters


def argument_adapters(
    fn: Callable[..., Any], names: Mapping[str, Any]
) -> dict[str, TypeAdapter[Any]]:
    """One validator per parameter of `fn` that is in `names` (the schema's properties)."""
    hints = get_type_hints(fn, include_extras=True)
    return {name: TypeAdapter(hint) for name, hint in hints.items() if name in names}

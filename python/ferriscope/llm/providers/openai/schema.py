"""JSON schemas in the shape OpenAI's strict mode demands.

Strict tools and `json_schema` formats are rejected unless every object forbids extra
properties and lists all its properties as required, so the encoders send a fixed-up copy
(the user's schema and the cached tool schema are never mutated). Only real subschema
positions are visited, so a property that happens to be named "properties" or a `default`
value shaped like a schema is left alone.
"""

from __future__ import annotations

import copy
from typing import Any

from ferriscope.llm.tools import AnyToolSchema

__all__ = ["strict_schema", "tool_parameters"]

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def _subschemas(schema: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for key in _SCHEMA_MAPS:
        value = schema.get(key)
        if isinstance(value, dict):
            found.extend(value.values())
    for key in _SCHEMA_LISTS:
        value = schema.get(key)
        if isinstance(value, list):
            found.extend(value)
    for key in _SCHEMA_VALUES:
        value = schema.get(key)
        if isinstance(value, list):  # draft-4 tuple `items`
            found.extend(value)
        elif value is not None:
            found.append(value)
    return found


def _fix(schema: Any, *, require_all: bool) -> None:
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object":
        schema.setdefault("additionalProperties", False)
    properties = schema.get("properties")
    if require_all and schema.get("type") == "object" and isinstance(properties, dict):
        schema["required"] = list(properties)
    for sub in _subschemas(schema):
        _fix(sub, require_all=require_all)


def strict_schema(schema: dict[str, Any], *, require_all: bool = True) -> dict[str, Any]:
    """A copy with `additionalProperties: false` on every object and, when `require_all`,
    every property required."""
    fixed = copy.deepcopy(schema)
    _fix(fixed, require_all=require_all)
    return fixed


def tool_parameters(tool: AnyToolSchema, *, strict: bool) -> dict[str, Any]:
    """A tool's parameter schema as sent: an object that forbids extra properties, with all
    properties required when the tool is strict."""
    schema: dict[str, Any] = tool.parameters.model_dump(by_alias=True, exclude_none=True)
    schema["type"] = "object"
    return strict_schema(schema, require_all=strict)

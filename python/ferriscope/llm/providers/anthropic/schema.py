"""JSON-schema rewrites the structured-outputs beta needs (docs/spec.md §11.3).

The beta's constrained decoding knows only part of JSON Schema. Constraints it cannot enforce
are not dropped but appended to the description ("{minimum: 1, maximum: 10}"), so the model
still reads them and the caller's validation still checks them. Two rewrites exist because the
recordings show two: strict tools get the Mirascope adaptation of the tool's own schema,
while `output_format` gets the Anthropic SDK's normalisation of the format's schema (which
also rebuilds each node in a fixed key order and forbids extra properties everywhere).
"""

from __future__ import annotations

import copy
from typing import Any, cast

__all__ = ["output_format_schema", "strict_tool_schema"]

# Keys a strict tool schema may not carry (minItems is allowed only up to 1).
_TOOL_UNSUPPORTED = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
)
_SUPPORTED_STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)


def _describe(node: dict[str, Any], constraints: list[str], *, keep_empty: bool) -> None:
    """Appends `{k: v, ...}` to the node's description, after a blank line.

    `keep_empty`: an empty description still gets the blank line (the SDK's rewrite tests
    for None, Mirascope's for truthiness; the bodies must match both).
    """
    if not constraints:
        return
    note = "{" + ", ".join(constraints) + "}"
    description = node.get("description")
    has_description = description is not None if keep_empty else bool(description)
    node["description"] = f"{description}\n\n{note}" if has_description else note


def _forbid_extra_properties(node: object) -> None:
    """Adds `additionalProperties: false` to every object schema that does not set it."""
    if isinstance(node, dict):
        obj = cast(dict[str, Any], node)
        if obj.get("type") == "object" and "additionalProperties" not in obj:
            obj["additionalProperties"] = False
        for value in obj.values():
            _forbid_extra_properties(value)
    elif isinstance(node, list):
        for item in cast(list[object], node):
            _forbid_extra_properties(item)


def _adapt_tool_node(schema: dict[str, Any]) -> dict[str, Any]:
    node = dict(schema)
    constraints = [f"{key}: {node.pop(key)}" for key in _TOOL_UNSUPPORTED if key in node]
    if node.get("minItems", 0) > 1:
        constraints.append(f"minItems: {node.pop('minItems')}")
    # The beta accepts only a subset of regex syntax: describe every pattern rather than risk
    # a 400 for an expression pydantic accepts.
    if "pattern" in node:
        constraints.append(f"pattern: {node.pop('pattern')}")
    _describe(node, constraints, keep_empty=False)
    for key in ("properties", "$defs"):
        if isinstance(node.get(key), dict):
            node[key] = {name: _adapt_tool_node(sub) for name, sub in node[key].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            node[key] = _adapt_tool_node(node[key])
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(node.get(key), list):
            node[key] = [_adapt_tool_node(sub) for sub in node[key]]
    return node


def strict_tool_schema(input_schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's `input_schema` made acceptable for `strict: true` (input left unchanged)."""
    schema = copy.deepcopy(input_schema)
    _forbid_extra_properties(schema)
    return _adapt_tool_node(schema)


def output_format_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema sent as `output_format.schema` for a format's JSON schema.

    Node by node: `$defs` first; a `$ref` node keeps only the reference; `oneOf` becomes
    `anyOf`; then type, enum, description, title; objects list their properties, forbid extra
    ones and keep `required`; strings keep a supported `format`; arrays keep `items` and a
    `minItems` of 0 or 1. Everything else left over is described instead.
    """
    rest = dict(schema)
    node: dict[str, Any] = {}

    defs = rest.pop("$defs", None)
    if isinstance(defs, dict):
        node["$defs"] = {name: output_format_schema(sub) for name, sub in defs.items()}
    ref = rest.pop("$ref", None)
    if ref is not None:
        node["$ref"] = ref
        return node

    type_ = rest.pop("type", None)
    any_of = rest.pop("anyOf", None)
    one_of = rest.pop("oneOf", None)
    all_of = rest.pop("allOf", None)
    if isinstance(any_of, list):
        node["anyOf"] = [output_format_schema(sub) for sub in any_of]
    elif isinstance(one_of, list):
        node["anyOf"] = [output_format_schema(sub) for sub in one_of]
    elif isinstance(all_of, list):
        node["allOf"] = [output_format_schema(sub) for sub in all_of]
    elif type_ is not None:
        node["type"] = type_

    for key in ("enum", "description", "title"):
        value = rest.pop(key, None)
        if value is not None and (key != "enum" or isinstance(value, list)):
            node[key] = value

    if type_ == "object":
        properties = rest.pop("properties", None) or {}
        node["properties"] = {name: output_format_schema(sub) for name, sub in properties.items()}
        rest.pop("additionalProperties", None)
        node["additionalProperties"] = False
        required = rest.pop("required", None)
        if required is not None:
            node["required"] = required
    elif type_ == "string":
        string_format = rest.get("format")
        if string_format in _SUPPORTED_STRING_FORMATS:
            node["format"] = rest.pop("format")
        elif not string_format:
            rest.pop("format", None)
    elif type_ == "array":
        items = rest.pop("items", None)
        if isinstance(items, dict):
            node["items"] = output_format_schema(items)
        if rest.get("minItems") in (0, 1):
            node["minItems"] = rest.pop("minItems")

    _describe(node, [f"{key}: {value}" for key, value in rest.items()], keep_empty=True)
    return node

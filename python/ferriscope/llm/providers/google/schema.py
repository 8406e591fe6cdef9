"""JSON schemas in Gemini's Schema form (docs/spec.md §11.4, §7.2).

Gemini reads a subset of OpenAPI 3.0: no `$ref`/`$defs`, upper-case `type` names, `nullable`
instead of a `null` type, and only the keys its `Schema` message defines. The google SDK
rewrites schemas into that form, so requests carry the SDK's output; both entry points here
reproduce it, because the recorded request bodies must match:

- a response schema (strict mode) goes through the SDK's own rewrite: definitions inlined,
  `null` alternatives folded into `nullable`, a string `const` turned into an `enum`, and
  `property_ordering` added to objects with several properties (Gemini otherwise orders
  output keys alphabetically, which breaks streaming parses that expect declaration order);
- tool parameters are rewritten by Mirascope itself before the SDK sees them: references
  inlined, unknown keys removed, and none of the response-schema rewrites.

Keys come out as the SDK's field names (`any_of`, `max_items`, `property_ordering`), which
the API accepts alongside camelCase. Schemas the API cannot express (recursive models,
references outside `$defs`, open-ended objects in a response schema) are refused with
`FeatureNotSupportedError` instead of failing at the API or looping forever.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, cast

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.google.model_id import PROVIDER_ID
from ferriscope.llm.tools import AnyToolSchema

__all__ = ["function_parameters", "response_schema"]

_WIRE_KEYS: dict[str, str] = {
    "additionalProperties": "additional_properties",
    "anyOf": "any_of",
    "default": "default",
    "defs": "defs",
    "description": "description",
    "enum": "enum",
    "example": "example",
    "format": "format",
    "items": "items",
    "maxItems": "max_items",
    "maxLength": "max_length",
    "maxProperties": "max_properties",
    "maximum": "maximum",
    "minItems": "min_items",
    "minLength": "min_length",
    "minProperties": "min_properties",
    "minimum": "minimum",
    "nullable": "nullable",
    "pattern": "pattern",
    "properties": "properties",
    "propertyOrdering": "property_ordering",
    "ref": "ref",
    "required": "required",
    "title": "title",
    "type": "type",
}
"""Gemini `Schema` keys as JSON schemas spell them → as the SDK sends them."""

_SNAKE_SPELLINGS = {
    "additional_properties": "additionalProperties",
    "any_of": "anyOf",
    "prefix_items": "prefixItems",
    "property_ordering": "propertyOrdering",
}
"""Spellings a hand-written schema may use; normalised before rewriting, as the SDK does."""

_ACCEPTED_KEYS = frozenset(_WIRE_KEYS)


def _as_dict(value: Any) -> dict[str, Any] | None:
    return cast(dict[str, Any], value) if isinstance(value, dict) else None


# ---- the SDK's final step: validation into its Schema model, then a dump by field name ----


def _wire_type(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


def _to_wire(node: Mapping[str, Any]) -> dict[str, Any]:
    """Known keys only, renamed to their wire spelling, types upper-cased, nulls dropped.

    `additional_properties` is free-form JSON in Gemini's Schema, so it is passed on as is.
    """
    out: dict[str, Any] = {}
    for key, value in node.items():
        wire = _WIRE_KEYS.get(_SNAKE_SPELLINGS.get(key, key))
        if wire is None or value is None:
            continue
        if wire in ("properties", "defs"):
            mapping = _as_dict(value) or {}
            value = {name: _to_wire(sub) for name, sub in mapping.items() if isinstance(sub, dict)}
        elif wire == "items":
            items = _as_dict(value)
            if items is None:
                continue
            value = _to_wire(items)
        elif wire == "any_of":
            value = [_to_wire(sub) for sub in value if isinstance(sub, dict)]
        elif wire == "type":
            value = _wire_type(value)
            if value is None:
                continue
        elif wire == "enum":
            value = [v if isinstance(v, str) else str(v) for v in value]
        out[wire] = value
    return out


# ---- response schemas: the SDK's rewrite ---------------------------------------------------


def _unsupported(feature: str, model_id: str, message: str) -> FeatureNotSupportedError:
    return FeatureNotSupportedError(feature, PROVIDER_ID, model_id, message=message)


def _def_name(ref: Any, defs: Mapping[str, Any], model_id: str) -> str:
    name = ref.split("defs/")[-1] if isinstance(ref, str) and "defs/" in ref else None
    if name is None or name not in defs:
        raise _unsupported(
            "schema $ref",
            model_id,
            f"Google schemas cannot reference {ref!r}: only references into $defs are inlined.",
        )
    return name


def _recursive(name: str, model_id: str) -> FeatureNotSupportedError:
    return _unsupported(
        "recursive schema",
        model_id,
        f"Google schemas cannot express the recursive definition {name!r}.",
    )


def _fold_null(node: dict[str, Any]) -> None:
    """A `null` type or `null` alternative becomes `nullable: true` (OpenAPI 3.0 style); a
    single remaining alternative is merged into the node itself."""
    if node.get("type") == "null":
        node["nullable"] = True
        del node["type"]
        return
    any_of = node.get("anyOf")
    if not isinstance(any_of, list):
        return
    rest = [s for s in any_of if not (isinstance(s, dict) and s.get("type") == "null")]
    if len(rest) == len(any_of):
        return
    node["nullable"] = True
    if len(rest) == 1 and isinstance(rest[0], dict):
        del node["anyOf"]
        node.update(rest[0])
    else:
        node["anyOf"] = rest


class _ResponseSchema:
    """One rewrite of a response schema, holding its definitions and the chain of
    definitions being inlined (to refuse recursion)."""

    def __init__(self, defs: Mapping[str, Any], model_id: str) -> None:
        self.defs = defs
        self.model_id = model_id
        self.expanding: list[str] = []

    def definition(self, ref: Any) -> dict[str, Any]:
        name = _def_name(ref, self.defs, self.model_id)
        if name in self.expanding:
            raise _recursive(name, self.model_id)
        self.expanding.append(name)
        try:
            return self.node(self.defs[name])
        finally:
            self.expanding.pop()

    def child(self, schema: Any) -> Any:
        """A subschema; a reference is replaced by its definition alone (the SDK drops any
        keys written next to the `$ref`)."""
        sub = _as_dict(schema)
        if sub is None:
            return schema
        if "$ref" in sub:
            return self.definition(sub["$ref"])
        return self.node(sub)

    def node(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        node = dict(schema)
        for snake, camel in _SNAKE_SPELLINGS.items():
            if (value := node.pop(snake, None)) is not None:
                node[camel] = value
        node.pop("$defs", None)
        if node.get("additionalProperties"):
            raise _unsupported(
                "additionalProperties",
                self.model_id,
                "Gemini response schemas cannot allow additional properties "
                "(e.g. a dict-typed field); use a model with named fields instead.",
            )
        _fold_null(node)
        if (ref := node.pop("$ref", None)) is not None:
            node.update(self.definition(ref))
        if isinstance(any_of := node.get("anyOf"), list):
            node["anyOf"] = [self.child(sub) for sub in any_of]
            return node
        kind = _wire_type(node.get("type"))
        if (const := node.pop("const", None)) is not None:
            if not isinstance(const, str):
                raise _unsupported(
                    "non-string literal",
                    self.model_id,
                    f"Gemini response schemas only take string literals, got {const!r}.",
                )
            node["enum"] = [const]
        if kind == "OBJECT":
            properties = _as_dict(node.get("properties"))
            if properties is not None:
                node["properties"] = {name: self.child(s) for name, s in properties.items()}
                if len(properties) > 1 and "propertyOrdering" not in node:
                    node["propertyOrdering"] = list(properties)
            if _as_dict(node.get("additionalProperties")) is not None:
                node["additionalProperties"] = self.child(node["additionalProperties"])
        elif kind == "ARRAY":
            if _as_dict(node.get("items")) is not None:
                node["items"] = self.child(node["items"])
            if isinstance(prefix := node.get("prefixItems"), list):
                node["prefixItems"] = [self.child(sub) for sub in prefix]
        return node


def response_schema(schema: Mapping[str, Any], *, model_id: str) -> dict[str, Any]:
    """The `responseSchema` for a format's JSON schema (which is left untouched)."""
    root = copy.deepcopy(dict(schema))
    defs = _as_dict(root.pop("$defs", None)) or {}
    return _to_wire(_ResponseSchema(defs, model_id).node(root))


# ---- tool parameters: Mirascope's rewrite -------------------------------------------------


def _inline(value: Any, defs: Mapping[str, Any], expanding: list[str], model_id: str) -> Any:
    """Every `{"$ref": "#/$defs/X"}` replaced by (a rewritten copy of) definition X; other
    references are left for `_known_keys` to drop."""
    if isinstance(value, list):
        return [_inline(item, defs, expanding, model_id) for item in value]
    node = _as_dict(value)
    if node is None:
        return value
    ref = node.get("$ref")
    if ref is None:
        return {key: _inline(sub, defs, expanding, model_id) for key, sub in node.items()}
    if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
        return node
    name = ref.split("/")[-1]
    if name not in defs:
        return node
    if name in expanding:
        raise _recursive(name, model_id)
    expanding.append(name)
    try:
        return _inline(defs[name], defs, expanding, model_id)
    finally:
        expanding.pop()


def _known_keys(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The keys Gemini's Schema defines (camelCase), recursively through subschemas."""
    out = {key: value for key, value in schema.items() if key in _ACCEPTED_KEYS}
    for key in ("properties", "defs"):
        if (mapping := _as_dict(out.get(key))) is not None:
            out[key] = {
                name: _known_keys(sub) if isinstance(sub, dict) else sub
                for name, sub in mapping.items()
            }
    for key in ("items", "additionalProperties"):
        if (sub := _as_dict(out.get(key))) is not None:
            out[key] = _known_keys(sub)
    if isinstance(any_of := out.get("anyOf"), list):
        out["anyOf"] = [_known_keys(s) if isinstance(s, dict) else s for s in any_of]
    return out


def function_parameters(tool: AnyToolSchema, *, model_id: str) -> dict[str, Any]:
    """A function declaration's `parameters`: an OBJECT with the tool's properties (their
    references inlined) and required names; `additionalProperties` is never sent."""
    dumped: dict[str, Any] = tool.parameters.model_dump(by_alias=True, exclude_none=True)
    properties: dict[str, Any] = dumped.get("properties") or {}
    defs = _as_dict(dumped.get("$defs"))
    if defs:
        properties = _inline(properties, defs, [], model_id)
    parameters = {
        "type": "object",
        "properties": {
            name: _known_keys(sub) for name, sub in properties.items() if isinstance(sub, dict)
        },
        "required": list(dumped.get("required") or []),
    }
    return _to_wire(parameters)

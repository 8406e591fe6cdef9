"""`Format`: a structured-output type together with how to obtain it (docs/spec.md §7.1, §7.4).

`llm.format(Book, mode="json")` fixes the mode; a bare type passed as `format=` is resolved by
the provider with its own default mode (`resolve_format`). The JSON schema is pydantic's, and
the instruction texts are Mirascope's, because both reach the provider verbatim and the
recorded request bodies must match.
"""

from __future__ import annotations

import copy
import inspect
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, get_args

from ferriscope._lazy import lazy_module
from ferriscope.llm.formatting.output_parser import OutputParser, is_output_parser
from ferriscope.llm.formatting.primitives import (
    is_primitive_type,
    primitive_type_name,
)
from ferriscope.llm.formatting.types import (
    FormatSpec,
    FormattableT,
    FormattingMode,
    HasFormattingInstructions,
)
from ferriscope.llm.tools.schema import FORMAT_TOOL_NAME, ToolSchema

if TYPE_CHECKING:
    import pydantic

    from ferriscope.llm.formatting import wrappers
    from ferriscope.llm.tools import parameters
else:  # pydantic on the first format (docs/architecture.md, "Lazy loading")
    pydantic = lazy_module("pydantic")
    wrappers = lazy_module("ferriscope.llm.formatting.wrappers")
    parameters = lazy_module("ferriscope.llm.tools.parameters")

__all__ = [
    "JSON_MODE_INSTRUCTIONS",
    "TOOL_MODE_INSTRUCTIONS",
    "Format",
    "format",
    "resolve_format",
]

TOOL_MODE_INSTRUCTIONS = (
    f"Always respond to the user's query using the {FORMAT_TOOL_NAME} tool for structured output."
)
JSON_MODE_INSTRUCTIONS = (
    "Respond only with valid JSON that matches this exact schema:\n{json_schema}"
)

_MODES: frozenset[str] = frozenset(get_args(FormattingMode))


def _unused_format_tool(**_: Any) -> None:
    """Stands in for the format tool's function: its calls become text, never executions."""
    raise TypeError("Format tool function should not be called.")


@dataclass(kw_only=True)
class Format(Generic[FormattableT]):
    """A resolved structured-output format: what to ask for, how, and how to read it back.

    `formattable` is the model class, the primitive type (parsed through its `output`
    wrapper), or the `OutputParser`. `schema` is pydantic's JSON schema of the model or
    wrapper (empty for a parser); callers that adapt it for a provider must copy it first.
    """

    name: str
    description: str | None
    schema: dict[str, Any]
    mode: FormattingMode
    formattable: type[FormattableT] | OutputParser[FormattableT]

    @property
    def formatting_instructions(self) -> str | None:
        """The text appended to the system prompt, or None to leave the prompt alone (a
        property, as in Mirascope).

        A parser's own instructions, or a `formatting_instructions()` classmethod on the
        type, always win (returning None there disables instructions in every mode).
        Otherwise `tool` and `json` modes explain themselves; `strict` needs no words.
        """
        formattable: Any = self.formattable
        if is_output_parser(formattable) or isinstance(formattable, HasFormattingInstructions):
            instructions: str | None = formattable.formatting_instructions()
            return instructions
        if self.mode == "tool":
            return TOOL_MODE_INSTRUCTIONS
        if self.mode == "json":
            text = JSON_MODE_INSTRUCTIONS.format(json_schema=json.dumps(self.schema, indent=2))
            return inspect.cleandoc(text)
        return None

    def create_tool_schema(self) -> ToolSchema[Any]:
        """The hidden tool whose arguments are the output, for `tool` mode (§7.4).

        Every property is required (the tool call *is* the answer) and no others are
        allowed. `strict` is left to the provider, as for user tools.
        """
        schema = copy.deepcopy(self.schema)
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        description = f"Use this tool to extract data in {self.name} format for a final response."
        if self.description:
            description += "\n" + self.description
        arguments = parameters.ToolParameterSchema(
            properties=properties, required=list(properties), additionalProperties=False
        )
        defs = schema.get("$defs")
        if isinstance(defs, dict):
            arguments.defs = defs
        return ToolSchema(
            fn=_unused_format_tool,
            name=FORMAT_TOOL_NAME,
            description=description,
            parameters=arguments,
            strict=None,
        )


_described: dict[Any, tuple[str, str | None, dict[str, Any]]] = {}


def _describe(formattable: Any) -> tuple[str, str | None, dict[str, Any]]:
    """Name, description and schema of a type, computed once per type (schemas are costly)."""
    try:
        cached = _described.get(formattable)
    except TypeError:  # unhashable Annotated metadata
        cached = None
    if cached is None:
        if is_primitive_type(formattable):
            schema = wrappers.create_wrapper_model(formattable).model_json_schema()
            cached = (primitive_type_name(formattable), None, schema)
        elif inspect.isclass(formattable) and issubclass(formattable, pydantic.BaseModel):
            doc = formattable.__doc__
            description = inspect.cleandoc(doc) if doc else None
            cached = (formattable.__name__, description, formattable.model_json_schema())
        else:
            raise TypeError(
                f"{formattable!r} cannot be used as a format: use a pydantic BaseModel, a "
                "primitive type (str, int, list[...], Literal, Enum, ...) or an OutputParser"
            )
        try:
            _described[formattable] = cached
        except TypeError:
            pass
    name, description, schema = cached
    return name, description, copy.deepcopy(schema)


def format(
    formattable: type[FormattableT] | OutputParser[FormattableT] | Format[FormattableT] | None,
    *,
    mode: FormattingMode,
) -> Format[FormattableT] | None:
    """The `Format` of a model, primitive type or `OutputParser` in the given mode.

    Only needed to choose a mode: `format=` also takes the bare type, and each provider then
    picks its default. An `OutputParser` requires `mode="parser"`. None means no format.
    """
    if formattable is None or formattable is type(None):
        return None
    if mode not in _MODES:
        raise ValueError(f"Unknown formatting mode: {mode!r}")
    if isinstance(formattable, Format):
        return formattable if formattable.mode == mode else replace(formattable, mode=mode)
    if is_output_parser(formattable):
        if mode != "parser":
            raise ValueError(f"mode must be 'parser' for OutputParser, got '{mode}'")
        return Format(
            name=formattable.__name__,
            description=formattable.__doc__,
            schema={},
            mode="parser",
            formattable=formattable,
        )
    name, description, schema = _describe(formattable)
    return Format(
        name=name,
        description=description,
        schema=schema,
        mode=mode,
        formattable=formattable,
    )


def resolve_format(
    spec: FormatSpec[FormattableT] | None, default_mode: FormattingMode
) -> Format[FormattableT] | None:
    """The `Format` of a call's `format=`: a `Format` as is, a parser in `parser` mode, and a
    bare type in the provider's `default_mode`."""
    if spec is None:
        return None
    if isinstance(spec, Format):
        return spec
    if is_output_parser(spec):
        return format(spec, mode="parser")
    return format(spec, mode=default_mode)

"""`ToolSchema`: what the model is told about a tool, derived from a Python function
(docs/spec.md §8).

The parameter schema is produced by pydantic from the function's signature, exactly as
Mirascope does it, because providers receive it verbatim and the recorded request bodies must
match. Argument conversion on execution uses pydantic too, so a tool declared `when: date`
receives a `date`, not the string the model wrote.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from functools import WRAPPER_ASSIGNMENTS
from typing import Annotated, Any, ClassVar, Generic, cast, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.fields import FieldInfo
from typing_extensions import Self, TypeVar

from ferriscope.llm._names import FORMAT_TOOL_NAME, is_format_tool_name
from ferriscope.llm.content import ToolCall
from ferriscope.llm.context import first_param_is_context
from ferriscope.llm.tools.docstrings import param_descriptions

__all__ = [
    "FORMAT_TOOL_NAME",
    "AnyToolSchema",
    "ToolParameterSchema",
    "ToolSchema",
    "ToolSchemaT",
]

FnT = TypeVar("FnT", bound=Callable[..., Any], covariant=True, default=Callable[..., Any])


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


def _copy_function_metadata(target: object, fn: Callable[..., Any]) -> None:
    """Makes the tool look like its function (name, doc, module) so decorators can stack."""
    for attr in WRAPPER_ASSIGNMENTS:
        try:
            object.__setattr__(target, attr, getattr(fn, attr))
        except AttributeError:
            pass
    object.__setattr__(target, "__wrapped__", fn)


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


class ToolSchema(Generic[FnT]):
    """A tool as the model sees it: name, description, argument schema, strictness.

    `strict=None` lets each provider use strict tool calling where it can; `True` demands it
    (providers that cannot raise `FeatureNotSupportedError`); `False` never uses it.
    The schema is treated as immutable once built: its hash is computed once.
    """

    fn: FnT
    name: str
    description: str
    parameters: ToolParameterSchema
    strict: bool | None
    __name__: str  # copied from `fn`, so stacked decorators see the function's name

    _context_tool: ClassVar[bool | None] = None
    """Whether `from_function` treats the first parameter as `ctx` (None: detect it)."""

    def __init__(
        self,
        fn: FnT,
        name: str,
        description: str,
        parameters: ToolParameterSchema,
        *,
        strict: bool | None = None,
    ) -> None:
        self.fn = fn
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
        _copy_function_metadata(self, fn)

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        strict: bool | None = None,
        is_context_tool: bool | None = None,
    ) -> Self:
        """Builds the schema from `fn`'s name, docstring and signature.

        `is_context_tool=None` detects a leading `ctx: Context[...]` parameter, which is then
        left out of the schema (the library supplies it, not the model).
        """
        name = fn.__name__
        if is_format_tool_name(name):
            raise ValueError(f"Cannot use reserved name {FORMAT_TOOL_NAME} as tool name.")
        if is_context_tool is None:
            is_context_tool = cls._context_tool
        if is_context_tool is None:
            is_context_tool = first_param_is_context(fn)
        description = inspect.cleandoc(fn.__doc__) if fn.__doc__ else name
        parameters = build_parameters(fn, is_context_tool=is_context_tool)
        return cls(
            fn=cast(FnT, fn),
            name=name,
            description=description,
            parameters=parameters,
            strict=strict,
        )

    def can_execute(self, tool_call: ToolCall) -> bool:
        """Whether `tool_call` targets this tool (by name; the arguments are not checked)."""
        return tool_call.name == self.name

    def _argument_adapters(self) -> dict[str, TypeAdapter[Any]]:
        """One validator per declared, schema-visible parameter, built on first use."""
        adapters: dict[str, TypeAdapter[Any]] | None = self.__dict__.get("_adapters")
        if adapters is None:
            hints = get_type_hints(self.fn, include_extras=True)
            adapters = {
                name: TypeAdapter(hint)
                for name, hint in hints.items()
                if name in self.parameters.properties
            }
            self.__dict__["_adapters"] = adapters
        return adapters

    def _reject_unknown(self, kwargs: dict[str, Any]) -> None:
        """Refuses keys the function does not take, before it is called, with a bounded
        message: Python's own TypeError repeats a hostile 10 MB key back to the model."""
        takes_any = self.__dict__.get("_takes_any")
        if takes_any is None:
            kinds = [p.kind for p in inspect.signature(self.fn).parameters.values()]
            takes_any = inspect.Parameter.VAR_KEYWORD in kinds
            self.__dict__["_takes_any"] = takes_any
        if takes_any:
            return
        unknown = [k for k in kwargs if k not in self.parameters.properties]
        if unknown:
            shown = ", ".join(repr(k[:64]) for k in unknown[:5])
            more = f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""
            raise TypeError(f"{self.name}() got unexpected arguments: {shown}{more}")

    def parse_arguments(self, tool_call: ToolCall) -> dict[str, Any]:
        """The keyword arguments for `fn`: the call's JSON, each value converted to its type.

        Blank arguments mean "no arguments". Values are validated in JSON mode so dates,
        tuples and the like convert the way they would from the wire. Omitted parameters and
        unexpected extra keys are left to the function itself to accept or reject.
        """
        args = tool_call.args
        kwargs = json.loads(args if args and args.strip() else "{}")
        if isinstance(kwargs, dict):
            self._reject_unknown(kwargs)
            for name, adapter in self._argument_adapters().items():
                if name in kwargs:
                    kwargs[name] = adapter.validate_json(json.dumps(kwargs[name]))
        return cast(dict[str, Any], kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolSchema):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.fn == other.fn
            and self.name == other.name
            and self.description == other.description
            and self.parameters == other.parameters
            and self.strict == other.strict
        )

    def __hash__(self) -> int:
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(
                (self.name, self.description, self.strict, self.parameters.model_dump_json())
            )
            self.__dict__["_hash"] = cached
        return cached

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, description={self.description!r}, "
            f"parameters={self.parameters!r}, strict={self.strict!r})"
        )


AnyToolSchema = ToolSchema[Callable[..., Any]]
"""A tool schema of any kind of tool function."""

ToolSchemaT = TypeVar("ToolSchemaT", bound=AnyToolSchema, covariant=True)
"""A tool schema of some kind (Mirascope's name)."""

"""`ToolSchema`: what the model is told about a tool, derived from a Python function
(docs/spec.md §8).

The parameter schema is produced by pydantic from the function's signature, exactly as
Mirascope does it, because providers receive it verbatim and the recorded request bodies must
match. Argument conversion on execution uses pydantic too, so a tool declared `when: date`
receives a `date`, not the string the model wrote. Both live in `tools.parameters`, loaded
when the first tool is defined (docs/architecture.md, "Lazy loading"): a program that calls a
model without tools loads no pydantic model machinery for them.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from functools import WRAPPER_ASSIGNMENTS
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast

from typing_extensions import Self, TypeVar

from ferriscope._lazy import lazy_module
from ferriscope.llm._names import FORMAT_TOOL_NAME, is_format_tool_name
from ferriscope.llm.content import ToolCall
from ferriscope.llm.context import first_param_is_context

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from ferriscope.llm.tools import parameters
    from ferriscope.llm.tools.parameters import ToolParameterSchema
else:
    parameters = lazy_module("ferriscope.llm.tools.parameters")

__all__ = [
    "FORMAT_TOOL_NAME",
    "AnyToolSchema",
    "ToolSchema",
    "ToolSchemaT",
]

FnT = TypeVar("FnT", bound=Callable[..., Any], covariant=True, default=Callable[..., Any])


def _copy_function_metadata(target: object, fn: Callable[..., Any]) -> None:
    """Makes the tool look like its function (name, doc, module) so decorators can stack."""
    for attr in WRAPPER_ASSIGNMENTS:
        try:
            object.__setattr__(target, attr, getattr(fn, attr))
        except AttributeError:
            pass
    object.__setattr__(target, "__wrapped__", fn)


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
        schema = parameters.build_parameters(fn, is_context_tool=is_context_tool)
        return cls(
            fn=cast(FnT, fn),
            name=name,
            description=description,
            parameters=schema,
            strict=strict,
        )

    def can_execute(self, tool_call: ToolCall) -> bool:
        """Whether `tool_call` targets this tool (by name; the arguments are not checked)."""
        return tool_call.name == self.name

    def _argument_adapters(self) -> dict[str, TypeAdapter[Any]]:
        """One validator per declared, schema-visible parameter, built on first use."""
        adapters: dict[str, TypeAdapter[Any]] | None = self.__dict__.get("_adapters")
        if adapters is None:
            adapters = parameters.argument_adapters(self.fn, self.parameters.properties)
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

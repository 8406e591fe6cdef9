"""Type names of the formatting API: modes, the format type variable, and `FormatSpec`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias, runtime_checkable

from typing_extensions import TypeAliasType, TypeVar

from ferriscope.llm.formatting.primitives import PrimitiveType

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ferriscope.llm.formatting.format import Format
    from ferriscope.llm.formatting.output_parser import OutputParser

__all__ = ["FormatSpec", "FormattableT", "FormattingMode", "HasFormattingInstructions"]

FormattingMode: TypeAlias = Literal["strict", "json", "tool", "parser"]
"""How structured output is obtained (docs/spec.md §7.2).

- `strict`: the provider's schema-constrained output; `FeatureNotSupportedError` where absent.
- `json`: ask for JSON (the provider's JSON mode where it has one, plus instructions).
- `tool`: force a call to a hidden tool whose arguments are the output (§7.4).
- `parser`: an `OutputParser`'s instructions and function; no schema at all.
"""

# The bound is a string so that this module loads no pydantic (docs/architecture.md, "Lazy
# loading"); type checkers read it as the union.
FormattableT = TypeVar("FormattableT", bound="BaseModel | PrimitiveType | None", default=None)
"""The parsed output type of a response (None: no format)."""

FormatSpec = TypeAliasType(
    "FormatSpec",
    "type[FormattableT] | Format[FormattableT] | OutputParser[FormattableT]",
    type_params=(FormattableT,),
)
"""What `format=` accepts: a type, a `Format` (to choose the mode), or an `OutputParser`."""


@runtime_checkable
class HasFormattingInstructions(Protocol):
    """A format type that writes its own instructions (returning None disables them)."""

    @classmethod
    def formatting_instructions(cls) -> str | None: ...

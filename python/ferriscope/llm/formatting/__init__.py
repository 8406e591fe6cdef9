"""Structured output: formats, modes, partial models and output parsers (docs/spec.md §7)."""

from typing import TYPE_CHECKING

from ferriscope._lazy import lazy_exports
from ferriscope.llm.formatting.format import (
    JSON_MODE_INSTRUCTIONS,
    TOOL_MODE_INSTRUCTIONS,
    Format,
    format,
    resolve_format,
)
from ferriscope.llm.formatting.from_call_args import FromCallArgs
from ferriscope.llm.formatting.instructions import (
    add_system_instructions,
    with_formatting_instructions,
)
from ferriscope.llm.formatting.output_parser import OutputParser, is_output_parser, output_parser
from ferriscope.llm.formatting.parsing import (
    extract_json_text,
    parse,
    parse_partial,
    strip_json_preamble,
)
from ferriscope.llm.formatting.partial import Partial
from ferriscope.llm.formatting.primitives import PrimitiveType, is_primitive_type
from ferriscope.llm.formatting.types import FormatSpec, FormattableT, FormattingMode

# The package stays eager (its function `format` shares its name with the module
# `format.py`), but none of the modules above loads pydantic; the two names built with
# pydantic are lazy (docs/architecture.md, "Lazy loading").
if TYPE_CHECKING:
    from ferriscope.llm.formatting.wrappers import PrimitiveWrapperModel, create_wrapper_model
else:
    __getattr__, __dir__ = lazy_exports(
        __name__, {"wrappers": ("PrimitiveWrapperModel", "create_wrapper_model")}
    )

__all__ = [
    "JSON_MODE_INSTRUCTIONS",
    "TOOL_MODE_INSTRUCTIONS",
    "Format",
    "FormatSpec",
    "FormattableT",
    "FormattingMode",
    "FromCallArgs",
    "OutputParser",
    "Partial",
    "PrimitiveType",
    "PrimitiveWrapperModel",
    "add_system_instructions",
    "create_wrapper_model",
    "extract_json_text",
    "format",
    "is_output_parser",
    "is_primitive_type",
    "output_parser",
    "parse",
    "parse_partial",
    "resolve_format",
    "strip_json_preamble",
    "with_formatting_instructions",
]

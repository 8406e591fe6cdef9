"""Which Anthropic API path an `anthropic/` call takes (docs/spec.md §7.2, §11.3).

The structured-outputs beta gives schema-constrained answers and strict tools, so a call that
would profit from it goes there, when the model supports it: a bare pydantic model as the
format (Anthropic's default mode is then `strict`), an explicitly strict format, or a tool
that does not opt out of strictness. Explicit `tool`/`json` modes, primitive formats and
output parsers stay on the standard path, as in the reference.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ferriscope.llm.formatting import Format
from ferriscope.llm.providers.anthropic.model_info import (
    supports_structured_outputs,
    wire_model_name,
)
from ferriscope.llm.tools import ProviderTool

__all__ = ["uses_beta"]


def uses_beta(model_id: str, format: Any, tools: Sequence[Any]) -> bool:
    """Whether an `anthropic/` call is sent on the beta path."""
    if not supports_structured_outputs(wire_model_name(model_id)):
        return False
    if isinstance(format, Format):
        if format.mode == "strict":
            return True
    elif inspect.isclass(format) and issubclass(format, BaseModel):
        return True
    return any(not isinstance(tool, ProviderTool) and tool.strict is not False for tool in tools)

"""How a tool's result goes back to the model (docs/spec.md §8), shared by all provider encoders.

Most APIs take the result as text: strings are sent unchanged (so `"Welcome to Moria!"`
arrives without JSON quotes), pydantic models as their JSON, other JSON-able values as
`json.dumps` writes them. Gemini takes a JSON object instead: a mapping is sent as the object
itself, anything else under `"output"`. These rules match Mirascope's encoders byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast, runtime_checkable

from ferriscope.llm.content import ToolOutput

__all__ = ["tool_output_response_object", "tool_output_result_text"]


@runtime_checkable
class _ModelDump(Protocol):
    def model_dump(self) -> object: ...


@runtime_checkable
class _ModelDumpJson(Protocol):
    def model_dump_json(self) -> str: ...


@runtime_checkable
class _LegacyJson(Protocol):
    def json(self) -> str: ...


def _json_default(obj: object) -> object:
    """Makes containers, models and other objects JSON-encodable instead of failing."""
    if isinstance(obj, Mapping):
        return dict(cast(Mapping[str, object], obj))
    if isinstance(obj, Sequence) and not isinstance(obj, (str, bytes, bytearray)):
        return list(cast(Sequence[object], obj))
    if isinstance(obj, _ModelDump):
        return obj.model_dump()
    if isinstance(obj, _LegacyJson):
        return json.loads(obj.json())
    return str(obj)


def _result_of(output: ToolOutput[Any] | object) -> object:
    return output.result if isinstance(output, ToolOutput) else output


def tool_output_result_text(output: ToolOutput[Any] | object) -> str:
    """The text sent back for a tool output (or for a bare result value)."""
    result = _result_of(output)
    if isinstance(result, str):
        return result
    if isinstance(result, _ModelDumpJson):
        return result.model_dump_json()
    if isinstance(result, _LegacyJson):
        return result.json()
    if isinstance(result, (bytes, bytearray)) or (
        result is not None and not isinstance(result, (Mapping, Sequence, int, float, bool))
    ):
        return str(result)
    return json.dumps(result, default=_json_default)


def tool_output_response_object(output: ToolOutput[Any] | object) -> dict[str, Any]:
    """The JSON object Gemini's `functionResponse.response` carries for a tool output."""
    result = _result_of(output)
    if isinstance(result, str):
        return {"output": result}
    converted: object = json.loads(json.dumps(result, default=_json_default))
    if isinstance(converted, dict):
        return cast(dict[str, Any], converted)
    return {"output": converted}

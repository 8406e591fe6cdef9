"""One call → one Anthropic Messages request (docs/spec.md §11.3), on the standard or beta path.

Encoding is pure: it reads nothing but its arguments, so `.stream()` can raise every
encoding error (FeatureNotSupportedError above all) before any I/O. The beta path differs
only in the URL, the `anthropic-beta` header, strict tools and `output_format`; the events
that come back are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.formatting import Format, resolve_format, with_formatting_instructions
from ferriscope.llm.messages import Message
from ferriscope.llm.providers.anthropic.messages import encode_messages, encode_system
from ferriscope.llm.providers.anthropic.model_info import (
    supports_structured_outputs,
    wire_model_name,
)
from ferriscope.llm.providers.anthropic.params import read_params
from ferriscope.llm.providers.anthropic.schema import output_format_schema
from ferriscope.llm.providers.anthropic.tools import (
    check_strict_tools,
    format_tool_choice,
    tool_definitions,
)
from ferriscope.llm.providers.base import Encoded

__all__ = ["ANTHROPIC_VERSION", "BETA_HEADER", "WIRE_FORMAT", "encode_request"]

ANTHROPIC_VERSION = "2023-06-01"
BETA_HEADER = "structured-outputs-2025-11-13"
WIRE_FORMAT = "anthropic"
_PATH = "/v1/messages"
_BETA_PATH = "/v1/messages?beta=true"


def _headers(beta: bool) -> dict[str, str]:
    headers = {
        "content-type": "application/json",
        "accept": "application/json",
        "anthropic-version": ANTHROPIC_VERSION,
    }
    if beta:
        headers["anthropic-beta"] = BETA_HEADER
    return headers


def _strict_unsupported(model_id: str) -> FeatureNotSupportedError:
    return FeatureNotSupportedError("formatting_mode:strict", "anthropic", model_id)


def encode_request(
    *,
    model_id: str,
    messages: Sequence[Message],
    toolkit: Any,
    format: Any,
    params: Mapping[str, Any],
    beta: bool,
    provider_id: str,
) -> Encoded:
    """The request for one call; `beta` selects the structured-outputs beta path.

    A bare format type gets the path's default mode: `strict` on the beta (refused on models
    without structured outputs), `tool` on the standard path (docs/spec.md §7.2).
    """
    name = wire_model_name(model_id)
    model_strict = supports_structured_outputs(name)
    request = read_params(params, model_id=model_id, name=name, provider_id=provider_id)

    tools = list(toolkit.tools) if toolkit is not None else []
    check_strict_tools(tools, allowed=beta and model_strict, model_id=model_id)

    resolved: Format[Any] | None = resolve_format(format, default_mode="strict" if beta else "tool")
    output_format: dict[str, Any] | None = None
    tool_choice: dict[str, Any] | None = None
    if resolved is not None and resolved.mode == "strict":
        if not (beta and model_strict):
            raise _strict_unsupported(model_id)
        output_format = {"type": "json_schema", "schema": output_format_schema(resolved.schema)}
    elif resolved is not None and resolved.mode == "tool":
        tool_choice = format_tool_choice(has_user_tools=bool(tools))
        tools.append(resolved.create_tool_schema())

    sent_messages = with_formatting_instructions(messages, resolved)
    system, conversation = encode_system(sent_messages)

    body: dict[str, Any] = {
        "model": name,
        "max_tokens": request.max_tokens,
        "messages": encode_messages(
            conversation,
            model_id=model_id,
            encode_thoughts_as_text=request.encode_thoughts_as_text,
        ),
    }
    if system is not None:
        body["system"] = system
    if tools:
        body["tools"] = tool_definitions(tools, beta=beta, model_strict=model_strict)
    if tool_choice is not None:
        body["tool_choice"] = tool_choice
    body.update(request.fields)
    body["stream"] = True
    if output_format is not None:
        body["output_format"] = output_format

    return Encoded(
        path=_BETA_PATH if beta else _PATH,
        body=body,
        headers=_headers(beta),
        wire_format=WIRE_FORMAT,
        include_thoughts=request.include_thoughts,
        messages=sent_messages,
        format=resolved,
        provider_model_name=name,
    )

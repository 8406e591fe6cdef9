"""Responses API request bodies (docs/spec.md §11.2, §7.2 second column).

Thinking maps to `reasoning.effort`; asking for thoughts adds `summary: "auto"`, the only
way the API returns readable reasoning. Models known not to reason get no `reasoning` at all
(the API rejects it), with a warning, as for any unusable param.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.formatting import (
    Format,
    FormattingMode,
    resolve_format,
    with_formatting_instructions,
)
from ferriscope.llm.messages import Message
from ferriscope.llm.providers.base import Encoded
from ferriscope.llm.providers.openai.params import ParamReader, ThinkingOptions
from ferriscope.llm.providers.openai.responses_messages import encode_input
from ferriscope.llm.providers.openai.schema import strict_schema
from ferriscope.llm.providers.openai.target import Target
from ferriscope.llm.providers.openai.tool_defs import function_definition, toolkit_tools
from ferriscope.llm.tools import AnyToolSchema, ProviderTool, WebSearchTool

__all__ = ["HEADERS", "PATH", "REASONING_EFFORT", "WIRE_FORMAT", "encode_responses"]

PATH = "/responses"
WIRE_FORMAT = "openai-responses"
HEADERS = {"content-type": "application/json", "accept": "application/json"}

REASONING_EFFORT = {
    "default": "medium",
    "none": "none",
    "minimal": "minimal",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "max": "xhigh",
}


def _apply_params(
    body: dict[str, Any], reader: ParamReader, thinking: ThinkingOptions, target: Target
) -> None:
    for name in ("top_k", "seed", "stop_sequences"):
        reader.drop(name, "the Responses API does not accept it")
    for name, field in (
        ("temperature", "temperature"),
        ("max_tokens", "max_output_tokens"),
        ("top_p", "top_p"),
    ):
        value = reader.take(name)
        if value is not None:
            body[field] = value
    if thinking.level is not None:
        if target.features.reasoning_rejected:
            reader.drop("thinking", "the model does not reason")
        else:
            reasoning = {"effort": REASONING_EFFORT.get(thinking.level, "medium")}
            if thinking.include_thoughts:
                reasoning["summary"] = "auto"
            body["reasoning"] = reasoning
    reader.take("thinking")
    reader.finish()


def _tool(tool: AnyToolSchema | ProviderTool, target: Target) -> dict[str, Any]:
    if isinstance(tool, WebSearchTool):
        return {"type": "web_search"}  # run by OpenAI; its calls come back as output items
    definition = function_definition(tool, provider_id=target.provider_id, model_id=target.model_id)
    return {"type": "function", **definition}


def _strict_text_format(fmt: Format[Any]) -> dict[str, Any]:
    text_format: dict[str, Any] = {
        "type": "json_schema",
        "name": fmt.name,
        "schema": strict_schema(fmt.schema),
    }
    if fmt.description:
        text_format["description"] = fmt.description
    text_format["strict"] = True
    return text_format


def _apply_format(
    body: dict[str, Any],
    tools: list[dict[str, Any]],
    fmt: Format[Any],
    has_user_tools: bool,
    target: Target,
) -> None:
    features = target.features
    if fmt.mode == "strict":
        if features.json_schema is False:
            raise FeatureNotSupportedError(
                "formatting_mode:strict", target.provider_id, target.model_id
            )
        body["text"] = {"format": _strict_text_format(fmt)}
    elif fmt.mode == "tool":
        format_tool = fmt.create_tool_schema()
        tools.append(_tool(format_tool, target))
        if has_user_tools:
            body["tool_choice"] = {
                "type": "allowed_tools",
                "mode": "required",
                "tools": [
                    {"type": "function", "name": tool["name"]}
                    for tool in tools
                    if tool["type"] == "function"  # a provider tool cannot be required
                ],
            }
        else:
            body["tool_choice"] = {"type": "function", "name": format_tool.name}
    elif fmt.mode == "json" and features.json_object is not False:
        body["text"] = {"format": {"type": "json_object"}}


def encode_responses(
    target: Target,
    *,
    messages: Sequence[Message],
    toolkit: Any,
    format: Any,
    params: dict[str, Any],
) -> Encoded:
    """The request for one Responses API call."""
    body: dict[str, Any] = {"model": target.wire_model, "stream": True}
    thinking = ThinkingOptions.from_params(params)
    reader = ParamReader(params, provider_id=target.provider_id, model_id=target.model_id)
    _apply_params(body, reader, thinking, target)

    user_tools = toolkit_tools(toolkit)
    tools = [_tool(tool, target) for tool in user_tools]
    default_mode: FormattingMode = "tool" if target.features.json_schema is False else "strict"
    fmt = resolve_format(format, default_mode=default_mode)
    sent_messages = list(messages)
    if fmt is not None:
        _apply_format(body, tools, fmt, bool(user_tools), target)
        sent_messages = list(with_formatting_instructions(sent_messages, fmt))
    if tools:
        body["tools"] = tools

    body["input"] = encode_input(
        sent_messages, target, encode_thoughts_as_text=thinking.encode_thoughts_as_text
    )
    return Encoded(
        path=PATH,
        body=body,
        headers=dict(HEADERS),
        wire_format=WIRE_FORMAT,
        include_thoughts=thinking.include_thoughts,
        messages=sent_messages,
        format=fmt,
        provider_model_name=target.provider_model_name,
    )

"""Chat Completions request bodies (docs/spec.md §11.1, §7.2 first column).

Everything is decided here before any I/O, so a call the model cannot serve fails at
`.stream()` with `FeatureNotSupportedError` rather than as an HTTP 400 later.
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
from ferriscope.llm.providers.openai.completions_messages import encode_messages
from ferriscope.llm.providers.openai.params import ParamReader, ThinkingOptions
from ferriscope.llm.providers.openai.schema import strict_schema
from ferriscope.llm.providers.openai.target import Target
from ferriscope.llm.providers.openai.tool_defs import function_definition, toolkit_tools
from ferriscope.llm.tools import AnyToolSchema, ProviderTool, WebSearchTool

__all__ = ["HEADERS", "PATH", "WIRE_FORMAT", "encode_completions"]

PATH = "/chat/completions"
WIRE_FORMAT = "openai-completions"
HEADERS = {"content-type": "application/json", "accept": "application/json"}


def _apply_params(body: dict[str, Any], reader: ParamReader, target: Target) -> None:
    reasoning = target.features.reasoning
    reader.drop("top_k", "Chat Completions has no top_k")
    fields = {"max_tokens": "max_completion_tokens" if reasoning else "max_tokens", "seed": "seed"}
    if reasoning:
        for name in ("temperature", "top_p", "stop_sequences"):
            reader.drop(name, "reasoning models do not accept it")
    else:
        fields.update(temperature="temperature", top_p="top_p", stop_sequences="stop")
    for name, field in fields.items():
        value = reader.take(name)
        if value is not None:
            body[field] = value
    # Thinking shapes only decoding (`include_thoughts`) and history (`encode_thoughts_as_text`):
    # the level is not sent (no `reasoning_effort`, as in the reference).
    reader.take("thinking")
    reader.finish()


def _tool(tool: AnyToolSchema | ProviderTool, target: Target) -> dict[str, Any]:
    if isinstance(tool, WebSearchTool):
        # Named as Mirascope 2.8.2 names it, whichever server speaks Chat Completions.
        raise FeatureNotSupportedError(
            "WebSearchTool",
            "openai:completions",
            message=(
                "Web search is only available in the OpenAI Responses API. Use a model with "
                ":responses suffix (e.g., 'openai/gpt-4o:responses')."
            ),
        )
    definition = function_definition(tool, provider_id=target.provider_id, model_id=target.model_id)
    return {"type": "function", "function": definition}


def _strict_response_format(fmt: Format[Any]) -> dict[str, Any]:
    json_schema: dict[str, Any] = {
        "name": fmt.name,
        "schema": strict_schema(fmt.schema),
        "strict": True,
    }
    if fmt.description:
        json_schema["description"] = fmt.description
    return {"type": "json_schema", "json_schema": json_schema}


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
        body["response_format"] = _strict_response_format(fmt)
    elif fmt.mode == "tool":
        format_tool = fmt.create_tool_schema()
        tools.append(_tool(format_tool, target))
        if has_user_tools:
            body["tool_choice"] = "required"
        else:
            body["tool_choice"] = {"type": "function", "function": {"name": format_tool.name}}
            body["parallel_tool_calls"] = False
    elif fmt.mode == "json" and features.json_object:
        body["response_format"] = {"type": "json_object"}


def encode_completions(
    target: Target,
    *,
    messages: Sequence[Message],
    toolkit: Any,
    format: Any,
    params: dict[str, Any],
) -> Encoded:
    """The request for one Chat Completions call."""
    body: dict[str, Any] = {
        "model": target.wire_model,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    thinking = ThinkingOptions.from_params(params)
    if params:  # nothing to take, drop or warn about otherwise
        _apply_params(
            body,
            ParamReader(params, provider_id=target.provider_id, model_id=target.model_id),
            target,
        )

    user_tools = toolkit_tools(toolkit)
    tools = [_tool(tool, target) for tool in user_tools]
    default_mode: FormattingMode = "strict" if target.features.json_schema else "tool"
    fmt = resolve_format(format, default_mode=default_mode)
    sent_messages = list(messages)
    if fmt is not None:
        _apply_format(body, tools, fmt, bool(user_tools), target)
        sent_messages = list(with_formatting_instructions(sent_messages, fmt))
    if tools:
        body["tools"] = tools

    body["messages"] = encode_messages(
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

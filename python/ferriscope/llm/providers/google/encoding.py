"""One Gemini `streamGenerateContent` request from a call (docs/spec.md §11.4, §7.2 last column).

Formats: strict asks for JSON with a `responseSchema`, json for JSON with instructions in
the prompt, tool forces a call of the hidden format tool (`functionCallingConfig` mode ANY,
restricted to that tool when it is the only one). Models that cannot combine function tools
with JSON output default to tool mode when tools are present, and refuse json/strict with
tools outright, since the API would reject the request anyway.

`generationConfig` is sent whenever the request carries any configuration at all (even just a
system instruction or tools, then as `{}`) and left out of a bare prompt: that is how the
google SDK serialises its config and what the recordings show.
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
from ferriscope.llm.providers.google.contents import encode_conversation
from ferriscope.llm.providers.google.model_id import PROVIDER_ID, stream_path, wire_model_name
from ferriscope.llm.providers.google.model_info import supports_json_output_with_tools
from ferriscope.llm.providers.google.params import read_params
from ferriscope.llm.providers.google.schema import response_schema
from ferriscope.llm.providers.google.tools import (
    GOOGLE_SEARCH,
    function_declaration,
    function_tools,
    has_web_search,
)
from ferriscope.llm.tools import FORMAT_TOOL_NAME

__all__ = ["HEADERS", "WIRE_FORMAT", "encode_request"]

WIRE_FORMAT = "google"
HEADERS = {"content-type": "application/json"}
JSON_MIME_TYPE = "application/json"


class _Request:
    """The pieces of one request body while it is assembled."""

    def __init__(self, model_id: str, generation: dict[str, Any], *, web_search: bool) -> None:
        self.model_id = model_id
        self.generation = generation
        self.declarations: list[dict[str, Any]] = []
        self.tool_config: dict[str, Any] | None = None
        self.web_search = web_search

    def apply_format(self, fmt: Format[Any], has_tools: bool) -> None:
        if fmt.mode == "strict":
            self.generation["responseMimeType"] = JSON_MIME_TYPE
            self.generation["responseSchema"] = response_schema(fmt.schema, model_id=self.model_id)
        elif fmt.mode == "json":
            self.generation["responseMimeType"] = JSON_MIME_TYPE
        elif fmt.mode == "tool":
            format_tool = fmt.create_tool_schema()
            self.declarations.append(function_declaration(format_tool, model_id=self.model_id))
            calling: dict[str, Any] = {"mode": "ANY"}
            if not has_tools:
                calling["allowedFunctionNames"] = [FORMAT_TOOL_NAME]
            self.tool_config = {"functionCallingConfig": calling}

    def body(self, contents: list[dict[str, Any]], system: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"contents": contents}
        if system is not None:
            body["systemInstruction"] = system
        tools: list[dict[str, Any]] = []
        if self.declarations:
            tools.append({"functionDeclarations": self.declarations})
        if self.web_search:
            tools.append(dict(GOOGLE_SEARCH))
        if tools:
            body["tools"] = tools
        if self.tool_config is not None:
            body["toolConfig"] = self.tool_config
        if len(body) > 1 or self.generation:
            body["generationConfig"] = self.generation
        return body


def _resolve(format: Any, has_tools: bool, wire_model: str, model_id: str) -> Format[Any] | None:
    """The format and its mode; Google Search counts as a tool here, as in Mirascope 2.8.2."""
    combines = supports_json_output_with_tools(wire_model)
    default_mode: FormattingMode = "tool" if has_tools and not combines else "strict"
    fmt = resolve_format(format, default_mode=default_mode)
    if fmt is not None and fmt.mode in ("strict", "json") and has_tools and not combines:
        raise FeatureNotSupportedError(
            f"formatting_mode:{fmt.mode} with tools", PROVIDER_ID, model_id
        )
    return fmt


def encode_request(
    *,
    model_id: str,
    messages: Sequence[Message],
    toolkit: Any,
    format: Any,
    params: dict[str, Any],
) -> Encoded:
    """The request for one streamed Gemini call."""
    wire_model = wire_model_name(model_id)
    path = stream_path(wire_model)
    generation = read_params(params, model_id=model_id, wire_model=wire_model)
    user_tools = function_tools(toolkit, model_id=model_id)
    web_search = has_web_search(toolkit)
    has_tools = bool(user_tools) or web_search
    request = _Request(model_id, dict(generation.config), web_search=web_search)
    fmt = _resolve(format, has_tools, wire_model, model_id)
    sent_messages = list(messages)
    if fmt is not None:
        request.apply_format(fmt, has_tools)
        sent_messages = with_formatting_instructions(sent_messages, fmt)
    request.declarations.extend(function_declaration(t, model_id=model_id) for t in user_tools)
    conversation = encode_conversation(
        sent_messages,
        model_id=model_id,
        encode_thoughts_as_text=generation.encode_thoughts_as_text,
    )
    return Encoded(
        path=path,
        body=request.body(conversation.contents, conversation.system_instruction),
        headers=dict(HEADERS),
        wire_format=WIRE_FORMAT,
        include_thoughts=generation.include_thoughts,
        messages=sent_messages,
        format=fmt,
        provider_model_name=wire_model,
    )

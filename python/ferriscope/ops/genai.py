"""What the OpenTelemetry GenAI semantic conventions call things, read off a ferriscope
request and response.

Attribute and provider names follow the conventions' client inference span
(`{gen_ai.operation.name} {gen_ai.request.model}`) and client metrics. Request parameters are
read from the encoded body, so a span shows what was sent (e.g. Anthropic's default
`max_tokens`), not only what the caller set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = [
    "finish_reasons",
    "http_attributes",
    "input_content",
    "operation_name",
    "output_content",
    "provider_name",
    "request_attributes",
]

# ferriscope provider id → `gen_ai.provider.name` (a well-known value where one applies).
_PROVIDER_NAMES = {
    "openai": "openai",
    "openai:completions": "openai",
    "openai:responses": "openai",
    "anthropic": "anthropic",
    "anthropic-beta": "anthropic",
    "google": "gcp.gemini",
    "xai": "x_ai",
}
_GOOGLE_HOSTS = {"aiplatform.googleapis.com": "gcp.vertex_ai"}

# Request parameter → attribute, per wire format: (path in the body, attribute).
_OPENAI_COMMON = (
    (("temperature",), "gen_ai.request.temperature"),
    (("top_p",), "gen_ai.request.top_p"),
)
_PARAMS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "openai-completions": (
        *_OPENAI_COMMON,
        (("max_completion_tokens",), "gen_ai.request.max_tokens"),
        (("max_tokens",), "gen_ai.request.max_tokens"),
        (("seed",), "gen_ai.request.seed"),
        (("stop",), "gen_ai.request.stop_sequences"),
        (("frequency_penalty",), "gen_ai.request.frequency_penalty"),
        (("presence_penalty",), "gen_ai.request.presence_penalty"),
        (("n",), "gen_ai.request.choice.count"),
    ),
    "openai-responses": (
        *_OPENAI_COMMON,
        (("max_output_tokens",), "gen_ai.request.max_tokens"),
    ),
    "anthropic": (
        (("max_tokens",), "gen_ai.request.max_tokens"),
        (("temperature",), "gen_ai.request.temperature"),
        (("top_p",), "gen_ai.request.top_p"),
        (("top_k",), "gen_ai.request.top_k"),
        (("stop_sequences",), "gen_ai.request.stop_sequences"),
    ),
    "google": (
        (("generationConfig", "maxOutputTokens"), "gen_ai.request.max_tokens"),
        (("generationConfig", "temperature"), "gen_ai.request.temperature"),
        (("generationConfig", "topP"), "gen_ai.request.top_p"),
        (("generationConfig", "topK"), "gen_ai.request.top_k"),
        (("generationConfig", "seed"), "gen_ai.request.seed"),
        (("generationConfig", "stopSequences"), "gen_ai.request.stop_sequences"),
        (("generationConfig", "candidateCount"), "gen_ai.request.choice.count"),
    ),
}
_FLOATS = frozenset(
    {
        "gen_ai.request.temperature",
        "gen_ai.request.top_p",
        "gen_ai.request.top_k",
        "gen_ai.request.frequency_penalty",
        "gen_ai.request.presence_penalty",
    }
)


def operation_name(wire_format: str) -> str:
    """`generate_content` for Gemini's generateContent API, `chat` for the chat APIs."""
    return "generate_content" if wire_format == "google" else "chat"


def provider_name(provider_id: str, host: str | None) -> str:
    """The conventions' provider name; an OpenAI-compatible provider without a well-known
    name (Ollama, Together, OpenRouter) keeps its ferriscope id."""
    if provider_id == "google" and host in _GOOGLE_HOSTS:
        return _GOOGLE_HOSTS[host]
    return _PROVIDER_NAMES.get(provider_id, provider_id)


def _lookup(body: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def request_model(body: Mapping[str, Any], provider_model_name: str) -> str:
    """The model name the provider is asked for: the body's `model` (OpenAI, Anthropic),
    else the encoder's wire name (Gemini puts it in the URL)."""
    model = body.get("model")
    return model if isinstance(model, str) else provider_model_name


def request_attributes(
    *,
    provider_id: str,
    wire_format: str,
    url: str,
    body: Mapping[str, Any],
    provider_model_name: str,
) -> dict[str, Any]:
    """The span attributes known before the request is sent (the sampling-relevant ones
    first, as the conventions ask them to be there at span creation)."""
    parts = urlsplit(url)
    host = parts.hostname
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": operation_name(wire_format),
        "gen_ai.provider.name": provider_name(provider_id, host),
        "gen_ai.request.model": request_model(body, provider_model_name),
    }
    if host:
        attributes["server.address"] = host
        try:
            port = parts.port
        except ValueError:
            port = None
        attributes["server.port"] = port or (443 if parts.scheme == "https" else 80)
    for path, name in _PARAMS.get(wire_format, ()):
        value = _lookup(body, path)
        if value is None or name in attributes:
            continue
        if name == "gen_ai.request.stop_sequences":
            value = [value] if isinstance(value, str) else [str(v) for v in value]
        elif name in _FLOATS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            value = float(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            continue
        attributes[name] = value
    attributes["gen_ai.request.stream"] = True
    return attributes


def full_url(url: str) -> str:
    """`url.full` as the HTTP conventions want it: no credentials, so user info and every
    query value are `REDACTED` (a query may carry a key; the names stay)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "REDACTED:REDACTED@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        query = "&".join(
            f"{quote(name, safe='')}=REDACTED"
            for name, _ in parse_qsl(query, keep_blank_values=True)
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def http_attributes(url: str, request_attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The HTTP client span attributes known before a request is sent (the conventions'
    sampling-relevant ones: method, server address and port, full URL)."""
    attributes: dict[str, Any] = {"http.request.method": "POST", "url.full": full_url(url)}
    for key in ("server.address", "server.port"):
        if key in request_attributes:
            attributes[key] = request_attributes[key]
    return attributes


# FinishReason values → the conventions' finish reasons (output messages schema).
_FINISH = {
    "max_tokens": "length",
    "context_length_exceeded": "length",
    "refusal": "content_filter",
}


def finish_reasons(finish_reason: Any, has_tool_calls: bool) -> list[str]:
    """Of a stream read to its end: ferriscope reports only early ends (a normal stop is
    None), so a normal stop is `stop`, or `tool_call` when the model called tools."""
    if finish_reason is not None:
        value = getattr(finish_reason, "value", finish_reason)
        return [_FINISH.get(str(value), str(value))]
    return ["tool_call" if has_tool_calls else "stop"]


# ---- content (only when the user opted in) ---------------------------------------------------


def _tool_result(part: Any) -> Any:
    result = part.error if getattr(part, "error", None) is not None else part.result
    if isinstance(result, str | int | float | bool) or result is None:
        return result
    return str(result)


def _parts(content: Any) -> list[dict[str, Any]]:
    items = [content] if not isinstance(content, Sequence) or isinstance(content, str) else content
    parts: list[dict[str, Any]] = []
    for part in items:
        if isinstance(part, str):
            parts.append({"type": "text", "content": part})
            continue
        kind = getattr(part, "type", None)
        if kind == "text":
            parts.append({"type": "text", "content": part.text})
        elif kind == "thought":
            parts.append({"type": "reasoning", "content": part.thought})
        elif kind == "tool_call":
            try:
                arguments: Any = json.loads(part.args)
            except ValueError:
                arguments = part.args
            parts.append(
                {"type": "tool_call", "id": part.id, "name": part.name, "arguments": arguments}
            )
        elif kind == "tool_output":
            parts.append(
                {"type": "tool_call_response", "id": part.id, "response": _tool_result(part)}
            )
        else:  # images, audio, documents: the kind only, never the bytes
            parts.append({"type": str(kind)})
    return parts


def input_content(messages: Sequence[Any]) -> tuple[str | None, str]:
    """`gen_ai.system_instructions` (None without a system message) and
    `gen_ai.input.messages`, as JSON strings in the conventions' schemas."""
    system: list[dict[str, Any]] = []
    conversation: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            system.extend(_parts(message.content))
        else:
            role = "tool" if _all_tool_outputs(message.content) else message.role
            conversation.append({"role": role, "parts": _parts(message.content)})
    dumped_system = json.dumps(system, ensure_ascii=False) if system else None
    return dumped_system, json.dumps(conversation, ensure_ascii=False)


def _all_tool_outputs(content: Any) -> bool:
    if isinstance(content, str) or not isinstance(content, Sequence) or not content:
        return False
    return all(getattr(part, "type", None) == "tool_output" for part in content)


def output_content(content: Sequence[Any], reasons: list[str] | None) -> str:
    """`gen_ai.output.messages`: the assistant message received (so far)."""
    message: dict[str, Any] = {"role": "assistant", "parts": _parts(list(content))}
    if reasons:
        message["finish_reason"] = reasons[0]
    return json.dumps([message], ensure_ascii=False)

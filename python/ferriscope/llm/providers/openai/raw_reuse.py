"""When an assistant turn is re-sent verbatim from the provider's own record of it.

Re-sending `raw_message` keeps what `content` cannot carry (Responses reasoning items and
item ids), but only the model that produced it can read it back, and a turn that answered
through the hidden format tool must be re-sent as the text the user saw (docs/spec.md §11.0, §7.4).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ferriscope.llm._names import is_format_tool_name
from ferriscope.llm.messages import AssistantMessage

__all__ = ["completions_raw", "responses_raw"]


def _same_source(
    message: AssistantMessage,
    provider_ids: Collection[str],
    provider_model_name: str,
    encode_thoughts_as_text: bool,
) -> bool:
    return (
        bool(message.raw_message)
        and not encode_thoughts_as_text
        and message.provider_id in provider_ids
        and message.provider_model_name == provider_model_name
    )


def responses_raw(
    message: AssistantMessage,
    *,
    provider_ids: Collection[str],
    provider_model_name: str,
    encode_thoughts_as_text: bool,
) -> list[Any] | None:
    """The stored Responses output items to re-send, or None to rebuild from content."""
    if not _same_source(message, provider_ids, provider_model_name, encode_thoughts_as_text):
        return None
    raw = message.raw_message
    if not isinstance(raw, list):
        return None
    for item in raw:
        if (
            isinstance(item, dict)
            and item.get("type") == "function_call"
            and is_format_tool_name(item.get("name"))
        ):
            return None
    return list(raw)


def completions_raw(
    message: AssistantMessage,
    *,
    provider_ids: Collection[str],
    provider_model_name: str,
    encode_thoughts_as_text: bool,
) -> dict[str, Any] | None:
    """The stored Chat Completions assistant message to re-send, or None to rebuild.

    Ferriscope's Completions decoder records no raw message (§11.1); this honours one a
    user built by hand, as the reference does."""
    if not _same_source(message, provider_ids, provider_model_name, encode_thoughts_as_text):
        return None
    raw = message.raw_message
    if not isinstance(raw, dict):
        return None
    for call in raw.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and is_format_tool_name(function.get("name")):
            return None
    return dict(raw)

"""When a past model turn is re-sent verbatim from its `raw_message` (docs/spec.md §11.0).

The raw turn keeps what `content` cannot carry, above all the `thoughtSignature`s Gemini
needs to continue its reasoning across a tool call, but only the model that wrote it can read
them back. A turn that answered through the hidden format tool is rebuilt instead, so the
model sees the text the user saw (§7.4); so is every turn when thoughts are to be re-sent as
text.

Binary fields arrive from the stream in standard base64; the google SDK decodes them and
re-encodes them URL-safe when it sends a turn back, so the same is done here to keep request
bodies equal to the SDK's (the API reads either alphabet).
"""

from __future__ import annotations

from typing import Any, cast

from ferriscope.llm._names import is_format_tool_name
from ferriscope.llm.messages import AssistantMessage
from ferriscope.llm.providers.google.model_id import PROVIDER_ID

__all__ = ["reusable_raw"]

_URL_SAFE = str.maketrans("+/", "-_")

# What the raw turn carries beside its `Content`: the candidate's grounding (the citations of
# a Google Search answer), which is not part of the conversation.
_NOT_CONTENT = frozenset({"groundingMetadata"})


def _calls_format_tool(part: dict[str, Any]) -> bool:
    call = part.get("functionCall")
    name = call.get("name") if isinstance(call, dict) else None
    return is_format_tool_name(name)


def _url_safe_part(part: dict[str, Any]) -> dict[str, Any]:
    out = dict(part)
    signature = out.get("thoughtSignature")
    if isinstance(signature, str):
        out["thoughtSignature"] = signature.translate(_URL_SAFE)
    inline = out.get("inlineData")
    if isinstance(inline, dict) and isinstance(inline.get("data"), str):
        out["inlineData"] = {**inline, "data": inline["data"].translate(_URL_SAFE)}
    return out


def reusable_raw(
    message: AssistantMessage, *, model_id: str, encode_thoughts_as_text: bool
) -> dict[str, Any] | None:
    """The `contents` entry to re-send for `message`, or None to rebuild it from content."""
    raw = message.raw_message
    if (
        encode_thoughts_as_text
        or message.provider_id != PROVIDER_ID
        or message.model_id != model_id
        or not isinstance(raw, dict)
        or not raw
    ):
        return None
    parts = cast(dict[str, Any], raw).get("parts")
    if not isinstance(parts, list):
        return None
    if any(isinstance(p, dict) and _calls_format_tool(p) for p in parts):
        return None
    return {
        **{k: v for k, v in raw.items() if k not in _NOT_CONTENT},
        "parts": [_url_safe_part(p) if isinstance(p, dict) else p for p in parts],
    }

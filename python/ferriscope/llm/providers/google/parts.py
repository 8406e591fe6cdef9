"""Content parts → Gemini `parts` (docs/spec.md §11.4, §8).

Gemini takes media only inline (`inlineData`), so URL sources are refused with a pointer to
the download helpers rather than fetched behind the caller's back: encoding does no I/O.
Inline bytes are sent in URL-safe base64, as the google SDK sends them. Tool calls whose id is
the decoder's placeholder (`google_unknown_tool_id`: Gemini gave none) are sent without one.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ferriscope.llm.content import Audio, Document, Image, Text, Thought, ToolCall, ToolOutput
from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.google.model_id import PROVIDER_ID
from ferriscope.llm.tools import tool_output_response_object

__all__ = ["UNKNOWN_TOOL_ID", "assistant_part", "user_part"]

UNKNOWN_TOOL_ID = "google_unknown_tool_id"

_URL_SAFE = str.maketrans("+/", "-_")


def _inline(mime_type: str, base64_data: str) -> dict[str, Any]:
    return {"inlineData": {"mimeType": mime_type, "data": base64_data.translate(_URL_SAFE)}}


def _with_id(body: dict[str, Any], tool_id: str) -> dict[str, Any]:
    return {"id": tool_id, **body} if tool_id != UNKNOWN_TOOL_ID else body


def _image(image: Image, model_id: str) -> dict[str, Any]:
    source = image.source
    if source.type == "url_image_source":
        raise FeatureNotSupportedError(
            "url_image_source",
            PROVIDER_ID,
            model_id,
            message=(
                "Google does not support URL-referenced images. "
                "Try `llm.Image.download(...)` or `llm.Image.download_async(...)`."
            ),
        )
    return _inline(source.mime_type, source.data)


def _document(document: Document, model_id: str) -> dict[str, Any]:
    source = document.source
    if source.type == "base64_document_source":
        return _inline(source.media_type, source.data)
    if source.type == "text_document_source":
        encoded = base64.urlsafe_b64encode(source.data.encode("utf-8")).decode("ascii")
        return _inline(source.media_type, encoded)
    raise FeatureNotSupportedError(
        "url_document_source",
        PROVIDER_ID,
        model_id,
        message=(
            "Google does not support URL-referenced documents. "
            "Use `Document.from_file(...)` or `Document.from_bytes(...)` instead."
        ),
    )


def _function_response(output: ToolOutput[Any]) -> dict[str, Any]:
    body = {"name": output.name, "response": tool_output_response_object(output)}
    return {"functionResponse": _with_id(body, output.id)}


def user_part(part: Any, *, model_id: str) -> dict[str, Any]:
    """One part of a user message."""
    if isinstance(part, Text):
        return {"text": part.text}
    if isinstance(part, Image):
        return _image(part, model_id)
    if isinstance(part, Audio):
        return _inline(part.source.mime_type, part.source.data)
    if isinstance(part, Document):
        return _document(part, model_id)
    if isinstance(part, ToolOutput):
        return _function_response(part)
    raise FeatureNotSupportedError(
        f"user content: {type(part).__name__}",
        PROVIDER_ID,
        model_id,
        message=f"Cannot send {type(part).__name__} content to Google.",
    )


def _call_args(call: ToolCall) -> dict[str, Any]:
    if not call.args or not call.args.strip():
        return {}
    args = json.loads(call.args)
    if not isinstance(args, dict):
        raise ValueError(
            f"Tool call {call.name!r} has arguments that are not a JSON object: {call.args!r}"
        )
    return args


def assistant_part(part: Any, *, encode_thoughts_as_text: bool) -> dict[str, Any] | None:
    """One part of a model turn rebuilt from content, or None when it is not re-sent
    (thoughts, unless they are to be encoded as text)."""
    if isinstance(part, Text):
        return {"text": part.text}
    if isinstance(part, Thought):
        return {"text": "**Thinking:** " + part.thought} if encode_thoughts_as_text else None
    if isinstance(part, ToolCall):
        body = {"name": part.name, "args": _call_args(part)}
        return {"functionCall": _with_id(body, part.id)}
    raise TypeError(f"{type(part).__name__} cannot be part of a model turn")

"""Content parts → Anthropic content blocks (docs/spec.md §11.3).

Blocks rebuilt from content carry `cache_control` explicitly: the prompt-cache breakpoint on
the last cacheable block when asked, `null` on the others, as the recorded requests do
(documents and thoughts re-sent as text only get the key when they are the breakpoint).
A single text part with no breakpoint stays a plain string, the API's short form.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ferriscope.llm._names import is_format_tool_name
from ferriscope.llm.content import (
    Audio,
    Document,
    Image,
    Text,
    Thought,
    ToolCall,
    ToolOutput,
)
from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.providers.anthropic.tools import EPHEMERAL
from ferriscope.llm.tools import tool_output_result_text

__all__ = ["encode_content"]

_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def _empty_content(model_id: str) -> FeatureNotSupportedError:
    return FeatureNotSupportedError(
        "empty message content",
        "anthropic",
        model_id,
        message="Anthropic does not support empty message content.",
    )


def _cacheable(part: object) -> bool:
    """Whether the part becomes a block that can hold the cache breakpoint."""
    if isinstance(part, Text):
        return bool(part.text)
    if isinstance(part, ToolCall):
        return not is_format_tool_name(part.name) or bool(part.args)
    return isinstance(part, (Image, Document, ToolOutput))


def _image_source(image: Image, model_id: str) -> dict[str, Any]:
    source = image.source
    if source.type == "url_image_source":
        return {"type": "url", "url": source.url}
    if source.mime_type not in _IMAGE_TYPES:
        raise FeatureNotSupportedError(
            f"Image with mime_type: {source.mime_type}",
            "anthropic",
            model_id,
            message=f"Anthropic does not support {source.mime_type} images "
            "(only JPEG, PNG, GIF and WebP).",
        )
    return {"type": "base64", "media_type": source.mime_type, "data": source.data}


def _document_source(document: Document) -> dict[str, Any]:
    source = document.source
    if source.type == "base64_document_source":
        return {"type": "base64", "media_type": "application/pdf", "data": source.data}
    if source.type == "text_document_source":
        return {"type": "text", "media_type": "text/plain", "data": source.data}
    return {"type": "url", "url": source.url}


def _tool_input(call: ToolCall) -> Any:
    if not call.args.strip():
        return {}
    try:
        return json.loads(call.args)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"Tool call {call.id!r} ({call.name}) has arguments that are not JSON: {exc}"
        ) from exc


def _block(
    part: object, cache: dict[str, str] | None, *, encode_thoughts: bool, model_id: str
) -> dict[str, Any] | None:
    """The block for one part (None: the part is not sent)."""
    if isinstance(part, Text):
        if not part.text:
            return None
        return {"type": "text", "text": part.text, "cache_control": cache}
    if isinstance(part, Image):
        source = _image_source(part, model_id)
        return {"type": "image", "source": source, "cache_control": cache}
    if isinstance(part, Document):
        document: dict[str, Any] = {"type": "document", "source": _document_source(part)}
        if cache is not None:
            document["cache_control"] = cache
        return document
    if isinstance(part, ToolOutput):
        return {
            "type": "tool_result",
            "tool_use_id": part.id,
            "content": tool_output_result_text(part),
            "cache_control": cache,
        }
    if isinstance(part, ToolCall):
        if is_format_tool_name(part.name):
            # The answer given through the format tool goes back as the text it stood for: a
            # tool_use without a matching tool_result would be rejected (docs/spec.md §7.4).
            if not part.args:
                return None
            return {"type": "text", "text": part.args, "cache_control": cache}
        return {
            "type": "tool_use",
            "id": part.id,
            "name": part.name,
            "input": _tool_input(part),
            "cache_control": cache,
        }
    if isinstance(part, Thought):
        if not encode_thoughts:
            return None
        return {"type": "text", "text": "**Thinking:** " + part.thought}
    if isinstance(part, Audio):
        raise FeatureNotSupportedError(
            "audio input",
            "anthropic",
            model_id,
            message="Anthropic does not support audio inputs.",
        )
    raise TypeError(f"Unsupported content part: {type(part).__name__}")


def encode_content(
    content: Sequence[object], *, encode_thoughts: bool, add_cache_control: bool, model_id: str
) -> str | list[dict[str, Any]]:
    """A message's `content`: a string for lone text, else blocks.

    `add_cache_control` puts the prompt-cache breakpoint on the last cacheable block.
    Raises FeatureNotSupportedError when nothing would be sent or a part cannot be.
    """
    if len(content) == 1 and isinstance(content[0], Text):
        text = content[0].text
        if not text:
            raise _empty_content(model_id)
        if not add_cache_control:
            return text
        return [{"type": "text", "text": text, "cache_control": dict(EPHEMERAL)}]

    breakpoint_index = -1
    if add_cache_control:
        breakpoint_index = next(
            (i for i in range(len(content) - 1, -1, -1) if _cacheable(content[i])), -1
        )
    blocks: list[dict[str, Any]] = []
    for i, part in enumerate(content):
        cache = dict(EPHEMERAL) if i == breakpoint_index else None
        block = _block(part, cache, encode_thoughts=encode_thoughts, model_id=model_id)
        if block is not None:
            blocks.append(block)
    if not blocks:
        raise _empty_content(model_id)
    return blocks

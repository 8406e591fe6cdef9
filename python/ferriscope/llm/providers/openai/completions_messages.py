"""Conversation → Chat Completions `messages` (docs/spec.md §11.1).

A user turn may hold tool outputs, which the API only accepts as separate `tool` messages,
so one user message can become several; the parts between outputs keep their order. A lone
text part is sent as a plain string, the form every OpenAI-compatible server understands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ferriscope.llm.content import Audio, Document, Image, Text, Thought, ToolCall, ToolOutput
from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.messages import AssistantMessage, Message, SystemMessage, UserMessage
from ferriscope.llm.providers.openai.media import image_url, inline_document
from ferriscope.llm.providers.openai.raw_reuse import completions_raw
from ferriscope.llm.providers.openai.target import Target
from ferriscope.llm.tools import tool_output_result_text

__all__ = ["encode_messages"]

_AUDIO_FORMATS = {"wav": "wav", "x-wav": "wav", "wave": "wav", "mp3": "mp3", "mpeg": "mp3"}


class _MessageEncoder:
    def __init__(self, target: Target, *, encode_thoughts_as_text: bool) -> None:
        self.target = target
        self.thoughts_as_text = encode_thoughts_as_text

    def unsupported(self, feature: str, message: str) -> FeatureNotSupportedError:
        return FeatureNotSupportedError(
            feature, self.target.provider_id, self.target.model_id, message=message
        )

    # ---- user ------------------------------------------------------------------------------

    def audio(self, audio: Audio) -> dict[str, Any]:
        if self.target.features.audio is False:
            raise self.unsupported(
                "audio input", f"Model '{self.target.model_id}' does not support audio inputs."
            )
        subtype = audio.source.mime_type.partition("/")[2]
        audio_format = _AUDIO_FORMATS.get(subtype)
        if audio_format is None:
            raise self.unsupported(
                f"audio format: {subtype}", "OpenAI only supports 'wav' and 'mp3' audio input."
            )
        return {
            "type": "input_audio",
            "input_audio": {"data": audio.source.data, "format": audio_format},
        }

    def document(self, document: Document) -> dict[str, Any]:
        inline = inline_document(document)
        if inline is None:
            raise self.unsupported(
                "url_document_source",
                f"Provider '{self.target.provider_id}' does not support URL-referenced "
                "documents. Use `Document.from_file(...)` or `Document.from_bytes(...)`.",
            )
        return {
            "type": "file",
            "file": {"file_data": inline.file_data, "filename": inline.filename},
        }

    def user_part(self, part: Any) -> dict[str, Any]:
        if isinstance(part, Text):
            return {"type": "text", "text": part.text}
        if isinstance(part, Image):
            return {"type": "image_url", "image_url": {"url": image_url(part), "detail": "auto"}}
        if isinstance(part, Audio):
            return self.audio(part)
        if isinstance(part, Document):
            return self.document(part)
        raise self.unsupported(
            f"user content: {type(part).__name__}",
            f"Cannot send {type(part).__name__} content to Chat Completions.",
        )

    def user(self, message: UserMessage) -> list[dict[str, Any]]:
        content = message.content
        if len(content) == 1 and type(content[0]) is Text:  # one text part: a plain string
            return [{"role": "user", "content": content[0].text}]
        if not content:
            raise self.unsupported("empty user message", "A user message needs some content.")
        out: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            if len(pending) == 1 and pending[0]["type"] == "text":
                out.append({"role": "user", "content": pending[0]["text"]})
            elif pending:
                out.append({"role": "user", "content": list(pending)})
            pending.clear()

        for part in message.content:
            if isinstance(part, ToolOutput):
                flush()
                out.append(
                    {
                        "role": "tool",
                        "content": tool_output_result_text(part),
                        "tool_call_id": part.id,
                    }
                )
            else:
                pending.append(self.user_part(part))
        flush()
        return out

    # ---- assistant -------------------------------------------------------------------------

    def assistant(self, message: AssistantMessage) -> list[dict[str, Any]]:
        raw = completions_raw(
            message,
            provider_ids=self.target.raw_provider_ids,
            provider_model_name=self.target.provider_model_name,
            encode_thoughts_as_text=self.thoughts_as_text,
        )
        if raw is not None:
            return [raw]
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for part in message.content:
            if isinstance(part, Text):
                texts.append(part.text)
            elif isinstance(part, Thought):
                if self.thoughts_as_text:
                    texts.append("**Thinking:** " + part.thought)
            elif isinstance(part, ToolCall):
                arguments = part.args if part.args.strip() else "{}"
                calls.append(
                    {
                        "id": part.id,
                        "type": "function",
                        "function": {"name": part.name, "arguments": arguments},
                    }
                )
        if not texts and not calls:
            # Nothing the API can carry (e.g. only dropped thoughts): an assistant message
            # with neither content nor tool calls is a request error, so the turn is omitted.
            return []
        content: str | list[dict[str, Any]] | None = None
        if len(texts) == 1:
            content = texts[0]
        elif texts:
            content = [{"type": "text", "text": text} for text in texts]
        encoded: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            encoded["tool_calls"] = calls
        return [encoded]


def encode_messages(
    messages: Sequence[Message], target: Target, *, encode_thoughts_as_text: bool
) -> list[dict[str, Any]]:
    """The `messages` array; system messages stay where they are."""
    encoder = _MessageEncoder(target, encode_thoughts_as_text=encode_thoughts_as_text)
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            out.append({"role": "system", "content": message.content.text})
        elif isinstance(message, UserMessage):
            out.extend(encoder.user(message))
        else:
            out.extend(encoder.assistant(message))
    return out

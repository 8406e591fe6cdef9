"""Conversation → Responses `input` items (docs/spec.md §11.2).

Responses has no message that holds tool calls or outputs: they are items of their own
between messages, so one turn can become several items. System messages become `developer`
messages where they stand (the API allows several, anywhere). An assistant turn rebuilt from
content sends each text as its own short-form message: the long form would need ids and
statuses only OpenAI can issue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ferriscope.llm.content import Audio, Document, Image, Text, Thought, ToolCall, ToolOutput
from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.messages import AssistantMessage, Message, SystemMessage, UserMessage
from ferriscope.llm.providers.openai.media import image_url, inline_document
from ferriscope.llm.providers.openai.raw_reuse import responses_raw
from ferriscope.llm.providers.openai.target import Target
from ferriscope.llm.tools import tool_output_result_text

__all__ = ["encode_input"]


class _InputEncoder:
    def __init__(self, target: Target, *, encode_thoughts_as_text: bool) -> None:
        self.target = target
        self.thoughts_as_text = encode_thoughts_as_text

    def unsupported(self, feature: str, message: str) -> FeatureNotSupportedError:
        return FeatureNotSupportedError(
            feature, self.target.provider_id, self.target.model_id, message=message
        )

    # ---- user ------------------------------------------------------------------------------

    def document(self, document: Document) -> dict[str, Any]:
        inline = inline_document(document)
        if inline is None:
            source: Any = document.source
            return {"type": "input_file", "file_url": source.url}
        return {"type": "input_file", "file_data": inline.file_data, "filename": inline.filename}

    def user_part(self, part: Any) -> dict[str, Any]:
        if isinstance(part, Text):
            return {"type": "input_text", "text": part.text}
        if isinstance(part, Image):
            return {"type": "input_image", "image_url": image_url(part), "detail": "auto"}
        if isinstance(part, Document):
            return self.document(part)
        if isinstance(part, Audio):
            raise self.unsupported(
                "audio input",
                f'Provider "{self.target.provider_id}" does not support audio inputs on the '
                "Responses API. Append :completions to the model id instead.",
            )
        raise self.unsupported(
            f"user content: {type(part).__name__}",
            f"Cannot send {type(part).__name__} content to the Responses API.",
        )

    def user(self, message: UserMessage) -> list[dict[str, Any]]:
        content = message.content
        if not content:
            raise self.unsupported("empty user message", "A user message needs some content.")
        if len(content) == 1 and isinstance(content[0], Text):
            return [{"role": "user", "content": content[0].text}]
        out: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            if pending:
                out.append({"type": "message", "role": "user", "content": list(pending)})
                pending.clear()

        for part in content:
            if isinstance(part, ToolOutput):
                flush()
                out.append(
                    {
                        "type": "function_call_output",
                        "call_id": part.id,
                        "output": tool_output_result_text(part),
                    }
                )
            else:
                pending.append(self.user_part(part))
        flush()
        return out

    # ---- assistant -------------------------------------------------------------------------

    def assistant(self, message: AssistantMessage) -> list[dict[str, Any]]:
        raw = responses_raw(
            message,
            provider_ids=self.target.raw_provider_ids,
            provider_model_name=self.target.provider_model_name,
            encode_thoughts_as_text=self.thoughts_as_text,
        )
        if raw is not None:
            return raw
        out: list[dict[str, Any]] = []
        for part in message.content:
            if isinstance(part, Text):
                out.append({"role": "assistant", "content": part.text})
            elif isinstance(part, Thought):
                if self.thoughts_as_text:
                    out.append({"role": "assistant", "content": "**Thinking:** " + part.thought})
            elif isinstance(part, ToolCall):
                out.append(
                    {
                        "type": "function_call",
                        "call_id": part.id,
                        "name": part.name,
                        "arguments": part.args if part.args.strip() else "{}",
                    }
                )
        return out


def encode_input(
    messages: Sequence[Message], target: Target, *, encode_thoughts_as_text: bool
) -> list[dict[str, Any]]:
    """The `input` array of a Responses request."""
    encoder = _InputEncoder(target, encode_thoughts_as_text=encode_thoughts_as_text)
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            out.append({"role": "developer", "content": message.content.text})
        elif isinstance(message, UserMessage):
            out.extend(encoder.user(message))
        else:
            out.extend(encoder.assistant(message))
    return out

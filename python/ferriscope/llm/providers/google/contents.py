"""A conversation → Gemini `systemInstruction` and `contents` (docs/spec.md §2.3, §11.4).

Gemini takes one system instruction outside the turns, so only a leading system message can
be honoured; a later one is dropped with a warning rather than moved, since moving it would
change what it applies to. Model turns are re-sent raw where allowed (`raw_reuse`), else
rebuilt from content; a rebuilt turn with nothing left to send (thoughts only) is skipped, as
Gemini rejects a turn without parts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ferriscope.llm.exceptions import FeatureNotSupportedError
from ferriscope.llm.messages import AssistantMessage, Message, SystemMessage, UserMessage
from ferriscope.llm.providers.google.model_id import PROVIDER_ID
from ferriscope.llm.providers.google.parts import assistant_part, user_part
from ferriscope.llm.providers.google.raw_reuse import reusable_raw

__all__ = ["EncodedConversation", "encode_conversation"]

logger = logging.getLogger("ferriscope")


@dataclass(frozen=True)
class EncodedConversation:
    system_instruction: dict[str, Any] | None
    contents: list[dict[str, Any]]


def _system_instruction(message: SystemMessage) -> dict[str, Any] | None:
    text = message.content.text
    return {"role": "user", "parts": [{"text": text}]} if text else None


def _user(message: UserMessage, model_id: str) -> dict[str, Any]:
    if not message.content:
        raise FeatureNotSupportedError(
            "empty user message",
            PROVIDER_ID,
            model_id,
            message="A user message needs some content.",
        )
    return {"role": "user", "parts": [user_part(p, model_id=model_id) for p in message.content]}


def _model(
    message: AssistantMessage, model_id: str, encode_thoughts_as_text: bool
) -> dict[str, Any] | None:
    raw = reusable_raw(message, model_id=model_id, encode_thoughts_as_text=encode_thoughts_as_text)
    if raw is not None:
        return raw
    parts = [
        encoded
        for part in message.content
        if (encoded := assistant_part(part, encode_thoughts_as_text=encode_thoughts_as_text))
        is not None
    ]
    return {"role": "model", "parts": parts} if parts else None


def encode_conversation(
    messages: Sequence[Message], *, model_id: str, encode_thoughts_as_text: bool
) -> EncodedConversation:
    """The system instruction (from a leading system message) and the turns."""
    system: dict[str, Any] | None = None
    contents: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if isinstance(message, SystemMessage):
            if index == 0:
                system = _system_instruction(message)
            else:
                logger.warning(
                    "Skipping system message at index %d because it is not the first message "
                    "(provider: google with model_id: %s)",
                    index,
                    model_id,
                )
        elif isinstance(message, UserMessage):
            contents.append(_user(message, model_id))
        else:
            turn = _model(message, model_id, encode_thoughts_as_text)
            if turn is not None:
                contents.append(turn)
    return EncodedConversation(system_instruction=system, contents=contents)

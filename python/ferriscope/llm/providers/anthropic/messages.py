"""Messages → Anthropic's `system` and `messages` fields (docs/spec.md §2.3, §11.0, §11.3).

Anthropic takes the system prompt apart from the conversation, and only one: a leading system
message becomes `system`, later ones are dropped with a warning. An assistant turn goes back
verbatim from its `raw_message` when the same model produced it, because only the raw form
keeps thinking signatures (without them a tool loop with thinking is rejected); otherwise it
is rebuilt from its content. In a multi-turn conversation the last message carries the
prompt-cache breakpoint, so each turn caches the conversation so far.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from ferriscope.llm._names import is_format_tool_name
from ferriscope.llm.messages import AssistantMessage, Message, SystemMessage, UserMessage
from ferriscope.llm.providers.anthropic.blocks import encode_content
from ferriscope.llm.providers.anthropic.tools import EPHEMERAL

__all__ = ["ANTHROPIC_PROVIDER_IDS", "encode_messages", "encode_system", "reusable_raw"]

logger = logging.getLogger("ferriscope")

ANTHROPIC_PROVIDER_IDS = frozenset({"anthropic", "anthropic-beta"})
"""Provider ids whose assistant turns are Anthropic messages (the beta reports "anthropic")."""


def encode_system(
    messages: Sequence[Message],
) -> tuple[list[dict[str, Any]] | None, list[UserMessage | AssistantMessage]]:
    """The `system` field (None: no system prompt) and the conversation without it."""
    system: list[dict[str, Any]] | None = None
    rest: list[UserMessage | AssistantMessage] = []
    for i, message in enumerate(messages):
        if isinstance(message, SystemMessage):
            if i != 0:
                logger.warning(
                    "Skipping system message at index %d because it is not the first message", i
                )
            elif message.content.text:
                text = message.content.text
                system = [{"type": "text", "text": text, "cache_control": dict(EPHEMERAL)}]
        else:
            rest.append(message)
    return system, rest


def _has_format_tool_call(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(block, dict)
        and block.get("type") == "tool_use"
        and is_format_tool_name(block.get("name"))
        for block in content
    )


def reusable_raw(
    message: AssistantMessage, *, model_id: str, encode_thoughts_as_text: bool
) -> dict[str, Any] | None:
    """The raw message to re-send for `message`, or None when it must be rebuilt.

    Rebuilt when another model wrote it, when thoughts are to be re-sent as text, or when it
    answered through the format tool (that turn goes back as the text the user saw).
    """
    raw = message.raw_message
    if (
        not raw
        or not isinstance(raw, dict)
        or encode_thoughts_as_text
        or message.provider_id not in ANTHROPIC_PROVIDER_IDS
        or message.model_id != model_id
    ):
        return None
    content = cast(dict[str, Any], raw).get("content")
    if not isinstance(content, (str, list)) or _has_format_tool_call(content):
        return None
    if isinstance(content, list):
        content = [_resent_block(block) for block in content if not _is_server_tool_block(block)]
    return {"role": "assistant", "content": content}


# Blocks of a search the API ran itself. Mirascope 2.8.2 leaves them (and the citations on
# text) out of a streamed turn it sends back, so the next request is the text the model wrote,
# not the search results again; ferriscope sends the same request. `raw_message` keeps them.
_SERVER_TOOL_BLOCKS = frozenset({"server_tool_use", "web_search_tool_result"})
# `parsed_output`: the beta SDK's parsed form adds it to text blocks; the API rejects it.
_NOT_RESENT_KEYS = frozenset({"parsed_output", "citations"})


def _is_server_tool_block(block: Any) -> bool:
    return isinstance(block, dict) and block.get("type") in _SERVER_TOOL_BLOCKS


def _resent_block(block: Any) -> Any:
    if not isinstance(block, dict) or not _NOT_RESENT_KEYS.intersection(block):
        return block
    return {k: v for k, v in block.items() if k not in _NOT_RESENT_KEYS}


def encode_messages(
    messages: Sequence[UserMessage | AssistantMessage],
    *,
    model_id: str,
    encode_thoughts_as_text: bool,
) -> list[dict[str, Any]]:
    """The `messages` field for a conversation without its system prompt."""
    multi_turn = any(isinstance(message, AssistantMessage) for message in messages)
    encoded: list[dict[str, Any]] = []
    last = len(messages) - 1
    for i, message in enumerate(messages):
        add_cache_control = multi_turn and i == last
        if isinstance(message, AssistantMessage) and not add_cache_control:
            raw = reusable_raw(
                message, model_id=model_id, encode_thoughts_as_text=encode_thoughts_as_text
            )
            if raw is not None:
                encoded.append(raw)
                continue
        content = encode_content(
            message.content,
            encode_thoughts=encode_thoughts_as_text,
            add_cache_control=add_cache_control,
            model_id=model_id,
        )
        encoded.append({"role": message.role, "content": content})
    return encoded

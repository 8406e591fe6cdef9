"""Which OpenAI API serves a model id when the caller did not pin one (docs/spec.md §2.5).

Responses is preferred where it works (better reasoning support and caching); Chat
Completions is kept for what only it can do: audio input, models OpenAI serves only there,
and non-OpenAI models routed through OpenAIProvider to a compatible server.
"""

from __future__ import annotations

from collections.abc import Sequence

from ferriscope.llm.content import Audio
from ferriscope.llm.messages import Message, UserMessage
from ferriscope.llm.providers.openai.model_id import ApiMode, api_suffix, wire_model_name
from ferriscope.llm.providers.openai.model_info import COMPLETIONS_MODELS, RESPONSES_MODELS

__all__ = ["choose_api"]


def _has_audio(messages: Sequence[Message]) -> bool:
    return any(
        isinstance(message, UserMessage) and any(isinstance(p, Audio) for p in message.content)
        for message in messages
    )


def choose_api(model_id: str, messages: Sequence[Message]) -> ApiMode:
    """The suffix wins; then audio → Completions; then what the model is known to support;
    an unknown `openai/` model → Responses, anything else → Completions."""
    pinned = api_suffix(model_id)
    if pinned is not None:
        return pinned
    if _has_audio(messages):
        return "completions"
    if not model_id.startswith("openai/"):
        return "completions"
    name = wire_model_name(model_id)
    if name in RESPONSES_MODELS:
        return "responses"
    if name in COMPLETIONS_MODELS:
        return "completions"
    return "responses"

"""What ferriscope knows about OpenAI's models: which API serves them and what they accept.

Routing (`openai/x` without a suffix) and the §7.2 format defaults depend on these facts, and
OpenAI offers no way to ask, so they are data. Mirascope records them as exclusion lists
("models without X"), which makes every unknown name look capable of everything; here the
capability questions return `None` for names we have never seen, so callers can tell
"known not to" from "don't know" and pick a safe default for each (docs/spec.md §7.2, §11.1, §11.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "COMPLETIONS_MODELS",
    "KNOWN_MODELS",
    "RESPONSES_MODELS",
    "ModelFeatures",
    "is_reasoning_model",
    "rejects_reasoning",
    "supports_audio",
    "supports_json_object",
    "supports_json_schema",
]

_BOTH_APIS = frozenset(
    {
        "chatgpt-4o-latest",
        "gpt-3.5-turbo",
        "gpt-3.5-turbo-0125",
        "gpt-3.5-turbo-1106",
        "gpt-4",
        "gpt-4-0125-preview",
        "gpt-4-0613",
        "gpt-4-1106-preview",
        "gpt-4-turbo",
        "gpt-4-turbo-2024-04-09",
        "gpt-4-turbo-preview",
        "gpt-4.1",
        "gpt-4.1-2025-04-14",
        "gpt-4.1-mini",
        "gpt-4.1-mini-2025-04-14",
        "gpt-4.1-nano",
        "gpt-4.1-nano-2025-04-14",
        "gpt-4o",
        "gpt-4o-2024-05-13",
        "gpt-4o-2024-08-06",
        "gpt-4o-2024-11-20",
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
        "gpt-5",
        "gpt-5-2025-08-07",
        "gpt-5-chat-latest",
        "gpt-5-mini",
        "gpt-5-mini-2025-08-07",
        "gpt-5-nano",
        "gpt-5-nano-2025-08-07",
        "gpt-5.1-chat-latest",
        "gpt-5.2",
        "gpt-5.2-2025-12-11",
        "gpt-5.2-chat-latest",
        "o1",
        "o1-2024-12-17",
        "o3",
        "o3-2025-04-16",
        "o3-mini",
        "o3-mini-2025-01-31",
        "o4-mini",
        "o4-mini-2025-04-16",
    }
)

_RESPONSES_ONLY = frozenset(
    {
        "codex-mini-latest",
        "gpt-5-codex",
        "gpt-5-pro",
        "gpt-5-pro-2025-10-06",
        "gpt-5.1",
        "gpt-5.1-2025-11-13",
        "gpt-5.1-codex",
        "gpt-5.1-codex-max",
        "gpt-5.1-codex-mini",
        "gpt-5.2-pro",
        "gpt-5.2-pro-2025-12-11",
        "o1-pro",
        "o1-pro-2025-03-19",
        "o3-pro",
        "o3-pro-2025-06-10",
    }
)

_COMPLETIONS_ONLY = frozenset(
    {
        "gpt-3.5-turbo-16k",
        "gpt-4o-mini-search-preview",
        "gpt-4o-mini-search-preview-2025-03-11",
        "gpt-4o-search-preview",
        "gpt-4o-search-preview-2025-03-11",
        "gpt-5-search-api",
        "gpt-5-search-api-2025-10-14",
    }
)

RESPONSES_MODELS: frozenset[str] = _BOTH_APIS | _RESPONSES_ONLY
"""Model names known to work on the Responses API."""

COMPLETIONS_MODELS: frozenset[str] = _BOTH_APIS | _COMPLETIONS_ONLY
"""Model names known to work on the Chat Completions API."""

KNOWN_MODELS: frozenset[str] = RESPONSES_MODELS | COMPLETIONS_MODELS

_NON_REASONING = frozenset(
    {
        "chatgpt-4o-latest",
        "gpt-3.5-turbo",
        "gpt-3.5-turbo-0125",
        "gpt-3.5-turbo-1106",
        "gpt-4",
        "gpt-4-0125-preview",
        "gpt-4-0613",
        "gpt-4-1106-preview",
        "gpt-4-turbo",
        "gpt-4-turbo-2024-04-09",
        "gpt-4-turbo-preview",
        "gpt-4.1",
        "gpt-4.1-2025-04-14",
        "gpt-4.1-mini",
        "gpt-4.1-mini-2025-04-14",
        "gpt-4.1-nano",
        "gpt-4.1-nano-2025-04-14",
        "gpt-4o",
        "gpt-4o-2024-05-13",
        "gpt-4o-2024-08-06",
        "gpt-4o-2024-11-20",
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
        "gpt-5-chat-latest",
    }
)

_WITHOUT_JSON_SCHEMA = frozenset(
    {
        "chatgpt-4o-latest",
        "gpt-3.5-turbo",
        "gpt-3.5-turbo-0125",
        "gpt-3.5-turbo-1106",
        "gpt-3.5-turbo-16k",
        "gpt-4",
        "gpt-4-0125-preview",
        "gpt-4-0613",
        "gpt-4-1106-preview",
        "gpt-4-turbo",
        "gpt-4-turbo-2024-04-09",
        "gpt-4-turbo-preview",
        "gpt-4o-2024-05-13",
    }
)

_WITHOUT_JSON_OBJECT = frozenset(
    {
        "gpt-4",
        "gpt-4-0613",
        "gpt-4o-mini-search-preview",
        "gpt-4o-mini-search-preview-2025-03-11",
        "gpt-4o-search-preview",
        "gpt-4o-search-preview-2025-03-11",
        "gpt-5-search-api",
        "gpt-5-search-api-2025-10-14",
    }
)

# OpenAI's reasoning families: new dated or point releases of them are reasoning models too,
# so an unlisted `o5-mini` or `gpt-5.3` still gets `max_completion_tokens`.
_REASONING_FAMILY = re.compile(r"^(o\d|gpt-5)")


def _known(name: str, lacking: frozenset[str]) -> bool | None:
    if name not in KNOWN_MODELS:
        return None
    return name not in lacking


def supports_json_schema(name: str) -> bool | None:
    """Structured outputs (`json_schema`, strict); None for a model we do not know."""
    return _known(name, _WITHOUT_JSON_SCHEMA)


def supports_json_object(name: str) -> bool | None:
    """JSON mode (`json_object`); None for a model we do not know."""
    return _known(name, _WITHOUT_JSON_OBJECT)


def supports_audio(name: str) -> bool | None:
    """Audio input on Chat Completions. No listed model takes it (the audio models are
    separate names), so a known name means no and an unknown one means maybe."""
    return False if name in KNOWN_MODELS else None


def is_reasoning_model(name: str) -> bool:
    """Takes `max_completion_tokens` and refuses temperature, top_p and stop (Completions).

    Unknown names outside OpenAI's reasoning families are assumed to be ordinary chat
    models, the safe guess for the local servers that speak Chat Completions."""
    if name in _NON_REASONING:
        return False
    return name in KNOWN_MODELS or _REASONING_FAMILY.match(name) is not None


def rejects_reasoning(name: str) -> bool:
    """Known not to accept the Responses `reasoning` parameter; unknown names are assumed
    to accept it so a new reasoning model works before it is listed here."""
    return name in _NON_REASONING


@dataclass(frozen=True)
class ModelFeatures:
    """The capabilities an encoder consults; the defaults describe a model nobody knows
    (a local server's, say): no JSON modes assumed, ordinary sampling params, audio allowed."""

    json_schema: bool | None = None
    json_object: bool | None = None
    reasoning: bool = False
    reasoning_rejected: bool = False
    """Known to refuse the Responses `reasoning` parameter."""
    audio: bool | None = None

    @classmethod
    def of(cls, name: str) -> ModelFeatures:
        """The features of an OpenAI model name (unknown names get the cautious defaults,
        except that OpenAI's reasoning families are recognised)."""
        return cls(
            json_schema=supports_json_schema(name),
            json_object=supports_json_object(name),
            reasoning=is_reasoning_model(name),
            reasoning_rejected=rejects_reasoning(name),
            audio=supports_audio(name),
        )

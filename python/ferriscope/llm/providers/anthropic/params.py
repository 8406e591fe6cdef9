"""Call params → the Anthropic request fields they set (docs/spec.md §2.4, §11.3).

Params the API cannot take (`seed`, misspelled keys, an unknown thinking level) are dropped
with a logged warning rather than raising, so one call can be pointed at any provider
unchanged; the warning keeps the drop from going unnoticed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ferriscope.llm.providers.anthropic.thinking import EFFORT, ThinkingFields, thinking_fields

__all__ = ["DEFAULT_MAX_TOKENS", "RequestParams", "read_params"]

logger = logging.getLogger("ferriscope")

DEFAULT_MAX_TOKENS = 16000
"""Anthropic requires `max_tokens`; this is what is sent when the call sets none."""

_SAMPLING = ("temperature", "top_p", "top_k", "stop_sequences")
_UNSUPPORTED = ("seed",)
_LEVELS = frozenset({"none", "default", *EFFORT})


@dataclass(frozen=True)
class RequestParams:
    """The params of one request, split by where they go."""

    max_tokens: int = DEFAULT_MAX_TOKENS
    fields: dict[str, Any] = field(default_factory=dict)
    """Body fields besides `max_tokens`, in body order: thinking, sampling, output_config."""
    include_thoughts: bool = False
    encode_thoughts_as_text: bool = False


def _warn(name: str, value: Any, provider_id: str, model_id: str, why: str = "") -> None:
    logger.warning(
        "Skipping unsupported parameter: %s=%r (provider: %s with model_id: %s)%s",
        name,
        value,
        provider_id,
        model_id,
        f": {why}" if why else "",
    )


def read_params(
    params: Mapping[str, Any], *, model_id: str, name: str, provider_id: str
) -> RequestParams:
    """The request fields for `params` on model `name` (the wire name of `model_id`)."""
    given = {k: v for k, v in params.items() if v is not None}
    max_tokens = given.pop("max_tokens", DEFAULT_MAX_TOKENS)
    thinking = given.pop("thinking", None)
    produced = ThinkingFields()
    include_thoughts = encode_thoughts_as_text = False
    if thinking is not None:
        level = thinking.get("level") if isinstance(thinking, Mapping) else None
        if level in _LEVELS:
            produced = thinking_fields(level, max_tokens=max_tokens, model_id=model_id, name=name)
            include_thoughts = bool(thinking.get("include_thoughts", False))
            encode_thoughts_as_text = bool(thinking.get("encode_thoughts_as_text", False))
        else:
            _warn("thinking", thinking, provider_id, model_id, "unknown thinking level")

    fields: dict[str, Any] = {}
    if produced.thinking is not None:
        fields["thinking"] = produced.thinking
    fields.update((key, given.pop(key)) for key in _SAMPLING if key in given)
    if produced.output_config is not None:
        fields["output_config"] = produced.output_config

    for key in _UNSUPPORTED:
        if key in given:
            _warn(key, given.pop(key), provider_id, model_id)
    for key in sorted(given):
        _warn(key, given[key], provider_id, model_id, "unknown parameter")

    return RequestParams(
        max_tokens=max_tokens,
        fields=fields,
        include_thoughts=include_thoughts,
        encode_thoughts_as_text=encode_thoughts_as_text,
    )

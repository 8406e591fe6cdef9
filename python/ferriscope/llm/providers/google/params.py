"""Call params → Gemini `generationConfig` fields (docs/spec.md §2.4, §11.4).

Gemini takes every common param, so the only ones dropped are those this library cannot
read: misspelled keys and malformed thinking configs. They are logged and dropped rather
than raised, so one call can be pointed at any provider unchanged, and the warning keeps a
typo from vanishing silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ferriscope.llm.providers.google.thinking import LEVELS, thinking_config

__all__ = ["GenerationParams", "read_params"]

logger = logging.getLogger("ferriscope")

_FIELDS: dict[str, str] = {
    "temperature": "temperature",
    "max_tokens": "maxOutputTokens",
    "top_p": "topP",
    "top_k": "topK",
    "seed": "seed",
    "stop_sequences": "stopSequences",
}
"""ferriscope param → `generationConfig` key (camelCase, as the google SDK sends them)."""


@dataclass(frozen=True)
class GenerationParams:
    """What the params contribute to one request and to reading its answer."""

    config: dict[str, Any] = field(default_factory=dict)
    """`generationConfig` fields, `thinkingConfig` included."""
    include_thoughts: bool = False
    encode_thoughts_as_text: bool = False


def _warn(name: str, value: Any, model_id: str, why: str) -> None:
    logger.warning(
        "Skipping unsupported parameter: %s=%r (provider: google with model_id: %s): %s",
        name,
        value,
        model_id,
        why,
    )


def _valid_thinking(value: Any, model_id: str) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        _warn("thinking", value, model_id, "expected a ThinkingConfig mapping")
        return None
    level = value.get("level", "default")
    if level not in LEVELS:
        _warn("thinking", value, model_id, f"unknown thinking level {level!r}")
        return None
    return value


def read_params(params: Mapping[str, Any], *, model_id: str, wire_model: str) -> GenerationParams:
    """Splits the params into `generationConfig` fields and decoding options; unknown keys
    and unusable values are warned about and dropped. A None value means "not set"."""
    config: dict[str, Any] = {}
    include_thoughts = False
    as_text = False
    for name, value in params.items():
        if value is None:
            continue
        if name in _FIELDS:
            config[_FIELDS[name]] = value
        elif name != "thinking":
            _warn(name, value, model_id, "unknown parameter")
    thinking = params.get("thinking")
    if thinking is not None:
        valid = _valid_thinking(thinking, model_id)
        if valid is not None:
            config["thinkingConfig"] = thinking_config(
                valid, wire_model=wire_model, max_tokens=params.get("max_tokens")
            )
            include_thoughts = bool(valid.get("include_thoughts", False))
            as_text = bool(valid.get("encode_thoughts_as_text", False))
    return GenerationParams(
        config=config, include_thoughts=include_thoughts, encode_thoughts_as_text=as_text
    )

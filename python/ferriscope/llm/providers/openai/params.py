"""Reading call params for one request, so that none is silently lost.

A provider that cannot use a param must say so (docs/spec.md §2.4: warning, dropped, never an
error), and a misspelled key must not vanish either. Encoders `take` what they send and
`drop` what they cannot; `finish` warns about anything neither touched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ParamReader", "ThinkingOptions", "logger"]

logger = logging.getLogger("ferriscope")


@dataclass(frozen=True)
class ThinkingOptions:
    """The parts of a `ThinkingConfig` that shape a request and the decoding of its answer."""

    level: str | None = None
    include_thoughts: bool = False
    encode_thoughts_as_text: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ThinkingOptions:
        config = params.get("thinking")
        if config is None or not isinstance(config, Mapping):
            return _NO_THINKING if cls is ThinkingOptions else cls()
        return cls(
            level=config.get("level"),
            include_thoughts=bool(config.get("include_thoughts", False)),
            encode_thoughts_as_text=bool(config.get("encode_thoughts_as_text", False)),
        )


_NO_THINKING = ThinkingOptions()
"""The options of a call without a thinking config (frozen: one serves every call)."""


class ParamReader:
    """The params of one request, tracking which were used."""

    def __init__(self, params: Mapping[str, Any], *, provider_id: str, model_id: str) -> None:
        self._params = {k: v for k, v in params.items() if v is not None}
        self._pending = set(self._params)
        self._provider_id = provider_id
        self._model_id = model_id

    def take(self, name: str) -> Any:
        """The value to send (None when unset); marks the param as used."""
        self._pending.discard(name)
        return self._params.get(name)

    def drop(self, name: str, why: str | None = None) -> None:
        """Warns that a set param is not sent to this provider/model."""
        if name in self._pending:
            self._pending.discard(name)
            self.warn(name, self._params[name], why)

    def warn(self, name: str, value: Any, why: str | None = None) -> None:
        reason = f": {why}" if why else ""
        logger.warning(
            "Skipping unsupported parameter: %s=%r (provider: %s with model_id: %s)%s",
            name,
            value,
            self._provider_id,
            self._model_id,
            reason,
        )

    def finish(self) -> None:
        """Warns about params nobody read (unknown keys)."""
        for name in sorted(self._pending):
            self.warn(name, self._params[name], "unknown parameter")
        self._pending.clear()

"""Whether the OpenTelemetry API is installed, and the error that says how to get it.

`ferriscope.ops` imports without it (sessions work, spans and traces are no-ops); only
instrumenting LLM calls needs it, and says which extra to install.
"""

from __future__ import annotations

import importlib.util

__all__ = ["MissingOpenTelemetryError", "available", "require"]


class MissingOpenTelemetryError(ImportError):
    """Raised by what needs the OpenTelemetry API when it is not installed."""


def available() -> bool:
    return importlib.util.find_spec("opentelemetry") is not None and (
        importlib.util.find_spec("opentelemetry.trace") is not None
    )


def require(what: str) -> None:
    """Raises `MissingOpenTelemetryError` naming the extra when the API is missing."""
    if not available():
        raise MissingOpenTelemetryError(
            f"{what} needs the OpenTelemetry API, which is not installed: "
            "pip install 'ferriscope[ops]'"
        )

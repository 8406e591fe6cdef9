"""`configure()`: which OpenTelemetry providers `ferriscope.ops` reports to, and whether
prompt and completion content is recorded.

Nothing here imports OpenTelemetry until a tracer or meter is asked for, so configuring
(or not) costs nothing on the streaming path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ferriscope.ops import _otel

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter, MeterProvider
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["CAPTURE_CONTENT_ENV", "configure", "settings"]

INSTRUMENTATION_NAME = "ferriscope.ops"
CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The GenAI conventions' switch for recording message content (off unless true)."""
_CAPTURE_VALUES = frozenset({"true", "1", "yes", "span_only", "span_and_event"})


def _env_capture() -> bool:
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() in _CAPTURE_VALUES


def _version() -> str | None:
    try:
        from importlib.metadata import version

        return version("ferriscope")
    except Exception:
        return None


@dataclass
class _Settings:
    tracer_provider: Any = None
    meter_provider: Any = None
    capture_content: bool | None = None
    """None: follow the environment variable."""
    chunk_intervals: bool = False
    """`time_per_output_chunk` once per chunk (the conventions) rather than once per stream."""
    _tracer: Any = None
    _meter: Any = None

    def tracer(self) -> Tracer:
        if self._tracer is None:
            from opentelemetry import trace

            provider = self.tracer_provider or trace.get_tracer_provider()
            self._tracer = provider.get_tracer(INSTRUMENTATION_NAME, _version())
        return self._tracer  # type: ignore[no-any-return]

    def meter(self) -> Meter:
        if self._meter is None:
            from opentelemetry import metrics

            provider = self.meter_provider or metrics.get_meter_provider()
            self._meter = provider.get_meter(INSTRUMENTATION_NAME, _version())
        return self._meter  # type: ignore[no-any-return]

    def captures_content(self) -> bool:
        if self.capture_content is not None:
            return self.capture_content
        return _env_capture()


settings = _Settings()


def configure(
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    capture_content: bool | None = None,
    chunk_intervals: bool = False,
) -> None:
    """Sets the providers spans and metrics go to (the global OpenTelemetry providers when
    None) and whether message content is recorded (`capture_content`; None follows
    `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, off by default).

    `chunk_intervals=True` records `gen_ai.client.operation.time_per_output_chunk` as the
    conventions define it, once per chunk after the first, instead of once per stream (its
    mean): one histogram update per chunk, which with the OpenTelemetry SDK costs several
    times what ferriscope spends on the chunk itself (docs/observability.md).

    The global providers are not changed. Instrumented calls started after this use the
    new settings."""
    if tracer_provider is not None or meter_provider is not None:
        _otel.require("ferriscope.ops.configure(tracer_provider=..., meter_provider=...)")
    settings.tracer_provider = tracer_provider
    settings.meter_provider = meter_provider
    settings.capture_content = capture_content
    settings.chunk_intervals = chunk_intervals
    settings._tracer = None
    settings._meter = None
    from ferriscope.ops import instrumentation

    instrumentation.reconfigure()

"""Observability for LLM streams: OpenTelemetry GenAI spans and metrics per request, your own
spans and traces around them, and sessions.

    from ferriscope import ops

    ops.configure(tracer_provider=provider, meter_provider=meter_provider)  # or the globals
    ops.instrument_llm()

Needs the `ferriscope[ops]` extra (`opentelemetry-api`) to report anything; without it this
module still imports, `span`/`trace` do nothing and `instrument_llm()` says what to install.
Per-stream timings need none of this: every stream response has `response.timings`.
Mirascope's `ops.version` (versioning of calls) is not provided.
"""

from ferriscope.ops._otel import MissingOpenTelemetryError
from ferriscope.ops.configuration import configure
from ferriscope.ops.instrumentation import instrument_llm, is_llm_instrumented, uninstrument_llm
from ferriscope.ops.session import SessionContext, current_session, session
from ferriscope.ops.spans import Span, span
from ferriscope.ops.tracing import TracedCall, trace

__all__ = [
    "MissingOpenTelemetryError",
    "SessionContext",
    "Span",
    "TracedCall",
    "configure",
    "current_session",
    "instrument_llm",
    "is_llm_instrumented",
    "session",
    "span",
    "trace",
    "uninstrument_llm",
]

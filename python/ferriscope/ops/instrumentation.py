"""`instrument_llm()`: one GenAI client span, and the conventions' client metrics, per
request an LLM stream actually sends; under it, one HTTP client span per HTTP request the
transport sends for it (retries and resends included: the transport's `AttemptObserver`).

Hooked at the two ends of a stream only, never per chunk: `Model._open` asks the installed
observer for an `Observation` (one global read per request when not instrumented); the
observation wraps the batch-source factory, so the span starts when the factory is called,
i.e. when the request is sent (a stream never iterated has no span). The stream response
tells the observation when it ends: read to the end, failed (HTTP status, error event,
transport error, timeout, cancellation, interrupt) or closed. A stream dropped half-read is
ended when its batch source is collected (a `weakref.finalize` on it). `end` is idempotent, so
every path ends the span exactly once. Only `configure(chunk_intervals=True)` adds work per
network read (a clock read, to record each chunk's interval when the stream ends).

The parent is the span current when `.stream()` was called (captured then, since the first
pull may happen anywhere); the span itself is never made current, so nothing leaks into the
code that iterates the stream.
"""

from __future__ import annotations

import itertools
import logging
import sys
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ferriscope.ops import _otel, genai
from ferriscope.ops.configuration import settings
from ferriscope.ops.session import current_session

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span

__all__ = ["instrument_llm", "is_llm_instrumented", "uninstrument_llm"]

logger = logging.getLogger("ferriscope.ops")

# The conventions' explicit bucket boundaries (seconds; tokens).
DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
    67108864,
)  # fmt: skip
_METRIC_KEYS = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "server.address",
    "server.port",
)


class _Instruments:
    """The four client histograms, made once per meter."""

    def __init__(self) -> None:
        meter = settings.meter()
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time from sending the request to receiving the first chunk",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self.per_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_per_output_chunk",
            unit="s",
            description="Mean time between output chunks after the first, per stream",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )


class _Runtime:
    """What instrumented requests share: the tracer, the instruments, the content switch."""

    def __init__(self) -> None:
        from opentelemetry import context, trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self.tracer = settings.tracer()
        self.instruments = _Instruments()
        self.capture_content = settings.captures_content()
        self.chunk_intervals = settings.chunk_intervals
        self.get_current = context.get_current
        self.set_span_in_context = trace.set_span_in_context
        self.client = SpanKind.CLIENT
        self.error_status: Callable[[str | None], Any] = lambda text: Status(StatusCode.ERROR, text)


_runtime: _Runtime | None = None


def _error_type(error: BaseException) -> str:
    return type(error).__qualname__


def _chunk_error_type(chunk: object) -> str:
    """The name of the `llm` class a stream error chunk stands for (its kind's class)."""
    # Deferred: ops leaves `ferriscope.llm` unloaded until it is instrumented, and a chunk
    # only exists once the transport, and so `llm`, is loaded.
    from ferriscope.llm._error_kinds import ERROR_CLASSES

    kind = getattr(chunk, "kind", None)
    return ERROR_CLASSES[kind].__name__ if isinstance(kind, int) else type(chunk).__qualname__


class Observation:
    """One request of one stream: its span from send to end, and its metric points."""

    __slots__ = (
        "attempt",
        "attributes",
        "done",
        "encoded",
        "http_attributes",
        "http_parent",
        "identity",
        "messages",
        "parent",
        "provider_id",
        "request",
        "runtime",
        "sends",
        "session_id",
        "span",
        "stamps",
        "started",
    )

    def __init__(self, runtime: _Runtime, model: Any, provider: Any, encoded: Any, request: Any):
        self.runtime = runtime
        self.parent: Context = runtime.get_current()
        session = current_session()
        self.session_id = session.id if session is not None else None
        self.provider_id: str = provider.id
        self.encoded = encoded
        self.request = request
        # Kept past `start` (unlike the request): the transport points it at the decoder,
        # which knows the provider's response id and model by the time the stream ends.
        self.identity: Any = getattr(request, "identity", None)
        self.attributes: dict[str, Any] = {}
        self.span: Span | None = None
        self.started = 0.0
        self.done = False
        self.stamps: list[float] | None = None  # per read: clock, chunks (`chunk_intervals`)
        # The HTTP requests the transport sends for this one (`sent`, `failed`, `answered`).
        self.attempt: Span | None = None
        self.sends = 0
        self.http_attributes: dict[str, Any] = {}
        self.http_parent: Context | None = None
        observe = getattr(request, "observe", None)
        if observe is not None:
            observe(self)

    def inherit(self, previous: Observation) -> None:
        """A retry attempt: the same parent as the first attempt (its `.stream()` call)."""
        self.parent = previous.parent
        self.session_id = previous.session_id

    # ---- start: the batch-source factory is called ---------------------------------------

    def wrap(self, factory: Callable[[], Any]) -> Callable[[], Any]:
        def batches() -> Any:
            source = factory()
            self.start()
            if self.runtime.chunk_intervals and self.span is not None:
                stamps = self.stamps = []
                if hasattr(source, "__anext__"):
                    source = _astamped(source, stamps)
                else:
                    source = _stamped(source, stamps)
            try:
                weakref.finalize(source, self.abandon)
            except TypeError:  # a source that cannot be weakly referenced: no GC end
                pass
            return source

        return batches

    def start(self) -> None:
        """Never lets telemetry break the stream: a failure here is logged, not raised."""
        try:
            self._start()
        except Exception:
            logger.exception("ferriscope.ops: could not start the span of an LLM request")

    def _start(self) -> None:
        if self.span is not None:
            return
        encoded, request = self.encoded, self.request
        attributes = genai.request_attributes(
            provider_id=self.provider_id,
            wire_format=request.wire_format,
            url=request.url,
            body=encoded.body,
            provider_model_name=encoded.provider_model_name,
        )
        if self.session_id is not None:
            attributes["session.id"] = self.session_id
        runtime = self.runtime
        if runtime.capture_content:
            system, messages = genai.input_content(encoded.messages)
            if system is not None:
                attributes["gen_ai.system_instructions"] = system
            attributes["gen_ai.input.messages"] = messages
        self.attributes = attributes
        self.http_attributes = genai.http_attributes(request.url, attributes)
        name = f"{attributes['gen_ai.operation.name']} {attributes['gen_ai.request.model']}"
        self.span = runtime.tracer.start_span(
            name, context=self.parent, kind=runtime.client, attributes=attributes
        )
        self.started = time.perf_counter()
        self.encoded = None  # the request body is not needed any more
        self.request = None

    # ---- the HTTP requests sent: the transport's `AttemptObserver` -----------------------
    #
    # The GenAI span above is the logical operation and covers the transport's retries (the
    # conventions' rule for automatic retries); each HTTP request actually sent for it gets
    # an HTTP client span of its own under it, `http.request.resend_count` on every resend.
    # Called at request boundaries only; never raises into the transport.

    def sent(self) -> None:
        try:
            self._sent()
        except Exception:
            logger.exception("ferriscope.ops: could not start the span of an HTTP request")

    def _sent(self) -> None:
        span = self.span
        if span is None or self.done:
            return
        self._end_attempt(None, None)  # the transport reports each end: only ever a safety net
        runtime = self.runtime
        if self.http_parent is None:
            self.http_parent = runtime.set_span_in_context(span, self.parent)
        attributes = self.http_attributes
        if self.sends:
            attributes = {**attributes, "http.request.resend_count": self.sends}
        self.sends += 1
        self.attempt = runtime.tracer.start_span(
            "POST", context=self.http_parent, kind=runtime.client, attributes=attributes
        )

    def failed(self, error: object, status: int | None = None) -> None:
        try:
            attempt = self.attempt
            if attempt is None:
                return
            if status:
                attempt.set_attribute("http.response.status_code", status)
            if status is not None and status >= 400:
                # The conventions' error.type for an error status, which says it all.
                self._end_attempt(str(status), None)
                return
            if isinstance(error, BaseException):
                error_type = _error_type(error)
                self._end_attempt(error_type, f"{error_type}: {error}")
            else:  # the in-stream report of a connection cut before the first event
                error_type = _chunk_error_type(error)
                self._end_attempt(error_type, f"{error_type}: {getattr(error, 'message', '')}")
        except Exception:
            logger.exception("ferriscope.ops: could not end the span of an HTTP request")

    def answered(self, status: int) -> None:
        try:
            attempt = self.attempt
            if attempt is None:
                return
            attempt.set_attribute("http.response.status_code", status)
            self._end_attempt(None, None)
        except Exception:
            logger.exception("ferriscope.ops: could not end the span of an HTTP request")

    def _end_attempt(self, error_type: str | None, description: str | None) -> None:
        attempt = self.attempt
        if attempt is None:
            return
        self.attempt = None
        if error_type is not None:
            attempt.set_attribute("error.type", error_type)
            attempt.set_status(self.runtime.error_status(description))
        attempt.end()

    # ---- end: consumed, failed, closed, or collected -------------------------------------

    def end(self, response: Any) -> None:
        """Called by the stream response when it stops reading; later calls do nothing.
        A failure is logged, never raised into the stream."""
        try:
            self._end(response)
        except Exception:
            logger.exception("ferriscope.ops: could not end the span of an LLM request")

    def _end(self, response: Any) -> None:
        span = self.span
        if span is None or self.done:
            return
        self.done = True
        duration = time.perf_counter() - self.started
        attributes: dict[str, Any] = {}
        error = response._error
        handled = sys.exc_info()[1]
        if handled is not None and not isinstance(handled, Exception):
            error_type: str | None = _error_type(handled)  # KeyboardInterrupt, CancelledError
            outcome = "interrupted"
        elif error is not None:
            error_type = _error_type(error)
            outcome = "failed"
        else:
            error_type = None
            outcome = "consumed" if response.consumed else "closed"
        attributes["ferriscope.stream.end"] = outcome
        self._identify(attributes)
        reasons = None
        if response.consumed:
            reasons = genai.finish_reasons(response.finish_reason, bool(response.tool_calls))
            attributes["gen_ai.response.finish_reasons"] = reasons
        usage = response.usage
        if usage is not None:
            attributes["gen_ai.usage.input_tokens"] = usage.input_tokens
            attributes["gen_ai.usage.output_tokens"] = usage.output_tokens
            if usage.cache_read_tokens:
                attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cache_read_tokens
            if usage.cache_write_tokens:
                attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_write_tokens
            if usage.reasoning_tokens:
                attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
        timings = response.timings
        first = timings.time_to_first_chunk
        if first is not None:
            attributes["gen_ai.response.time_to_first_chunk"] = first
        attributes["ferriscope.stream.chunks"] = timings.chunk_count
        if self.runtime.capture_content and response.content:
            attributes["gen_ai.output.messages"] = genai.output_content(response.content, reasons)
        span.set_attributes(attributes)
        if error_type is not None:
            span.set_attribute("error.type", error_type)
            described = handled if outcome == "interrupted" else error
            span.set_status(self.runtime.error_status(f"{error_type}: {described}"))
            self._end_attempt(error_type, f"{error_type}: {described}")
        else:
            self._end_attempt(None, None)
        span.end()
        self._record(duration, error_type, usage, timings)

    def _identify(self, attributes: dict[str, Any]) -> None:
        """The provider's response id and model, when the stream delivered them."""
        identity = self.identity
        if identity is None:
            return
        response_id = identity.response_id
        if response_id:
            attributes["gen_ai.response.id"] = response_id
        response_model = identity.response_model
        if response_model:
            attributes["gen_ai.response.model"] = response_model

    def abandon(self) -> None:
        """The batch source was collected before the stream told us it ended (dropped after
        a `break`): the span ends now, with what the request attributes say."""
        try:
            self._abandon()
        except Exception:
            logger.exception("ferriscope.ops: could not end the span of a dropped stream")

    def _abandon(self) -> None:
        span = self.span
        if span is None or self.done:
            return
        self.done = True
        attributes: dict[str, Any] = {"ferriscope.stream.end": "collected"}
        self._identify(attributes)
        span.set_attributes(attributes)
        self._end_attempt(None, None)
        span.end()
        self._record(time.perf_counter() - self.started, None, None, None)

    def _record(self, duration: float, error_type: str | None, usage: Any, timings: Any) -> None:
        attributes = {k: self.attributes[k] for k in _METRIC_KEYS if k in self.attributes}
        instruments = self.runtime.instruments
        if error_type is not None:
            instruments.duration.record(duration, {**attributes, "error.type": error_type})
        else:
            instruments.duration.record(duration, attributes)
        if usage is not None:
            instruments.tokens.record(
                usage.input_tokens, {**attributes, "gen_ai.token.type": "input"}
            )
            instruments.tokens.record(
                usage.output_tokens, {**attributes, "gen_ai.token.type": "output"}
            )
        if timings is not None and timings.time_to_first_chunk is not None:
            instruments.first_chunk.record(timings.time_to_first_chunk, attributes)
            if self.stamps is not None:
                record = instruments.per_chunk.record
                for interval in chunk_intervals(self.stamps):
                    record(interval, attributes)
                return
            rate = timings.chunks_per_second
            if rate:
                instruments.per_chunk.record(1.0 / rate, attributes)


# ---- `chunk_intervals=True`: the time of each read, for one measurement per chunk ------------


def _stamped(source: Iterator[Sequence[Any]], stamps: list[float]) -> Iterator[Sequence[Any]]:
    """The batches of `source`, each one's arrival time and size noted in `stamps` (a clock
    read and two appends per read, only for streams that record each chunk's interval)."""
    append = stamps.append
    clock = time.perf_counter
    try:
        for batch in source:
            append(clock())
            append(len(batch))
            yield batch
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


async def _astamped(
    source: AsyncIterator[Sequence[Any]], stamps: list[float]
) -> AsyncIterator[Sequence[Any]]:
    append = stamps.append
    clock = time.perf_counter
    try:
        async for batch in source:
            append(clock())
            append(len(batch))
            yield batch
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


def chunk_intervals(stamps: Sequence[float]) -> Iterator[float]:
    """One interval per chunk after the first, as the conventions define
    `time_per_output_chunk` (from the end of the previous chunk to the end of this one), at
    the resolution the client has: a read. The first chunk of a read gets the time since the
    previous read; the others arrived with it, so theirs is 0."""
    previous: float | None = None
    for i in range(0, len(stamps) - 1, 2):
        at, count = stamps[i], int(stamps[i + 1])
        if not count:
            continue
        if previous is not None:
            yield at - previous  # the read's first chunk (the stream's first has none)
        previous = at
        yield from itertools.repeat(0.0, count - 1)


def _observe(model: Any, provider: Any, encoded: Any, request: Any) -> Observation:
    runtime = _runtime
    if runtime is None:  # uninstrumented between the global read and this call
        runtime = _Runtime()
    return Observation(runtime, model, provider, encoded, request)


def instrument_llm() -> None:
    """Every LLM request sent from now on gets a GenAI span and metric points (requests of
    streams opened before keep what they had). Raises `MissingOpenTelemetryError` without
    the `ferriscope[ops]` extra."""
    global _runtime
    _otel.require("ferriscope.ops.instrument_llm()")
    from ferriscope.llm.models.model import set_observer

    _runtime = _Runtime()
    set_observer(_observe)


def uninstrument_llm() -> None:
    """Stops instrumenting new requests; streams already sending end their spans as usual."""
    global _runtime
    from ferriscope.llm.models.model import set_observer

    set_observer(None)
    _runtime = None


def is_llm_instrumented() -> bool:
    return _runtime is not None


def reconfigure() -> None:
    """`configure()` was called: new requests use the new tracer, meter and content switch."""
    global _runtime
    if _runtime is not None:
        _runtime = _Runtime()

"""`span(name)`: a span of your own around any block, current inside it, so LLM spans
started in the block are its children. Without OpenTelemetry installed it is a no-op."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ferriscope.ops import _otel
from ferriscope.ops.configuration import settings
from ferriscope.ops.session import current_session

__all__ = ["Span", "span"]


class Span:
    """A context manager around one OpenTelemetry span (`with ops.span("step") as s:`)."""

    def __init__(self, name: str, **attributes: Any) -> None:
        self.name = name
        self._attributes = attributes
        self._span: Any = None
        self._token: Any = None
        self._finished = False

    def __enter__(self) -> Span:
        if not _otel.available():
            return self
        from opentelemetry import context, trace

        attributes = dict(self._attributes)
        session = current_session()
        if session is not None:
            attributes.setdefault("session.id", session.id)
        self._span = settings.tracer().start_span(self.name, attributes=attributes)
        self._token = context.attach(trace.set_span_in_context(self._span))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            from opentelemetry import context

            context.detach(self._token)
            self._token = None
        if exc is not None:
            self.record_error(exc)
        self.finish()

    def record_error(self, error: BaseException) -> None:
        """Marks the span failed with `error` (its class as `error.type`)."""
        if self._span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        self._span.set_attribute("error.type", type(error).__qualname__)
        self._span.record_exception(error)
        self._span.set_status(Status(StatusCode.ERROR, f"{type(error).__qualname__}: {error}"))

    def set(self, **attributes: Any) -> None:
        """Sets attributes on the span."""
        if self._span is not None:
            self._span.set_attributes(attributes)

    def event(self, name: str, **attributes: Any) -> None:
        """Adds a span event."""
        if self._span is not None:
            self._span.add_event(name, attributes=attributes)

    def finish(self) -> None:
        """Ends the span (once; `with` does this)."""
        if self._span is not None and not self._finished:
            self._finished = True
            self._span.end()

    @property
    def is_noop(self) -> bool:
        return self._span is None

    @property
    def span_id(self) -> str | None:
        if self._span is None:
            return None
        return f"{self._span.get_span_context().span_id:016x}"

    @property
    def trace_id(self) -> str | None:
        if self._span is None:
            return None
        return f"{self._span.get_span_context().trace_id:032x}"


def span(name: str, **attributes: Any) -> Span:
    """A span named `name` with `attributes`, current inside its `with` block."""
    return Span(name, **attributes)

"""`ferriscope.ops`: one GenAI client span per request actually sent, ended exactly once on
every way a stream can end, with the conventions' attributes and metric points; content only
when asked for; `span`, `trace`, `session`; `response.timings` without any tracing.

Streams come from the loopback `ReplayServer` in all four wire formats (bodies written by
`ferriscope.testing.synth`, plus the recorded provider streams of `tests/fixtures/streams`),
with faults injected the way `test_reliability.py` does. Spans and metrics are read back
with the OpenTelemetry SDK's in-memory exporter and metric reader.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from ferriscope import llm, ops
from ferriscope.llm.messages import system, user
from ferriscope.testing import Fault, RecordedResponse, ReplayServer, load_recording
from ferriscope.testing.synth import Reply, SynthToolCall
from tests.support import e2e_cases
from tests.support.http_paths import HTTP_PATHS
from tests.support.paths import FIXTURES, ROOT
from tests.support.raw_server import BODY, Script, aoutcome, chunked, model, outcome, raw_server
from tests.support.raw_server import EXPECTED as EXPECTED_TEXT
from tests.support.wires import (
    ANTHROPIC,
    COMPLETIONS,
    READ_TIMEOUT,
    STREAM_ERRORS,
    TEXT,
    WIRES,
    Wire,
    event_end,
    quick_replay_server,  # noqa: F401  (autouse: fast server shutdown, no Nagle delays)
    serving,
    stream_error_param,
)

# What each wire's model id asks the provider for, and the conventions' names for it.
EXPECTED = {
    "openai-completions": ("chat", "openai", "gpt-4o"),
    "openai-responses": ("chat", "openai", "gpt-5-mini"),
    "anthropic": ("chat", "anthropic", "claude-sonnet-4-5"),
    "google": ("generate_content", "gcp.gemini", "gemini-2.5-flash"),
}
CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


class Telemetry:
    """An SDK tracer and meter provider whose output the test reads back."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def llm_spans(self) -> list[ReadableSpan]:
        """The GenAI spans (one per provider request), not the HTTP spans under them."""
        return [
            s
            for s in self.spans()
            if s.kind is SpanKind.CLIENT and "gen_ai.operation.name" in (s.attributes or {})
        ]

    def http_spans(self, parent: ReadableSpan | None = None) -> list[ReadableSpan]:
        """The HTTP client spans (one per HTTP request sent), of `parent` if given."""
        return [
            s
            for s in self.spans()
            if s.kind is SpanKind.CLIENT
            and "http.request.method" in (s.attributes or {})
            and (parent is None or (s.parent and s.parent.span_id == parent.context.span_id))
        ]

    def only_llm_span(self) -> ReadableSpan:
        spans = self.llm_spans()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found

    def parent(self, name: str = "caller") -> Any:
        """A span of the test's own tracer to be the LLM span's parent."""
        return self.tracer_provider.get_tracer("test").start_as_current_span(name)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    t = Telemetry()
    ops.configure(tracer_provider=t.tracer_provider, meter_provider=t.meter_provider)
    ops.instrument_llm()
    try:
        yield t
    finally:
        ops.uninstrument_llm()
        ops.configure()


def ended_as(span: ReadableSpan) -> Any:
    return span.attributes["ferriscope.stream.end"] if span.attributes else None


# The response id each wire's synthesised stream sends (its model is `Reply.model`).
SYNTH_IDS = {
    "openai-completions": "chatcmpl-synth",
    "openai-responses": "resp_synth",
    "anthropic": "msg_synth",
    "google": "synth",
}


def assert_identity(span: ReadableSpan, wire: Wire) -> None:
    """The provider's response id and model reached the span, however the stream ended."""
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.response.id"] == SYNTH_IDS[wire.wire_format]
    assert attrs["gen_ai.response.model"] == Reply.model


def assert_request_attributes(span: ReadableSpan, wire: Wire, server: ReplayServer) -> None:
    operation, provider, model = EXPECTED[wire.wire_format]
    attrs = dict(span.attributes or {})
    assert span.name == f"{operation} {model}"
    assert span.kind is SpanKind.CLIENT
    assert attrs["gen_ai.operation.name"] == operation
    assert attrs["gen_ai.provider.name"] == provider
    assert attrs["gen_ai.request.model"] == model
    assert attrs["gen_ai.request.stream"] is True
    host = httpx.URL(server.url)
    assert attrs["server.address"] == host.host
    assert attrs["server.port"] == host.port
    assert not span.events  # nothing per chunk
    for key in CONTENT_KEYS:
        assert key not in attrs  # content only when opted in


def assert_complete(span: ReadableSpan, reply: Reply = TEXT) -> None:
    attrs = dict(span.attributes or {})
    assert span.status.status_code is StatusCode.UNSET
    assert "error.type" not in attrs
    assert ended_as(span) == "consumed"
    assert attrs["gen_ai.usage.input_tokens"] == reply.input_tokens
    assert attrs["gen_ai.usage.output_tokens"] == reply.output_tokens
    assert list(attrs["gen_ai.response.finish_reasons"]) == (
        ["tool_call"] if reply.tool_calls else ["stop"]
    )
    assert 0 < attrs["gen_ai.response.time_to_first_chunk"] < 5


def assert_failed(span: ReadableSpan, error_type: str) -> None:
    attrs = dict(span.attributes or {})
    assert span.status.status_code is StatusCode.ERROR
    assert attrs["error.type"] == error_type
    assert error_type in (span.status.description or "")


def metric_counts(t: Telemetry) -> dict[str, int]:
    names = (
        "gen_ai.client.operation.duration",
        "gen_ai.client.operation.time_to_first_chunk",
        "gen_ai.client.operation.time_per_output_chunk",
    )
    counts = {name: sum(p.count for p in t.points(name)) for name in names}
    for point in t.points("gen_ai.client.token.usage"):
        counts[f"tokens.{point.attributes['gen_ai.token.type']}"] = point.count
    return counts


# ---- read to the end, every wire format, sync and async --------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_read_to_the_end(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)))
        with telemetry.parent() as caller:
            response = wire.model().stream("hi")
        assert telemetry.llm_spans() == []  # nothing sent yet
        assert "".join(response.text_stream()) == "Hello world\n"

        span = telemetry.only_llm_span()
        assert_request_attributes(span, wire, server)
        assert_complete(span)
        assert span.parent is not None
        assert span.parent.span_id == caller.get_span_context().span_id
        assert span.context.trace_id == caller.get_span_context().trace_id

    counts = metric_counts(telemetry)
    assert counts["gen_ai.client.operation.duration"] == 1
    assert counts["gen_ai.client.operation.time_to_first_chunk"] == 1
    assert counts["tokens.input"] == 1 and counts["tokens.output"] == 1
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    operation, provider, model = EXPECTED[wire.wire_format]
    assert duration.attributes["gen_ai.operation.name"] == operation
    assert duration.attributes["gen_ai.provider.name"] == provider
    assert duration.attributes["gen_ai.request.model"] == model
    assert "error.type" not in duration.attributes
    inputs = [
        p for p in telemetry.points("gen_ai.client.token.usage")
        if p.attributes["gen_ai.token.type"] == "input"
    ]  # fmt: skip
    assert inputs[0].sum == TEXT.input_tokens


@pytest.mark.parametrize("wire", WIRES)
async def test_read_to_the_end_async(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)))
        with telemetry.parent() as caller:
            response = await wire.model().stream_async("hi")
        assert telemetry.llm_spans() == []
        assert [t async for t in response.text_stream()] == ["Hello ", "world", "\n"]
        span = telemetry.only_llm_span()
        assert_request_attributes(span, wire, server)
        assert_complete(span)
        assert span.parent is not None
        assert span.parent.span_id == caller.get_span_context().span_id
    assert metric_counts(telemetry)["gen_ai.client.operation.duration"] == 1


@pytest.mark.parametrize("wire", WIRES)
def test_call_finishes_the_stream(wire: Wire, telemetry: Telemetry) -> None:
    """`.call()` streams and `finish()`es: one span, ended as consumed."""
    with serving(wire) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)))
        response = wire.model().call("hi")
        assert response.text() == "Hello world"
        assert_complete(telemetry.only_llm_span())


@pytest.mark.parametrize("wire", WIRES)
async def test_call_async_finishes_the_stream(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)))
        response = await wire.model().call_async("hi")
        assert response.text() == "Hello world"
        assert_complete(telemetry.only_llm_span())


def test_never_iterated_sends_nothing_and_has_no_span(telemetry: Telemetry) -> None:
    with serving(ANTHROPIC) as server:
        response = ANTHROPIC.model().stream("hi")
        response.close()
        del response
        gc.collect()
        assert server.requests == []
    assert telemetry.spans() == []
    assert metric_counts(telemetry)["gen_ai.client.operation.duration"] == 0


# ---- stopping early: close, with, break + collection -----------------------------------------

LONG = Reply(text=[f"part {i} " for i in range(200)])


def _first_text(response: Any) -> str:
    for text in response.text_stream():
        return str(text)
    raise AssertionError("no text")


async def _afirst_text(response: Any) -> str:
    async for text in response.text_stream():
        return str(text)
    raise AssertionError("no text")


@pytest.mark.parametrize("wire", WIRES)
def test_close_mid_stream(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, piece_size=32) as server:
        server.add(RecordedResponse(body=wire.body(LONG)))
        response = wire.model().stream("hi")
        assert _first_text(response) == "part 0 "
        assert telemetry.llm_spans() == []  # still streaming
        response.close()
        span = telemetry.only_llm_span()
        assert ended_as(span) == "closed"
        assert span.status.status_code is StatusCode.UNSET
        assert_identity(span, wire)
        assert "gen_ai.response.finish_reasons" not in (span.attributes or {})
        response.close()
        list(response.text_stream())  # replays the cache, sends nothing
        assert len(telemetry.llm_spans()) == 1


@pytest.mark.parametrize("wire", WIRES)
def test_with_block_ends_the_span(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, piece_size=32) as server:
        server.add(RecordedResponse(body=wire.body(LONG)))
        with wire.model().stream("hi") as response:
            _first_text(response)
        assert ended_as(telemetry.only_llm_span()) == "closed"


@pytest.mark.parametrize("wire", WIRES)
async def test_aclose_and_async_with(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, piece_size=32) as server:
        server.add(RecordedResponse(body=wire.body(LONG)))
        server.add(RecordedResponse(body=wire.body(LONG)))
        response = await wire.model().stream_async("hi")
        await _afirst_text(response)
        await response.aclose()
        async with await wire.model().stream_async("hi") as second:
            await _afirst_text(second)
        spans = telemetry.llm_spans()
        assert [ended_as(s) for s in spans] == ["closed", "closed"]


@pytest.mark.parametrize("wire", WIRES)
def test_break_then_garbage_collection(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, piece_size=32) as server:
        server.add(RecordedResponse(body=wire.body(LONG)))
        response = wire.model().stream("hi")
        for _ in response.text_stream():
            break
        assert telemetry.llm_spans() == []
        del response
        gc.collect()
        span = telemetry.only_llm_span()
        assert ended_as(span) == "collected"
        assert span.status.status_code is StatusCode.UNSET
        assert_identity(span, wire)
    assert metric_counts(telemetry)["gen_ai.client.operation.duration"] == 1


@pytest.mark.parametrize("wire", WIRES)
async def test_break_then_garbage_collection_async(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, piece_size=32) as server:
        server.add(RecordedResponse(body=wire.body(LONG)))
        response = await wire.model().stream_async("hi")
        async for _ in response.text_stream():
            break
        del response, _
        for _attempt in range(50):  # the loop closes the collected async generator
            gc.collect()
            await asyncio.sleep(0.01)
            if telemetry.llm_spans():
                break
        assert ended_as(telemetry.only_llm_span()) == "collected"


# ---- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_http_error_status(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, max_retries=0) as server:
        server.add(RecordedResponse(body=b'{"error": {"message": "slow down"}}', status=429))
        response = wire.model().stream("hi")
        with pytest.raises(llm.RateLimitError):
            response.finish()
        span = telemetry.only_llm_span()
        assert_request_attributes(span, wire, server)
        assert_failed(span, "RateLimitError")
        assert ended_as(span) == "failed"
        # No body was streamed, so the provider named no response.
        assert "gen_ai.response.id" not in (span.attributes or {})
        assert "gen_ai.response.model" not in (span.attributes or {})
        with pytest.raises(llm.RateLimitError):  # sticky: no second span
            response.finish()
        assert len(telemetry.llm_spans()) == 1
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "RateLimitError"
    assert telemetry.points("gen_ai.client.token.usage") == []


@pytest.mark.parametrize("case", [stream_error_param(c) for c in STREAM_ERRORS])
def test_error_event_after_200(case: Any, telemetry: Telemetry) -> None:
    wire = case.wire
    body = wire.body(TEXT)
    body = body[: event_end(body, b'"Hello "')] + case.event
    with serving(wire) as server:
        server.add(RecordedResponse(body=body))
        response = wire.model().stream("hi")
        with pytest.raises(case.error_class):
            response.finish()
        span = telemetry.only_llm_span()
        assert_failed(span, case.error_class.__name__)
        assert ended_as(span) == "failed"
        assert (span.attributes or {})["gen_ai.response.time_to_first_chunk"] > 0


@pytest.mark.parametrize("wire", WIRES)
def test_transport_error_mid_stream(wire: Wire, telemetry: Telemetry) -> None:
    body = wire.body(TEXT)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=event_end(body, b'"Hello "')))
        response = wire.model().stream("hi")
        with pytest.raises(llm.ConnectionError):
            response.finish()
        assert_failed(telemetry.only_llm_span(), "ConnectionError")


@pytest.mark.parametrize("wire", WIRES)
async def test_transport_error_mid_stream_async(wire: Wire, telemetry: Telemetry) -> None:
    body = wire.body(TEXT)
    with serving(wire) as server:
        server.add(RecordedResponse(body=body), fault=Fault(cut_after=event_end(body, b'"Hello "')))
        response = await wire.model().stream_async("hi")
        with pytest.raises(llm.ConnectionError):
            await response.finish()
        assert_failed(telemetry.only_llm_span(), "ConnectionError")


@pytest.mark.parametrize("wire", WIRES)
def test_timeout(wire: Wire, telemetry: Telemetry) -> None:
    body = wire.body(TEXT)
    with serving(wire, timeout=httpx.Timeout(10.0, read=READ_TIMEOUT)) as server:
        server.add(
            RecordedResponse(body=body), fault=Fault(stall_after=event_end(body, b'"Hello "'))
        )
        response = wire.model().stream("hi")
        with pytest.raises(llm.TimeoutError):
            response.finish()
        assert_failed(telemetry.only_llm_span(), "TimeoutError")


@pytest.mark.parametrize("wire", WIRES)
async def test_timeout_async(wire: Wire, telemetry: Telemetry) -> None:
    body = wire.body(TEXT)
    with serving(wire, timeout=httpx.Timeout(10.0, read=READ_TIMEOUT)) as server:
        server.add(
            RecordedResponse(body=body), fault=Fault(stall_after=event_end(body, b'"Hello "'))
        )
        response = await wire.model().stream_async("hi")
        with pytest.raises(llm.TimeoutError):
            await response.finish()
        assert_failed(telemetry.only_llm_span(), "TimeoutError")


@pytest.mark.parametrize("wire", WIRES)
async def test_task_cancellation(wire: Wire, telemetry: Telemetry) -> None:
    body = wire.body(TEXT)
    with serving(wire) as server:
        server.add(
            RecordedResponse(body=body), fault=Fault(stall_after=event_end(body, b'"Hello "'))
        )
        response = await wire.model().stream_async("hi")
        task = asyncio.ensure_future(response.finish())
        while not response.texts:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        span = telemetry.only_llm_span()
        assert_failed(span, "CancelledError")
        assert ended_as(span) == "interrupted"


@pytest.mark.parametrize("wire", WIRES)
def test_keyboard_interrupt(wire: Wire, telemetry: Telemetry) -> None:
    """A real SIGINT while the stream waits on the socket (as Ctrl-C would arrive)."""
    body = wire.body(TEXT)
    with serving(wire) as server:
        server.add(
            RecordedResponse(body=body), fault=Fault(stall_after=event_end(body, b'"Hello "'))
        )
        response = wire.model().stream("hi")
        assert _first_text(response) == "Hello "
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                response.finish()
        finally:
            timer.cancel()
        span = telemetry.only_llm_span()
        assert_failed(span, "KeyboardInterrupt")
        assert ended_as(span) == "interrupted"


# ---- retries and the tool loop ---------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_retry_one_span_per_attempt_under_one_parent(
    wire: Wire, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # backoff waits
    body = wire.body(TEXT)
    with serving(wire, max_retries=0) as server:
        server.add(RecordedResponse(body=b'{"error": {"message": "busy"}}', status=503))
        server.add(  # content shown, then the connection drops: a restart
            RecordedResponse(body=body), fault=Fault(cut_after=event_end(body, b'"Hello "'))
        )
        server.add(RecordedResponse(body=body))
        model = llm.retry_model(wire.model_id, max_retries=3, initial_delay=0.0)
        with telemetry.parent("caller") as caller:
            response = model.stream("hi")
        with telemetry.parent("elsewhere"):  # iterated under another span
            text = ""
            while True:
                try:
                    text = "".join(response.text_stream())
                    break
                except llm.StreamRestarted:
                    restarted = response.timings  # the new attempt has not been sent yet
                    assert restarted.sent_at is None and restarted.chunk_count == 0
                    assert restarted.chunks_per_second is None
                    continue
        assert text == "Hello world\n"
        assert response.timings.chunk_count == len(response.chunks) == 4
        spans = telemetry.llm_spans()
        assert [ended_as(s) for s in spans] == ["failed", "failed", "consumed"]
        assert_failed(spans[0], "ServerError")
        assert_failed(spans[1], "ConnectionError")
        assert_complete(spans[2])
        assert {s.parent.span_id for s in spans if s.parent} == {caller.get_span_context().span_id}
        # Each attempt is its own operation with its one HTTP request (the provider's own
        # retries are off); the cut after content fails the operation, not the HTTP exchange,
        # whose span ended once its response streamed.
        (busy,), (cut,), (good,) = (telemetry.http_spans(s) for s in spans)
        assert_http_span(busy, spans[0], status=503, error=True)
        assert_http_span(cut, spans[1], status=200)
        assert_http_span(good, spans[2], status=200)


@pytest.mark.parametrize("wire", WIRES)
async def test_retry_async(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire, max_retries=0) as server:
        server.add(RecordedResponse(body=b'{"error": {"message": "busy"}}', status=503))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        model = llm.retry_model(wire.model_id, max_retries=2, initial_delay=0.0)
        with telemetry.parent("caller") as caller:
            response = await model.stream_async("hi")
        await response.finish()
        spans = telemetry.llm_spans()
        assert [ended_as(s) for s in spans] == ["failed", "consumed"]
        assert {s.parent.span_id for s in spans if s.parent} == {caller.get_span_context().span_id}
        (busy,), (good,) = (telemetry.http_spans(s) for s in spans)
        assert_http_span(busy, spans[0], status=503, error=True)
        assert_http_span(good, spans[1], status=200)


# ---- the HTTP requests sent: one HTTP client span each, under the GenAI span ------------------


def assert_http_span(
    span: ReadableSpan,
    parent: ReadableSpan,
    *,
    status: int | None,
    error: bool = False,
    resend: int = 0,
) -> None:
    """An HTTP client span of the conventions, child of the GenAI span `parent`."""
    attrs = dict(span.attributes or {})
    assert span.name == "POST" and span.kind is SpanKind.CLIENT
    assert span.parent is not None and span.parent.span_id == parent.context.span_id
    assert span.context.trace_id == parent.context.trace_id
    assert attrs["http.request.method"] == "POST"
    assert attrs["server.address"] == (parent.attributes or {})["server.address"]
    assert attrs["server.port"] == (parent.attributes or {})["server.port"]
    assert str(attrs["url.full"]).startswith(f"http://{attrs['server.address']}:")
    assert attrs.get("http.response.status_code") == status
    assert attrs.get("http.request.resend_count") == (resend or None)
    if error:
        assert span.status.status_code is StatusCode.ERROR
        assert attrs["error.type"]
        if status is not None and status >= 400:
            assert attrs["error.type"] == str(status)
    else:
        assert span.status.status_code is StatusCode.UNSET
        assert "error.type" not in attrs
    assert not span.events
    # Within the operation: the GenAI span covers every request sent for it.
    assert parent.start_time is not None and parent.end_time is not None
    assert span.start_time is not None and span.end_time is not None
    assert parent.start_time <= span.start_time <= span.end_time <= parent.end_time


def _path_options(path: str) -> dict[str, Any]:
    """What `register_provider` is given so requests take `path`."""
    if path == "own":
        return {}
    if path == "httpx":
        return {"http": "httpx"}
    module = pytest.importorskip("httpx2")
    return {"http_client": module.Client(), "async_http_client": module.AsyncClient()}


def _retried_server(server: ReplayServer) -> None:
    """A 503, then a 200 whose connection drops before its first event, then a good stream:
    three HTTP requests for one provider request (`max_retries=2`)."""
    server.add(RecordedResponse(body=b'{"error": {"message": "busy"}}', status=503))
    server.add(RecordedResponse(body=COMPLETIONS.body(TEXT)), fault=Fault(cut_after=0))
    server.add(RecordedResponse(body=COMPLETIONS.body(TEXT)))


def _assert_retried(telemetry: Telemetry, caller: Any) -> None:
    llm_span = telemetry.only_llm_span()
    assert_complete(llm_span)  # the operation succeeded: the retries are inside it
    assert llm_span.parent and llm_span.parent.span_id == caller.get_span_context().span_id
    first, second, third = sorted(telemetry.http_spans(llm_span), key=lambda s: s.start_time)
    assert_http_span(first, llm_span, status=503, error=True)
    assert_http_span(second, llm_span, status=200, error=True, resend=1)
    assert_http_span(third, llm_span, status=200, resend=2)
    assert first.end_time <= second.start_time and second.end_time <= third.start_time
    assert len(telemetry.http_spans()) == 3


@pytest.mark.usefixtures("sleeps")
@pytest.mark.parametrize("path", HTTP_PATHS)
def test_each_http_request_sent_has_its_own_span(path: str, telemetry: Telemetry) -> None:
    """The transport's retries (`max_retries`): one GenAI span for the operation, as the
    conventions ask of automatic retries, and under it one HTTP client span per request
    sent, `http.request.resend_count` on the resends, `error.type` on the failed ones."""
    with serving(COMPLETIONS, max_retries=2, **_path_options(path)) as server:
        _retried_server(server)
        with telemetry.parent("caller") as caller:
            response = COMPLETIONS.model().stream("hi")
        assert "".join(response.text_stream()) == "Hello world\n"
        assert len(server.requests) == 3
    _assert_retried(telemetry, caller)


@pytest.mark.usefixtures("sleeps")
@pytest.mark.parametrize("path", HTTP_PATHS)
async def test_each_http_request_sent_has_its_own_span_async(
    path: str, telemetry: Telemetry
) -> None:
    with serving(COMPLETIONS, max_retries=2, **_path_options(path)) as server:
        _retried_server(server)
        with telemetry.parent("caller") as caller:
            response = await COMPLETIONS.model().stream_async("hi")
        await response.finish()
        assert response.text() == "Hello world"
    _assert_retried(telemetry, caller)


@pytest.mark.usefixtures("sleeps")
@pytest.mark.parametrize("path", HTTP_PATHS)
def test_requests_that_never_reached_a_server_have_spans(path: str, telemetry: Telemetry) -> None:
    """Nobody listening: each attempt fails to connect. Every one is a request the client
    tried to send (the HTTP conventions give even a DNS failure its span)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key="sk-test",
        max_retries=1,
        **_path_options(path),
    )
    with pytest.raises(llm.ConnectionError):
        COMPLETIONS.model().stream("hi").finish()
    llm_span = telemetry.only_llm_span()
    assert_failed(llm_span, "ConnectionError")
    spans = sorted(telemetry.http_spans(llm_span), key=lambda s: s.start_time)
    assert len(spans) == 2
    for resend, span in enumerate(spans):
        assert_http_span(span, llm_span, status=None, error=True, resend=resend)
    expected = "ConnectionRefusedError" if path == "own" else "ConnectError"
    assert {(s.attributes or {})["error.type"] for s in spans} == {expected}


def test_a_stale_pooled_connection_is_a_request_sent(telemetry: Telemetry) -> None:
    """The own transport's transparent resend: a kept-alive connection the server dropped
    as the request arrived. The request did go out (written to a connection the client had
    every reason to think open), so it has its span, failed, and the resend has its own."""
    wire = chunked(BODY, [80])
    with raw_server("own", Script([wire]), Script([], drop=True), Script([wire])) as server:
        assert outcome(model()) == (EXPECTED_TEXT, None, "")
        assert outcome(model()) == (EXPECTED_TEXT, None, "")
        assert (server.requests, server.accepted) == (3, 2)
    _assert_stale_resend(telemetry)


async def test_a_stale_pooled_connection_is_a_request_sent_async(telemetry: Telemetry) -> None:
    wire = chunked(BODY, [80])
    with raw_server("own", Script([wire]), Script([], drop=True), Script([wire])) as server:
        assert await aoutcome(model()) == (EXPECTED_TEXT, None, "")
        assert await aoutcome(model()) == (EXPECTED_TEXT, None, "")
        assert (server.requests, server.accepted) == (3, 2)
    _assert_stale_resend(telemetry)


def test_a_connection_cut_before_the_first_event_is_a_failed_request(
    telemetry: Telemetry,
) -> None:
    """A 200 head, then the connection closes before any event: nothing reached the user,
    so the own transport sends the request again. The first request's span failed with the
    `llm` class the Rust decoder's error chunk stands for (httpx raises its own error)."""
    wire = chunked(BODY, [80])
    with raw_server("own", Script([], close=True), Script([wire]), max_retries=1) as server:
        assert outcome(model()) == (EXPECTED_TEXT, None, "")
        assert server.requests == 2
    (operation,) = telemetry.llm_spans()
    assert ended_as(operation) == "consumed"
    cut, resent = sorted(telemetry.http_spans(operation), key=lambda s: s.start_time)
    assert_http_span(cut, operation, status=200, error=True)
    assert (cut.attributes or {})["error.type"] == "ConnectionError"
    assert_http_span(resent, operation, status=200, resend=1)


def _assert_stale_resend(telemetry: Telemetry) -> None:
    first, second = telemetry.llm_spans()
    assert ended_as(first) == ended_as(second) == "consumed"
    (only,) = telemetry.http_spans(first)
    assert_http_span(only, first, status=200)
    stale, resent = sorted(telemetry.http_spans(second), key=lambda s: s.start_time)
    assert_http_span(stale, second, status=None, error=True)
    assert_http_span(resent, second, status=200, resend=1)
    assert second.status.status_code is StatusCode.UNSET  # nothing the user saw failed


@pytest.mark.parametrize("path", HTTP_PATHS)
async def test_a_request_cancelled_in_flight_ends_its_span(path: str, telemetry: Telemetry) -> None:
    """Cancelled while waiting for the first event: the HTTP span ends with the GenAI span,
    as cancelled (no hook of the transport sees a cancellation)."""
    body = COMPLETIONS.body(TEXT)
    with serving(COMPLETIONS, **_path_options(path)) as server:
        server.add(RecordedResponse(body=body), fault=Fault(stall_after=0))
        response = await COMPLETIONS.model().stream_async("hi")
        task = asyncio.ensure_future(response.finish())
        while not server.requests:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    llm_span = telemetry.only_llm_span()
    assert_failed(llm_span, "CancelledError")
    (span,) = telemetry.http_spans(llm_span)
    assert_http_span(span, llm_span, status=None, error=True)
    assert (span.attributes or {})["error.type"] == "CancelledError"


CALLS = Reply(tool_calls=[SynthToolCall("call_1", "lookup", {"q": "first"})])


@llm.tool
def lookup(q: str) -> str:
    """Looks something up."""
    return f"found {q}"


@pytest.mark.parametrize("wire", WIRES)
def test_tool_loop_resume_is_a_new_span(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire) as server:
        server.add(RecordedResponse(body=wire.body(CALLS)))
        server.add(RecordedResponse(body=wire.body(TEXT)))
        with telemetry.parent("first") as first:
            response = wire.model().stream("look it up", tools=[lookup])
        response.finish()
        assert len(response.tool_calls) == 1
        outputs = response.execute_tools()
        with telemetry.parent("second") as second:
            follow_up = response.resume(outputs)
        follow_up.finish()
        assert follow_up.text() == "Hello world"
        spans = telemetry.llm_spans()
        assert len(spans) == 2
        assert_complete(spans[0], CALLS)
        assert_complete(spans[1])
        assert spans[0].parent and spans[0].parent.span_id == first.get_span_context().span_id
        assert spans[1].parent and spans[1].parent.span_id == second.get_span_context().span_id


# ---- context propagation and concurrency -----------------------------------------------------


async def test_200_concurrent_streams_have_their_own_parents(telemetry: Telemetry) -> None:
    tracer = telemetry.tracer_provider.get_tracer("test")
    # 200 connections at once to a threaded stdlib server on a busy machine: the quick read
    # timeout could fire before a first event, and the retry would then ask the server for a
    # 201st response. A generous timeout and no retries keep the test about the spans.
    with serving(ANTHROPIC, max_retries=0, timeout=60.0) as server:
        for i in range(200):
            server.add(RecordedResponse(body=ANTHROPIC.body(Reply(text=[f"answer {i}"]))))

        async def one(i: int) -> tuple[int, str]:
            with tracer.start_as_current_span(f"request {i}") as parent:
                response = await ANTHROPIC.model().stream_async(f"question {i}")
                await asyncio.sleep(0)  # let the others start
                await response.finish()
                return parent.get_span_context().span_id, response.text()

        results = await asyncio.gather(*(one(i) for i in range(200)))
    spans = telemetry.llm_spans()
    assert len(spans) == 200
    parents = {s.parent.span_id for s in spans if s.parent}
    assert parents == {span_id for span_id, _ in results}
    assert all(ended_as(s) == "consumed" for s in spans)
    assert sum(p.count for p in telemetry.points("gen_ai.client.operation.duration")) == 200
    for span in spans:  # one HTTP request each, under its own GenAI span
        (http,) = telemetry.http_spans(span)
        assert_http_span(http, span, status=200)
    assert len(telemetry.http_spans()) == 200


async def test_parent_is_the_span_at_stream_time_not_at_iteration(telemetry: Telemetry) -> None:
    tracer = telemetry.tracer_provider.get_tracer("test")
    with serving(COMPLETIONS) as server:
        server.add(RecordedResponse(body=COMPLETIONS.body(TEXT)))
        with tracer.start_as_current_span("at stream()") as opened:
            response = await COMPLETIONS.model().stream_async("hi")

        async def consume() -> None:
            with tracer.start_as_current_span("consumer"):
                await response.finish()

        await asyncio.gather(consume())
        span = telemetry.only_llm_span()
        assert span.parent and span.parent.span_id == opened.get_span_context().span_id
        # the LLM span is never made current: the consumer's code is not inside it
        assert otel_trace.get_current_span() is otel_trace.INVALID_SPAN


# ---- content, sessions, recorded streams -----------------------------------------------------


def test_content_only_when_opted_in(telemetry: Telemetry) -> None:
    messages = [system("Be brief."), user("hi")]
    with serving(ANTHROPIC) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        ANTHROPIC.model().stream(messages).finish()
        attrs = dict(telemetry.only_llm_span().attributes or {})
        assert not any(key in attrs for key in CONTENT_KEYS)

        ops.configure(
            tracer_provider=telemetry.tracer_provider,
            meter_provider=telemetry.meter_provider,
            capture_content=True,
        )
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        ANTHROPIC.model().stream(messages).finish()
        attrs = dict(telemetry.llm_spans()[1].attributes or {})
        assert json.loads(attrs["gen_ai.system_instructions"]) == [
            {"type": "text", "content": "Be brief."}
        ]
        assert json.loads(attrs["gen_ai.input.messages"]) == [
            {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
        ]
        assert json.loads(attrs["gen_ai.output.messages"]) == [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "Hello world"}],
                "finish_reason": "stop",
            }
        ]


def test_content_by_environment_variable(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    ops.configure(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    with serving(COMPLETIONS) as server:
        server.add(RecordedResponse(body=COMPLETIONS.body(TEXT)))
        COMPLETIONS.model().stream("hi").finish()
        attrs = dict(telemetry.only_llm_span().attributes or {})
        assert "gen_ai.input.messages" in attrs and "gen_ai.output.messages" in attrs


def test_session_id_on_spans(telemetry: Telemetry) -> None:
    assert ops.current_session() is None
    with serving(ANTHROPIC) as server, ops.session("user-42") as session:
        assert ops.current_session() is session and session.id == "user-42"
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        with ops.span("step") as step:
            ANTHROPIC.model().stream("hi").finish()
    assert ops.current_session() is None
    llm_span = telemetry.only_llm_span()
    assert (llm_span.attributes or {})["session.id"] == "user-42"
    assert llm_span.parent and llm_span.parent.span_id == int(step.span_id or "0", 16)
    (step_span,) = [s for s in telemetry.spans() if s.name == "step"]
    assert (step_span.attributes or {})["session.id"] == "user-42"


RECORDED = {  # file, provider, base URL path, model id
    "openai-completions": (
        "openai_gpt_4o_completions.json", "openai:completions", "/v1", "openai/gpt-4o"
    ),
    "openai-responses": (
        "openai_gpt_4o_responses.json", "openai:responses", "/v1", "openai/gpt-4o"
    ),
    "anthropic": (
        "anthropic_claude_sonnet_4_0.json", "anthropic", "", "anthropic/claude-sonnet-4-0"
    ),
    "google": ("google_gemini_2_5_flash.json", "google", "", "google/gemini-2.5-flash"),
}  # fmt: skip


@pytest.mark.parametrize("wire_format", sorted(RECORDED))
def test_recorded_provider_streams(wire_format: str, telemetry: Telemetry) -> None:
    """Real provider streams: the span's usage is what the provider reported."""
    name, provider, prefix, model_id = RECORDED[wire_format]
    exchange = load_recording(FIXTURES / "call" / name)[0]
    with ReplayServer() as server:
        server.add(exchange.response)
        scope = provider.split(":")[0] + "/"
        llm.register_provider(
            provider, scope=scope, base_url=server.url + prefix, api_key="sk-test", max_retries=0
        )
        response = llm.Model(model_id).stream("hi")
        response.finish()
    span = telemetry.only_llm_span()
    attrs = dict(span.attributes or {})
    assert response.usage is not None and response.usage.output_tokens > 0
    assert attrs["gen_ai.usage.input_tokens"] == response.usage.input_tokens
    assert attrs["gen_ai.usage.output_tokens"] == response.usage.output_tokens
    assert ended_as(span) == "consumed"
    assert attrs["gen_ai.provider.name"] == EXPECTED[wire_format][1]
    assert attrs["gen_ai.request.model"] == model_id.split("/", 1)[1]


# What the recorded streams above say about themselves (read off the fixtures' bodies).
RECORDED_IDENTITY = {
    "openai-completions": ("chatcmpl-CoDWl5rS0pF10P0W0TDVgY3NA26dk", "gpt-4o-2024-08-06"),
    "openai-responses": (
        "resp_0360bd45725b0a010068f966a4c4a881959717ba17b93477ef",
        "gpt-4o-2024-08-06",
    ),
    "anthropic": ("msg_018bk6q16LtrDpGDm6TyXTgn", "claude-sonnet-4-20250514"),
    "google": ("VJfyaP7eE_6zmtkP4qLV6Ao", "gemini-2.5-flash"),
}


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("http", ["own", "httpx"])
@pytest.mark.parametrize("wire_format", sorted(RECORDED))
async def test_recorded_streams_report_the_response_id_and_model(
    wire_format: str, http: str, asynchronous: bool, telemetry: Telemetry
) -> None:
    """`gen_ai.response.id` and `gen_ai.response.model` are what the provider's stream said
    (the model often a dated version of the one asked for), on both HTTP paths."""
    name, provider, prefix, model_id = RECORDED[wire_format]
    exchange = load_recording(FIXTURES / "call" / name)[0]
    with ReplayServer(piece_size=64) as server:
        server.add(exchange.response)
        scope = provider.split(":")[0] + "/"
        llm.register_provider(
            provider,
            scope=scope,
            base_url=server.url + prefix,
            api_key="sk-test",
            max_retries=0,
            http="httpx" if http == "httpx" else None,
        )
        model = llm.Model(model_id)
        if asynchronous:
            async_response = await model.stream_async("hi")
            await async_response.finish()
        else:
            model.stream("hi").finish()
    span = telemetry.only_llm_span()
    attrs = dict(span.attributes or {})
    assert ended_as(span) == "consumed"
    response_id, response_model = RECORDED_IDENTITY[wire_format]
    assert attrs["gen_ai.response.id"] == response_id
    assert attrs["gen_ai.response.model"] == response_model
    assert attrs["gen_ai.request.model"] == model_id.split("/", 1)[1]


# ---- without OpenTelemetry; uninstrumented ---------------------------------------------------


def test_uninstrumented_makes_no_spans() -> None:
    t = Telemetry()
    ops.configure(tracer_provider=t.tracer_provider, meter_provider=t.meter_provider)
    try:
        assert not ops.is_llm_instrumented()
        with serving(ANTHROPIC) as server:
            server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
            response = ANTHROPIC.model().stream("hi")
            response.finish()
            assert response._ops is None
        assert t.spans() == []
    finally:
        ops.configure()


def test_without_opentelemetry_installed() -> None:
    """`import ferriscope.ops` works; `instrument_llm()` names the extra; spans are no-ops."""
    script = """
import sys
sys.modules["opentelemetry"] = None  # as if not installed
from ferriscope import ops
with ops.session("s") as s, ops.span("x") as span:
    assert span.is_noop and ops.current_session() is s

@ops.trace
def f(x):
    return x + 1

assert f(1) == 2
try:
    ops.instrument_llm()
except ops.MissingOpenTelemetryError as error:
    print(error)
else:
    raise SystemExit("no error")
assert "opentelemetry" not in sys.modules or sys.modules["opentelemetry"] is None
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "pip install 'ferriscope[ops]'" in out.stdout
    assert "instrument_llm" in out.stdout


def test_importing_ferriscope_does_not_import_opentelemetry() -> None:
    script = "import sys, ferriscope, ferriscope.llm, ferriscope.ops\n"
    script += "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ---- timings (no OpenTelemetry needed) -------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
def test_timings_without_tracing(wire: Wire) -> None:
    reply = Reply(text=[f"w{i} " for i in range(20)])
    with serving(wire, piece_size=40, delay=0.005) as server:
        server.add(RecordedResponse(body=wire.body(reply)))
        response = wire.model().stream("hi")
        before = response.timings
        assert before.sent_at is None and before.chunk_count == 0
        started = time.time()
        response.finish()
        timings = response.timings
    assert started - 1 <= (timings.sent_at or 0) <= time.time()
    assert timings.chunk_count == len(response.chunks) == 22  # start, 20 deltas, end
    assert timings.time_to_first_chunk is not None and timings.time_to_last_chunk is not None
    assert 0 < timings.time_to_first_chunk < timings.time_to_last_chunk
    assert timings.chunks_per_second is not None and timings.chunks_per_second > 0
    with pytest.raises(AttributeError):
        timings.chunk_count = 0  # type: ignore[misc]


async def test_timings_async() -> None:
    with serving(ANTHROPIC, piece_size=40, delay=0.005) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(Reply(text=["a", "b", "c", "d"]))))
        response = await ANTHROPIC.model().stream_async("hi")
        await response.finish()
    timings = response.timings
    assert timings.chunk_count == 6
    assert timings.time_to_first_chunk is not None
    assert timings.time_to_last_chunk is not None
    assert timings.time_to_last_chunk >= timings.time_to_first_chunk > 0


# ---- span / trace ----------------------------------------------------------------------------


def test_trace_functions_and_generators(telemetry: Telemetry) -> None:
    @ops.trace
    def double(x: int) -> int:
        return 2 * x

    @ops.trace(name="counting", tags=["a"], metadata={"k": 1})
    def count(n: int) -> Iterator[int]:
        for i in range(n):
            assert otel_trace.get_current_span().is_recording()
            yield i

    @ops.trace
    def boom() -> None:
        raise ValueError("no")

    assert double(2) == 4
    gen = count(3)
    assert otel_trace.get_current_span() is otel_trace.INVALID_SPAN
    assert next(gen) == 0
    assert otel_trace.get_current_span() is otel_trace.INVALID_SPAN  # not leaked past yield
    assert list(gen) == [1, 2]
    with pytest.raises(ValueError):
        boom()
    spans = {s.name: s for s in telemetry.spans()}
    assert set(spans) == {"test_trace_functions_and_generators.<locals>.double", "counting",
                          "test_trace_functions_and_generators.<locals>.boom"}  # fmt: skip
    assert list((spans["counting"].attributes or {})["ferriscope.trace.tags"]) == ["a"]
    boom_span = spans["test_trace_functions_and_generators.<locals>.boom"]
    assert boom_span.status.status_code is StatusCode.ERROR
    assert (boom_span.attributes or {})["error.type"] == "ValueError"


async def test_trace_async_functions_and_generators(telemetry: Telemetry) -> None:
    @ops.trace
    async def fetch() -> int:
        await asyncio.sleep(0)
        return 1

    @ops.trace
    async def agen() -> Any:
        for i in range(2):
            await asyncio.sleep(0)
            yield i

    assert await fetch() == 1
    assert [i async for i in agen()] == [0, 1]
    assert len(telemetry.spans()) == 2


def test_trace_an_llm_call(telemetry: Telemetry) -> None:
    @ops.trace
    @llm.call(ANTHROPIC.model_id)
    def greet(name: str) -> str:
        return f"Say hello to {name}."

    with serving(ANTHROPIC) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        assert greet("Ada").text() == "Hello world"
        stream = greet.stream("Bob")
        stream.finish()
    outer = [s for s in telemetry.spans() if s.kind is SpanKind.INTERNAL]
    inner = telemetry.llm_spans()
    assert len(outer) == 2 and len(inner) == 2
    assert {s.parent.span_id for s in inner if s.parent} == {s.context.span_id for s in outer}


# ---- the examples of docs/observability.md ---------------------------------------------------


def _doc_blocks() -> list[str]:
    doc = (ROOT / "docs" / "observability.md").read_text()
    return re.findall(r"```python\n(.*?)```", doc, re.S)


def test_docs_otlp_example_exports_to_a_collector(capsys: pytest.CaptureFixture[str]) -> None:
    """The copy-paste OTLP setup, pointed at a loopback stand-in for a collector, with the
    model's provider served by a replay server: spans and metrics arrive over OTLP/HTTP."""
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from ferriscope.testing.pytest_plugin import FerriscopeReplay

    received: list[tuple[str, int]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers["content-length"])
            received.append((self.path, len(self.rfile.read(size))))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    collector = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    block = next(b for b in _doc_blocks() if "OTLPSpanExporter" in b)
    code = block.replace("localhost:4318", f"127.0.0.1:{collector.server_address[1]}")
    try:
        with FerriscopeReplay() as replay:
            replay.use("openai:completions", model_scope="openai/")
            replay.add(Reply(text=["Try ", "Mistborn."]))
            exec(compile(code, "observability.md", "exec"), {"__name__": "__main__"})
    finally:
        ops.uninstrument_llm()
        ops.configure()
        collector.shutdown()
    assert "Try Mistborn." in capsys.readouterr().out
    paths = {path for path, size in received if size > 0}
    assert paths == {"/v1/traces", "/v1/metrics"}


def test_docs_own_spans_example(telemetry: Telemetry, capsys: pytest.CaptureFixture[str]) -> None:
    block = next(b for b in _doc_blocks() if 'ops.session("conversation-7")' in b)
    with serving(ANTHROPIC) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        namespace: dict[str, Any] = {"__name__": "docs"}
        exec(compile(block, "observability.md", "exec"), namespace)
        namespace["stream"].finish()
    assert capsys.readouterr().out.strip() == "conversation-7"
    names = {s.name for s in telemetry.spans()}
    assert {"handle request", "plan", "summarize", "chat claude-sonnet-4-5"} <= names
    (llm_span,) = telemetry.llm_spans()
    (summarize,) = [s for s in telemetry.spans() if s.name == "summarize"]
    assert llm_span.parent and llm_span.parent.span_id == summarize.context.span_id
    assert (llm_span.attributes or {})["session.id"] == "conversation-7"


# ---- robustness ----------------------------------------------------------------------------------


class _BrokenTracer:
    def start_span(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("tracer down")


class _BrokenProvider:
    def get_tracer(self, *args: Any, **kwargs: Any) -> Any:
        return _BrokenTracer()


def test_a_failing_tracer_never_breaks_the_stream(caplog: pytest.LogCaptureFixture) -> None:
    t = Telemetry()
    ops.configure(tracer_provider=_BrokenProvider(), meter_provider=t.meter_provider)  # type: ignore[arg-type]
    ops.instrument_llm()
    try:
        with serving(ANTHROPIC) as server:
            server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
            response = ANTHROPIC.model().stream("hi")
            assert "".join(response.text_stream()) == "Hello world\n"
    finally:
        ops.uninstrument_llm()
        ops.configure()
    assert "could not start the span" in caplog.text


def test_content_of_a_tool_loop(telemetry: Telemetry) -> None:
    ops.configure(
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        capture_content=True,
    )
    with serving(COMPLETIONS) as server:
        server.add(RecordedResponse(body=COMPLETIONS.body(CALLS)))
        server.add(RecordedResponse(body=COMPLETIONS.body(TEXT)))
        response = COMPLETIONS.model().stream("look it up", tools=[lookup])
        response.finish()
        response.resume(response.execute_tools()).finish()
    first, second = telemetry.llm_spans()
    (output,) = json.loads((first.attributes or {})["gen_ai.output.messages"])
    assert output["finish_reason"] == "tool_call"
    assert output["parts"] == [
        {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {"q": "first"}}
    ]
    sent = json.loads((second.attributes or {})["gen_ai.input.messages"])
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[2]["parts"] == [
        {"type": "tool_call_response", "id": "call_1", "response": "found first"}
    ]


# ---- request parameters as sent ------------------------------------------------------------------

PARAMS = {
    "max_tokens": 100,
    "temperature": 0.2,
    "top_p": 0.9,
    "top_k": 40,
    "seed": 7,
    "stop_sequences": ["END"],
}
# What each wire format sends of PARAMS (the encoders skip, with a log line, what it lacks).
SENT = {
    "openai-completions": {"max_tokens", "temperature", "top_p", "seed", "stop_sequences"},
    "openai-responses": {"max_tokens", "temperature", "top_p"},
    "anthropic": {"max_tokens", "temperature", "top_p", "top_k", "stop_sequences"},
    "google": {"max_tokens", "temperature", "top_p", "top_k", "seed", "stop_sequences"},
}


@pytest.mark.parametrize("wire", WIRES)
def test_request_parameters_as_sent(wire: Wire, telemetry: Telemetry) -> None:
    with serving(wire) as server:
        server.add(RecordedResponse(body=wire.body(TEXT)))
        llm.Model(wire.model_id, **PARAMS).stream("hi").finish()
    attrs = dict(telemetry.only_llm_span().attributes or {})
    sent = {
        key: attrs[f"gen_ai.request.{key}"] for key in PARAMS if f"gen_ai.request.{key}" in attrs
    }
    assert set(sent) == SENT[wire.wire_format]
    for key, value in sent.items():
        assert (list(value) if key == "stop_sequences" else value) == PARAMS[key]


def test_request_model_is_the_provider_name_not_the_routing_id(telemetry: Telemetry) -> None:
    with ReplayServer() as server:
        llm.register_provider("openai", scope="openai/", base_url=server.url + "/v1", api_key="k")
        server.add(RecordedResponse(body=COMPLETIONS.body(TEXT)))
        llm.Model("openai/gpt-4o:completions").stream("hi").finish()
    span = telemetry.only_llm_span()
    assert span.name == "chat gpt-4o"
    assert (span.attributes or {})["gen_ai.request.model"] == "gpt-4o"


def test_uninstrumenting_mid_stream_still_ends_the_span(telemetry: Telemetry) -> None:
    with serving(ANTHROPIC, piece_size=32) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(LONG)))
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        response = ANTHROPIC.model().stream("hi")
        _first_text(response)
        ops.uninstrument_llm()
        assert not ops.is_llm_instrumented()
        response.finish()
        ANTHROPIC.model().stream("not instrumented").finish()
    assert ended_as(telemetry.only_llm_span()) == "consumed"


def test_instrumenting_twice_gives_one_span_per_request(telemetry: Telemetry) -> None:
    ops.instrument_llm()
    with serving(ANTHROPIC) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(TEXT)))
        ANTHROPIC.model().stream("hi").finish()
    assert_complete(telemetry.only_llm_span())


def test_time_per_output_chunk_metric(telemetry: Telemetry) -> None:
    """Recorded once per stream whose chunks came in more than one read: the mean time per
    chunk after the first read (the inverse of `timings.chunks_per_second`)."""
    reply = Reply(text=[f"w{i} " for i in range(20)])
    with serving(ANTHROPIC, piece_size=40, delay=0.005) as server:
        server.add(RecordedResponse(body=ANTHROPIC.body(reply)))
        response = ANTHROPIC.model().stream("hi")
        response.finish()
    rate = response.timings.chunks_per_second
    assert rate is not None
    (point,) = telemetry.points("gen_ai.client.operation.time_per_output_chunk")
    assert point.count == 1
    assert point.sum == pytest.approx(1 / rate)
    (first,) = telemetry.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.sum == pytest.approx(response.timings.time_to_first_chunk)
    assert list(first.explicit_bounds)[:3] == [0.01, 0.02, 0.04]
    (usage,) = [
        p
        for p in telemetry.points("gen_ai.client.token.usage")
        if p.attributes["gen_ai.token.type"] == "output"
    ]
    assert list(usage.explicit_bounds)[:4] == [1, 4, 16, 64]


def test_chunk_intervals_one_per_chunk_after_the_first() -> None:
    """Per read (clock, chunks): the first chunk of each later read gets the time since the
    previous read, the chunks that came with it 0, the stream's first chunk nothing."""
    from ferriscope.ops.instrumentation import chunk_intervals

    stamps = [1.0, 3, 1.5, 1, 1.75, 0, 2.0, 2]
    assert list(chunk_intervals(stamps)) == [0.0, 0.0, 0.5, 0.5, 0.0]
    assert list(chunk_intervals([4.0, 1])) == []
    assert list(chunk_intervals([])) == []


def _decoded_chunks(wire: Wire, body: bytes) -> int:
    from ferriscope._core import StreamDecoder

    decoder = StreamDecoder(wire.wire_format)
    return len(decoder.feed(body)) + len(decoder.finish())


@pytest.fixture
def each_chunk(telemetry: Telemetry) -> Iterator[Telemetry]:
    ops.configure(
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        chunk_intervals=True,
    )
    yield telemetry


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("path", HTTP_PATHS)
async def test_time_per_output_chunk_for_each_chunk(
    path: str, asynchronous: bool, each_chunk: Telemetry
) -> None:
    """`configure(chunk_intervals=True)`: one measurement per chunk after the first, as the
    conventions define the metric; together they span the first read to the last."""
    reply = Reply(text=[f"w{i} " for i in range(20)])
    body = ANTHROPIC.body(reply)
    with serving(ANTHROPIC, piece_size=300, delay=0.005, **_path_options(path)) as server:
        server.add(RecordedResponse(body=body))
        if asynchronous:
            aresponse = await ANTHROPIC.model().stream_async("hi")
            await aresponse.finish()
            timings = aresponse.timings
        else:
            response = ANTHROPIC.model().stream("hi")
            response.finish()
            timings = response.timings
    (point,) = each_chunk.points("gen_ai.client.operation.time_per_output_chunk")
    assert point.count == _decoded_chunks(ANTHROPIC, body) - 1
    assert timings.streaming_seconds is not None and timings.streaming_seconds > 0
    assert point.sum == pytest.approx(timings.streaming_seconds, abs=0.02)
    assert point.min == 0.0  # chunks that shared a read
    assert point.max > 0.0
    assert_complete(each_chunk.only_llm_span(), reply)


# ---- every recorded case, as user code ---------------------------------------------------------


_CASES = [c for c in e2e_cases.load_cases() if not c.raises]


@pytest.mark.parametrize("case", _CASES, ids=lambda c: c.name)
def test_recorded_cases_one_span_per_request(case: Any, telemetry: Telemetry) -> None:
    """Each recorded scenario (tools and resume, structured output, validation retries,
    thinking, refusals, max_tokens, web search) run as its e2e test does: one span per
    request the server received, each ended once, the last one's usage as the response's
    (cache and reasoning tokens included where the provider reported them)."""
    server = ReplayServer(load_recording(case.path), piece_size=64).start()
    try:
        e2e_cases.register(case, server.url)
        outcome = e2e_cases.run_sync(case)
        requests = len(server.requests)
    finally:
        server.stop()
    spans = telemetry.llm_spans()
    assert len(spans) == requests >= 1
    assert len({s.context.span_id for s in spans}) == len(spans)
    assert all(ended_as(s) == "consumed" for s in spans)
    last = dict(spans[-1].attributes or {})
    usage = outcome.response.usage
    if usage is None:
        assert "gen_ai.usage.input_tokens" not in last
        return
    assert last["gen_ai.usage.input_tokens"] == usage.input_tokens
    assert last["gen_ai.usage.output_tokens"] == usage.output_tokens
    assert last.get("gen_ai.usage.cache_read.input_tokens", 0) == usage.cache_read_tokens
    assert last.get("gen_ai.usage.cache_creation.input_tokens", 0) == usage.cache_write_tokens
    assert last.get("gen_ai.usage.reasoning.output_tokens", 0) == usage.reasoning_tokens


def test_cache_tokens(telemetry: Telemetry) -> None:
    """Anthropic's cache reads and writes: counted in `input_tokens` (as the conventions
    ask) and reported on their own."""
    body = ANTHROPIC.body(TEXT).replace(
        b'"cache_creation_input_tokens":0,"cache_read_input_tokens":0',
        b'"cache_creation_input_tokens":7,"cache_read_input_tokens":100',
        1,
    )
    with serving(ANTHROPIC) as server:
        server.add(RecordedResponse(body=body))
        response = ANTHROPIC.model().stream("hi")
        response.finish()
    assert response.usage is not None
    attrs = dict(telemetry.only_llm_span().attributes or {})
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 100
    assert attrs["gen_ai.usage.cache_creation.input_tokens"] == 7
    assert attrs["gen_ai.usage.input_tokens"] == response.usage.input_tokens == 12 + 100 + 7

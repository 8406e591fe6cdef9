"""The four wire formats as loopback tests use them: what `synth` writes for each, where
to cut its bodies, the error events each sends after HTTP 200, and a `ReplayServer` with the
wire's provider registered against it.

Shared by the reliability, fault-soak, nothing-lost and ops tests (they fault the same streams
in the same places); `quick_replay_server` is an autouse fixture for the modules that import
it.
"""

from __future__ import annotations

import importlib.util
import json
import socketserver
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partialmethod
from typing import Any

import httpx
import pytest

from ferriscope import llm
from ferriscope.testing import ReplayServer
from ferriscope.testing.synth import Reply, SynthToolCall, stream_for

API_KEY = "sk-test-SECRET-0123456789abcdef"
"""Long enough to be recognisable: no error message, body or cause may ever contain it."""

READ_TIMEOUT = 0.5
# Every provider in this file gets short timeouts: a regression shows up as a failure within
# seconds, never as a hung test run.
QUICK = httpx.Timeout(5.0, read=2.0)


def _has_google() -> bool:
    """Whether the Gemini provider exists (it is skipped, not failed, while it does not)."""
    try:
        return importlib.util.find_spec("ferriscope.llm.providers.google.provider") is not None
    except ModuleNotFoundError:  # no `ferriscope.llm.providers.google` package at all
        return False


HAS_GOOGLE = _has_google()


# ---- wire formats ------------------------------------------------------------------------


@dataclass(frozen=True)
class Wire:
    """One provider wire format and how to find things in the bodies `synth` writes for it."""

    provider: str
    """The id given to `llm.register_provider` (also what errors report as `provider`)."""
    wire_format: str
    """The `synth.stream_for` / `StreamDecoder` name."""
    scope: str
    model_id: str
    path_prefix: str
    """What the provider's base URL adds to the server's URL (`/v1` for OpenAI)."""
    calls_done: bytes
    """A marker in the event after which the first tool call(s) of `CALLS` are complete."""
    calls_done_count: int
    """How many tool calls are complete after that event."""
    terminal: bytes
    """A marker in the terminal event of a text-only reply (`TEXT`)."""
    malformed: bytes
    """An event whose JSON breaks off, in this format's framing."""
    malformed_name: str
    """The event name the decoder's error message must quote."""

    def register(self, server: ReplayServer, **options: Any) -> None:
        """Points this wire's provider at `server` (options: max_retries, timeout, limits…)."""
        options.setdefault("timeout", QUICK)
        llm.register_provider(
            self.provider,
            scope=self.scope,
            base_url=server.url + self.path_prefix,
            api_key=API_KEY,
            **options,
        )

    def model(self) -> llm.Model:
        return llm.Model(self.model_id)

    def body(self, reply: Reply) -> bytes:
        return stream_for(self.wire_format, reply)


COMPLETIONS = Wire(
    provider="openai:completions",
    wire_format="openai-completions",
    scope="openai/",
    model_id="openai/gpt-4o",
    path_prefix="/v1",
    # Completions ends every call at finish_reason, which is a terminal signal in itself: cut
    # once the second call has started, so both calls are open (and dropped).
    calls_done=b'"id":"call_2"',
    calls_done_count=0,
    terminal=b'"finish_reason":"stop"',  # EOF after finish_reason counts as complete
    malformed=b'data: {"choices":[{"index":0,"delta":{"content":"wor\n\n',
    malformed_name='"message"',
)
RESPONSES = Wire(
    provider="openai:responses",
    wire_format="openai-responses",
    scope="openai/",
    model_id="openai/gpt-5-mini",
    path_prefix="/v1",
    calls_done=b'"type":"response.function_call_arguments.done"',
    calls_done_count=1,
    terminal=b"event: response.completed",
    malformed=(
        b"event: response.output_text.delta\n"
        b'data: {"type":"response.output_text.delta","delta":"wor\n\n'
    ),
    malformed_name='"response.output_text.delta"',
)
ANTHROPIC = Wire(
    provider="anthropic",
    wire_format="anthropic",
    scope="anthropic/",
    model_id="anthropic/claude-sonnet-4-5",
    path_prefix="",
    calls_done=b'"type":"content_block_stop","index":1',  # block 0 is the text
    calls_done_count=1,
    terminal=b"event: message_stop",
    malformed=(
        b"event: content_block_delta\n"
        b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"wor'
        b"\n\n"
    ),
    malformed_name='"content_block_delta"',
)
GOOGLE = Wire(
    provider="google",
    wire_format="google",
    scope="google/",
    model_id="google/gemini-2.5-flash",
    path_prefix="",
    calls_done=b'"functionCall"',  # Gemini sends every call whole, in one event
    calls_done_count=2,
    terminal=b'"finishReason"',
    malformed=b'data: {"candidates":[{"content":{"parts":[{"text":"wor\r\n\r\n',
    malformed_name='"message"',
)

_google_mark = pytest.mark.skipif(
    not HAS_GOOGLE, reason="ferriscope.llm.providers.google (the Gemini encoder) is not there yet"
)
ACTIVE_WIRES = [COMPLETIONS, RESPONSES, ANTHROPIC, *([GOOGLE] if HAS_GOOGLE else [])]
"""The wire formats a test can use (Gemini once its provider exists)."""
WIRES = [
    pytest.param(COMPLETIONS, id="completions"),
    pytest.param(RESPONSES, id="responses"),
    pytest.param(ANTHROPIC, id="anthropic"),
    pytest.param(GOOGLE, id="google", marks=_google_mark),
]

TEXT = Reply(text=["Hello ", "world"])
CALLS = Reply(
    text=["Hello ", "world"],
    tool_calls=[
        SynthToolCall("call_1", "lookup", {"q": "first"}),
        SynthToolCall("call_2", "lookup", {"q": "second"}),
    ],
)
CONTINUED = Reply(text=["Continued."])


# ---- serving a wire format on loopback -----------------------------------------------------


@pytest.fixture(autouse=True)
def quick_replay_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two properties of the stdlib server under `ReplayServer` that cost time, not
    coverage: `stop()` waits for `serve_forever` to notice the shutdown, one poll interval
    (0.5 s by default, here 10 ms: test_reliability alone starts ~150 servers); and without
    TCP_NODELAY its small writes (headers, then each piece) meet the client's delayed ACK,
    40 ms per response on a reused connection."""
    monkeypatch.setattr(
        socketserver.BaseServer,
        "serve_forever",
        partialmethod(socketserver.BaseServer.serve_forever, poll_interval=0.01),
    )
    monkeypatch.setattr(socketserver.StreamRequestHandler, "disable_nagle_algorithm", True)


def event_end(body: bytes, marker: bytes) -> int:
    """The offset just past the SSE event containing `marker` (its blank line included)."""
    at = body.index(marker)
    ends = [i + len(sep) for sep in (b"\n\n", b"\r\n\r\n") if (i := body.find(sep, at)) >= 0]
    return min(ends)


def event_start(body: bytes, marker: bytes) -> int:
    """The offset where the SSE event containing `marker` begins."""
    at = body.index(marker)
    starts = [i + len(sep) for sep in (b"\n\n", b"\r\n\r\n") if (i := body.rfind(sep, 0, at)) >= 0]
    return max(starts, default=0)


def raw_utf8(body: bytes, text: str) -> bytes:
    """`body` with the JSON escapes `synth` writes for `text` replaced by raw UTF-8, so that
    multi-byte characters really travel as bytes that reads can split."""
    return body.replace(json.dumps(text)[1:-1].encode(), text.encode())


@contextmanager
def serving(
    wire: Wire, *, piece_size: int = 64, delay: float = 0.0, **options: Any
) -> Iterator[ReplayServer]:
    """A loopback server with `wire`'s provider registered against it (registry reset)."""
    with ReplayServer(piece_size=piece_size, delay=delay) as server:
        llm.reset_provider_registry()
        wire.register(server, **options)
        try:
            yield server
        finally:
            llm.reset_provider_registry()


# ---- error events after HTTP 200 -------------------------------------------------------------


@dataclass(frozen=True)
class StreamErrorCase:
    """An error event a provider sends after HTTP 200, and what it must raise."""

    wire: Wire
    event: bytes
    error_class: type[llm.APIError]
    status_code: int
    message: str


STREAM_ERRORS = [
    StreamErrorCase(
        ANTHROPIC,
        b"event: error\n"
        b'data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
        llm.ServerError,
        529,
        "Overloaded",
    ),
    StreamErrorCase(
        ANTHROPIC,
        b"event: error\n"
        b'data: {"type":"error","error":{"type":"rate_limit_error","message":"Too fast"}}\n\n',
        llm.RateLimitError,
        429,
        "Too fast",
    ),
    StreamErrorCase(
        COMPLETIONS,
        b'data: {"error":{"message":"The server had an error","type":"server_error",'
        b'"param":null,"code":null}}\n\n',
        llm.ServerError,
        500,
        "The server had an error",
    ),
    StreamErrorCase(
        COMPLETIONS,
        b'data: {"error":{"message":"Too many tokens","type":"invalid_request_error",'
        b'"param":null,"code":"context_length_exceeded"}}\n\n',
        llm.BadRequestError,
        400,
        "Too many tokens",
    ),
    StreamErrorCase(
        RESPONSES,
        b"event: response.failed\n"
        b'data: {"type":"response.failed","sequence_number":9,"response":{"id":"resp_synth",'
        b'"status":"failed","error":{"code":"server_error","message":"The model failed"}}}\n\n',
        llm.ServerError,
        500,
        "server_error: The model failed",
    ),
    StreamErrorCase(
        RESPONSES,
        b"event: response.failed\n"
        b'data: {"type":"response.failed","sequence_number":9,"response":{"id":"resp_synth",'
        b'"status":"failed","error":{"code":"rate_limit_exceeded","message":"Slow down"}}}\n\n',
        llm.RateLimitError,
        429,
        "rate_limit_exceeded: Slow down",
    ),
    StreamErrorCase(
        GOOGLE,
        b'data: {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}'
        b"\r\n\r\n",
        llm.RateLimitError,
        429,
        "Quota exceeded",
    ),
    StreamErrorCase(
        GOOGLE,
        b'data: {"error":{"code":503,"message":"The model is overloaded",'
        b'"status":"UNAVAILABLE"}}\r\n\r\n',
        llm.ServerError,
        503,
        "The model is overloaded",
    ),
]


def stream_error_param(case: StreamErrorCase) -> Any:
    marks = [_google_mark] if case.wire is GOOGLE else []
    return pytest.param(
        case, id=f"{case.wire.wire_format}-{case.error_class.__name__}", marks=marks
    )

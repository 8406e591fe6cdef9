"""`ferriscope.testing`'s own tests: recordings, the loopback server and the httpx transport
(same answers either way), pacing, piece sizes, faults, every `synth` wire format as the
library decodes it, and the `ferriscope_replay` pytest fixture."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ferriscope import llm
from ferriscope.llm.messages import system, user
from ferriscope.llm.providers.registry import PROVIDER_REGISTRY
from ferriscope.testing import (
    Fault,
    RecordedExchange,
    RecordedResponse,
    ReplayServer,
    ReplayTransport,
    load_recording,
    pytest_plugin,
    sse_response,
)
from ferriscope.testing.pytest_plugin import FerriscopeReplay
from ferriscope.testing.synth import Reply, SynthToolCall, stream_for
from tests.support.paths import FIXTURES, ROOT

pytest_plugins = ["pytester"]

QUICK = httpx.Timeout(5.0, read=2.0)
"""Every provider here gets short timeouts: a regression fails in seconds, never hangs."""


@pytest.fixture
def replay() -> Iterator[FerriscopeReplay]:
    """What the `ferriscope_replay` fixture yields, built from its class (the entry point is
    only there once the package is reinstalled; the plugin itself is tested with pytester)."""
    with FerriscopeReplay() as instance:
        yield instance


def drain(response: Any) -> tuple[str, BaseException | None]:
    """The text a stream yields and the error it ends with, if any."""
    out: list[str] = []
    try:
        for piece in response.text_stream():
            out.append(piece)
    except llm.Error as error:
        return "".join(out), error
    return "".join(out), None


# ---- recordings: load_recording, replayed through the transport and the server ------------


PASSWORD_MAP = {"mellon": "Welcome to Moria!", "radiance": "Life before Death"}

# provider_api → (the id to register, the scope of its model ids)
RECORDED_PROVIDERS = {
    "anthropic": "anthropic",
    "anthropic-beta": "anthropic-beta",
    "google": "google",
    "openai-completions": "openai",
    "openai-responses": "openai",
}


def recorded_base_url(url: str, provider_api: str) -> str:
    """The base URL the recording's provider was configured with (its path prefix kept)."""
    parts = urlsplit(url)
    prefix = "/v1" if provider_api.startswith("openai") else ""
    return f"{parts.scheme}://{parts.netloc}{prefix}"


def part_dicts(response: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in response.content:
        if part.type == "text":
            out.append({"type": "text", "text": part.text})
        elif part.type == "thought":
            out.append({"type": "thought", "thought": part.thought})
        else:
            out.append({"type": "tool_call", "id": part.id, "name": part.name, "args": part.args})
    return out


def run_tool_loop(case: dict[str, Any]) -> tuple[list[list[dict[str, Any]]], Any]:
    """The recorded `call_with_tools` test, written as user code: stream, run the tools,
    resume with their outputs, stream again."""

    @llm.tool
    def secret_retrieval_tool(password: str) -> str:
        """A tool that requires a password to retrieve a secret."""
        return PASSWORD_MAP.get(password, "Invalid password!")

    prompt = case["call"]["messages"]
    messages: list[llm.Message] = [system(prompt[0]["text"]), user(prompt[1]["text"])]
    response = llm.Model(case["model_id"]).stream(messages, tools=[secret_retrieval_tool])
    turns = []
    while True:
        response.finish()
        turns.append(part_dicts(response))
        if not response.tool_calls:
            return turns, response
        response = response.resume(response.execute_tools())


TOOL_CASES = sorted((FIXTURES / "call_with_tools").glob("*.json"))


@pytest.mark.parametrize("path", TOOL_CASES, ids=[p.stem for p in TOOL_CASES])
def test_a_recording_replays_the_same_through_transport_and_server(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    exchanges = load_recording(path)
    assert len(exchanges) == len(case["interactions"]) == 2
    for exchange, interaction in zip(exchanges, case["interactions"], strict=True):
        assert isinstance(exchange, RecordedExchange)
        assert exchange.response.body == interaction["response"]["body"].encode()
        assert exchange.response.status == 200
        assert exchange.response.content_type.startswith("text/event-stream")
        assert exchange.request_url == interaction["request"]["url"]
        assert exchange.request_body == interaction["request"]["body"]

    provider = RECORDED_PROVIDERS[case["provider_api"]]
    scope = case["model_id"].split("/", 1)[0] + "/"
    expected_turns = case["expected"]["assistant_turns"]
    recorded_paths = [
        urlsplit(e.request_url or "").path + "?" + urlsplit(e.request_url or "").query
        for e in exchanges
    ]
    recorded_paths = [p.rstrip("?") for p in recorded_paths]

    # 1. Through ReplayTransport: no socket, the recording's own URLs.
    transport = ReplayTransport(exchanges, piece_size=17)
    base_url = recorded_base_url(exchanges[0].request_url or "", case["provider_api"])
    with httpx.Client(transport=transport) as client:
        llm.register_provider(
            provider, scope=scope, base_url=base_url, api_key="k", http_client=client
        )
        via_transport, last_transport = run_tool_loop(case)
    assert via_transport == expected_turns
    assert [r.path for r in transport.requests] == recorded_paths

    # 2. Through ReplayServer: a real loopback socket.
    llm.reset_provider_registry()
    with ReplayServer(exchanges, piece_size=17) as server:
        prefix = "/v1" if case["provider_api"].startswith("openai") else ""
        llm.register_provider(
            provider, scope=scope, base_url=server.url + prefix, api_key="k", timeout=QUICK
        )
        via_server, last_server = run_tool_loop(case)
    assert via_server == via_transport
    assert last_server.usage == last_transport.usage
    assert last_server.finish_reason == last_transport.finish_reason
    assert [r.path for r in server.requests] == recorded_paths
    # Both saw the same request bodies, which carry the recorded conversation.
    for sent_t, sent_s in zip(transport.requests, server.requests, strict=True):
        assert sent_t.json() == sent_s.json()
    assert "Moria" in server.requests[1].body.decode()


def test_sse_response_and_recorded_response() -> None:
    text = 'data: {"a": 1}\n\n'
    assert sse_response(text) == RecordedResponse(body=text.encode())
    assert sse_response(text.encode(), status=503).status == 503
    assert sse_response(text).content_type == "text/event-stream"


# ---- the transport and the server: pieces, pacing --------------------------------------------


BODY = bytes(range(256)) * 4  # 1 KiB, every byte value


def raw_reads_via_server(server: ReplayServer) -> list[bytes]:
    with (
        httpx.Client(timeout=QUICK) as client,
        client.stream("POST", server.url + "/anything", content=b"{}") as response,
    ):
        return list(response.iter_raw())


def raw_reads_via_transport(transport: ReplayTransport) -> list[bytes]:
    with (
        httpx.Client(transport=transport) as client,
        client.stream("POST", "http://replay.test/anything", content=b"{}") as response,
    ):
        return list(response.iter_raw())


@pytest.mark.parametrize("size", [1, 7, 100, 5000])
def test_piece_sizes_through_the_transport(size: int) -> None:
    pieces = raw_reads_via_transport(
        ReplayTransport([RecordedResponse(body=BODY)], piece_size=size)
    )
    assert b"".join(pieces) == BODY
    assert [len(p) for p in pieces[:-1]] == [size] * (len(pieces) - 1)
    assert 0 < len(pieces[-1]) <= size


@pytest.mark.parametrize("size", [1, 7, 100])
def test_piece_sizes_through_the_server(size: int) -> None:
    # Each piece is one HTTP chunk, and httpx never merges chunks into one read (a read may
    # split one where the socket did), so every read is at most a piece.
    with ReplayServer([RecordedResponse(body=BODY[:300])], piece_size=size) as server:
        pieces = raw_reads_via_server(server)
    assert b"".join(pieces) == BODY[:300]
    assert max(len(p) for p in pieces) <= size
    assert len(pieces) >= -(-300 // size)


def test_the_library_decodes_one_byte_pieces(replay: FerriscopeReplay) -> None:
    replay.server.piece_size = 1
    replay.use("anthropic")
    replay.add(Reply(text=["Grüße, ", "世界 ", "🌍"]))  # multi-byte characters split apart
    response = llm.Model("anthropic/claude-sonnet-4-0").stream("hi")
    response.finish()
    assert response.text() == "Grüße, 世界 🌍"


def test_pacing_through_the_server() -> None:
    body = stream_for("openai-responses", Reply(text=["a", "b", "c"]))
    pieces = -(-len(body) // 200)
    with ReplayServer([RecordedResponse(body=body)], piece_size=200, delay=0.05) as server:
        llm.register_provider("openai", base_url=server.url + "/v1", api_key="k")
        started = time.monotonic()
        response = llm.Model("openai/gpt-5-mini").stream("hi")
        response.finish()
        elapsed = time.monotonic() - started
    assert response.text() == "abc"
    # A pause after every piece (the last one too, before the terminating chunk).
    assert pieces * 0.05 * 0.9 <= elapsed < pieces * 0.05 + 1.0


def test_pacing_through_the_transport() -> None:
    transport = ReplayTransport([RecordedResponse(body=BODY)], piece_size=256, delay=0.05)
    started = time.monotonic()
    assert b"".join(raw_reads_via_transport(transport)) == BODY
    assert 4 * 0.05 * 0.9 <= time.monotonic() - started < 4 * 0.05 + 1.0


def test_no_pacing_by_default() -> None:
    body = BODY * 16  # 16 KiB in 256 pieces of 64 bytes
    with ReplayServer([RecordedResponse(body=body)]) as server:
        started = time.monotonic()
        assert b"".join(raw_reads_via_server(server)) == body
    assert time.monotonic() - started < 2.0


def test_requests_are_kept_and_responses_served_in_order() -> None:
    with ReplayServer([sse_response(b"one"), sse_response(b"two", status=201)]) as server:
        with httpx.Client(timeout=QUICK) as client:
            first = client.post(server.url + "/v1/a?x=1", json={"n": 1}, headers={"X-Id": "7"})
            second = client.post(server.url + "/v1/b", content=b"")
            third = client.post(server.url + "/v1/c", json={})
    assert (first.status_code, first.content) == (200, b"one")
    assert (second.status_code, second.content) == (201, b"two")
    assert third.status_code == 500 and b"no more recorded responses" in third.content
    a, b, c = server.requests
    assert (a.method, a.path, a.json(), a.headers["x-id"]) == ("POST", "/v1/a?x=1", {"n": 1}, "7")
    assert b.json() is None and c.path == "/v1/c"


def test_running_out_of_responses_is_a_server_error(replay: FerriscopeReplay) -> None:
    replay.use("openai")
    _, error = drain(llm.Model("openai/gpt-5-mini").stream("hi"))
    assert isinstance(error, llm.ServerError)
    assert "no more recorded responses" in str(error)


# ---- faults ------------------------------------------------------------------------------


CUT_REPLY = Reply(text=["Hello ", "world, ", "and goodbye."])


def cut_point(body: bytes) -> int:
    """A few bytes into the event after the one that carries "world, "."""
    return body.index(b"\n\n", body.index(b"world, ")) + 2 + 10


@pytest.mark.parametrize("via", ["server", "transport"])
def test_cut_after_is_a_connection_error_that_keeps_the_content(via: str) -> None:
    body = stream_for("anthropic", CUT_REPLY)
    response = RecordedResponse(body=body)
    fault = Fault(cut_after=cut_point(body))
    if via == "server":
        with ReplayServer([response], piece_size=16, fault=fault) as server:
            llm.register_provider(
                "anthropic", base_url=server.url, api_key="k", max_retries=0, timeout=QUICK
            )
            text, error = drain(llm.Model("anthropic/claude-sonnet-4-0").stream("hi"))
            assert len(server.requests) == 1
    else:
        transport = ReplayTransport([response], piece_size=16, fault=fault)
        with httpx.Client(transport=transport) as client:
            llm.register_provider("anthropic", api_key="k", http_client=client, max_retries=0)
            text, error = drain(llm.Model("anthropic/claude-sonnet-4-0").stream("hi"))
    assert isinstance(error, llm.ConnectionError), error
    assert text == "Hello world, "


def test_cut_after_zero_bytes_is_retried(replay: FerriscopeReplay) -> None:
    """A drop before any content is a failed request: with retries on, the next recorded
    response answers and nothing is lost."""
    replay.use("openai", max_retries=1)
    replay.add(CUT_REPLY, fault=Fault(cut_after=0))
    replay.add(CUT_REPLY)
    response = llm.Model("openai/gpt-5-mini").stream("hi")
    response.finish()
    assert response.text() == "Hello world, and goodbye."
    assert len(replay.requests) == 2


def test_stall_with_a_short_read_timeout_is_a_timeout_error(replay: FerriscopeReplay) -> None:
    body = stream_for("openai-responses", CUT_REPLY)
    stall = body.index(b"\n\n", body.index(b"world, ")) + 2
    replay.server.piece_size = 16
    replay.use("openai", timeout=httpx.Timeout(5.0, read=0.3))
    replay.add(body, fault=Fault(stall_after=stall, stall_seconds=30))
    started = time.monotonic()
    text, error = drain(llm.Model("openai/gpt-5-mini").stream("hi"))
    assert isinstance(error, llm.TimeoutError), error
    assert text == "Hello world, "
    assert 0.25 <= time.monotonic() - started < 2.0


def test_a_short_stall_is_only_slow() -> None:
    body = stream_for("anthropic", CUT_REPLY)
    with ReplayServer(
        [RecordedResponse(body=body)],
        piece_size=256,
        fault=Fault(stall_after=len(body) - 300, stall_seconds=0.1),
    ) as server:
        llm.register_provider("anthropic", base_url=server.url, api_key="k", timeout=QUICK)
        started = time.monotonic()
        response = llm.Model("anthropic/claude-sonnet-4-0").stream("hi")
        response.finish()
    assert response.text() == "Hello world, and goodbye."
    assert time.monotonic() - started >= 0.1


@pytest.mark.parametrize("via", ["server", "transport"])
def test_a_stall_pauses_once(via: str) -> None:
    """`Fault(stall_after=30, stall_seconds=0.1)` over 13 pieces of 20 bytes: one pause of
    0.1 s, not one before each of the 11 pieces after byte 30."""
    body = BODY[:260]
    fault = Fault(stall_after=30, stall_seconds=0.1)
    started = time.monotonic()
    if via == "server":
        with ReplayServer([RecordedResponse(body=body)], piece_size=20, fault=fault) as s:
            got = b"".join(raw_reads_via_server(s))
    else:
        transport = ReplayTransport([RecordedResponse(body=body)], piece_size=20, fault=fault)
        got = b"".join(raw_reads_via_transport(transport))
    assert got == body
    assert 0.1 <= time.monotonic() - started < 0.6  # with the bug: 11 pauses, 1.1 s


def test_a_stall_starts_after_exactly_stall_after_bytes() -> None:
    transport = ReplayTransport(
        [RecordedResponse(body=BODY)], piece_size=64, fault=Fault(stall_after=30, stall_seconds=0)
    )
    pieces = raw_reads_via_transport(transport)
    # Like `cut_after`, the piece that crosses the boundary is split there.
    assert [len(p) for p in pieces[:3]] == [30, 34, 64]


# ---- synth: every wire format, decoded by the library --------------------------------------

# wire format → (provider id, model id, the base URL's path prefix)
WIRES = {
    "openai-completions": ("openai:completions", "openai/gpt-4o", "/v1"),
    "openai-responses": ("openai:responses", "openai/gpt-5-mini", "/v1"),
    "anthropic": ("anthropic", "anthropic/claude-sonnet-4-0", ""),
    "google": ("google", "google/gemini-2.5-flash", ""),
}
EXPECTED_PATHS = {
    "openai-completions": "/v1/chat/completions",
    "openai-responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "google": "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
}
FULL = Reply(
    thinking=["Let me ", "think."],
    text=["Hello ", "wörld ", "🌍"],
    tool_calls=[
        SynthToolCall("call_1", "sqrt_tool", {"number": 4242}),
        SynthToolCall("call_2", "lookup", {"query": 'a "quoted" é', "n": [1, 2]}, pieces=5),
    ],
    input_tokens=21,
    output_tokens=43,
)


def stream_synth(wire: str, reply: Reply, *, piece_size: int = 64) -> tuple[Any, ReplayServer]:
    provider, model_id, prefix = WIRES[wire]
    server = ReplayServer([RecordedResponse(body=stream_for(wire, reply))], piece_size=piece_size)
    server.start()
    llm.register_provider(
        provider,
        scope=model_id.split("/")[0] + "/",
        base_url=server.url + prefix,
        api_key="k",
        max_retries=0,
        timeout=QUICK,
    )
    thinking = {"level": "medium", "include_thoughts": True}
    response = llm.Model(model_id, thinking=thinking).stream("hi")
    try:
        response.finish()
    finally:
        server.stop()
    return response, server


@pytest.mark.parametrize("wire", sorted(WIRES))
@pytest.mark.parametrize("piece_size", [3, 64])
def test_every_synth_format_decodes_to_the_reply(wire: str, piece_size: int) -> None:
    response, server = stream_synth(wire, FULL, piece_size=piece_size)
    assert [t.text for t in response.texts] == ["Hello wörld 🌍"]
    assert [t.thought for t in response.thoughts] == ["Let me think."]
    calls = [(c.name, json.loads(c.args)) for c in response.tool_calls]
    assert calls == [(c.name, c.args) for c in FULL.tool_calls]
    ids = [c.id for c in response.tool_calls]
    # Gemini's function calls carry no id: the library's placeholder stands in.
    assert ids == (["google_unknown_tool_id"] * 2 if wire == "google" else ["call_1", "call_2"])
    assert [p.type for p in response.content] == ["thought", "text", "tool_call", "tool_call"]
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (21, 43)
    assert response.finish_reason is None
    assert [r.path for r in server.requests] == [EXPECTED_PATHS[wire]]


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_every_synth_format_can_stop_at_max_tokens(wire: str) -> None:
    response, _ = stream_synth(wire, Reply(text=["Once upon a "], stop="max_tokens"))
    assert response.text() == "Once upon a "
    assert response.finish_reason == llm.FinishReason.MAX_TOKENS


def test_stream_for_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown wire format 'openai'"):
        stream_for("openai", Reply(text=["x"]))


# ---- the ferriscope_replay fixture -----------------------------------------------------------


def plugin_args() -> list[str]:
    """`-p` for the plugin unless its entry point is installed (the editable install predates
    it until the package is reinstalled); both at once would register it twice."""
    installed = any(
        ep.value == "ferriscope.testing.pytest_plugin"
        for ep in importlib.metadata.entry_points(group="pytest11")
    )
    # (The plugin module is already imported here, so pytester cannot rewrite its asserts.)
    # hypothesis' plugin adds seconds to every session and is not needed here.
    quiet = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    quiet += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return quiet + ([] if installed else ["-p", pytest_plugin.__name__])


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """pytester, with the settings this repository's own suite runs under."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    return pytester


def test_the_plugin_is_declared_as_a_pytest11_entry_point() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[project.entry-points.pytest11]", 1)[1].split("\n[", 1)[0]
    assert 'ferriscope = "ferriscope.testing.pytest_plugin"' in section


def docstring_example() -> str:
    """The indented block after the `::` of the plugin's module docstring."""
    doc = inspect.getdoc(pytest_plugin) or ""
    lines = []
    for line in doc.split("::\n", 1)[1].splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip() + "\n"


def test_the_docstring_example_passes(pytester: pytest.Pytester) -> None:
    example = docstring_example()
    assert "def test_recommend(ferriscope_replay):" in example
    pytester.makepyfile(test_docstring_example=example)
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(passed=1)


def test_the_fixture_in_a_users_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
        import pytest

        from ferriscope import llm
        from ferriscope.llm.providers.registry import PROVIDER_REGISTRY
        from ferriscope.testing import Fault, ReplayServer
        from ferriscope.testing.synth import Reply, stream_for


        def test_a_started_server_and_a_clean_registry(ferriscope_replay):
            assert isinstance(ferriscope_replay.server, ReplayServer)
            assert ferriscope_replay.url.startswith("http://127.0.0.1:")
            assert PROVIDER_REGISTRY == {}
            ferriscope_replay.use("anthropic")  # left registered: the fixture cleans up
            assert list(PROVIDER_REGISTRY) == ["anthropic/"]


        def test_the_registry_was_reset(ferriscope_replay):
            assert PROVIDER_REGISTRY == {}


        def test_raw_bodies_and_explicit_wire_formats(ferriscope_replay):
            ferriscope_replay.use("openai:completions", model_scope="local/")
            ferriscope_replay.add(stream_for("openai-completions", Reply(text=["raw"])))
            ferriscope_replay.add(Reply(text=["synth"]))  # the provider's default format
            ferriscope_replay.add(Reply(text=["named"]), wire_format="openai-completions")
            model = llm.Model("local/qwen")
            texts = []
            for _ in range(3):
                response = model.stream("hi")
                response.finish()
                texts.append(response.text())
            assert texts == ["raw", "synth", "named"]
            assert [r.path for r in ferriscope_replay.requests] == ["/v1/chat/completions"] * 3
            assert ferriscope_replay.requests[0].json()["model"] == "qwen"


        def test_errors_surface_at_once(ferriscope_replay):
            ferriscope_replay.use("openai")
            ferriscope_replay.add(b'{"error": {"message": "slow down"}}', status=429)
            response = llm.Model("openai/gpt-5-mini").stream("hi")
            with pytest.raises(llm.RateLimitError, match="slow down"):
                response.finish()
            assert len(ferriscope_replay.requests) == 1  # max_retries=0


        def test_faults(ferriscope_replay):
            ferriscope_replay.use("google")
            body = stream_for("google", Reply(text=["Hello ", "world"]))
            ferriscope_replay.add(body, fault=Fault(cut_after=body.index(b"world")))
            response = llm.Model("google/gemini-2.5-flash").stream("hi")
            with pytest.raises(llm.ConnectionError):
                response.finish()
            assert response.text() == "Hello "


        def test_a_reply_needs_a_wire_format(ferriscope_replay):
            with pytest.raises(ValueError, match="wire format"):
                ferriscope_replay.add(Reply(text=["x"]))
            with pytest.raises(ValueError, match="cannot serve 'mirascope'"):
                ferriscope_replay.use("mirascope")
        """
    )
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(passed=6)
    assert PROVIDER_REGISTRY == {}


def test_replay_object_without_pytest() -> None:
    with FerriscopeReplay(piece_size=5) as replay:
        replay.use("anthropic", model_scope="claude/")
        replay.add(Reply(text=["Hi"]))
        response = llm.Model("claude/claude-sonnet-4-0").stream("hi")
        response.finish()
        assert response.text() == "Hi"
        assert replay.server.piece_size == 5
        server = replay.server
    assert PROVIDER_REGISTRY == {}
    with pytest.raises(AssertionError, match="start the server first"):
        _ = server.url  # stopped


# ---- user-style tests: what a user of ferriscope writes -----------------------------------


WEATHER = {"Paris": "Sunny, 21 °C", "Oslo": "Snow, -3 °C"}


@llm.tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return WEATHER.get(city, "unknown")


@llm.call("openai/gpt-5-mini", tools=[get_weather])
def weather_assistant(question: str) -> str:
    return question


def test_my_weather_agent_runs_the_tool_loop(replay: FerriscopeReplay) -> None:
    replay.use("openai")
    replay.add(
        Reply(
            tool_calls=[
                SynthToolCall("call_paris", "get_weather", {"city": "Paris"}),
                SynthToolCall("call_oslo", "get_weather", {"city": "Oslo"}),
            ]
        )
    )
    replay.add(Reply(text=["Paris is sunny; ", "Oslo has snow."]))

    response = weather_assistant.stream("Weather in Paris and Oslo?")
    streamed = []
    while True:
        for chunk in response.text_stream():
            streamed.append(chunk)
        if not response.tool_calls:
            break
        response = response.resume(response.execute_tools())

    assert "".join(streamed) == "Paris is sunny; Oslo has snow.\n"
    assert len(replay.requests) == 2
    sent = replay.requests[1].json()["input"]
    outputs = {i["call_id"]: i["output"] for i in sent if i.get("type") == "function_call_output"}
    assert outputs == {"call_paris": "Sunny, 21 °C", "call_oslo": "Snow, -3 °C"}


async def test_my_weather_agent_async_with_anthropic(replay: FerriscopeReplay) -> None:
    @llm.call("anthropic/claude-sonnet-4-0", tools=[get_weather])
    async def assistant(question: str) -> str:
        return question

    replay.use("anthropic")
    replay.add(Reply(tool_calls=[SynthToolCall("toolu_1", "get_weather", {"city": "Oslo"})]))
    replay.add(Reply(text=["Bring a coat."]))

    response = await assistant.stream("Oslo?")
    await response.finish()
    assert [call.name for call in response.tool_calls] == ["get_weather"]
    outputs = await response.execute_tools()
    assert [output.result for output in outputs] == ["Snow, -3 °C"]
    response = await response.resume(outputs)
    await response.finish()
    assert response.text() == "Bring a coat."
    result = replay.requests[1].json()["messages"][-1]["content"][0]
    assert (result["tool_use_id"], result["content"]) == ("toolu_1", "Snow, -3 °C")

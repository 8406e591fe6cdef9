"""Every recorded case of `tests/fixtures/streams`, through the public API over real HTTP.

Each case is served from a loopback `ReplayServer` (real sockets, bodies in 64-byte chunked
pieces), with the case's provider registered at the server. The case's steps run exactly as
a user writes them (see `e2e_cases.run_sync` / `run_async`), and then:

- the whole conversation (`expected.messages`, tool outputs included) and each assistant
  turn, the finish reason, the usage (all but `total_tokens`), the chunk count of the last
  stream, the parsed output and the response's provider/model ids match the recording;
- the test's own `checks` hold;
- every request the server received equals the recorded one: path and query, the headers
  content-type / anthropic-version / anthropic-beta, and the JSON body (parsed; the pydantic
  version inside the validation-retry message is normalised);
- cases recorded as raising `FeatureNotSupportedError` raise it from `.stream()` with the
  recorded feature, provider and model, before any request is sent.

Usage promise: for `max_tokens/openai_gpt_4o_responses` ferriscope reports the usage that
`response.incomplete` carries (14 in, 50 out) where Mirascope's snapshot has null. The
web-search snapshots predate Mirascope counting Anthropic's cache tokens and Gemini's tool-use
prompt tokens into `input_tokens`; ferriscope counts them, as 2.8.2 does (see
`e2e_cases.expected_usage`).

All cases run sync; the async path (`async def` prompt and tools, awaited steps) runs on a
subset covering every provider API and every kind of step.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ferriscope import llm
from ferriscope.testing import ReplayServer, load_recording
from tests.support.e2e_cases import (
    AUTH_HEADERS,
    COMPARED_HEADERS,
    NOT_PARSED,
    Case,
    Outcome,
    async_call,
    expected_parsed,
    expected_usage,
    load_cases,
    lookup,
    message_dict,
    normalise,
    part_dict,
    path_and_query,
    register,
    run_async,
    run_sync,
    sync_call,
    usage_dict,
)

CASES = load_cases()

# Cases that fail because of a library bug: name → the bug (see the report in each reason).
KNOWN_BUGS: dict[str, str] = {}

# The async subset: each provider API, the tool loop, resume under a model override,
# validate() with a retry, structured output in every mode, max_tokens, a refusal,
# provider-native web search and errors raised before sending.
ASYNC_CASES = {
    "call/openai_gpt_4o_completions",
    "call/google_gemini_2_5_flash",
    "call_with_thinking/anthropic_claude_sonnet_4_0",
    "call_with_thinking/google_gemini_2_5_flash",
    "call_with_thinking/openai_gpt_5_responses",
    "call_with_tools/anthropic_beta_claude_sonnet_4_0",
    "call_with_tools/google_gemini_2_5_flash",
    "call_with_tools/openai_gpt_4o_completions",
    "call_with_tools/openai_gpt_4o_responses",
    "max_tokens/anthropic_claude_sonnet_4_0",
    "max_tokens/openai_gpt_4o_responses",
    "refusal/openai_gpt_4o_completions",
    "refusal/anthropic_beta_claude_sonnet_4_0",
    "structured_output/anthropic_claude_sonnet_4_5",
    "structured_output/strict/anthropic_claude_sonnet_4_0",
    "structured_output/strict/google_gemini_2_5_flash",
    "structured_output/json/openai_gpt_4o_responses",
    "structured_output_with_tools/tool/anthropic_claude_sonnet_4_5",
    "structured_output_with_tools/json/google_gemini_2_5_flash",
    "structured_output_with_tools/strict/openai_gpt_4o_completions",
    "validation_retry/anthropic_beta_claude_sonnet_4_0",
    "validation_retry/google_gemini_2_5_flash",
    "validation_retry/openai_gpt_4o_completions",
    "validation_retry/openai_gpt_4o_responses",
    "web_search_tool/anthropic_beta_claude_sonnet_4_0",
    "web_search_tool/google_gemini_2_5_flash",
    "web_search_tool/openai_gpt_4o_completions",
    "web_search_tool/openai_gpt_4o_responses",
}


def _param(case: Case) -> Any:
    bug = KNOWN_BUGS.get(case.name)
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(case, id=case.name, marks=marks)


SYNC_PARAMS = [_param(case) for case in CASES]
ASYNC_PARAMS = [_param(case) for case in CASES if case.name in ASYNC_CASES]


@contextmanager
def serving(case: Case) -> Iterator[ReplayServer]:
    """`with ReplayServer(...)`, but stopped in the background: `stop()` waits up to 0.5 s
    for `serve_forever`'s poll, which would dominate the run time of this file."""
    server = ReplayServer(load_recording(case.path), piece_size=64).start()
    try:
        yield server
    finally:
        threading.Thread(target=server.stop, daemon=True).start()


def test_every_case_is_here() -> None:
    assert len(CASES) == 88
    assert sum(1 for case in CASES if case.raises) == 10
    assert sum(len(case.interactions) for case in CASES) == 116
    assert {case.name for case in CASES} >= ASYNC_CASES


# ---- the checks --------------------------------------------------------------------------------


def _check_requests(case: Case, server: ReplayServer) -> None:
    received = server.requests
    assert len(received) == len(case.interactions)
    auth_header, auth_value = AUTH_HEADERS[case.provider_api]
    for index, (got, interaction) in enumerate(zip(received, case.interactions, strict=True)):
        recorded = interaction["request"]
        where = f"request {index}"
        assert got.method == recorded["method"], where
        assert got.path == path_and_query(recorded["url"]), where
        for name in COMPARED_HEADERS:
            assert got.headers.get(name) == recorded["headers"].get(name), f"{where}: {name}"
        assert got.headers.get(auth_header) == auth_value, f"{where}: the API key"
        assert normalise(got.json()) == normalise(recorded["body"]), where


def _check_response(case: Case, outcome: Outcome) -> None:
    expected = case.expected
    response = outcome.response

    assert response.provider_id == expected["provider_id"]
    assert response.model_id == expected["model_id"]
    assert response.provider_model_name == expected["provider_model_name"]

    messages = [message_dict(m) for m in response.messages]
    assert normalise(messages) == normalise(expected["messages"])
    turns = [m["content"] for m in messages if m["role"] == "assistant"]
    assert turns == expected["assistant_turns"]
    assert [part_dict(p) for p in response.content] == expected["assistant_turns"][-1]

    assert response.finish_reason == expected["finish_reason"]
    assert usage_dict(response.usage) == expected_usage(case)
    assert len(response.chunks) == expected["n_chunks"]

    if "parsed" in expected:
        assert outcome.parsed is not NOT_PARSED, "the steps parse"
        want = expected_parsed(case)
        assert type(outcome.parsed) is type(want)
        assert outcome.parsed == want
        assert response.parse() == want
    else:
        assert outcome.parsed is NOT_PARSED

    _check_test_checks(case, outcome)


def _check_test_checks(case: Case, outcome: Outcome) -> None:
    """The recorded test's own assertions."""
    response = outcome.response
    for name, want in (case.call.get("checks") or {}).items():
        if name == "pretty_contains":
            pretty = response.pretty()
            for needle in want:
                assert needle in pretty, name
        elif name == "no_thoughts_in_content":
            assert not any(part.type == "thought" for part in response.content), name
        elif name == "tool_calls_in_first_turn":
            assert len(outcome.first.tool_calls) == want, name
        elif name == "parsed":
            for path, value in want.items():
                assert lookup(outcome.parsed, path) == value, f"{name}: {path}"
        elif name == "finish_reason":
            assert response.finish_reason == want, name
        elif name == "finish_reason_by_model":
            if case.model_id in want:
                assert response.finish_reason == want[case.model_id], name
        elif name == "finish_reason_otherwise":
            if case.model_id not in case.call["checks"].get("finish_reason_by_model", {}):
                assert response.finish_reason == want, name
        else:
            raise AssertionError(f"unknown check {name!r}")


def _check_raised(case: Case, error: llm.FeatureNotSupportedError, server: ReplayServer) -> None:
    recorded = case.expected["exception"]
    assert type(error).__name__ == case.expected["raises"]
    assert error.feature == recorded["feature"]
    assert error.provider_id == recorded["provider_id"]
    assert error.model_id == recorded["model_id"]
    assert repr(error.args) == recorded["args"]
    assert server.requests == [], "raised before any request is sent"


# ---- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", SYNC_PARAMS)
def test_case_sync(case: Case) -> None:
    with serving(case) as server:
        register(case, server.url)
        if case.raises:
            assert case.steps[0] == {"op": "stream"}
            fn, args = sync_call(case)
            with pytest.raises(llm.FeatureNotSupportedError) as raised:
                fn.stream(*args)
            _check_raised(case, raised.value, server)
            return
        outcome = run_sync(case)
        assert outcome.response.consumed
    _check_requests(case, server)
    _check_response(case, outcome)


@pytest.mark.parametrize("case", ASYNC_PARAMS)
async def test_case_async(case: Case) -> None:
    with serving(case) as server:
        register(case, server.url)
        if case.raises:
            assert case.steps[0] == {"op": "stream"}
            fn, args = async_call(case)
            with pytest.raises(llm.FeatureNotSupportedError) as raised:
                await fn.stream(*args)
            _check_raised(case, raised.value, server)
            return
        outcome = await run_async(case)
        assert outcome.response.consumed
    _check_requests(case, server)
    _check_response(case, outcome)

"""Retries, backoff, fallbacks and stream restarts (docs/spec.md §10), over real HTTP on loopback.

The provider's own request retries are switched off (`max_retries=0`) so every attempt seen by
the server is one made by the retry layer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ferriscope import llm
from ferriscope.llm.exceptions import RetriesExhausted, StreamRestarted
from ferriscope.llm.retries import (
    AsyncContextRetryResponse,
    AsyncContextRetryStreamResponse,
    AsyncRetryCall,
    AsyncRetryPrompt,
    AsyncRetryResponse,
    AsyncRetryStreamResponse,
    ContextRetryResponse,
    ContextRetryStreamResponse,
    RetryCall,
    RetryConfig,
    RetryFailure,
    RetryModel,
    RetryPrompt,
    RetryResponse,
    RetryStreamResponse,
    calculate_delay,
    retry,
    retry_model,
)
from ferriscope.testing import Fault, RecordedResponse, ReplayServer
from ferriscope.testing.synth import Reply, stream_for

HELLO = ["Hello ", "world", "!"]
HELLO_TEXT = "Hello world!"


# ---- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer(piece_size=16) as replay:
        llm.register_provider(
            "openai:completions",
            scope="openai/",
            base_url=replay.url + "/v1",
            api_key="k",
            max_retries=0,
        )
        yield replay


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Records every backoff wait (sync and async) instead of waiting."""
    recorded: list[float] = []
    real_async_sleep = asyncio.sleep

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    async def fake_async_sleep(seconds: float, *args: Any) -> Any:
        recorded.append(seconds)
        return await real_async_sleep(0)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(asyncio, "sleep", fake_async_sleep)
    return recorded


def ok(pieces: list[str] = HELLO) -> RecordedResponse:
    return RecordedResponse(body=stream_for("openai-completions", Reply(text=pieces)))


def status(code: int, message: str = "boom", **headers: str) -> RecordedResponse:
    body = json.dumps({"error": {"message": message}}).encode()
    return RecordedResponse(
        body=body, status=code, content_type="application/json", headers=dict(headers)
    )


def cut_before(text: str, pieces: list[str] = HELLO) -> tuple[RecordedResponse, Fault]:
    """A stream that breaks off right before the event carrying `text` (so every earlier
    delta was received whole)."""
    body = stream_for("openai-completions", Reply(text=pieces))
    offset = body.index(json.dumps({"content": text}, separators=(",", ":")).encode())
    offset = body.rindex(b"data:", 0, offset)
    return RecordedResponse(body=body), Fault(cut_after=offset)


def models_sent(server: ReplayServer) -> list[str]:
    return [request.json()["model"] for request in server.requests]


def read_text(response: Any) -> tuple[str, list[str]]:
    """Consumes `text_stream()` as a user would: on a restart, what was shown is discarded and
    the response is iterated again. Returns the final text and every discarded partial."""
    discarded: list[str] = []
    while True:
        shown: list[str] = []
        try:
            for delta in response.text_stream(sep=""):
                shown.append(delta)
            return "".join(shown), discarded
        except StreamRestarted:
            discarded.append("".join(shown))


async def aread_text(response: Any) -> tuple[str, list[str]]:
    discarded: list[str] = []
    while True:
        shown: list[str] = []
        try:
            async for delta in response.text_stream(sep=""):
                shown.append(delta)
            return "".join(shown), discarded
        except StreamRestarted:
            discarded.append("".join(shown))


# ---- configuration and backoff ---------------------------------------------------------------


def test_config_defaults_and_validation() -> None:
    config = RetryConfig()
    assert config.max_retries == 3
    assert config.retry_on == (
        llm.ConnectionError,
        llm.RateLimitError,
        llm.ServerError,
        llm.TimeoutError,
    )
    assert (config.initial_delay, config.max_delay) == (0.5, 60.0)
    assert (config.backoff_multiplier, config.jitter, config.fallback_models) == (2.0, 0.0, ())
    assert RetryConfig.from_args(fallback_models=["openai/b"]).fallback_models == ("openai/b",)
    for bad in (
        {"max_retries": -1},
        {"initial_delay": -1.0},
        {"max_delay": -1.0},
        {"backoff_multiplier": 0.5},
        {"jitter": 1.5},
    ):
        with pytest.raises(ValueError):
            RetryConfig.from_args(**bad)
    with pytest.raises(ValueError):
        retry(max_retries=-1)


def test_backoff_delays_grow_cap_and_jitter() -> None:
    config = RetryConfig(initial_delay=0.5, backoff_multiplier=2.0, max_delay=3.0)
    assert [calculate_delay(config, n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    jittery = RetryConfig(initial_delay=1.0, jitter=0.25)
    samples = [calculate_delay(jittery, 1) for _ in range(200)]
    assert all(0.75 <= s <= 1.25 for s in samples)
    assert len(set(samples)) > 1


def test_retry_model_splits_params_from_retry_args() -> None:
    model = retry_model("openai/a", temperature=0.3, max_tokens=50, max_retries=5, jitter=0.1)
    assert isinstance(model, RetryModel) and isinstance(model, llm.Model)
    assert model.model_id == "openai/a"
    assert model.params == {"temperature": 0.3, "max_tokens": 50}
    assert model.retry_config == RetryConfig(max_retries=5, jitter=0.1)
    assert model.get_active_model().model_id == "openai/a"


# ---- non-streaming: calls, prompts, models ---------------------------------------------------


def test_call_retries_then_succeeds(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(status(503))
    server.add(status(500))
    server.add(ok())

    @retry(max_retries=3)
    @llm.call("openai/gpt-test")
    def greet(name: str) -> str:
        return f"Say hello to {name}."

    assert isinstance(greet, RetryCall)
    response = greet("Ada")
    assert isinstance(response, RetryResponse) and isinstance(response, llm.Response)
    assert response.text() == HELLO_TEXT
    assert [type(f.exception) for f in response.retry_failures] == [llm.ServerError] * 2
    assert all(isinstance(f, RetryFailure) for f in response.retry_failures)
    assert [f.model.model_id for f in response.retry_failures] == ["openai/gpt-test"] * 2
    assert response.retry_config.max_retries == 3
    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_exhaustion_raises_retries_exhausted_chained_to_last_error(
    server: ReplayServer, sleeps: list[float]
) -> None:
    for code in (500, 502, 503):
        server.add(status(code, f"down {code}"))
    model = retry_model("openai/gpt-test", max_retries=2, initial_delay=0.0)
    with pytest.raises(RetriesExhausted) as info:
        model.call("hi")
    failures = info.value.failures
    assert [f.exception.status_code for f in failures] == [500, 502, 503]  # type: ignore[attr-defined]
    assert info.value.__cause__ is failures[-1].exception
    assert len(server.requests) == 3


def test_call_cut_mid_body_is_retried_whole(server: ReplayServer, sleeps: list[float]) -> None:
    """A non-streaming call shows nothing until it is complete, so a broken body is simply
    asked for again; the text is never doubled."""
    server.add(*cut_before("world"))
    server.add(ok())

    @retry
    @llm.call("openai/gpt-test")
    def greet() -> str:
        return "hi"

    response = greet()
    assert response.text() == HELLO_TEXT
    assert [type(f.exception) for f in response.retry_failures] == [llm.ConnectionError]
    assert response.retry_config == RetryConfig()


def test_non_retryable_errors_pass_at_once(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(status(400, "bad request"))
    model = retry_model("openai/gpt-test", max_retries=3)
    with pytest.raises(llm.BadRequestError):
        model.call("hi")
    assert len(server.requests) == 1 and sleeps == []


def test_custom_retry_on(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(status(400))
    server.add(ok())
    model = retry_model("openai/gpt-test", retry_on=(llm.BadRequestError,), initial_delay=0.0)
    assert model.call("hi").text() == HELLO_TEXT
    server.add(status(500))
    with pytest.raises(llm.ServerError):
        model.call("hi")


def test_fallback_models_inherit_params(server: ReplayServer, sleeps: list[float]) -> None:
    for _ in range(4):
        server.add(status(500))
    server.add(ok())
    model = retry_model(
        "openai/primary",
        temperature=0.3,
        max_retries=1,
        initial_delay=0.25,
        fallback_models=["openai/backup", llm.Model("openai/own", temperature=0.9)],
    )
    response = model.call("hi")
    assert models_sent(server) == ["primary", "primary", "backup", "backup", "own"]
    temperatures = [request.json().get("temperature") for request in server.requests]
    assert temperatures == [0.3, 0.3, 0.3, 0.3, 0.9]
    assert [f.model.model_id for f in response.retry_failures] == [
        "openai/primary",
        "openai/primary",
        "openai/backup",
        "openai/backup",
    ]
    assert response.model_id == "openai/own"
    assert response.params == {"temperature": 0.9}
    # Waits only separate retries of one model; switching to a fallback is immediate.
    assert sleeps == [0.25, 0.25]


def test_resume_stays_on_the_model_that_succeeded(
    server: ReplayServer, sleeps: list[float]
) -> None:
    server.add(status(500))
    server.add(ok())
    model = retry_model("openai/primary", max_retries=0, fallback_models=["openai/backup"])
    response = model.call("hi")
    assert response.model_id == "openai/backup"
    assert isinstance(response.model, RetryModel)
    assert response.model.model_id == "openai/backup"

    server.add(ok(["Again."]))
    follow_up = response.resume("more")
    assert isinstance(follow_up, RetryResponse)
    assert follow_up.text() == "Again."
    assert models_sent(server)[-1] == "backup"
    sent = server.requests[-1].json()["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]

    # If the successful model fails later, the rest of the pool is still there.
    server.add(status(503))
    server.add(ok(["Back on primary."]))
    third = follow_up.resume("and more")
    assert third.text() == "Back on primary."
    assert models_sent(server)[-2:] == ["backup", "primary"]


def test_prompt_retries_with_any_model(server: ReplayServer, sleeps: list[float]) -> None:
    @retry(max_retries=1, initial_delay=0.0)
    @llm.prompt
    def greet(name: str) -> str:
        return f"Say hello to {name}."

    assert isinstance(greet, RetryPrompt) and isinstance(greet, llm.Prompt)
    server.add(status(429))
    server.add(ok())
    response = greet("openai/gpt-test", "Ada")
    assert isinstance(response, RetryResponse)
    assert response.text() == HELLO_TEXT
    assert type(response.retry_failures[0].exception) is llm.RateLimitError
    assert server.requests[0].json()["messages"] == [
        {"role": "user", "content": "Say hello to Ada."}
    ]

    server.add(ok())
    stream = greet.stream(llm.Model("openai/gpt-test"), "Bob")
    assert isinstance(stream, RetryStreamResponse)
    assert read_text(stream) == (HELLO_TEXT, [])


def test_direct_wrapping_and_rewrapping_replaces_the_policy(server: ReplayServer) -> None:
    @llm.call("openai/gpt-test")
    def greet() -> str:
        return "hi"

    wrapped = retry(greet, max_retries=1)
    assert isinstance(wrapped, RetryCall) and wrapped.retry_config.max_retries == 1
    rewrapped = retry(wrapped, max_retries=4)
    assert rewrapped.retry_config.max_retries == 4
    assert rewrapped.model.retry_config.max_retries == 4
    assert rewrapped.default_model is greet.default_model
    assert rewrapped.fn is greet.fn


def test_context_targets_are_refused_with_a_pointer_to_retry_model() -> None:
    @llm.call("openai/gpt-test")
    def answer(ctx: llm.Context[str]) -> str:
        return ctx.deps

    with pytest.raises(ValueError, match="retry_model"):
        retry(answer)


def test_with_retry_model_redirects_plain_calls(server: ReplayServer, sleeps: list[float]) -> None:
    @llm.call("openai/gpt-test")
    def greet() -> str:
        return "hi"

    server.add(status(500))
    server.add(ok())
    with retry_model("openai/other", max_retries=1, initial_delay=0.0):
        response = greet()
    assert isinstance(response, RetryResponse)
    assert models_sent(server) == ["other", "other"]

    # A plain `with llm.model(...)` redirects a retry call but keeps its policy.
    wrapped = retry(greet, max_retries=0, fallback_models=["openai/backup"])
    server.add(status(500))
    server.add(ok())
    with llm.model("openai/redirected"):
        response = wrapped()
        assert isinstance(response.model, RetryModel)
    assert models_sent(server)[-2:] == ["redirected", "backup"]


def test_context_call_and_resume(server: ReplayServer, sleeps: list[float]) -> None:
    ctx = llm.Context(deps="x")
    model = retry_model("openai/gpt-test", max_retries=1, initial_delay=0.0)
    server.add(status(500))
    server.add(ok())
    response = model.context_call("hi", ctx=ctx)
    assert isinstance(response, ContextRetryResponse)
    assert len(response.retry_failures) == 1
    server.add(ok(["Next."]))
    follow_up = response.resume(ctx, "more")
    assert isinstance(follow_up, ContextRetryResponse) and follow_up.text() == "Next."


# ---- streams ---------------------------------------------------------------------------------


def test_stream_initial_failure_is_retried_silently(
    server: ReplayServer, sleeps: list[float]
) -> None:
    server.add(status(503))
    server.add(ok())
    response = retry_model("openai/gpt-test", max_retries=2).stream("hi")
    assert isinstance(response, RetryStreamResponse) and isinstance(response, llm.StreamResponse)
    assert server.requests == []  # lazy start: nothing sent before the first pull
    assert read_text(response) == (HELLO_TEXT, [])
    assert [type(f.exception) for f in response.retry_failures] == [llm.ServerError]
    assert sleeps == [0.5]
    assert response.consumed and response.usage is not None


def test_stream_cut_before_any_content_is_retried_silently(
    server: ReplayServer, sleeps: list[float]
) -> None:
    server.add(ok(), Fault(cut_after=20))
    server.add(ok())
    response = retry_model("openai/gpt-test", initial_delay=0.0).stream("hi")
    assert read_text(response) == (HELLO_TEXT, [])
    assert [type(f.exception) for f in response.retry_failures] == [llm.ConnectionError]


def test_stream_restarts_after_partial_content(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(*cut_before("world"))
    server.add(ok())
    response = retry_model("openai/gpt-test", max_retries=1, initial_delay=0.5).stream("hi")

    shown: list[str] = []
    with pytest.raises(StreamRestarted) as info:
        for delta in response.text_stream(sep=""):
            shown.append(delta)
    assert "".join(shown) == "Hello "
    failure = info.value.failure
    assert type(failure.exception) is llm.ConnectionError
    assert info.value.__cause__ is failure.exception
    assert response.retry_failures == [failure]

    # The response is a fresh attempt: nothing of the failed one is left.
    assert response.chunks == [] and response.content == [] and response.texts == []
    assert response.usage is None and not response.consumed
    assert response.messages[-1].content == []
    assert sleeps == []  # the wait happens at the first pull of the new attempt

    assert "".join(response.text_stream(sep="")) == HELLO_TEXT
    assert sleeps == [0.5]
    assert response.text() == HELLO_TEXT and len(response.texts) == 1
    assert len(server.requests) == 2


def test_stream_restart_never_duplicates_text(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(*cut_before("!"))
    server.add(*cut_before("world"))
    server.add(ok())
    response = retry_model("openai/gpt-test", initial_delay=0.0).stream("hi")
    text, discarded = read_text(response)
    assert text == HELLO_TEXT
    assert discarded == ["Hello world", "Hello "]
    assert response.text() == HELLO_TEXT
    assert "".join(t.text for t in response.texts) == HELLO_TEXT


def test_stream_exhaustion(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(*cut_before("world"))
    server.add(status(500))
    response = retry_model("openai/gpt-test", max_retries=1, initial_delay=0.0).stream("hi")
    with pytest.raises(StreamRestarted):
        response.finish()
    with pytest.raises(RetriesExhausted) as info:
        response.finish()
    assert [type(f.exception) for f in info.value.failures] == [
        llm.ConnectionError,
        llm.ServerError,
    ]
    assert info.value.failures is response.retry_failures
    assert info.value.__cause__ is None and info.value.__suppress_context__
    # Sticky: later pulls raise it again and send nothing.
    with pytest.raises(RetriesExhausted):
        list(response.text_stream())
    assert len(server.requests) == 2


def test_stream_non_retryable_error_passes_at_once(
    server: ReplayServer, sleeps: list[float]
) -> None:
    server.add(status(401, "no key"))
    response = retry_model("openai/gpt-test").stream("hi")
    with pytest.raises(llm.AuthenticationError):
        response.finish()
    with pytest.raises(llm.AuthenticationError):
        response.finish()
    assert response.retry_failures == [] and len(server.requests) == 1


def test_stream_falls_back_to_another_model(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(*cut_before("world"))
    server.add(ok(["Fallback."]))
    response = retry_model(
        "openai/primary", temperature=0.2, max_retries=0, fallback_models=["openai/backup"]
    ).stream("hi")
    assert response.model_id == "openai/primary"
    with pytest.raises(StreamRestarted):
        response.finish()
    assert response.model_id == "openai/backup"
    assert response.provider_model_name == "backup:completions"
    assert response.model.model_id == "openai/backup"
    response.finish()
    assert response.text() == "Fallback."
    last = response.messages[-1]
    assert isinstance(last, llm.AssistantMessage) and last.model_id == "openai/backup"
    assert models_sent(server) == ["primary", "backup"]
    assert server.requests[1].json()["temperature"] == 0.2
    assert sleeps == []

    server.add(ok(["Resumed."]))
    follow_up = response.resume("more")
    assert isinstance(follow_up, RetryStreamResponse)
    follow_up.finish()
    assert follow_up.text() == "Resumed."
    assert models_sent(server)[-1] == "backup"


def test_stale_cursors_stop_after_a_restart(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(*cut_before("world"))
    server.add(ok())
    response = retry_model("openai/gpt-test", initial_delay=0.0).stream("hi")
    early = response.chunk_stream()
    next(early)  # holds a position in the failed attempt
    with pytest.raises(StreamRestarted):
        response.finish()
    with pytest.raises(StreamRestarted):
        next(early)
    response.finish()
    assert response.text() == HELLO_TEXT


def test_substreams_and_structured_iterators_restart_too(
    server: ReplayServer, sleeps: list[float]
) -> None:
    server.add(*cut_before("world"))
    server.add(ok())
    response = retry_model("openai/gpt-test", initial_delay=0.0).stream("hi")
    with pytest.raises(StreamRestarted):
        for stream in response.streams():
            for _ in stream:
                pass
    texts = ["".join(stream) for stream in response.streams()]
    assert texts == [HELLO_TEXT]


def test_context_stream_and_resume(server: ReplayServer, sleeps: list[float]) -> None:
    ctx = llm.Context(deps=1)
    server.add(*cut_before("world"))
    server.add(ok())
    response = retry_model("openai/gpt-test", initial_delay=0.0).context_stream("hi", ctx=ctx)
    assert isinstance(response, ContextRetryStreamResponse)
    assert isinstance(response, llm.ContextStreamResponse)
    assert read_text(response) == (HELLO_TEXT, ["Hello "])
    server.add(ok(["Next."]))
    follow_up = response.resume(ctx, "more")
    assert isinstance(follow_up, ContextRetryStreamResponse)
    follow_up.finish()
    assert follow_up.text() == "Next."


def test_encoding_errors_still_raise_from_stream(server: ReplayServer) -> None:
    llm.reset_provider_registry()
    with pytest.raises(llm.NoRegisteredProviderError):
        retry_model("nowhere/model").stream("hi")


# ---- async -----------------------------------------------------------------------------------


async def test_async_call_retries_and_falls_back(server: ReplayServer, sleeps: list[float]) -> None:
    @retry(max_retries=1, initial_delay=0.5, fallback_models=["openai/backup"])
    @llm.call("openai/primary")
    async def greet() -> str:
        return "hi"

    assert isinstance(greet, AsyncRetryCall)
    server.add(status(500))
    server.add(status(429, "slow down", **{"retry-after": "2"}))
    server.add(ok())
    response = await greet()
    assert isinstance(response, AsyncRetryResponse)
    assert response.text() == HELLO_TEXT
    assert models_sent(server) == ["primary", "primary", "backup"]
    assert sleeps == [0.5]

    server.add(ok(["Next."]))
    follow_up = await response.resume("more")
    assert isinstance(follow_up, AsyncRetryResponse) and follow_up.text() == "Next."
    assert models_sent(server)[-1] == "backup"


async def test_async_exhaustion_and_non_retryable(
    server: ReplayServer, sleeps: list[float]
) -> None:
    model = retry_model("openai/gpt-test", max_retries=1, initial_delay=0.0)
    server.add(status(500))
    server.add(status(500))
    with pytest.raises(RetriesExhausted) as info:
        await model.call_async("hi")
    assert len(info.value.failures) == 2
    server.add(status(404))
    with pytest.raises(llm.NotFoundError):
        await model.call_async("hi")
    assert len(server.requests) == 3


async def test_async_prompt_stream_restart(server: ReplayServer, sleeps: list[float]) -> None:
    @retry(max_retries=2, initial_delay=0.1)
    @llm.prompt
    async def greet() -> str:
        return "hi"

    assert isinstance(greet, AsyncRetryPrompt)
    server.add(status(503))
    server.add(*cut_before("world"))
    server.add(ok())
    response = await greet.stream("openai/gpt-test")
    assert isinstance(response, AsyncRetryStreamResponse)
    text, discarded = await aread_text(response)
    assert (text, discarded) == (HELLO_TEXT, ["Hello "])
    assert [type(f.exception) for f in response.retry_failures] == [
        llm.ServerError,
        llm.ConnectionError,
    ]
    assert sleeps == [0.1, 0.2]

    server.add(ok(["Next."]))
    follow_up = await response.resume("more")
    assert isinstance(follow_up, AsyncRetryStreamResponse)
    await follow_up.finish()
    assert follow_up.text() == "Next."


async def test_async_stream_exhaustion_is_sticky(server: ReplayServer, sleeps: list[float]) -> None:
    server.add(*cut_before("world"))
    response = await retry_model("openai/gpt-test", max_retries=0).stream_async("hi")
    with pytest.raises(RetriesExhausted) as info:
        await response.finish()
    assert info.value.__cause__ is None
    # Content of the last attempt stays readable, as for any failed stream.
    assert response.text() == "Hello "
    with pytest.raises(RetriesExhausted):
        await response.finish()


async def test_async_context_variants(server: ReplayServer, sleeps: list[float]) -> None:
    ctx = llm.Context(deps=None)
    model = retry_model("openai/gpt-test", initial_delay=0.0)
    server.add(status(502))
    server.add(ok())
    response = await model.context_call_async("hi", ctx=ctx)
    assert isinstance(response, AsyncContextRetryResponse)
    assert len(response.retry_failures) == 1

    server.add(*cut_before("world"))
    server.add(ok())
    stream = await model.context_stream_async("hi", ctx=ctx)
    assert isinstance(stream, AsyncContextRetryStreamResponse)
    assert await aread_text(stream) == (HELLO_TEXT, ["Hello "])
    server.add(ok(["Next."]))
    follow_up = await stream.resume(ctx, "more")
    assert isinstance(follow_up, AsyncContextRetryStreamResponse)


# ---- the schedule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "max_delay", "expected"),
    [("2", 60.0, 2.0), ("0.1", 60.0, 0.5), ("100", 5.0, 5.0)],
    ids=["longer-wins", "shorter-ignored", "capped"],
)
def test_retry_after_is_honoured_when_longer(
    server: ReplayServer,
    sleeps: list[float],
    retry_after: str,
    max_delay: float,
    expected: float,
) -> None:
    server.add(status(429, "slow down", **{"retry-after": retry_after}))
    server.add(ok())
    model = retry_model("openai/gpt-test", max_delay=max_delay)
    response = model.call("hi")
    assert response.retry_failures[0].exception.retry_after == float(retry_after)  # type: ignore[attr-defined]
    assert sleeps == [expected]


def test_backoff_schedule_is_capped(server: ReplayServer, sleeps: list[float]) -> None:
    for _ in range(5):
        server.add(status(500))
    model = retry_model("openai/gpt-test", max_retries=4, initial_delay=0.5, max_delay=1.5)
    with pytest.raises(RetriesExhausted):
        model.call("hi")
    assert sleeps == [0.5, 1.0, 1.5, 1.5]


async def test_async_backoff_schedule(server: ReplayServer, sleeps: list[float]) -> None:
    for _ in range(3):
        server.add(status(500))
    model = retry_model("openai/gpt-test", max_retries=2, initial_delay=0.2, backoff_multiplier=3)
    with pytest.raises(RetriesExhausted):
        await model.call_async("hi")
    assert sleeps == pytest.approx([0.2, 0.6])


def test_sync_and_async_walk_the_same_schedule() -> None:
    """Both loops are driven by one schedule object; its order and waits, without HTTP."""
    from ferriscope.llm.retries.backoff import Attempts

    model = retry_model(
        "openai/a", max_retries=2, initial_delay=1.0, fallback_models=["openai/b", "openai/c"]
    )
    attempts = Attempts(model)
    seen: list[tuple[str, float | None]] = []
    while True:
        current = attempts.model.model_id
        delay = attempts.advance(None)
        seen.append((current, delay))
        if delay is None:
            break
    assert seen == [
        ("openai/a", 1.0),
        ("openai/a", 2.0),
        ("openai/a", 0.0),
        ("openai/b", 1.0),
        ("openai/b", 2.0),
        ("openai/b", 0.0),
        ("openai/c", 1.0),
        ("openai/c", 2.0),
        ("openai/c", None),
    ]

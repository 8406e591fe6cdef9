"""Memory (reliability issue): thousands of streams leave no trace, and nothing outlives use.

1. RSS: a subprocess runs 5,000 short sync streams (2,000 async, some concurrent) after a
   warm-up and reports its VmRSS growth (from /proc/self/status), which must stay under
   20 MB. The streams mix every way a stream ends: fully iterated, finished and its tools
   executed, `call()`, abandoned after the first chunk, and failed with an HTTP error. An
   in-process httpx transport keeps the loop fast; a smaller run over a real loopback
   `ReplayServer` covers sockets and the connection pool.
2. Collection: a response is freed once dropped (by reference counting alone for the usual
   ends; by the collector once an error with its traceback is stored).
3. Reference cycles through the Rust chunk classes that hold Python objects: the collector
   can only free such a cycle if the class reports its references (`__traverse__`).
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import textwrap
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ferriscope import llm
from ferriscope._core import StreamDecoder
from ferriscope.llm.responses import (
    FinishReasonChunk,
    RawMessageChunk,
    RawStreamEventChunk,
    TextChunk,
    UsageDeltaChunk,
)
from ferriscope.testing import RecordedResponse, ReplayServer, ReplayTransport
from ferriscope.testing.synth import Reply, SynthToolCall, stream_for

LIMIT_KB = 20 * 1024
"""The most RSS a measured run may add after its warm-up."""

REPLY = Reply(
    text=["Hello ", "world"],
    tool_calls=[SynthToolCall("call_1", "lookup", {"q": "x"})],
)
BODY = stream_for("openai-completions", REPLY)
ERROR_BODY = json.dumps({"error": {"message": "slow down", "type": "rate_limit_error"}}).encode()

# ---- 1. RSS over thousands of streams, measured in a subprocess ----------------------------

CHILD = textwrap.dedent(
    """
    import asyncio, gc, json, sys, time, weakref
    import httpx
    from ferriscope import llm
    from ferriscope.testing.synth import Reply, SynthToolCall, stream_for

    mode, warm, count, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    BODY = stream_for("openai-completions", Reply(
        text=["Hello ", "world"], tool_calls=[SynthToolCall("call_1", "lookup", {"q": "x"})]))
    ERROR = json.dumps({"error": {"message": "slow down", "type": "rate_limit_error"}}).encode()


    def rss_kb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])


    class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
        # The body in 64-byte reads, as a server sending small events would.
        def __init__(self, body):
            self.body = body

        def __iter__(self):
            for i in range(0, len(self.body), 64):
                yield self.body[i : i + 64]

        async def __aiter__(self):
            for i in range(0, len(self.body), 64):
                yield self.body[i : i + 64]


    class Endless(httpx.BaseTransport, httpx.AsyncBaseTransport):
        # Serves the same stream forever (a 429 when the prompt says "fail"); keeps nothing.
        def answer(self, request, content):
            if b"fail" in content:
                return httpx.Response(429, headers={"content-type": "application/json"},
                                      stream=Pieces(ERROR), request=request)
            return httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  stream=Pieces(BODY), request=request)

        def handle_request(self, request):
            return self.answer(request, request.read())

        async def handle_async_request(self, request):
            return self.answer(request, await request.aread())


    if url == "-":
        transport = Endless()
        llm.register_provider(
            "openai:completions", scope="openai/", api_key="sk-test", max_retries=0,
            http_client=httpx.Client(transport=transport),
            async_http_client=httpx.AsyncClient(transport=transport))
    else:  # a loopback ReplayServer serving ok, ok, ok, 429, ok, ok, ok, 429, ...
        llm.register_provider("openai:completions", scope="openai/", api_key="sk-test",
                              max_retries=0, base_url=url + "/v1")


    @llm.tool
    def lookup(q: str) -> str:
        return q.upper()


    model = llm.Model("openai/gpt-4o")
    sampled = []


    def one(i):
        kind = i % 4
        response = model.stream("fail" if kind == 3 else "hi", tools=[lookup])
        if i % 50 == 0:
            sampled.append(weakref.ref(response))
        try:
            if kind == 0:
                for _ in response.chunk_stream():
                    pass
            elif kind == 1:
                response.finish()
                assert response.execute_tools()[0].result == "X"
            elif kind == 2:  # abandoned: the iterator and the response are just dropped
                next(iter(response.chunk_stream()))
            else:
                response.finish()
                raise AssertionError("expected a RateLimitError")
        except llm.RateLimitError:
            assert kind == 3


    async def aone(i):
        kind = i % 4
        response = await model.stream_async("fail" if kind == 3 else "hi", tools=[lookup])
        if i % 50 == 0:
            sampled.append(weakref.ref(response))
        try:
            if kind == 0:
                async for _ in response.chunk_stream():
                    pass
            elif kind == 1:
                await response.finish()
                assert (await response.execute_tools())[0].result == "X"
            elif kind == 2:
                chunks = response.chunk_stream().__aiter__()
                await chunks.__anext__()
                if i % 8 == 2:
                    await chunks.aclose()
                # else: abandoned unclosed; the loop's asyncgen hooks finalize it
            else:
                await response.finish()
                raise AssertionError("expected a RateLimitError")
        except llm.RateLimitError:
            assert kind == 3


    def run_sync(start, n):
        for i in range(start, start + n):
            one(i)


    async def run_async(start, n):
        if url == "-":  # 8 streams at a time
            for base in range(start, start + n, 8):
                await asyncio.gather(*(aone(i) for i in range(base, min(base + 8, start + n))))
        else:  # sequential: the server's queue decides which answer is an error
            for i in range(start, start + n):
                await aone(i)


    def measure(run):
        run(0, warm)
        sampled.clear()
        gc.collect()
        before, objects, started = rss_kb(), len(gc.get_objects()), time.perf_counter()
        run(warm, count)
        seconds = time.perf_counter() - started
        gc.collect()
        return {
            "before_kb": before,
            "after_kb": rss_kb(),
            "seconds": seconds,
            "objects_growth": len(gc.get_objects()) - objects - len(sampled),
            "sampled": len(sampled),
            "alive": sum(ref() is not None for ref in sampled),
        }


    if mode == "sync":
        result = measure(run_sync)
    else:  # warm-up and measured run share one event loop (so one pooled async client)
        loop = asyncio.new_event_loop()
        result = measure(lambda start, n: loop.run_until_complete(run_async(start, n)))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    print(json.dumps(result))
    """
)


def run_child(tmp_path: Path, mode: str, warm: int, count: int, url: str = "-") -> dict[str, Any]:
    script = tmp_path / "leak_child.py"
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, str(script), mode, str(warm), str(count), url],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["growth_kb"] = result["after_kb"] - result["before_kb"]
    return result


def report(label: str, count: int, result: dict[str, Any]) -> None:
    print(
        f"\n{label}: {count} streams in {result['seconds']:.1f} s, RSS "
        f"{result['before_kb'] / 1024:.1f} → {result['after_kb'] / 1024:.1f} MB "
        f"(growth {result['growth_kb']} kB), tracked objects +{result['objects_growth']}, "
        f"sampled responses alive {result['alive']}/{result['sampled']}"
    )


def check(result: dict[str, Any]) -> None:
    assert result["growth_kb"] < LIMIT_KB, result
    assert result["alive"] == 0, result  # every sampled response was freed
    assert result["sampled"] > 0
    # Nothing accumulates per stream: a leak of one object per stream would show thousands.
    assert result["objects_growth"] < 500, result


@pytest.mark.slow
@pytest.mark.timeout(600)  # its subprocess alone may take up to 240 s
@pytest.mark.parametrize(("mode", "warm", "count"), [("sync", 500, 5000), ("async", 296, 2000)])
def test_thousands_of_streams_do_not_grow_rss(
    tmp_path: Path, mode: str, warm: int, count: int
) -> None:
    result = run_child(tmp_path, mode, warm, count)
    report(f"{mode}, in-process transport", count, result)
    check(result)


@pytest.mark.slow
@pytest.mark.timeout(600)  # its subprocess alone may take up to 240 s
@pytest.mark.parametrize(("mode", "warm", "count"), [("sync", 300, 2000), ("async", 200, 1000)])
def test_streams_over_loopback_do_not_grow_rss(
    tmp_path: Path, mode: str, warm: int, count: int
) -> None:
    answers = [RecordedResponse(BODY)] * 3 + [
        RecordedResponse(ERROR_BODY, status=429, content_type="application/json")
    ]
    with ReplayServer(answers * ((warm + count) // 4 + 1), piece_size=64) as server:
        result = run_child(tmp_path, mode, warm, count, server.url)
        assert len(server.requests) == warm + count
    report(f"{mode}, loopback ReplayServer", count, result)
    check(result)


# ---- 2. responses are freed once dropped ---------------------------------------------------


@llm.tool
def lookup(q: str) -> str:
    return q.upper()


@pytest.fixture
def model() -> Iterator[llm.Model]:
    transport = ReplayTransport([RecordedResponse(BODY)] * 50)
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        api_key="sk-test",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    yield llm.Model("openai/gpt-4o")


def _unstarted(model: llm.Model) -> Any:
    return model.stream("hi", tools=[lookup])


def _consumed(model: llm.Model) -> Any:
    response = model.stream("hi", tools=[lookup])
    for _ in response.chunk_stream():
        pass
    return response


def _executed(model: llm.Model) -> Any:
    response = model.stream("hi", tools=[lookup])
    response.finish()
    response.execute_tools()
    return response


def _abandoned(model: llm.Model) -> Any:
    response = model.stream("hi", tools=[lookup])
    next(iter(response.chunk_stream()))
    return response


def _text_streamed(model: llm.Model) -> Any:
    response = model.stream("hi", tools=[lookup])
    for _ in response.text_stream():
        pass
    return response


def _called(model: llm.Model) -> Any:
    return model.call("hi", tools=[lookup])


def _resumed(model: llm.Model) -> Any:
    first = model.call("hi", tools=[lookup])
    return first.resume(first.execute_tools())


ENDS: dict[str, Callable[[llm.Model], Any]] = {
    "unstarted": _unstarted,
    "consumed": _consumed,
    "executed": _executed,
    "abandoned": _abandoned,
    "text_stream": _text_streamed,
    "call": _called,
    "resume": _resumed,
}


@pytest.fixture
def no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@pytest.mark.usefixtures("no_gc")
@pytest.mark.parametrize("end", ENDS)
def test_dropped_responses_are_freed_by_reference_counting(model: llm.Model, end: str) -> None:
    """No reference cycle keeps a response alive: its memory (chunks, messages, the pooled
    connection of an abandoned stream) goes back at once, not at the next full collection."""
    ref = weakref.ref(ENDS[end](model))
    assert ref() is None


@pytest.mark.parametrize("end", ENDS)
async def test_dropped_async_responses_are_freed(model: llm.Model, end: str) -> None:
    if end in ("unstarted", "call", "resume"):
        response: Any = (
            await model.stream_async("hi", tools=[lookup])
            if end == "unstarted"
            else await model.call_async("hi", tools=[lookup])
        )
        if end == "resume":
            response = await response.resume(await response.execute_tools())
    else:
        response = await model.stream_async("hi", tools=[lookup])
        chunks = response.chunk_stream().__aiter__()
        await chunks.__anext__()
        if end != "abandoned":
            async for _ in chunks:
                pass
            if end == "executed":
                await response.execute_tools()
        else:
            await chunks.aclose()
        del chunks
    ref = weakref.ref(response)
    del response
    gc.collect()
    assert ref() is None


@pytest.mark.usefixtures("no_gc")
def test_a_compacted_cache_is_freed_by_reference_counting() -> None:
    """A long stream compacts its cache many times (`responses/chunk_cache.py`): what the
    cache keeps (the parts' delta lists, re-made chunks, a lagging cursor's old hot list)
    forms no cycle either."""
    body = stream_for(
        "openai-completions",
        Reply(text=[f"w{i} " for i in range(2000)], tool_calls=REPLY.tool_calls),
    )
    transport = ReplayTransport([RecordedResponse(body)], piece_size=700)
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        api_key="sk-test",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )
    response = llm.Model("openai/gpt-4o").stream("hi")
    behind = response.chunk_stream()
    next(behind)
    assert "".join(response.text_stream()) == "".join(f"w{i} " for i in range(2000)) + "\n"
    assert len(list(behind)) == len(response.chunks) - 1 and response.tool_calls
    refs = [weakref.ref(response), weakref.ref(response.texts[0])]
    del response, behind
    assert [ref() for ref in refs] == [None, None]


def test_failed_responses_are_collected(model: llm.Model) -> None:
    """A failed response keeps its error, whose traceback refers back to the response: the
    collector frees that cycle."""
    transport = ReplayTransport(
        [RecordedResponse(ERROR_BODY, status=429, content_type="application/json")]
    )
    llm.register_provider(
        "openai:completions",
        scope="openai/",
        api_key="sk-test",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )
    response = model.stream("hi")
    with pytest.raises(llm.RateLimitError):
        response.finish()
    ref = weakref.ref(response)
    del response
    gc.collect()
    assert ref() is None


# ---- 3. cycles through the Rust chunk classes ----------------------------------------------


class Payload:
    """A Python object inside a chunk's payload, with a finalizer to see it freed."""


def _cycle(kind: str) -> tuple[Any, Payload, list[Any]]:
    """A chunk in a reference cycle: chunk → its payload (a list/dict) → the chunk."""
    payload = Payload()
    box: list[Any] = [payload]
    chunk: Any
    if kind == "UsageDeltaChunk.provider_tool_usage":
        chunk = UsageDeltaChunk(input_tokens=1, provider_tool_usage=box)
    elif kind == "RawMessageChunk":
        chunk = RawMessageChunk(raw_message={"role": "assistant", "content": box})
    elif kind == "RawStreamEventChunk":
        chunk = RawStreamEventChunk(raw_stream_event={"type": "x", "data": box})
    elif kind == "FinishReasonChunk":
        chunk = FinishReasonChunk(finish_reason=box)
    else:  # a chunk the Rust decoder made (raw events on): its dict refers back to it
        decoder = StreamDecoder("openai-completions", raw_events=True)
        events = [c for c in decoder.feed(BODY) if isinstance(c, RawStreamEventChunk)]
        chunk = events[0]
        chunk.raw_stream_event["cycle"] = box
    box.append(chunk)
    return chunk, payload, box


CYCLE_KINDS = [
    "UsageDeltaChunk.provider_tool_usage",
    "RawMessageChunk",
    "RawStreamEventChunk",
    "FinishReasonChunk",
    "RawStreamEventChunk from the decoder",
]


@pytest.mark.parametrize("kind", CYCLE_KINDS)
def test_chunk_reference_cycles_are_collected(kind: str) -> None:
    """A cycle through FinishReasonChunk, RawStreamEventChunk, RawMessageChunk or
    UsageDeltaChunk (all GC-tracked, decoder-made ones included) is freed by the collector.

    Fix (rust/python_api/chunks.rs): give these classes a `__traverse__` that visits their
    `Py<PyAny>` fields: in the `chunk_class!` macro's `#[pymethods]`,
    `fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
    $(visit.call(&self.$field)?;)* Ok(()) }` (visiting the string fields of the other
    classes is harmless, and they stay untracked), and in `UsageDeltaChunk`'s `#[pymethods]`
    the same visiting `provider_tool_usage`. No `__clear__` is needed (nor possible with
    `&mut self` on a frozen class): every such cycle passes through a mutable container
    (list/dict), whose own clear breaks it."""
    chunk, payload, box = _cycle(kind)
    freed: list[bool] = []
    weakref.finalize(payload, freed.append, True)
    assert gc.is_tracked(chunk)  # tracked, but it reports no references
    del chunk, payload, box
    gc.collect()
    assert freed == [True]


@pytest.mark.parametrize("kind", CYCLE_KINDS)
def test_chunk_payloads_without_a_cycle_are_freed(kind: str) -> None:
    """Without a cycle, reference counting frees chunk and payload alike."""
    chunk, payload, box = _cycle(kind)
    box.remove(chunk)  # break the cycle by hand
    freed: list[bool] = []
    weakref.finalize(payload, freed.append, True)
    del chunk, payload, box
    assert freed == [True]


def test_decoder_chunks_without_python_payloads_are_untracked() -> None:
    """Text, thought and tool-call chunks hold only strings: the decoder takes them out of
    the collector's lists (they cannot be part of a cycle), which keeps collections cheap
    for responses caching many thousands of chunks."""
    decoder = StreamDecoder("openai-completions")
    chunks = [*decoder.feed(BODY), *decoder.finish()]
    assert any(isinstance(c, TextChunk) for c in chunks)
    for chunk in chunks:
        holds_python = isinstance(chunk, (UsageDeltaChunk, FinishReasonChunk))
        assert gc.is_tracked(chunk) is holds_python, chunk


def test_async_chunk_iteration_leaves_no_tasks(model: llm.Model) -> None:
    async def main() -> int:
        for _ in range(20):
            response = await model.stream_async("hi")
            async for _ in response.chunk_stream():
                pass
        return len(asyncio.all_tasks())

    assert asyncio.run(main()) == 1  # only main itself

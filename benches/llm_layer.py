"""The llm layer alone: the Python CPU of a short streamed answer above the transport.

`test_bench_short_answers.py` times whole answers over loopback, where the socket, the
HTTP/1.1 parser and the Rust decoder are most of the cost. This isolates what the `llm`
layer adds: `Model.stream(...)` (encoding, the HTTP request object, the response), then
`text_stream()` to the end and the joined text, as that benchmark's ferriscope client does.
The provider's transport is replaced by one that hands back chunk batches decoded once up
front (the Chat Completions bodies of `test_bench_short_answers.py`, one batch per answer as
a loopback read delivers them), so nothing here touches a socket or the Rust decoder.

    PYTHONPATH=python python benches/llm_layer.py [--deltas 1,50] [--modes sync,async]
        [--answers 20000] [--repeat 7] [--stream-only]

Prints µs per answer for each delta count and the per-chunk slope between the smallest and
the largest (ns per delta). `--answers N --repeat 1` under
`valgrind --tool=callgrind --callgrind-out-file=/dev/null` at two values of N gives
instructions per answer as the difference (steadier than time on a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any


def _batch(deltas: int) -> list[Any]:
    from benches.test_bench_short_answers import short_body
    from ferriscope._core import StreamDecoder

    body = short_body(deltas).body
    decoder = StreamDecoder("openai-completions")
    return [*decoder.feed(body), *decoder.finish()]


def _model(batch: list[Any], name: str) -> Any:
    from ferriscope import llm

    scope = f"openai/{name}/"
    provider = llm.register_provider(
        "openai", scope=scope, base_url="http://127.0.0.1:9/v1", api_key="bench-key"
    )
    transport = provider.transport

    def stream_batches(request: Any) -> Iterator[Sequence[Any]]:
        return iter((batch,))

    async def astream_batches(request: Any) -> AsyncIterator[Sequence[Any]]:
        yield batch

    # The stand-in transport: the instance attributes shadow the class's methods.
    transport.stream_batches = stream_batches  # type: ignore[method-assign]
    transport.astream_batches = astream_batches  # type: ignore[method-assign]
    return llm.Model(f"{scope}gpt-4o:completions")


def _sync(model: Any, answers: int, stream_only: bool) -> float:
    start = time.perf_counter()
    if stream_only:
        for _ in range(answers):
            model.stream("Go on.")
    else:
        for _ in range(answers):
            response = model.stream("Go on.")
            for _ in response.text_stream():
                pass
            "".join(t.text for t in response.texts)
    return time.perf_counter() - start


async def _async(model: Any, answers: int, stream_only: bool) -> float:
    start = time.perf_counter()
    if stream_only:
        for _ in range(answers):
            await model.stream_async("Go on.")
    else:
        for _ in range(answers):
            response = await model.stream_async("Go on.")
            async for _ in response.text_stream():
                pass
            "".join(t.text for t in response.texts)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", default="1,50")
    parser.add_argument("--modes", default="sync,async")
    parser.add_argument("--answers", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--stream-only", action="store_true", help="time Model.stream only")
    args = parser.parse_args()
    deltas = [int(d) for d in args.deltas.split(",")]
    for mode in args.modes.split(","):
        per: dict[int, float] = {}
        for n in deltas:
            model = _model(_batch(n), f"{mode}{n}")
            if mode == "sync":
                best = min(_sync(model, args.answers, args.stream_only) for _ in range(args.repeat))
            else:

                async def rounds(model: Any = model) -> float:
                    return min(
                        [await _async(model, args.answers, args.stream_only)]
                        + [
                            await _async(model, args.answers, args.stream_only)
                            for _ in range(args.repeat - 1)
                        ]
                    )

                best = asyncio.run(rounds())
            per[n] = best / args.answers * 1e6
            print(f"{mode:5} {n:4} deltas: {per[n]:7.2f} µs/answer", flush=True)
        if len(deltas) > 1 and not args.stream_only:
            lo, hi = min(deltas), max(deltas)
            slope = (per[hi] - per[lo]) / (hi - lo) * 1e3
            print(f"{mode:5} per delta: {slope:6.1f} ns", flush=True)


if __name__ == "__main__":
    main()

"""One field measurement, run by the field venv's interpreter (`benches/field/setup_venv.sh`):
pydantic-ai, litellm or the openai SDK 3.x streaming one body of `benches/server.py`.

    /work/venv-field/bin/python benches/field/field_child.py --impl litellm --url URL \\
        --dir BODIES --body short-50

Prints one JSON line: the CPU per whole answer (`benches/cputime.py`) and the versions.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.cputime import Timer, run_delay  # noqa: E402

MESSAGES = [{"role": "user", "content": "Go on."}]
#: implementation → (sync or async, the distribution whose version is shown)
IMPLS = {
    "pydantic-ai": ("async", "pydantic-ai-slim"),
    "litellm": ("sync", "litellm"),
    "openai3": ("sync", "openai"),
    "openai3-async": ("async", "openai"),
}


def _pydantic_ai(base_url: str) -> Callable[[], Any]:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    model = OpenAIChatModel("gpt-4o", provider=OpenAIProvider(base_url=base_url, api_key="k"))
    agent = Agent(model)

    async def run() -> str:
        parts = []
        async with agent.run_stream("Go on.") as result:
            async for delta in result.stream_text(delta=True):
                parts.append(delta)
        return "".join(parts)

    return run


def _litellm(base_url: str) -> Callable[[], Any]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no cost-map download
    import litellm

    def run() -> str:
        parts = []
        stream = litellm.completion(
            model="openai/gpt-4o",
            api_base=base_url,
            api_key="bench-key",
            messages=MESSAGES,
            stream=True,
        )
        for chunk in stream:
            content = chunk.choices[0].delta.content if chunk.choices else None
            if content:
                parts.append(content)
        return "".join(parts)

    return run


def _openai3(base_url: str, asynchronous: bool) -> Callable[[], Any]:
    import openai

    if not asynchronous:
        client = openai.OpenAI(base_url=base_url, api_key="bench-key")

        def run() -> str:
            parts = []
            for chunk in client.chat.completions.create(
                model="gpt-4o", messages=MESSAGES, stream=True
            ):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            return "".join(parts)

        return run
    aclient = openai.AsyncOpenAI(base_url=base_url, api_key="bench-key")

    async def arun() -> str:
        parts = []
        stream = await aclient.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
        return "".join(parts)

    return arun


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", choices=list(IMPLS), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--body", required=True)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--round-cpu", type=float, default=0.05)
    args = parser.parse_args(argv)
    base_url = f"{args.url}/b/{args.body}/event/v1"
    expected = json.loads((args.dir / f"{args.body}.json").read_text())["text"]
    timer = Timer(args.rounds, args.round_cpu)
    mode, distribution = IMPLS[args.impl]
    cpu, wall, waited = time.process_time(), time.perf_counter(), run_delay()
    import_cpu = time.process_time()
    if args.impl == "pydantic-ai":
        run = _pydantic_ai(base_url)
    elif args.impl == "litellm":
        run = _litellm(base_url)
    else:
        run = _openai3(base_url, asynchronous=args.impl == "openai3-async")
    import_cpu = time.process_time() - import_cpu

    async def measure_async() -> dict[str, Any]:
        got = await run()
        if got != expected:
            return {"error": f"text of {len(got)} chars, expected {len(expected)}"}
        return await timer.async_(run)

    if mode == "async":
        out = asyncio.run(measure_async())
    else:
        got = run()
        if got != expected:
            out = {"error": f"text of {len(got)} chars, expected {len(expected)}"}
        else:
            out = timer.sync(run)
    return {
        "impl": args.impl,
        "mode": mode,
        "version": importlib.metadata.version(distribution),
        "body": args.body,
        **out,
        "import_cpu_ms": round(import_cpu * 1e3, 1),
        "cpu_s": round(time.process_time() - cpu, 3),
        "wall_s": round(time.perf_counter() - wall, 3),
        "run_delay_s": round(run_delay() - waited, 3),
    }


if __name__ == "__main__":
    print(json.dumps(main()), flush=True)

"""Short answers: the client CPU of one whole streamed answer, ferriscope against its peers.

A short answer is what most LLM calls are: a request, a few dozen deltas, done. Its cost is the
request path (build and send the request, read the head, set up the stream) as much as the
per-chunk decode that `test_bench_e2e.py` measures. Every implementation here streams the same
OpenAI Chat Completions bodies of exactly 1, 50 and 300 content deltas
(`FERRISCOPE_SHORT_DELTAS`), shaped like the real API (role chunk, content chunks with the
`obfuscation` padding, finish chunk, usage chunk, `[DONE]`), one HTTP chunk per SSE event as
the API sends them, from `benches/server.py` in its own process (pinned to another CPU when
there are two).

What is timed is the client process's CPU (`time.process_time`, every thread of the process,
so a Rust runtime's worker threads count too) for whole answers back to back on a kept-alive
connection: each round runs a batch of answers sized to about `FERRISCOPE_SHORT_ROUND_CPU`
seconds of CPU, and the figure is the CPU per answer of the best of `FERRISCOPE_SHORT_ROUNDS`
rounds (the median is kept in the JSON). Every implementation runs alone in a fresh
interpreter, so no library pays for another's imports or heap.

The implementations (`FERRISCOPE_SHORT_IMPLS` picks some):

- `ferriscope`: `llm.Model(...).stream(...)` (`stream_async`), then `text_stream()` to the
  end, on ferriscope's default HTTP path.
- `ferriscope+httpx`, `ferriscope+httpx2`: the same, with an `httpx.Client` /
  `httpx.AsyncClient` (or httpx2's) given explicitly to `llm.register_provider` (the httpx
  path, whatever the default is; skipped where the installed ferriscope takes no httpx2
  client).
- `mirascope`: Mirascope 2.8.2, the same calls.
- `openai`: the openai SDK (the version Mirascope's extra allows),
  `client.chat.completions.create(stream=True)`, every delta's `content` read.
- `httpx+lines`: a hand-written client: httpx, `iter_lines()`, `json.loads` of every `data:`
  line, the delta's content picked out (the least a Python client can do with these bytes).
- bare requests, which do only the request and read the body bytes (no SSE, no JSON):
  `httpx`, `httpx2`, `pyreqwest` (sync and async) and `aiohttp` (async only). Each encodes the
  same JSON request per call, sends it with the same headers and reads the streamed body
  as it arrives.

Modes (`FERRISCOPE_SHORT_MODES`): `sync`, `async` (asyncio's default loop), and the same
over TLS (`tls-sync`, `tls-async`): an HTTPS server with a throwaway `trustme` CA that every
client trusts (through `SSL_CERT_FILE`, or its own CA option where it has no such lookup).

Run from the repository root (a few minutes):

    python -m pytest benches/test_bench_short_answers.py --benchmark-only -q
    python -m ferriscope bench short-answers          # the same, plus the import-time table

The tables (markdown, with same-run ratios) are printed at the end and written as JSON to
`FERRISCOPE_SHORT_JSON` (default /tmp/ferriscope-short-answers.json). The import-time
comparison (`benches/import_time.py`) and, when its venv exists, the field
(`benches/field/bench_field.py`: pydantic-ai and litellm) run in the same session so one
command prints every table. One measurement by hand, against a running `benches/server.py`:

    python benches/test_bench_short_answers.py --impl ferriscope --mode sync --url URL \\
        --dir BODIES --bodies short-50 [--profile 15]

`--profile N` runs the answers under cProfile (on CPU time) instead and prints the top N
functions by cumulative time (not a timing: cProfile's own overhead inflates small calls).

Timings are never asserted; the tests assert that every implementation got the whole answer
(the text, or for the bare requests the exact body bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import importlib.util
import json
import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benches.cputime import Timer, run_delay  # noqa: E402

DELTAS = [int(n) for n in os.environ.get("FERRISCOPE_SHORT_DELTAS", "1,50,300").split(",") if n]
MODES = os.environ.get("FERRISCOPE_SHORT_MODES", "sync,async,tls-sync,tls-async").split(",")
ROUNDS = int(os.environ.get("FERRISCOPE_SHORT_ROUNDS", "15"))
ROUND_CPU = float(os.environ.get("FERRISCOPE_SHORT_ROUND_CPU", "0.05"))
JSON_OUT = os.environ.get("FERRISCOPE_SHORT_JSON", "/tmp/ferriscope-short-answers.json")

#: implementation → (the modes it has, the module it needs, the distribution whose version
#: the table shows)
IMPLS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "ferriscope": (("sync", "async"), "ferriscope", "ferriscope"),
    "ferriscope+httpx": (("sync", "async"), "ferriscope", "httpx"),
    "ferriscope+httpx2": (("sync", "async"), "ferriscope", "httpx2"),
    "mirascope": (("sync", "async"), "mirascope", "mirascope"),
    "openai": (("sync", "async"), "openai", "openai"),
    "httpx+lines": (("sync", "async"), "httpx", "httpx"),
    "httpx": (("sync", "async"), "httpx", "httpx"),
    "httpx2": (("sync", "async"), "httpx2", "httpx2"),
    "pyreqwest": (("sync", "async"), "pyreqwest", "pyreqwest"),
    "aiohttp": (("async",), "aiohttp", "aiohttp"),
}
SELECTED = [
    name
    for name in os.environ.get("FERRISCOPE_SHORT_IMPLS", ",".join(IMPLS)).split(",")
    if name in IMPLS
]
#: The peers that do only the request and read the body bytes.
BARE = ("httpx", "httpx2", "pyreqwest", "aiohttp")

MESSAGES = [{"role": "user", "content": "Go on."}]
HEADERS = {"authorization": "Bearer bench-key", "content-type": "application/json"}


def request_content() -> bytes:
    """The request body every hand-written client sends (encoded per call, as a client
    does): the model, the messages and the streaming flags ferriscope sends."""
    payload = {
        "model": "gpt-4o",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    return json.dumps(payload, separators=(",", ":")).encode()


# ---- the bodies -----------------------------------------------------------------------------

_COMPLETION_TOKENS = re.compile(rb'"completion_tokens":\d+,"total_tokens":\d+')


@dataclass(frozen=True)
class ShortBody:
    name: str
    deltas: int
    body: bytes
    text: str


def short_body(deltas: int, seed: int = 0) -> ShortBody:
    """A Chat Completions stream of exactly `deltas` content deltas: the first `deltas`
    content events of the realistic stream of `ferriscope.testing.synth` between its role event and
    its finish, usage and `[DONE]` events (the usage counts set to match)."""
    from benches.server import split_events
    from ferriscope.testing.synth import realistic_completions_stream

    stream = realistic_completions_stream(400 * deltas + 2000, seed=seed)
    events = split_events(stream.body)
    head, content, tail = events[0], events[1:-3], events[-3:]
    if len(content) < deltas:
        raise ValueError(f"the generated stream has {len(content)} deltas, not {deltas}")
    content = content[:deltas]
    text = "".join(
        json.loads(e[len(b"data: ") :])["choices"][0]["delta"]["content"] for e in content
    )
    usage = json.loads(tail[1][len(b"data: ") :])["usage"]
    total = usage["prompt_tokens"] + deltas
    tail[1] = _COMPLETION_TOKENS.sub(
        b'"completion_tokens":%d,"total_tokens":%d' % (deltas, total), tail[1]
    )
    return ShortBody(f"short-{deltas}", deltas, b"".join([head, *content, *tail]), text)


def write_short_body(directory: Path, body: ShortBody) -> None:
    """The body for the server (`<name>.sse`) and what a client must get out of it."""
    (directory / f"{body.name}.sse").write_bytes(body.body)
    (directory / f"{body.name}.json").write_text(json.dumps({"text": body.text}))


# ---- the implementations (inside the child interpreter) -------------------------------------

Run = Callable[[], Any]  # sync: returns the result; async: returns an awaitable of it
#: What the async implementations must close on their loop before it ends.
CLOSERS: list[Callable[[], Awaitable[Any]]] = []


def _url(url: str, name: str) -> str:
    return f"{url}/b/{name}/event/v1"


def _llm_runs(
    lib: str, mode: str, url: str, names: list[str], client_module: str | None
) -> dict[str, Run]:
    if lib == "ferriscope":
        from ferriscope import llm
    else:
        from mirascope import llm  # type: ignore[import-untyped,no-redef]
    extra: dict[str, Any] = {}
    if client_module is not None:
        httpx: Any = __import__(client_module)
        if mode == "sync":
            extra["http_client"] = httpx.Client()
        else:
            extra["async_http_client"] = httpx.AsyncClient()
    runs: dict[str, Run] = {}
    for i, name in enumerate(names):
        scope = f"openai/short{i}/"
        llm.register_provider(
            "openai", scope=scope, base_url=_url(url, name), api_key="bench-key", **extra
        )
        model = llm.Model(f"{scope}gpt-4o:completions")
        if mode == "sync":

            def run(model: Any = model) -> str:
                response = model.stream("Go on.")
                for _ in response.text_stream():
                    pass
                return "".join(t.text for t in response.texts)

        else:

            async def run(model: Any = model) -> str:  # type: ignore[misc]
                response = await model.stream_async("Go on.")
                async for _ in response.text_stream():
                    pass
                return "".join(t.text for t in response.texts)

        runs[name] = run
    return runs


def _openai_runs(mode: str, url: str, names: list[str]) -> dict[str, Run]:
    import openai

    runs: dict[str, Run] = {}
    for name in names:
        if mode == "sync":
            client = openai.OpenAI(base_url=_url(url, name), api_key="bench-key")

            def run(client: Any = client) -> str:
                parts = []
                stream = client.chat.completions.create(
                    model="gpt-4o", messages=MESSAGES, stream=True
                )
                for chunk in stream:
                    if chunk.choices:
                        content = chunk.choices[0].delta.content
                        if content:
                            parts.append(content)
                return "".join(parts)

        else:
            client = openai.AsyncOpenAI(base_url=_url(url, name), api_key="bench-key")

            async def run(client: Any = client) -> str:  # type: ignore[misc]
                parts = []
                stream = await client.chat.completions.create(
                    model="gpt-4o", messages=MESSAGES, stream=True
                )
                async for chunk in stream:
                    if chunk.choices:
                        content = chunk.choices[0].delta.content
                        if content:
                            parts.append(content)
                return "".join(parts)

        runs[name] = run
    return runs


def _deltas_of_lines(lines: Iterator[str] | list[str], parts: list[str]) -> None:
    for line in lines:
        if not line.startswith("data: "):
            continue
        data = line[6:]
        if data == "[DONE]":
            continue  # read on to the end of the body: the connection goes back to the pool
        choices = json.loads(data)["choices"]
        if choices:
            content = choices[0]["delta"].get("content")
            if content:
                parts.append(content)


def _httpx_runs(module: str, mode: str, url: str, names: list[str], lines: bool) -> dict[str, Run]:
    httpx: Any = __import__(module)
    runs: dict[str, Run] = {}
    if mode == "sync":
        client = httpx.Client()
        for name in names:
            target = f"{_url(url, name)}/chat/completions"
            if lines:

                def run(target: str = target) -> Any:
                    parts: list[str] = []
                    with client.stream(
                        "POST", target, content=request_content(), headers=HEADERS
                    ) as response:
                        _deltas_of_lines(response.iter_lines(), parts)
                    return "".join(parts)

            else:

                def run(target: str = target) -> Any:
                    with client.stream(
                        "POST", target, content=request_content(), headers=HEADERS
                    ) as response:
                        return b"".join(response.iter_bytes())

            runs[name] = run
        return runs
    aclient = httpx.AsyncClient()
    for name in names:
        target = f"{_url(url, name)}/chat/completions"
        if lines:

            async def arun(target: str = target) -> Any:
                parts: list[str] = []
                async with aclient.stream(
                    "POST", target, content=request_content(), headers=HEADERS
                ) as response:
                    _deltas_of_lines([line async for line in response.aiter_lines()], parts)
                return "".join(parts)

        else:

            async def arun(target: str = target) -> Any:
                async with aclient.stream(
                    "POST", target, content=request_content(), headers=HEADERS
                ) as response:
                    return b"".join([piece async for piece in response.aiter_bytes()])

        runs[name] = arun
    return runs


def _pyreqwest_runs(mode: str, url: str, names: list[str], ca: str | None) -> dict[str, Run]:
    from pyreqwest.client import ClientBuilder, SyncClientBuilder

    runs: dict[str, Run] = {}
    if mode == "sync":
        builder = SyncClientBuilder()
        if ca:
            builder = builder.add_root_certificate_pem(Path(ca).read_bytes())
        client = builder.build()
        for name in names:
            target = f"{_url(url, name)}/chat/completions"

            def run(target: str = target) -> bytes:
                request = client.post(target).headers(HEADERS).body_bytes(request_content())
                with request.build_streamed() as response:
                    reader = response.body_reader
                    parts = []
                    while (piece := reader.read_chunk()) is not None:
                        parts.append(piece)
                return b"".join(parts)

            runs[name] = run
        return runs
    abuilder = ClientBuilder()
    if ca:
        abuilder = abuilder.add_root_certificate_pem(Path(ca).read_bytes())
    aclient = abuilder.build()
    for name in names:
        target = f"{_url(url, name)}/chat/completions"

        async def arun(target: str = target) -> bytes:
            request = aclient.post(target).headers(HEADERS).body_bytes(request_content())
            async with request.build_streamed() as response:
                reader = response.body_reader
                parts = []
                while (piece := await reader.read_chunk()) is not None:
                    parts.append(piece)
            return b"".join(parts)

        runs[name] = arun
    return runs


def _aiohttp_runs(url: str, names: list[str], ca: str | None) -> dict[str, Run]:
    import aiohttp

    context = ssl.create_default_context(cafile=ca) if ca else None
    session: list[Any] = []  # made on first use: a ClientSession belongs to the running loop

    def current() -> Any:
        if not session:
            connector = aiohttp.TCPConnector(ssl=context) if context else aiohttp.TCPConnector()
            session.append(aiohttp.ClientSession(connector=connector))
            CLOSERS.append(session[0].close)
        return session[0]

    runs: dict[str, Run] = {}
    for name in names:
        target = f"{_url(url, name)}/chat/completions"

        async def arun(target: str = target) -> bytes:
            async with current().post(target, data=request_content(), headers=HEADERS) as r:
                return b"".join([piece async for piece in r.content.iter_any()])

        runs[name] = arun
    return runs


def make_runs(impl: str, mode: str, url: str, names: list[str], ca: str | None) -> dict[str, Run]:
    """One call per body name that streams one whole answer and returns what it got."""
    if impl.split("+")[0] in ("ferriscope", "mirascope"):
        lib, _, client_module = impl.partition("+")
        return _llm_runs(lib, mode, url, names, client_module or None)
    if impl == "openai":
        return _openai_runs(mode, url, names)
    if impl in ("httpx", "httpx2", "httpx+lines"):
        return _httpx_runs(impl.split("+")[0], mode, url, names, lines=impl == "httpx+lines")
    if impl == "pyreqwest":
        return _pyreqwest_runs(mode, url, names, ca)
    if impl == "aiohttp":
        return _aiohttp_runs(url, names, ca)
    raise ValueError(f"unknown implementation {impl!r}")


# ---- measuring (inside the child) ----------------------------------------------------------


def _check(got: Any, expected_text: str, expected_body: bytes) -> str | None:
    """None when `got` is the whole answer (text, or for a bare request the body bytes)."""
    if isinstance(got, str):
        if got == expected_text:
            return None
        return f"text of {len(got)} chars, expected {len(expected_text)}"
    got = bytes(got)
    if got == expected_body:
        return None
    return f"{len(got)} body bytes, expected {len(expected_body)}"


def _failed(error: Exception) -> dict[str, Any]:
    """The first (untimed) answer raised. A client type the installed ferriscope does not
    take (an httpx2 client before the own transport) is `unsupported`; the rest is a failure."""
    message = f"{type(error).__name__}: {error}"[:300]
    if isinstance(error, TypeError) or "httpx2" in message:
        return {"unsupported": message}
    return {"error": message}


def _expected(directory: Path, name: str) -> tuple[str, bytes]:
    text = json.loads((directory / f"{name}.json").read_text())["text"]
    return text, (directory / f"{name}.sse").read_bytes()


async def _measure_async(
    runs: dict[str, Run], timer: Timer, directory: Path
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        try:
            got = await run()
        except Exception as e:
            out[name] = _failed(e)
            continue
        error = _check(got, *_expected(directory, name))
        out[name] = {"error": error} if error else await timer.async_(run)
    return out


def _measure_sync(runs: dict[str, Run], timer: Timer, directory: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, run in runs.items():
        try:
            got = run()
        except Exception as e:
            out[name] = _failed(e)
            continue
        error = _check(got, *_expected(directory, name))
        out[name] = {"error": error} if error else timer.sync(run)
    return out


def _profile(runs: dict[str, Run], mode: str, answers: int, top: int) -> None:
    """The answers under cProfile; prints the top functions by cumulative and by own time."""
    import cProfile
    import pstats

    # CPU time, as the benchmark measures (the default clock is wall time, which on a busy
    # machine charges every preemption to whatever function was running).
    profiler = cProfile.Profile(time.process_time)
    for run in runs.values():
        if mode == "sync":
            run()
            profiler.enable()
            for _ in range(answers):
                run()
            profiler.disable()
        else:

            async def go(run: Any = run) -> None:
                await run()
                profiler.enable()
                for _ in range(answers):
                    await run()
                profiler.disable()

            asyncio.run(go())
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def child(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description="one implementation's short answers")
    parser.add_argument("--impl", choices=list(IMPLS), required=True)
    parser.add_argument("--mode", choices=["sync", "async"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--dir", required=True, type=Path, help="the server's bodies")
    parser.add_argument("--bodies", required=True, help="body names, comma-separated")
    parser.add_argument("--ca", help="CA file of an https:// server")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--round-cpu", type=float, default=ROUND_CPU)
    parser.add_argument("--profile", type=int, metavar="TOP", help="cProfile instead of timing")
    parser.add_argument("--profile-answers", type=int, default=200)
    args = parser.parse_args(argv)
    if args.ca:
        os.environ["SSL_CERT_FILE"] = args.ca  # before any client (or its SSL context) is made
    names = args.bodies.split(",")
    timer = Timer(args.rounds, args.round_cpu)
    cpu = time.process_time()
    wall = time.perf_counter()
    waited = run_delay()
    if args.mode == "sync":
        runs = make_runs(args.impl, "sync", args.url, names, args.ca)
        if args.profile:
            _profile(runs, "sync", args.profile_answers, args.profile)
            return None
        bodies = _measure_sync(runs, timer, args.dir)
    else:

        async def main() -> dict[str, dict[str, Any]]:
            runs = make_runs(args.impl, "async", args.url, names, args.ca)
            try:
                return await _measure_async(runs, timer, args.dir)
            finally:
                for close in CLOSERS:
                    await close()

        if args.profile:
            _profile(
                make_runs(args.impl, "async", args.url, names, args.ca),
                "async",
                args.profile_answers,
                args.profile,
            )
            return None
        bodies = asyncio.run(main())
    return {
        "impl": args.impl,
        "mode": args.mode,
        "tls": bool(args.ca),
        "version": version_of(IMPLS[args.impl][2]),
        "bodies": bodies,
        "cpu_s": round(time.process_time() - cpu, 3),
        "wall_s": round(time.perf_counter() - wall, 3),
        "run_delay_s": round(run_delay() - waited, 3),
    }


# ---- the tables -------------------------------------------------------------------------------


def _fmt(us: float | None) -> str:
    if us is None:
        return "-"
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def tables(results: list[dict[str, Any]], deltas: list[int]) -> list[str]:
    """Markdown tables, one per mode: CPU µs per answer and the ratio to ferriscope."""
    lines: list[str] = []
    modes: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        modes.setdefault(r["label"], []).append(r)
    for label, rows in modes.items():
        by_impl = {r["impl"]: r for r in rows}
        ref = by_impl.get("ferriscope", {}).get("bodies", {})

        def us(row: dict[str, Any], n: int) -> float | None:
            value = row.get("bodies", {}).get(f"short-{n}", {}).get("us_min")
            return float(value) if value is not None else None

        lines += ["", f"### {label}: client CPU µs per whole answer (best round; ×ferriscope)", ""]
        head = " | ".join(f"{n} delta{'s' if n != 1 else ''}" for n in deltas)
        lines.append(f"| implementation | {head} |")
        lines.append("|---|" + "---:|" * len(deltas))
        for impl in IMPLS:
            row = by_impl.get(impl)
            if row is None:
                continue
            cells = []
            for n in deltas:
                value = us(row, n)
                cell = row.get("bodies", {}).get(f"short-{n}", {})
                error = cell.get("error") or cell.get("unsupported")
                if error:
                    cells.append(f"FAILED: {error}")
                    continue
                base = ref.get(f"short-{n}", {}).get("us_min")
                ratio = f" ({value / base:.2f}×)" if value is not None and base else ""
                cells.append(f"{_fmt(value)}{ratio}")
            name = f"{impl} {row['version']}"
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        # The targets, as same-run ratios.
        ferri = by_impl.get("ferriscope")
        if ferri is None:
            continue
        notes = []
        for n in deltas:
            f = us(ferri, n)
            bare = [(us(by_impl[b], n), b) for b in BARE if b in by_impl]
            bare = [(v, b) for v, b in bare if v is not None]
            if f and bare:
                v, b = min(bare)
                notes.append(f"{n}: ferriscope / fastest bare ({b}) = {f / v:.2f}")
        mira = by_impl.get("mirascope")
        if mira is not None:
            for n in deltas:
                f, m = us(ferri, n), us(mira, n)
                if f and m:
                    notes.append(f"{n}: mirascope / ferriscope = {m / f:.1f}×")
        waited = sum(r.get("run_delay_s", 0.0) for r in rows)
        wall = sum(r.get("wall_s", 0.0) for r in rows)
        lines += ["", "ratios: " + "; ".join(notes)]
        lines.append(f"(client waited for a CPU {waited:.1f} s of {wall:.1f} s wall in this mode)")
    return lines


def run_header() -> str:
    """Date, commit and machine of the run, for the tables' heading."""
    from benches.harness.measure import machine

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return done.stdout.strip() if done.returncode == 0 else "?"

    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}; "
        f"{machine()}; load average {load} (1/5/15 min) at the end"
    )


# ---- the pytest side -----------------------------------------------------------------------

if __name__ != "__main__":
    import pytest

    from benches.server import BenchServer
    from benches.test_bench_e2e import print_lines

    RESULTS: list[dict[str, Any]] = []
    EXTRA_LINES: list[str] = []

    @pytest.fixture(scope="module")
    def bodies_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
        directory = tmp_path_factory.mktemp("short-bodies")
        for n in DELTAS:
            write_short_body(directory, short_body(n))
        return directory

    @pytest.fixture(scope="module")
    def plain_server(bodies_dir: Path) -> Iterator[tuple[str, str | None]]:
        with BenchServer(bodies_dir) as url:
            yield url, None

    @pytest.fixture(scope="module")
    def tls_server(bodies_dir: Path) -> Iterator[tuple[str, str | None]]:
        server = BenchServer(bodies_dir, tls=True)
        with server as url:
            yield url, server.ca_file

    @pytest.fixture(scope="module", autouse=True)
    def report(request: pytest.FixtureRequest) -> Iterator[None]:
        yield
        lines = [
            "",
            "short answers (OpenAI Chat Completions, one HTTP chunk per event; "
            f"best of {ROUNDS} rounds of ~{ROUND_CPU * 1e3:.0f} ms CPU)",
            run_header(),
        ]
        lines += tables(RESULTS, DELTAS)
        lines += EXTRA_LINES
        print_lines(request, lines)
        with open(JSON_OUT, "w") as f:
            json.dump({"results": RESULTS, "extra": EXTRA_LINES}, f, indent=2)

    def run_child(args: list[str], directory: Path) -> dict[str, Any]:
        names = ",".join(f"short-{n}" for n in DELTAS)
        done = subprocess.run(
            [sys.executable, __file__, *args, "--dir", str(directory), "--bodies", names],
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"child failed:\n{done.stderr[-4000:]}")
        out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return out

    CASES = [
        (mode, impl)
        for mode in MODES
        for impl in SELECTED
        if mode.removeprefix("tls-") in IMPLS[impl][0]
    ]

    @pytest.mark.parametrize(("mode", "impl"), CASES)
    def test_short_answers(
        benchmark: Any, request: pytest.FixtureRequest, bodies_dir: Path, mode: str, impl: str
    ) -> None:
        module = IMPLS[impl][1]
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} not installed (pip install the bench extra)")
        tls = mode.startswith("tls-")
        url, ca = request.getfixturevalue("tls_server" if tls else "plain_server")
        args = ["--impl", impl, "--mode", mode.removeprefix("tls-"), "--url", url]
        if ca:
            args += ["--ca", ca]
        benchmark.group = f"short answers {mode}"
        benchmark.name = impl
        out = benchmark.pedantic(run_child, args=(args, bodies_dir), rounds=1, iterations=1)
        out["label"] = mode
        RESULTS.append(out)
        benchmark.extra_info.update(out)
        unsupported = [b["unsupported"] for b in out["bodies"].values() if "unsupported" in b]
        if unsupported:
            if impl != "ferriscope+httpx2":
                pytest.fail(f"{impl} raised {unsupported[0]}")
            pytest.skip(f"this ferriscope takes no httpx2 client: {unsupported[0]}")
        errors = {name: b["error"] for name, b in out["bodies"].items() if "error" in b}
        assert not errors, errors
        assert sorted(out["bodies"]) == sorted(f"short-{n}" for n in DELTAS)

    def test_import_time(benchmark: Any) -> None:
        """`from ferriscope import llm` against `import pydantic`, fresh interpreters."""
        from benches import import_time

        out = benchmark.pedantic(import_time.compare, rounds=1, iterations=1)
        EXTRA_LINES.extend(import_time.table(out))
        # every statement imported what it names (the measurement is of real imports)
        assert all(r["runs"] and r["min_ms"] > 0 for r in out["rows"])

    def test_field(benchmark: Any, plain_server: tuple[str, str | None], bodies_dir: Path) -> None:
        """pydantic-ai and litellm in their own venv (`benches/field/setup_venv.sh`)."""
        from benches.field import bench_field

        python = bench_field.field_python()
        if python is None:
            pytest.skip(f"no field venv at {bench_field.VENV} (bash benches/field/setup_venv.sh)")
        out = benchmark.pedantic(
            bench_field.measure_all,
            args=(python, plain_server[0], bodies_dir, 50),
            rounds=1,
            iterations=1,
        )
        EXTRA_LINES.extend(bench_field.table(out))
        errors = {r["impl"]: r["error"] for r in out if r.get("error")}
        assert not errors, errors


if __name__ == "__main__":
    result = child()
    if result is not None:
        print(json.dumps(result), flush=True)

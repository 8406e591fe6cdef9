"""`python -m ferriscope`: the streaming journey of the seed page, end to end, offline.

With no arguments it starts an embedded replay server on 127.0.0.1 that speaks the real wire
formats (realistic streams at a realistic pace), points the provider at it, and runs the
public API exactly as user code would: `text_stream()`, `streams()` with thinking and the
tool loop, and `structured_stream()`. `--base-url`/`--model` run the same journey against a
real provider or any OpenAI-compatible server; `bench` runs the benchmark table (from a
checkout of the repository: the harness is not in the wheel).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

__all__ = ["checkout_root", "main"]

_WIRE = {"openai": "openai-responses", "anthropic": "anthropic", "google": "google"}
_DEFAULT_MODEL = {
    "openai": "openai/gpt-5-mini",
    "anthropic": "anthropic/claude-sonnet-4-5",
    "google": "google/gemini-2.5-flash",
}
_ENV = {
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "/v1"),
    "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", ""),
    "google": ("GOOGLE_API_KEY", None, ""),
}


class Book(BaseModel):
    title: str
    author: str
    year: int
    summary: str


def _words(text: str) -> list[str]:
    out, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            out.append(word)
            word = ""
    return [*out, word] if word else out


def _replies(provider: str) -> list[bytes]:
    from ferriscope.testing.synth import Reply, SynthToolCall, stream_for

    wire = _WIRE[provider]
    book_json = json.dumps(
        {
            "title": "The Left Hand of Darkness",
            "author": "Ursula K. Le Guin",
            "year": 1969,
            "summary": "An envoy to the frozen world of Gethen learns what loyalty and "
            "trust mean among people who are neither men nor women.",
        }
    )
    return [
        stream_for(
            wire,
            Reply(
                text=_words(
                    "Try *A Wizard of Earthsea* by Ursula K. Le Guin: a young mage's "
                    "pride unleashes a shadow he must then hunt across the archipelago."
                )
            ),
        ),
        stream_for(
            wire,
            Reply(
                thinking=_words("4242 is not a perfect square; I should use the tool."),
                tool_calls=[SynthToolCall("call_demo_1", "sqrt_tool", {"number": 4242})],
            ),
        ),
        stream_for(
            wire,
            Reply(text=_words("The square root of 4242 is about 65.13.")),
        ),
        stream_for(wire, Reply(text=[book_json[i : i + 6] for i in range(0, len(book_json), 6)])),
    ]


@contextmanager
def _embedded(provider: str, pace: float) -> Iterator[str]:
    """Serves the demo's streams and points the provider's environment at the server."""
    from ferriscope import llm
    from ferriscope.testing import RecordedResponse, ReplayServer

    key_env, url_env, prefix = _ENV[provider]
    with ReplayServer(
        [RecordedResponse(body=b) for b in _replies(provider)], piece_size=48, delay=pace
    ) as server:
        llm.reset_provider_registry()
        if url_env is None:
            llm.register_provider(provider, api_key="demo", base_url=server.url + prefix)
        else:
            os.environ.setdefault(key_env, "demo-key")
            os.environ[url_env] = server.url + prefix
        yield server.url


def _journey(model_id: str) -> None:
    from ferriscope import llm

    @llm.tool
    def sqrt_tool(number: float) -> float:
        """Computes the square root of a number."""
        return math.sqrt(number)

    print("── text_stream() ─────────────────────────────")
    response = llm.Model(model_id).stream("Recommend a fantasy book.")
    for chunk in response.text_stream():
        print(chunk, end="", flush=True)

    print("\n── streams(): thinking, a tool call, the tool loop ──")
    model = llm.Model(model_id, thinking={"level": "medium", "include_thoughts": True})
    response = model.stream("What's the square root of 4242?", tools=[sqrt_tool])
    while True:
        for stream in response.streams():
            if stream.content_type == "thought":
                print("Thinking: ", end="")
                for delta in stream:
                    print(delta, end="", flush=True)
                print()
            elif stream.content_type == "text":
                for delta in stream:
                    print(delta, end="", flush=True)
                print()
            else:
                call = stream.collect()
                print(f"[tool call {call.name}({call.args})]")
        if not response.tool_calls:
            break
        outputs = response.execute_tools()
        for output in outputs:
            print(f"[tool output {output.name} → {output.result}]")
        response = response.resume(outputs)

    print("── structured_stream(): a Book as its fields arrive ──")
    structured = llm.Model(model_id).stream("Recommend a science fiction book.", format=Book)
    live = sys.stdout.isatty()  # a terminal gets one line updated in place
    last = ""
    for partial in structured.structured_stream():
        line = f"  {partial!r}"
        if line == last:
            continue
        last = line
        if live:
            width = shutil.get_terminal_size().columns - 1
            print("\r\x1b[2K" + line[:width], end="", flush=True)
        else:
            print(line)
    if live:
        print()
    book = structured.parse()
    print(f"Final: {book.title} by {book.author} ({book.year})")
    # One answer is too short to time; a hundred of them in a list is a 20 KB answer.
    _compare_parsers("[" + ", ".join([structured.text("")] * 100) + "]")


def _compare_parsers(text: str) -> None:
    """Times the Rust incremental parser against re-parsing each prefix (Mirascope's way,
    through jiter in pydantic-core) on the text just streamed, fed in 1–8 character pieces."""
    import pydantic_core

    from ferriscope.partial_json import PartialJSONParser

    pieces, i = [], 0
    while i < len(text):
        n = 1 + (i * 7919) % 8
        pieces.append(text[i : i + n])
        i += n
    start = time.perf_counter()
    for _ in range(3):
        parser = PartialJSONParser()
        for piece in pieces:
            parser.feed(piece)
            parser.value()
    rust = (time.perf_counter() - start) / 3
    start = time.perf_counter()
    for _ in range(3):
        prefix = ""
        for piece in pieces:
            prefix += piece
            pydantic_core.from_json(prefix, allow_partial="trailing-strings")
    reparse = (time.perf_counter() - start) / 3
    print(
        f"Partial JSON on 100× this answer ({len(text)} chars in {len(pieces)} pieces, "
        "value read after each): "
        f"Rust incremental {rust * 1e3:.1f} ms vs re-parsing every prefix as Mirascope "
        f"does {reparse * 1e3:.0f} ms ({reparse / rust:.0f}× faster)"
    )


_NO_HARNESS = """\
python -m ferriscope bench: the benchmark harness is not part of the installed package; it
lives in benches/ of the ferriscope repository, with the peers it measures against. From a
clone: pip install -e '.[bench]' && python -m ferriscope bench (see benches/README.md)."""


def checkout_root(candidates: list[Path] | None = None) -> Path | None:
    """The repository checkout holding the benchmark harness (`benches/harness/`): the one
    this package is imported from (an editable install or `PYTHONPATH=python`), else the
    current directory; None for an installed wheel run elsewhere."""
    if candidates is None:
        candidates = [Path(__file__).resolve().parents[2], Path.cwd()]
    for root in candidates:
        if (root / "benches" / "harness" / "cli.py").is_file() and (
            root / "pyproject.toml"
        ).is_file():
            return root
    return None


def _bench(argv: list[str]) -> int:
    """Runs the harness of the checkout (it owns its options and its --help); exit status 2
    with where to find it when there is none."""
    root = checkout_root()
    if root is None:
        print(_NO_HARNESS, file=sys.stderr)
        return 2
    sys.path.insert(0, str(root))
    cli = importlib.import_module("benches.harness.cli")
    status: int = cli.main(argv)
    return status


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["bench"]:
        return _bench(args_in[1:])
    parser = argparse.ArgumentParser(prog="python -m ferriscope", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="demo",
        choices=["demo", "bench"],
        help="bench: the benchmarks, from a checkout of the repository (bench --help)",
    )
    parser.add_argument("--provider", choices=sorted(_WIRE), default="openai")
    parser.add_argument("--model", help="model id, e.g. openai/gpt-5-mini or ollama/llama3.2")
    parser.add_argument("--base-url", help="a real provider or OpenAI-compatible server")
    parser.add_argument("--pace", type=float, default=0.004, help="seconds between reads")
    args = parser.parse_args(args_in)
    model_id = args.model or _DEFAULT_MODEL[args.provider]
    if args.base_url:
        from ferriscope import llm

        scope = model_id.split("/", 1)[0] + "/"
        provider_id = "openai:completions" if scope not in _ENV else args.provider
        llm.register_provider(provider_id, scope=scope, base_url=args.base_url)
        _journey(model_id)
        return 0
    with _embedded(args.provider, args.pace):
        _journey(model_id)
    return 0


def _run() -> int:
    # The demo prints box-drawing characters and arrows; a terminal that cannot show them
    # gets replacements rather than a crash, and `| head` ends quietly.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(_run())

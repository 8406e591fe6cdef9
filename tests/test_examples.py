"""Every file in `examples/` runs unchanged against the replay toolkit: a loopback server
answers in the real wire format, the provider's environment points at it, and the test checks
what the example printed and what it sent.

`openai/gpt-5-mini` is served by the OpenAI Responses API, `anthropic/claude-sonnet-4-5` by
Anthropic's Messages API. A new example needs a test here: `test_every_example_has_a_test`
fails until it has one.
"""

from __future__ import annotations

import contextlib
import io
import re
import runpy
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from ferriscope.testing import Fault, RecordedResponse, ReplayServer
from ferriscope.testing.synth import Reply, SynthToolCall, stream_for
from tests.support.paths import ROOT

EXAMPLES = ROOT / "examples"

COVERED: set[str] = set()
"""The example files some test below runs (filled in as this module is imported)."""

F = TypeVar("F", bound=Callable[..., Any])


def covers(*names: str) -> Callable[[F], F]:
    """Marks a test as the one that runs these example files."""

    def mark(test: F) -> F:
        COVERED.update(names)
        return test

    return mark


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    """A replay server, with OpenAI's and Anthropic's environment pointing at it."""
    with ReplayServer(piece_size=32) as replay:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", replay.url + "/v1")
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", replay.url)
        yield replay


def run_example(name: str) -> str:
    """Runs `examples/<name>` as `python examples/<name>` would; returns what it printed."""
    assert name in COVERED, f"declare {name} with @covers on the test that runs it"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return out.getvalue()


def openai(server: ReplayServer, reply: Reply, fault: Fault | None = None) -> None:
    server.add(RecordedResponse(body=stream_for("openai-responses", reply)), fault)


def anthropic(server: ReplayServer, reply: Reply) -> None:
    server.add(RecordedResponse(body=stream_for("anthropic", reply)))


def user_text(body: dict[str, Any]) -> str:
    """The text of the last input message of a Responses API request."""
    content = body["input"][-1]["content"]
    if isinstance(content, str):
        return content
    return "".join(part["text"] for part in content if part.get("type") == "input_text")


def assert_book_request(server: ReplayServer, index: int = 0) -> dict[str, Any]:
    request = server.requests[index]
    assert request.method == "POST" and request.path == "/v1/responses"
    assert request.headers["authorization"] == "Bearer sk-test"
    body: dict[str, Any] = request.json()
    assert body["model"] == "gpt-5-mini" and body["stream"] is True
    assert user_text(body) == "Recommend a fantasy book."
    return body


BOOK = Reply(text=["I recommend ", "*Mistborn* ", "by Brandon Sanderson."])
BOOK_TEXT = "I recommend *Mistborn* by Brandon Sanderson."
BOOK_LINE = BOOK_TEXT + "\n"
"""What `text_stream()` yields for BOOK: the deltas, then `sep` after the (last) text part."""


# ---- the examples ------------------------------------------------------------------------


def test_every_example_has_a_test() -> None:
    files = {path.name for path in EXAMPLES.iterdir() if path.suffix == ".py"}
    assert files, f"no examples found in {EXAMPLES}"
    assert files - COVERED == set(), "examples without a test in tests/test_examples.py"
    assert COVERED - files == set(), "tests for examples that no longer exist"


def test_examples_use_ferriscope_not_mirascope() -> None:
    for path in sorted(EXAMPLES.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "from ferriscope import llm\n" in source, path.name
        assert "mirascope" not in source, path.name


@covers("01_call.py", "02_prompt.py", "03_model.py")
@pytest.mark.parametrize("name", ["01_call.py", "02_prompt.py", "03_model.py"])
def test_basic_text_stream(server: ReplayServer, name: str) -> None:
    openai(server, BOOK)
    assert run_example(name) == BOOK_LINE
    assert len(server.requests) == 1
    assert_book_request(server)


@covers("04_streams_thinking_tools.py")
def test_streams_with_thinking_and_the_tool_loop(server: ReplayServer) -> None:
    anthropic(
        server,
        Reply(
            thinking=["The user wants ", "sqrt(4242)."],
            text=["Let me compute that."],
            tool_calls=[SynthToolCall("toolu_1", "sqrt_tool", {"number": 4242})],
        ),
    )
    anthropic(server, Reply(text=["The square root of 4242 ", "is about 65.13."]))

    assert run_example("04_streams_thinking_tools.py") == (
        "Thinking: The user wants sqrt(4242).\n"
        "Let me compute that.\n"
        "The square root of 4242 is about 65.13.\n"
    )
    # Claude Sonnet 4.5 gets strict tools, which Anthropic serves from its beta endpoint.
    assert [r.path for r in server.requests] == ["/v1/messages?beta=true"] * 2
    assert "structured-outputs" in server.requests[0].headers["anthropic-beta"]
    assert server.requests[0].headers["x-api-key"] == "sk-ant-test"
    first, second = (r.json() for r in server.requests)
    assert first["model"] == "claude-sonnet-4-5" and first["stream"] is True
    assert first["messages"] == [{"role": "user", "content": "What's the square root of 4242?"}]
    assert first["thinking"]["type"] == "enabled" and first["thinking"]["budget_tokens"] > 0
    (tool,) = first["tools"]
    assert tool["name"] == "sqrt_tool"
    assert tool["description"] == "Computes the square root of a number"
    assert tool["input_schema"]["properties"]["number"]["type"] == "number"
    # The resumed request carries the assistant turn (thinking, text, tool use) and the output.
    assistant = second["messages"][1]
    assert assistant["role"] == "assistant"
    kinds = [block["type"] for block in assistant["content"]]
    assert kinds == ["thinking", "text", "tool_use"]
    assert assistant["content"][0]["signature"] == "c2lnbmF0dXJl"
    assert assistant["content"][2] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "sqrt_tool",
        "input": {"number": 4242},
    }
    (result,) = second["messages"][2]["content"]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "toolu_1"
    assert str(result["content"]).startswith("65.13")


@covers("05_chunk_stream.py")
def test_chunk_stream_pattern_matching(server: ReplayServer) -> None:
    openai(server, Reply(thinking=["Hmm."], text=BOOK.text))
    # Only text chunks are printed: the thought's chunks fall through to `case _`.
    assert run_example("05_chunk_stream.py") == BOOK_TEXT + "\n"
    assert_book_request(server)


@covers("06_accumulated_content.py")
def test_accumulated_content(server: ReplayServer) -> None:
    openai(server, Reply(text=BOOK.text, input_tokens=11, output_tokens=22))
    printed = run_example("06_accumulated_content.py")
    head, usage = printed.rsplit("Usage: ", 1)
    assert head == (
        f"{BOOK_LINE}\nTexts: 1\nContent parts: 1\nMessages in history: 2\n"  # user, assistant
    )
    assert usage.startswith("Usage(input_tokens=11, output_tokens=22")
    assert usage.endswith(")\n")
    assert_book_request(server)


@covers("07_finish_and_pretty.py")
def test_finish_and_pretty(server: ReplayServer) -> None:
    openai(
        server,
        Reply(text=BOOK.text, tool_calls=[SynthToolCall("call_1", "buy_book", {"isbn": "42"})]),
    )
    assert run_example("07_finish_and_pretty.py") == (
        f'{BOOK_TEXT}\n\n**ToolCall (buy_book):** {{"isbn": "42"}}\n'
    )
    assert_book_request(server)


@covers("08_replay.py")
def test_replaying_streams(server: ReplayServer) -> None:
    openai(server, BOOK)
    assert run_example("08_replay.py") == (
        f"First pass:\n{BOOK_LINE}Second pass (replay):\n{BOOK_LINE}"
    )
    assert len(server.requests) == 1  # the second pass never touches the network


@covers("09_tool_loop_pretty_stream.py")
def test_tool_loop_with_pretty_stream(server: ReplayServer) -> None:
    openai(
        server,
        Reply(
            text=["Let me compute that."],
            tool_calls=[SynthToolCall("call_1", "sqrt_tool", {"number": 4242})],
        ),
    )
    openai(server, Reply(text=["The square root of 4242 ", "is about 65.13."]))

    assert run_example("09_tool_loop_pretty_stream.py") == (
        "Let me compute that.\n\n"
        '**ToolCall (sqrt_tool):** {"number": 4242}\n'
        "The square root of 4242 is about 65.13.\n"
    )
    first, second = (r.json() for r in server.requests)
    assert [r.path for r in server.requests] == ["/v1/responses", "/v1/responses"]
    (tool,) = first["tools"]
    assert tool["type"] == "function" and tool["name"] == "sqrt_tool"
    assert tool["description"] == "Computes the square root of a number."
    calls = [item for item in second["input"] if item.get("type") == "function_call"]
    outputs = [item for item in second["input"] if item.get("type") == "function_call_output"]
    assert [(c["call_id"], c["name"]) for c in calls] == [("call_1", "sqrt_tool")]
    assert outputs[0]["call_id"] == "call_1" and outputs[0]["output"].startswith("65.13")


BOOK_JSON = [
    '{"title": "Mist',
    'born", "author": "Brandon ',
    'Sanderson", "summary": "A heist ',
    'in a world of ash."}',
]


def assert_structured_request(server: ReplayServer) -> None:
    body = assert_book_request(server)
    text_format = body["text"]["format"]
    assert text_format["type"] == "json_schema" and text_format["name"] == "Book"
    assert set(text_format["schema"]["properties"]) == {"title", "author", "summary"}


@covers("10_structured_stream.py")
def test_structured_stream_and_parse(server: ReplayServer) -> None:
    openai(server, Reply(text=BOOK_JSON))
    lines = run_example("10_structured_stream.py").splitlines()
    # One partial per text delta, each with the fields seen so far.
    assert lines[:4] == [
        "Partial: title='Mist' author=None summary=None",
        "Partial: title='Mistborn' author='Brandon ' summary=None",
        "Partial: title='Mistborn' author='Brandon Sanderson' summary='A heist '",
        "Partial: title='Mistborn' author='Brandon Sanderson' summary='A heist in a world of ash.'",
    ]
    assert lines[4:] == ["", "Final: Mistborn by Brandon Sanderson"]
    assert_structured_request(server)


@covers("11_parse_partial.py")
def test_parse_partial_in_a_chunk_loop(server: ReplayServer) -> None:
    openai(server, Reply(text=BOOK_JSON))
    lines = run_example("11_parse_partial.py").splitlines()
    # Printed for every chunk once the title has begun: the text deltas and the end chunk.
    assert lines[0] == "Title: Mist"
    assert set(lines[1:]) == {"Title: Mistborn"}
    assert len(lines) == 5
    assert_structured_request(server)


@covers("12_async.py")
def test_async_streaming(server: ReplayServer) -> None:
    openai(server, BOOK)
    assert run_example("12_async.py") == BOOK_LINE
    assert len(server.requests) == 1
    assert_book_request(server)


# The error example, once per branch of its `try`.


@covers("13_error_handling.py")
def test_error_handling_streams_normally(server: ReplayServer) -> None:
    openai(server, BOOK)
    assert run_example("13_error_handling.py") == BOOK_LINE
    assert_book_request(server)


def test_error_handling_rate_limit(server: ReplayServer) -> None:
    body = b'{"error": {"message": "Rate limit reached for gpt-5-mini", "type": "requests"}}'
    for _ in range(3):  # the environment's provider retries twice before the error surfaces
        server.add(
            RecordedResponse(
                body=body, status=429, content_type="application/json", headers={"retry-after": "0"}
            )
        )
    assert run_example("13_error_handling.py") == (
        "Rate limit exceeded: Rate limit reached for gpt-5-mini\n"
    )
    assert len(server.requests) == 3


def test_error_handling_connection_error(server: ReplayServer) -> None:
    body = stream_for("openai-responses", BOOK)
    cut = body.index(b"*Mistborn* ") + 40  # a few bytes into the event after the second delta
    openai(server, BOOK, Fault(cut_after=cut))
    printed = run_example("13_error_handling.py")
    # What arrived before the drop was printed; the error ends the line.
    assert printed.startswith("I recommend *Mistborn* Connection error: ")
    assert printed.endswith("\n") and printed.count("\n") == 1
    assert len(server.requests) == 1  # content had arrived: never retried


def test_error_handling_any_other_error(server: ReplayServer) -> None:
    body = b'{"error": {"message": "Incorrect API key provided: sk-test.", "type": "auth"}}'
    server.add(RecordedResponse(body=body, status=401, content_type="application/json"))
    printed = run_example("13_error_handling.py")
    assert printed.startswith("Error during streaming: ")
    assert "Incorrect API key provided" in printed
    assert len(server.requests) == 1  # an authentication error is not retried


def test_the_readmes_offline_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/README.md shows how to run one example offline by hand; it works as written."""
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    (recipe,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    monkeypatch.chdir(EXAMPLES.parent)  # the recipe runs from the repository's root
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):  # restored afterwards
        monkeypatch.setenv(name, "unset")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(recipe, "examples/README.md", "exec"), {"__name__": "__recipe__"})
    assert out.getvalue() == "Try *Mistborn* by Brandon Sanderson.\n"


def test_the_readme_lists_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\d\d_\w+\.py)` \|", readme, re.M))
    assert listed == {path.name for path in EXAMPLES.glob("*.py")}

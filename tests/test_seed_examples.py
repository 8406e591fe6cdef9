"""Every example of the seed page (Mirascope's "Streaming" docs), verbatim but for the import
line, run against a loopback server that speaks the real wire formats."""

from __future__ import annotations

import asyncio
import contextlib
import io
import textwrap
from collections.abc import Iterator

import pytest

from ferriscope import llm
from ferriscope.testing import RecordedResponse, ReplayServer
from ferriscope.testing.synth import Reply, SynthToolCall, stream_for


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    with ReplayServer(piece_size=32) as replay:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", replay.url + "/v1")
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", replay.url)
        llm.reset_provider_registry()
        yield replay
        llm.reset_provider_registry()


def run(source: str) -> str:
    """Executes an example as a user would, returning what it printed."""
    code = textwrap.dedent(source)
    code = code.replace("from mirascope import llm", "from ferriscope import llm")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<seed example>", "exec"), {"__name__": "__seed__"})
    return out.getvalue()


def openai(server: ReplayServer, reply: Reply) -> None:
    # "openai/gpt-5-mini" is served by the Responses API.
    server.add(RecordedResponse(body=stream_for("openai-responses", reply)))


BOOK = Reply(text=["I recommend ", "*Mistborn* ", "by Brandon Sanderson."])


@pytest.mark.parametrize(
    "source",
    [
        """
        from mirascope import llm

        @llm.call("openai/gpt-5-mini")
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response: llm.StreamResponse = recommend_book.stream("fantasy")
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)
        """,
        """
        from mirascope import llm

        @llm.prompt
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response: llm.StreamResponse = recommend_book.stream("openai/gpt-5-mini", "fantasy")
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)
        """,
        """
        from mirascope import llm

        model = llm.Model("openai/gpt-5-mini")
        response: llm.StreamResponse = model.stream("Recommend a fantasy book.")
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)
        """,
    ],
    ids=["call", "prompt", "model"],
)
def test_basic_usage(server: ReplayServer, source: str) -> None:
    openai(server, BOOK)
    assert run(source) == "I recommend *Mistborn* by Brandon Sanderson.\n"
    (request,) = server.requests
    assert request.path == "/v1/responses"
    body = request.json()
    assert body["model"] == "gpt-5-mini" and body["stream"] is True
    assert body["input"][-1]["content"] in (
        "Recommend a fantasy book.",
        [{"type": "input_text", "text": "Recommend a fantasy book."}],
    )


def test_streams_with_thinking_and_the_tool_loop(server: ReplayServer) -> None:
    first = Reply(
        thinking=["The user wants ", "sqrt(4242)."],
        text=["Let me compute that."],
        tool_calls=[SynthToolCall("toolu_1", "sqrt_tool", {"number": 4242})],
    )
    second = Reply(text=["The square root of 4242 ", "is about 65.13."])
    server.add(RecordedResponse(body=stream_for("anthropic", first)))
    server.add(RecordedResponse(body=stream_for("anthropic", second)))
    printed = run(
        """
        import math

        from mirascope import llm

        @llm.tool
        def sqrt_tool(number: float) -> float:
            \"\"\"Computes the square root of a number\"\"\"
            return math.sqrt(number)

        @llm.call(
            "anthropic/claude-sonnet-4-5",
            tools=[sqrt_tool],
            thinking={"level": "medium", "include_thoughts": True},
        )
        def math_assistant(query: str):
            return query

        response = math_assistant.stream("What's the square root of 4242?")

        # Create a loop for tool calling.
        while True:
            # Stream text and thoughts; tool call streams complete silently
            for stream in response.streams():
                if stream.content_type == "text":
                    for delta in stream:
                        print(delta, end="", flush=True)
                    print()
                elif stream.content_type == "thought":
                    print("Thinking: ", end="")
                    for delta in stream:
                        print(delta, end="", flush=True)
                    print()

            if response.tool_calls:
                response = response.resume(response.execute_tools())
            else:
                break
        """
    )
    assert printed == (
        "Thinking: The user wants sqrt(4242).\n"
        "Let me compute that.\n"
        "The square root of 4242 is about 65.13.\n"
    )
    second_body = server.requests[1].json()
    tool_result = second_body["messages"][-1]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == "toolu_1"
    assert str(tool_result["content"]).startswith("65.13")


def test_chunk_stream_pattern_matching(server: ReplayServer) -> None:
    openai(server, BOOK)
    printed = run(
        """
        from mirascope import llm

        @llm.call("openai/gpt-5-mini")
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response = recommend_book.stream("fantasy")
        for chunk in response.chunk_stream():
            match chunk.type:
                case "text_chunk":
                    print(chunk.delta, end="", flush=True)
                case _:
                    pass
        print()
        """
    )
    assert printed == "I recommend *Mistborn* by Brandon Sanderson.\n"


def test_accumulated_content_finish_and_pretty(server: ReplayServer) -> None:
    openai(server, BOOK)
    printed = run(
        """
        from mirascope import llm

        @llm.call("openai/gpt-5-mini")
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response = recommend_book.stream("fantasy")

        # Stream and display content
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)

        # After streaming, access accumulated content like a regular Response
        print(f"\\nTexts: {len(response.texts)}")
        print(f"Content parts: {len(response.content)}")
        print(f"Messages in history: {len(response.messages)}")
        print(f"Usage: {response.usage}")
        """
    )
    assert "Texts: 1\nContent parts: 1\nMessages in history: 2\n" in printed
    assert "Usage: Usage(input_tokens=12, output_tokens=34" in printed

    openai(server, BOOK)
    stream_response = llm.Model("openai/gpt-5-mini").stream("Recommend a fantasy book.")
    stream_response.finish()  # Consume all remaining chunks
    assert stream_response.pretty() == "I recommend *Mistborn* by Brandon Sanderson."


def test_replaying_streams(server: ReplayServer) -> None:
    openai(server, BOOK)
    printed = run(
        """
        from mirascope import llm

        @llm.call("openai/gpt-5-mini")
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response = recommend_book.stream("fantasy")

        # First iteration - consumes from LLM
        print("First pass:")
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)

        # Second iteration - replays from cache
        print("Second pass (replay):")
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)
        """
    )
    text = "I recommend *Mistborn* by Brandon Sanderson.\n"
    assert printed == f"First pass:\n{text}Second pass (replay):\n{text}"
    assert len(server.requests) == 1


def test_tool_loop_with_pretty_stream(server: ReplayServer) -> None:
    openai(server, Reply(tool_calls=[SynthToolCall("call_1", "sqrt_tool", {"number": 4242})]))
    openai(server, Reply(text=["About 65.13."]))
    printed = run(
        """
        import math

        from mirascope import llm

        @llm.tool
        def sqrt_tool(number: float) -> float:
            \"\"\"Computes the square root of a number.\"\"\"
            return math.sqrt(number)

        @llm.call("openai/gpt-5-mini", tools=[sqrt_tool])
        def math_assistant(query: str):
            return query

        response = math_assistant.stream("What's the square root of 4242?")

        while True:  # Loop to ensure we execute all tool calls
            for chunk in response.pretty_stream():
                print(chunk, end="", flush=True)
            print()

            if not response.tool_calls:
                break

            tool_outputs = response.execute_tools()
            response = response.resume(tool_outputs)
        """
    )
    assert printed == '**ToolCall (sqrt_tool):** {"number": 4242}\nAbout 65.13.\n'
    second = server.requests[1].json()["input"]
    outputs = [item for item in second if item.get("type") == "function_call_output"]
    assert outputs[0]["call_id"] == "call_1" and outputs[0]["output"].startswith("65.13")


BOOK_JSON = [
    '{"title": "Mist',
    'born", "author": "Brandon ',
    'Sanderson", "summary": "A heist ',
    'in a world of ash."}',
]


def test_structured_stream_and_parse(server: ReplayServer) -> None:
    openai(server, Reply(text=BOOK_JSON))
    printed = run(
        """
        from pydantic import BaseModel

        from mirascope import llm

        class Book(BaseModel):
            title: str
            author: str
            summary: str

        @llm.call("openai/gpt-5-mini", format=Book)
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response = recommend_book.stream("fantasy")

        # Stream partial objects as fields are populated
        for partial in response.structured_stream():
            # partial is a Partial[Book] with all fields optional
            print(f"Partial: {partial}")

        # Get the final validated object
        book = response.parse()
        print(f"\\nFinal: {book.title} by {book.author}")
        """
    )
    lines = printed.splitlines()
    assert lines[0] == "Partial: title='Mist' author=None summary=None"
    assert "Partial: title='Mistborn' author='Brandon ' summary=None" in lines
    assert lines[-1] == "Final: Mistborn by Brandon Sanderson"
    body = server.requests[0].json()
    assert body["text"]["format"]["type"] == "json_schema"

    openai(server, Reply(text=BOOK_JSON))
    printed = run(
        """
        from pydantic import BaseModel

        from mirascope import llm

        class Book(BaseModel):
            title: str
            author: str
            summary: str

        @llm.call("openai/gpt-5-mini", format=Book)
        def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        response = recommend_book.stream("fantasy")
        for chunk in response.chunk_stream():
            partial = response.parse(partial=True)
            if partial and partial.title:
                print(f"Title: {partial.title}")
        """
    )
    assert printed.splitlines()[0] == "Title: Mist"
    assert printed.splitlines()[-1] == "Title: Mistborn"


def test_async_streaming(server: ReplayServer) -> None:
    openai(server, BOOK)
    source = """
        import asyncio

        from mirascope import llm

        @llm.call("openai/gpt-5-mini")
        async def recommend_book(genre: str):
            return f"Recommend a {genre} book."

        async def main():
            response: llm.AsyncStreamResponse = await recommend_book.stream("fantasy")
            async for chunk in response.text_stream():
                print(chunk, end="", flush=True)

        asyncio.run(main())
        """
    assert run(source) == "I recommend *Mistborn* by Brandon Sanderson.\n"
    assert asyncio.get_event_loop_policy() is not None


ERROR_EXAMPLE = """
    from mirascope import llm

    @llm.call("openai/gpt-5-mini")
    def recommend_book(genre: str):
        return f"Recommend a {genre} book."

    response = recommend_book.stream("fantasy")
    try:
        for chunk in response.text_stream():
            print(chunk, end="", flush=True)
    except llm.RateLimitError as e:
        print(f"Rate limit exceeded: {e}")
    except llm.ConnectionError as e:
        print(f"Connection error: {e}")
    except llm.Error as e:
        print(f"Error during streaming: {e}")
    """


def test_error_handling_rate_limit(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    body = b'{"error": {"message": "Rate limit reached for gpt-5-mini", "type": "requests"}}'
    for _ in range(3):  # the initial request is retried twice before the error surfaces
        server.add(
            RecordedResponse(
                body=body, status=429, content_type="application/json", headers={"retry-after": "0"}
            )
        )
    assert run(ERROR_EXAMPLE) == "Rate limit exceeded: Rate limit reached for gpt-5-mini\n"
    assert len(server.requests) == 3


def test_error_handling_connection_error(server: ReplayServer) -> None:
    from ferriscope.testing import Fault

    body = stream_for("openai-responses", BOOK)
    server.add(RecordedResponse(body=body), fault=Fault(cut_after=len(body) // 2))
    printed = run(ERROR_EXAMPLE)
    assert "Connection error:" in printed

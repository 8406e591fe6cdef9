"""ferriscope's `llm` offers Mirascope 2.8.2's public names, generics and small behaviours,
so code written against Mirascope imports, type-checks and runs unchanged."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import typing
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from ferriscope import llm
from tests.support.decoding import response_args
from tests.support.mirascope_names import ALL, GENERICS

# Mirascope names deliberately not offered (none at present); a name listed here must be
# missing, so the list cannot go stale.
DEFERRED: dict[str, set[str]] = {}


@pytest.mark.parametrize("namespace", sorted(ALL))
def test_namespace_offers_mirascopes_names(namespace: str) -> None:
    if namespace == "llm.mcp":
        pytest.importorskip("mcp")
    module = importlib.import_module(f"ferriscope.{namespace}")
    exported = set(module.__all__)
    missing = set(ALL[namespace]) - exported
    assert missing == DEFERRED.get(namespace, set())
    unreachable = [name for name in exported & set(ALL[namespace]) if not hasattr(module, name)]
    assert unreachable == []


def _kinds(obj: Any) -> str:
    return "".join(
        "P" if isinstance(p, typing.ParamSpec) or type(p).__name__ == "ParamSpec" else "T"
        for p in obj.__parameters__
    )


@pytest.mark.parametrize(("path", "kinds"), sorted(GENERICS.items()))
def test_generics_take_mirascopes_type_parameters(path: str, kinds: str) -> None:
    namespace, _, name = path.rpartition(".")
    module = importlib.import_module("ferriscope.llm" + (f".{namespace}" if namespace else ""))
    generic = getattr(module, name)
    assert _kinds(generic) == kinds
    args = tuple([str] if kind == "P" else int for kind in kinds)
    generic[args if len(args) > 1 else args[0]]  # subscriptable with that arity


def test_call_and_prompt_types_subscript_as_in_mirascope() -> None:
    class Book(BaseModel):
        title: str

    assert typing.get_args(llm.Call[[str], Book]) == ((str,), Book)
    assert typing.get_origin(llm.ContextPrompt[[str], int, Book]) is llm.ContextPrompt
    assert typing.get_args(llm.RootResponse[llm.Toolkit, Book]) == (llm.Toolkit, Book)
    assert llm.RetryCall[[str], Book] is not None and llm.CallDecorator[llm.Tool, Book]


def test_import_ferriscope_then_llm_lazily() -> None:
    code = (
        "import sys, ferriscope\n"
        "assert 'ferriscope.llm' not in sys.modules\n"
        "assert ferriscope.llm.Call is not None and ferriscope.partial_json.parse_partial\n"
        "assert 'ferriscope.llm' in sys.modules\n"
        "try:\n"
        "    ferriscope.nope\n"
        "except AttributeError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "has no attribute 'nope'" in out.stdout


def test_format_instructions_are_a_string_attribute() -> None:
    class Book(BaseModel):
        title: str

    json_format = llm.format(Book, mode="json")
    assert json_format is not None
    assert isinstance(json_format.formatting_instructions, str)
    assert '"title"' in json_format.formatting_instructions
    strict = llm.format(Book, mode="strict")
    assert strict is not None and strict.formatting_instructions is None


AIFF = b"FORM\x00\x00\x10\x00AIFFCOMM" + bytes(16)
ADTS_MPEG4 = b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(16)
ADTS_MPEG2 = b"\xff\xf9\x50\x80\x02\x1f\xfc" + bytes(16)


@pytest.mark.parametrize(
    ("data", "mime"),
    [(AIFF, "audio/aiff"), (ADTS_MPEG4, "audio/aac"), (ADTS_MPEG2, "audio/aac")],
)
def test_audio_types_detected_as_mirascope(data: bytes, mime: str) -> None:
    assert llm.Audio.from_bytes(data).source.mime_type == mime


@pytest.mark.parametrize(
    ("brand", "mime"),
    [
        (b"heic", "image/heic"),
        (b"heix", "image/heic"),
        (b"mif1", "image/heif"),
        (b"msf1", "image/heif"),
        (b"hevc", "image/heif"),
        (b"hevx", "image/heif"),
    ],
)
def test_heif_brands_as_mirascope(brand: bytes, mime: str) -> None:
    data = b"\x00\x00\x00\x18ftyp" + brand + bytes(16)
    assert llm.Image.from_bytes(data).source.mime_type == mime  # type: ignore[union-attr]


def test_unknown_media_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="AIFF"):
        llm.Audio.from_bytes(b"FORM\x00\x00\x00\x00WAVE" + bytes(8))
    with pytest.raises(ValueError, match="HEIF"):
        llm.Image.from_bytes(b"\x00\x00\x00\x18ftypavif" + bytes(8))


def test_document_from_url_never_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a constructor made a request")

    monkeypatch.setattr(httpx, "get", no_network)
    monkeypatch.setattr(httpx.Client, "send", no_network)
    document = llm.Document.from_url("https://example.invalid/a.pdf", download=True)
    assert isinstance(document.source, llm.URLDocumentSource)
    assert document.source.url == "https://example.invalid/a.pdf"


# ---- hand-built stream responses ------------------------------------------------------------


def add(a: int, b: int) -> int:
    """Adds."""
    return a + b


def mul(a: int, b: int) -> int:
    """Multiplies."""
    return a * b


def _tool_call(call_id: str, name: str, args: str) -> list[Any]:
    return [
        llm.ToolCallStartChunk(id=call_id, name=name),
        llm.ToolCallChunk(id=call_id, delta=args),
        llm.ToolCallEndChunk(id=call_id),
    ]


def test_hand_built_stream_normalises_tools_to_a_toolkit() -> None:
    chunks = _tool_call("c1", "add", '{"a": 2, "b": 3}')
    response: llm.StreamResponse[None] = llm.StreamResponse(
        **response_args(), tools=[llm.tool(add), llm.tool(mul)], chunk_iterator=iter(chunks)
    )
    assert isinstance(response.toolkit, llm.Toolkit)
    response.finish()
    (output,) = response.execute_tools()
    assert output.result == 5
    empty: llm.StreamResponse[None] = llm.StreamResponse(**response_args(), chunk_iterator=None)
    assert isinstance(empty.toolkit, llm.Toolkit) and empty.toolkit.tools == []
    empty.finish()
    assert (empty.consumed, empty.content) == (True, [])


def test_context_and_async_streams_get_their_toolkit_kind() -> None:
    context: llm.ContextStreamResponse[None, None] = llm.ContextStreamResponse(
        **response_args(), tools=[llm.tool(add)], chunk_iterator=iter([])
    )
    assert isinstance(context.toolkit, llm.ContextToolkit)

    async def none() -> AsyncIterator[Any]:
        return
        yield

    async def run() -> None:
        response: llm.AsyncStreamResponse[None] = llm.AsyncStreamResponse(
            **response_args(), chunk_iterator=None
        )
        assert isinstance(response.toolkit, llm.AsyncToolkit)
        await response.finish()
        assert response.consumed
        kit = llm.AsyncContextStreamResponse(**response_args(), chunk_iterator=none()).toolkit
        assert isinstance(kit, llm.AsyncContextToolkit)

    asyncio.run(run())


TEXT = [llm.TextStartChunk(), llm.TextChunk(delta="hi"), llm.TextEndChunk()]
BAD_SEQUENCES = [
    (
        [llm.TextStartChunk(), llm.ToolCallStartChunk(id="c", name="add")],
        "Received tool_call_start_chunk while processing another chunk",
    ),
    (
        [llm.ToolCallStartChunk(id="c", name="add"), llm.TextStartChunk()],
        "Received text_start_chunk while processing another chunk",
    ),
    ([llm.TextStartChunk(), llm.ThoughtStartChunk()], "thought_start_chunk while processing"),
    ([llm.TextChunk(delta="x")], "Received text_chunk while not processing text."),
    (
        [llm.ThoughtStartChunk(), llm.TextEndChunk()],
        "Received text_end_chunk while not processing text.",
    ),
    ([llm.ToolCallChunk(id="x", delta="{}")], "tool_call_chunk for unknown tool call ID: x"),
    (
        [llm.ToolCallStartChunk(id="c", name="a"), llm.ToolCallStartChunk(id="c", name="a")],
        "conflicting id",
    ),
    (
        [*TEXT, llm.FinishReasonChunk(finish_reason=llm.FinishReason.MAX_TOKENS), *TEXT],
        "Stream already finished with reason",
    ),
]


@pytest.mark.parametrize(("chunks", "message"), BAD_SEQUENCES)
def test_hand_built_chunks_out_of_order_raise(chunks: list[Any], message: str) -> None:
    response: llm.StreamResponse[None] = llm.StreamResponse(
        **response_args(), chunk_iterator=iter(chunks)
    )
    with pytest.raises(RuntimeError, match=message):
        response.finish()

    async def source() -> AsyncIterator[Any]:
        for chunk in chunks:
            yield chunk

    async def run() -> None:
        stream: llm.AsyncStreamResponse[None] = llm.AsyncStreamResponse(
            **response_args(), chunk_iterator=source()
        )
        await stream.finish()

    with pytest.raises(RuntimeError, match=message):
        asyncio.run(run())


def test_interleaved_tool_calls_alone_are_accepted() -> None:
    # Parallel tool calls may interleave (Mirascope allows it); only a text or thought part
    # may not overlap them.
    chunks: Iterator[Any] = iter(
        [
            llm.ToolCallStartChunk(id="a", name="add"),
            llm.ToolCallStartChunk(id="b", name="mul"),
            llm.ToolCallChunk(id="b", delta='{"a": 2, "b": 3}'),
            llm.ToolCallChunk(id="a", delta='{"a": 2, "b": 3}'),
            llm.ToolCallEndChunk(id="b"),
            llm.ToolCallEndChunk(id="a"),
            *TEXT,
        ]
    )
    response: llm.StreamResponse[None] = llm.StreamResponse(
        **response_args(), tools=[llm.tool(add), llm.tool(mul)], chunk_iterator=chunks
    )
    response.finish()
    assert sorted(o.result for o in response.execute_tools()) == [5, 6]
    assert response.texts[0].text == "hi"


def test_error_messages_keep_mirascopes_key_phrases() -> None:
    from ferriscope.llm.retries import RetryFailure

    plain = llm.MissingAPIKeyError("together", "TOGETHER_API_KEY")
    assert str(plain).startswith(
        "No API key found for together. Set the TOGETHER_API_KEY environment variable"
    )
    routed = llm.MissingAPIKeyError("openai", "OPENAI_API_KEY", has_mirascope_fallback=True)
    assert str(routed).startswith(
        "No API key found for openai. Either:\n  1. Set OPENAI_API_KEY environment variable, or"
        "\n  2. Set MIRASCOPE_API_KEY for cross-provider support via Mirascope Router"
    )
    failures = [
        RetryFailure(model=llm.Model("openai/a"), exception=ValueError("first")),
        RetryFailure(model=llm.Model("anthropic/b"), exception=ValueError("second")),
    ]
    exhausted = llm.RetriesExhausted(failures)
    assert str(exhausted).startswith(
        "All retries exhausted after 2 attempt(s) across models: ['openai/a', 'anthropic/b']"
    )
    assert "second" in str(exhausted) and exhausted.__cause__ is failures[1].exception
    assert str(llm.StreamRestarted(failures[0])).startswith("Stream restarted due to: first")
    assert str(llm.NoRegisteredProviderError("x/y")).startswith(
        "No provider registered for model 'x/y'."
    )

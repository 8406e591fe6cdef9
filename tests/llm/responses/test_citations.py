"""`response.citations`: the web sources of a search answer, one shape for every provider.

The web-search recordings are replayed through the public API (loopback server, 64-byte
pieces), and each turn's citations are compared with what the wire itself says, read here by
a separate path from the SSE events: Anthropic's `citations_delta`s on text blocks, the
Responses API's `response.output_text.annotation.added` events over the streamed text, and
Gemini's last non-empty `groundingMetadata`. `citations_in` is also checked on its own,
including shapes it must skip rather than fail on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ferriscope import llm
from ferriscope.llm.responses.citations import citations_in
from ferriscope.testing import ReplayServer, load_recording
from tests.support.e2e_cases import Case, load_cases, register, run_async, run_sync, sync_call

SEARCHES = [c for c in load_cases() if c.name.startswith("web_search_tool/") and not c.raises]


# ---- the wire's own account of the citations ---------------------------------------------------


def _events(body: str) -> Iterator[dict[str, Any]]:
    for line in body.splitlines():
        if line.startswith("data: ") and line[6:].strip() != "[DONE]":
            yield json.loads(line[6:])


def _anthropic(body: str) -> list[tuple[str, str | None, str, str | None]]:
    blocks: dict[int, dict[str, Any]] = {}
    for event in _events(body):
        if event["type"] == "content_block_start" and event["content_block"]["type"] == "text":
            start = event["content_block"]
            blocks[event["index"]] = {
                "text": start["text"],
                "cites": list(start.get("citations") or []),
            }
        elif event["type"] == "content_block_delta" and event["index"] in blocks:
            delta, block = event["delta"], blocks[event["index"]]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "citations_delta":
                block["cites"].append(delta["citation"])
    return [
        (cite["url"], cite.get("title"), block["text"], cite.get("cited_text"))
        for _, block in sorted(blocks.items())
        for cite in block["cites"]
    ]


def _responses(body: str) -> list[tuple[str, str | None, str, str | None]]:
    texts: dict[tuple[str, int], str] = {}
    notes: list[tuple[tuple[str, int], dict[str, Any]]] = []
    for event in _events(body):
        key = (event.get("item_id", ""), event.get("content_index", 0))
        if event["type"] == "response.output_text.delta":
            texts[key] = texts.get(key, "") + event["delta"]
        elif event["type"] == "response.output_text.annotation.added":
            notes.append((key, event["annotation"]))
    return [
        (note["url"], note["title"], texts[key][note["start_index"] : note["end_index"]], None)
        for key, note in notes
    ]


def _google(body: str) -> list[tuple[str, str | None, str, str | None]]:
    grounding: dict[str, Any] = {}
    for event in _events(body):
        grounding = event["candidates"][0].get("groundingMetadata") or grounding
    chunks = grounding.get("groundingChunks", [])
    return [
        (chunks[i]["web"]["uri"], chunks[i]["web"]["title"], support["segment"]["text"], None)
        for support in grounding.get("groundingSupports", [])
        for i in support["groundingChunkIndices"]
    ]


READERS = {"anthropic": _anthropic, "openai-responses": _responses, "google": _google}


def _wire_citations(case: Case, turn: int) -> list[tuple[str, str | None, str, str | None]]:
    return READERS[case.data["wire_format"]](case.interactions[turn]["response"]["body"])


def _got(citations: Any) -> list[tuple[str, str | None, str, str | None]]:
    assert all(isinstance(c, llm.Citation) for c in citations)
    return [(c.url, c.title, c.text, c.quote) for c in citations]


# ---- the recordings ----------------------------------------------------------------------------


def test_every_search_recording_is_here() -> None:
    assert sorted(c.provider_api for c in SEARCHES) == [
        "anthropic",
        "anthropic-beta",
        "google",
        "openai-responses",
    ]


@pytest.mark.parametrize("case", SEARCHES, ids=lambda c: c.name)
def test_each_turn_cites_what_the_wire_cites(case: Case) -> None:
    with ReplayServer(load_recording(case.path), piece_size=64) as server:
        register(case, server.url)
        outcome = run_sync(case)
    first, last = _wire_citations(case, 0), _wire_citations(case, 1)
    assert last, "the recording cites sources"
    assert _got(outcome.first.citations) == first
    assert _got(outcome.response.citations) == last
    # The resumed turn re-sent none of them (as Mirascope), yet the first turn keeps its own.
    assert outcome.response.messages[1].raw_message is outcome.first.messages[-1].raw_message


@pytest.mark.parametrize("case", SEARCHES[:1] + SEARCHES[-1:], ids=lambda c: c.name)
async def test_async_responses_cite_the_same(case: Case) -> None:
    with ReplayServer(load_recording(case.path), piece_size=64) as server:
        register(case, server.url)
        outcome = await run_async(case)
    assert _got(outcome.response.citations) == _wire_citations(case, 1)


def test_a_stream_has_citations_once_it_is_consumed() -> None:
    case = next(c for c in SEARCHES if c.provider_api == "google")
    with ReplayServer(load_recording(case.path), piece_size=64) as server:
        register(case, server.url)
        fn, args = sync_call(case)
        response = fn.stream(*args)
        assert response.citations == []
        response.finish()
    assert _got(response.citations) == _wire_citations(case, 0)


# ---- citations_in on its own -------------------------------------------------------------------


def test_anthropic_document_citations_are_not_web_sources() -> None:
    raw = {
        "role": "assistant",
        "content": [
            {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}},
            {
                "type": "text",
                "text": "Seven.",
                "citations": [
                    {"type": "char_location", "cited_text": "7", "document_index": 0},
                    {"type": "web_search_result_location", "url": "https://a", "cited_text": "7"},
                ],
            },
            {"type": "text", "text": "No source."},
        ],
    }
    assert citations_in(raw) == [
        llm.Citation(url="https://a", title=None, text="Seven.", quote="7")
    ]


def test_responses_annotations_index_characters_of_their_text() -> None:
    text = "Prix: 7 € ([a.fr](https://a.fr))"
    start = text.index("(")
    raw = [
        {"type": "web_search_call", "id": "ws", "status": "completed"},
        {
            "type": "message",
            "content": [
                {
                    "type": "output_text",
                    "text": text,
                    "annotations": [
                        {
                            "type": "url_citation",
                            "url": "https://a.fr",
                            "title": "A",
                            "start_index": start,
                            "end_index": len(text),
                        },
                        {"type": "file_citation", "file_id": "f", "index": 0},
                    ],
                }
            ],
        },
    ]
    assert citations_in(raw) == [
        llm.Citation(url="https://a.fr", title="A", text="([a.fr](https://a.fr))")
    ]


def test_google_supports_fan_out_to_each_source_and_bad_indices_are_skipped() -> None:
    raw = {
        "role": "model",
        "parts": [{"text": "A and B."}],
        "groundingMetadata": {
            "groundingChunks": [{"web": {"uri": "https://a", "title": "a.com"}}, {"web": {}}],
            "groundingSupports": [
                {
                    "segment": {"endIndex": 8, "text": "A and B."},
                    "groundingChunkIndices": [0, 1, 7],
                },
                {"segment": {"text": "B."}},
            ],
        },
    }
    assert citations_in(raw) == [llm.Citation(url="https://a", title="a.com", text="A and B.")]


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "text",
        [],
        [None, {"type": "message", "content": "x"}, {"type": "message", "content": [1]}],
        {"role": "assistant", "content": [None, {"type": "text", "citations": [{"url": 1}]}]},
        {"role": "model", "parts": [{"text": "a"}]},
        {"role": "model", "parts": [], "groundingMetadata": {"groundingSupports": [None]}},
    ],
)
def test_turns_without_web_citations_have_none(raw: Any) -> None:
    assert citations_in(raw) == []


def test_a_plain_call_response_has_them_too() -> None:
    case = next(c for c in SEARCHES if c.provider_api == "anthropic")
    with ReplayServer(load_recording(case.path), piece_size=64) as server:
        register(case, server.url)
        fn, args = sync_call(case)
        response = fn(*args)
    assert isinstance(response, llm.Response)
    assert _got(response.citations) == _wire_citations(case, 0)

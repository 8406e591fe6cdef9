"""Anthropic request encoding (docs/spec.md §11.3): every recorded request is reproduced
exactly from the fixture's call description, plus hand-written cases for what the recordings
lack."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pydantic import BaseModel, Field

from ferriscope.llm.content import (
    Audio,
    Base64AudioSource,
    Base64DocumentSource,
    Base64ImageSource,
    Document,
    Image,
    Text,
    TextDocumentSource,
    Thought,
    ToolCall,
    ToolOutput,
    URLDocumentSource,
    URLImageSource,
)
from ferriscope.llm.exceptions import FeatureNotSupportedError, MissingAPIKeyError
from ferriscope.llm.formatting import Format
from ferriscope.llm.formatting import format as llm_format
from ferriscope.llm.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    UserMessage,
    assistant,
    system,
    user,
)
from ferriscope.llm.providers.anthropic import AnthropicBetaProvider, AnthropicProvider
from ferriscope.llm.providers.anthropic.schema import output_format_schema, strict_tool_schema
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.registry import provider_class
from ferriscope.llm.tools import FORMAT_TOOL_NAME, ProviderTool, Toolkit, WebSearchTool, tool
from tests.support.decoding import decode, load_cases
from tests.support.fixture_models import Author, Book, BookSummary, FentanylHandbook, LuckyNumber

KEY = "sk-ant-test-key"
EPHEMERAL = {"type": "ephemeral"}


# ---- the fixtures' Python definitions, written out (checked against the recorded schemas) ---


FORMATS: dict[str, type[BaseModel]] = {
    cls.__name__: cls for cls in (Book, BookSummary, LuckyNumber, FentanylHandbook)
}


def _format_class(spec: dict[str, Any]) -> type[BaseModel]:
    if "name" in spec:
        return FORMATS[spec["name"]]
    last = [line for line in spec["python"] if line.startswith("class ")][-1]
    return FORMATS[last.split("class ", 1)[1].split("(", 1)[0]]  # "class Book(BaseModel): ..."


def _make_tool(spec: dict[str, Any]) -> Any:
    """The fixture's tool, defined from its signature and description with `llm.tool`.

    Cases that fail before sending record only the signature; the same tool's description
    comes from the cases that were sent.
    """
    description = spec.get("description") or TOOL_DESCRIPTIONS[spec["name"]]
    namespace: dict[str, Any] = {}
    exec(f"{spec['python']}:\n    {json.dumps(description)}\n    return ''\n", namespace)
    return tool(strict=spec.get("strict"))(namespace[spec["name"]])


def _messages(call: dict[str, Any]) -> list[Message]:
    built: list[Message] = []
    for m in call["messages"]:
        built.append(system(m["text"]) if m["role"] == "system" else user(m["text"]))
    return built


def _params(call: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = dict(call.get("params") or {})
    if call.get("thinking"):
        params["thinking"] = call["thinking"]
    return params


def _provider(case: dict[str, Any]) -> BaseProvider:
    cls = AnthropicBetaProvider if case["provider_api"] == "anthropic-beta" else AnthropicProvider
    return cls(api_key=KEY)


def _user_parts(parts: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for p in parts:
        if p["type"] == "text":
            out.append(Text(text=p["text"]))
        else:
            out.append(ToolOutput(id=p["id"], name=p["name"], result=p["result"]))
    return out


def _assistant_parts(parts: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for p in parts:
        if p["type"] == "text":
            out.append(Text(text=p["text"]))
        elif p["type"] == "thought":
            out.append(Thought(thought=p["thought"]))
        else:
            out.append(ToolCall(id=p["id"], name=p["name"], args=p["args"]))
    return out


def _raw_message(case: dict[str, Any]) -> Any:
    body = case["interactions"][0]["response"]["body"].encode("utf-8")
    raws = [c.raw_message for c in decode("anthropic", [body]) if c.type == "raw_message_chunk"]
    assert len(raws) == 1
    return raws[0]


def _second_request_input(
    case: dict[str, Any], first: Encoded
) -> tuple[list[Message], dict[str, Any]]:
    """The conversation and params of interactions[1]: the first request's messages as sent,
    the first assistant turn (content from the snapshot, raw from the decoded response), and
    the next user message (tool outputs, a resume prompt or the validation retry)."""
    call = case["call"]
    expected = case["expected"]["messages"]
    first_assistant = next(i for i, m in enumerate(expected) if m["role"] == "assistant")
    turn = AssistantMessage(
        content=_assistant_parts(case["expected"]["assistant_turns"][0]),
        provider_id="anthropic",
        model_id=case["model_id"],
        provider_model_name=case["expected"]["provider_model_name"],
        raw_message=_raw_message(case),
    )
    follow_up = UserMessage(content=_user_parts(expected[first_assistant + 1]["content"]))
    params = _params(call)
    for step in call.get("steps", []):
        if step.get("op") == "resume" and step.get("model_override"):
            params = dict(step["model_override"])
    return [*first.messages, turn, follow_up], params


CASES = [
    (name, case)
    for name, case in load_cases()
    if case["provider_api"] in ("anthropic", "anthropic-beta")
]
TOOL_DESCRIPTIONS = {
    spec["name"]: spec["description"]
    for _, case in CASES
    for spec in case["call"].get("tools", [])
    if "description" in spec
}
RECORDED = [(n, c) for n, c in CASES if c["interactions"]]
REFUSED = [(n, c) for n, c in CASES if c["expected"].get("raises") == "FeatureNotSupportedError"]


def _encode_first(case: dict[str, Any]) -> tuple[BaseProvider, Encoded, Any, Any]:
    call = case["call"]
    toolkit = Toolkit(
        [_make_tool(t) for t in call.get("tools", [])]
        + [WebSearchTool() for _ in call.get("provider_tools", [])]
    )
    format: Any = None
    if call.get("format"):
        cls = _format_class(call["format"])
        # A bare type never resolves to json mode on Anthropic, so a json-mode format in a
        # case without a mode folder (validation_retry) was passed as llm.format(..., "json").
        mode: Any = case["formatting_mode"]
        if mode is None and call["format"].get("mode") == "json":
            mode = "json"
        format = cls if mode is None else llm_format(cls, mode=mode)
    provider = _provider(case)
    encoded = provider.encode(
        model_id=case["model_id"],
        messages=_messages(call),
        toolkit=toolkit,
        format=format,
        params=_params(call),
    )
    return provider, encoded, toolkit, format


def _assert_matches(provider: BaseProvider, encoded: Encoded, recorded: dict[str, Any]) -> None:
    request = provider.http_request(encoded)
    assert request.url == recorded["url"]
    sent_headers = {k: v for k, v in request.headers.items() if k != "x-api-key"}
    assert sent_headers == recorded["headers"]
    assert request.headers["x-api-key"] == KEY
    assert json.loads(request.content) == recorded["body"]


def test_fixture_set_is_complete() -> None:
    assert len(CASES) == 41
    assert len(RECORDED) + len(REFUSED) == len(CASES)


@pytest.mark.parametrize(("name", "case"), RECORDED, ids=[n for n, _ in RECORDED])
def test_first_request_matches_recording(name: str, case: dict[str, Any]) -> None:
    provider, encoded, _, _ = _encode_first(case)
    _assert_matches(provider, encoded, case["interactions"][0]["request"])
    assert encoded.provider_model_name == case["expected"]["provider_model_name"]
    assert encoded.wire_format == "anthropic"
    assert encoded.include_thoughts == bool(
        (case["call"].get("thinking") or {}).get("include_thoughts")
    )
    assert provider.response_provider_id(case["model_id"]) == case["expected"]["provider_id"]
    if case["call"].get("format"):
        assert isinstance(encoded.format, Format)
        assert encoded.format.mode == case["call"]["format"]["mode"]
        schema = case["call"]["format"].get("schema")
        assert schema is None or encoded.format.schema == schema


TWO_TURNS = [(n, c) for n, c in RECORDED if len(c["interactions"]) > 1]


@pytest.mark.parametrize(("name", "case"), TWO_TURNS, ids=[n for n, _ in TWO_TURNS])
def test_second_request_matches_recording(name: str, case: dict[str, Any]) -> None:
    provider, first, toolkit, _ = _encode_first(case)
    messages, params = _second_request_input(case, first)
    second = provider.encode(
        model_id=case["model_id"],
        messages=messages,
        toolkit=toolkit,
        format=first.format,  # resume passes the response's resolved format
        params=params,
    )
    _assert_matches(provider, second, case["interactions"][1]["request"])


@pytest.mark.parametrize(("name", "case"), REFUSED, ids=[n for n, _ in REFUSED])
def test_unsupported_combination_raises(name: str, case: dict[str, Any]) -> None:
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode_first(case)
    expected = case["expected"]["exception"]
    assert info.value.feature == expected["feature"]
    assert info.value.provider_id == expected["provider_id"]
    assert info.value.model_id == expected["model_id"]
    assert repr(info.value.args) == expected["args"]


def test_format_definitions_match_recorded_schemas() -> None:
    for _, case in CASES:
        spec = case["call"].get("format")
        if spec and "schema" in spec:
            assert _format_class(spec).model_json_schema() == spec["schema"]
    for _, case in CASES:
        for spec in case["call"].get("tools", []):
            if "parameters" not in spec:
                continue
            made = _make_tool(spec)
            dumped = made.parameters.model_dump(by_alias=True, exclude_none=True)
            assert dumped == spec["parameters"]


# ---- hand-written cases --------------------------------------------------------------------

MODEL = "anthropic/claude-sonnet-4-0"
MODEL_45 = "anthropic/claude-sonnet-4-5"


def _encode(
    messages: list[Message],
    *,
    model_id: str = MODEL,
    provider: BaseProvider | None = None,
    tools: list[Any] | None = None,
    format: Any = None,
    **params: Any,
) -> Encoded:
    provider = provider or AnthropicProvider(api_key=KEY)
    return provider.encode(
        model_id=model_id,
        messages=messages,
        toolkit=Toolkit(tools or []),
        format=format,
        params=params,
    )


def _body(messages: list[Message], **kwargs: Any) -> dict[str, Any]:
    return _encode(messages, **kwargs).body


PNG = Base64ImageSource(data="iVBORw0KGgo=", mime_type="image/png")


def test_user_media_blocks() -> None:
    body = _body(
        [
            user(
                [
                    "Look:",
                    Image(source=PNG),
                    Image(source=URLImageSource(url="https://example.com/cat.jpg")),
                    Document(
                        source=Base64DocumentSource(data="JVBERi0=", media_type="application/pdf")
                    ),
                    Document(source=TextDocumentSource(data="notes", media_type="text/markdown")),
                    Document(source=URLDocumentSource(url="https://example.com/a.pdf")),
                ]
            )
        ]
    )
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:", "cache_control": None},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                    "cache_control": None,
                },
                {
                    "type": "image",
                    "source": {"type": "url", "url": "https://example.com/cat.jpg"},
                    "cache_control": None,
                },
                {
                    "type": "document",
                    "source": {
                        "type": "base64",
                        "media_type": "application/pdf",
                        "data": "JVBERi0=",
                    },
                },
                {
                    "type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": "notes"},
                },
                {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
            ],
        }
    ]


def test_document_gets_the_cache_breakpoint_in_multi_turn() -> None:
    doc = Document(source=URLDocumentSource(url="https://example.com/a.pdf"))
    body = _body(
        [
            user("hi"),
            assistant("hello", model_id=MODEL, provider_id="anthropic"),
            user(["read this", doc, ""]),
        ]
    )
    last = body["messages"][-1]["content"]
    assert last[0]["cache_control"] is None
    assert last[1]["cache_control"] == EPHEMERAL
    assert len(last) == 2  # the empty text part is not sent


def test_unsupported_image_type_and_audio_raise() -> None:
    heic = Image(source=Base64ImageSource(data="AAAA", mime_type="image/heic"))
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode([user(["x", heic])])
    assert info.value.feature == "Image with mime_type: image/heic"
    audio = Audio(source=Base64AudioSource(data="AAAA", mime_type="audio/wav"))
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode([user(["x", audio])])
    assert info.value.feature == "audio input"
    assert info.value.provider_id == "anthropic"


@pytest.mark.parametrize(
    "messages",
    [
        [user("")],
        [user(["", ""])],
        [
            user("q"),
            assistant([Thought(thought="hmm")], model_id="other/x", provider_id="other"),
            user("go on"),
        ],
    ],
    ids=["empty-text", "only-empty-parts", "only-dropped-thoughts"],
)
def test_empty_content_raises(messages: list[Message]) -> None:
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode(messages)
    assert info.value.feature == "empty message content"


def test_system_message_handling(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = _body([system("Be brief."), user("hi"), system("ignored")])
    assert body["system"] == [{"type": "text", "text": "Be brief.", "cache_control": EPHEMERAL}]
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert "index 2" in caplog.text
    assert "system" not in _body([system(""), user("hi")])


def test_format_instructions_join_the_system_prompt() -> None:
    encoded = _encode([system("Be brief."), user("hi")], format=llm_format(Book, mode="json"))
    text = encoded.body["system"][0]["text"]
    assert text.startswith("Be brief.\nRespond only with valid JSON")
    assert isinstance(encoded.messages[0], SystemMessage)
    assert encoded.messages[0].content.text == text


@pytest.mark.parametrize(
    ("level", "thinking"),
    [
        ("none", {"type": "disabled"}),
        ("minimal", {"type": "enabled", "budget_tokens": 1024}),
        ("low", {"type": "enabled", "budget_tokens": 3200}),
        ("medium", {"type": "enabled", "budget_tokens": 6400}),
        ("high", {"type": "enabled", "budget_tokens": 9600}),
        ("max", {"type": "enabled", "budget_tokens": 12800}),
    ],
)
def test_thinking_budget(level: str, thinking: dict[str, Any]) -> None:
    body = _body([user("hi")], thinking={"level": level})
    assert body["thinking"] == thinking
    assert "output_config" not in body


def test_thinking_budget_follows_max_tokens_and_default_is_omitted() -> None:
    body = _body([user("hi")], max_tokens=4000, thinking={"level": "medium"})
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1600}
    assert body["max_tokens"] == 4000
    low = _body([user("hi")], max_tokens=2000, thinking={"level": "low"})
    assert low["thinking"]["budget_tokens"] == 1024  # never below the API minimum
    assert "thinking" not in _body([user("hi")], thinking={"level": "default"})


@pytest.mark.parametrize(
    ("level", "effort"),
    [("minimal", "low"), ("low", "low"), ("medium", "medium"), ("high", "high"), ("max", "max")],
)
@pytest.mark.parametrize(
    "name", ["claude-opus-4-7", "claude-sonnet-5", "claude-haiku-5-1-20270101"]
)
def test_adaptive_thinking_models(name: str, level: str, effort: str) -> None:
    body = _body([user("hi")], model_id=f"anthropic/{name}", thinking={"level": level})
    assert body["thinking"] == {"type": "adaptive"}
    assert body["output_config"] == {"effort": effort}


def test_adaptive_model_none_and_older_models() -> None:
    none = _body([user("hi")], model_id="anthropic/claude-opus-4-7", thinking={"level": "none"})
    assert none["thinking"] == {"type": "disabled"}
    assert "output_config" not in none
    for name in ("claude-opus-4-6", "claude-sonnet-4-5", "claude-3-7-sonnet-latest"):
        body = _body([user("hi")], model_id=f"anthropic/{name}", thinking={"level": "high"})
        assert body["thinking"]["type"] == "enabled"


def test_always_thinking_model_rejects_none() -> None:
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode([user("hi")], model_id="anthropic/claude-opus-5-5", thinking={"level": "none"})
    assert info.value.feature == "thinking level 'none'"
    assert info.value.model_id == "anthropic/claude-opus-5-5"


def test_include_thoughts_is_passed_to_the_decoder() -> None:
    on = _encode([user("hi")], thinking={"level": "low", "include_thoughts": True})
    off = _encode([user("hi")], thinking={"level": "low"})
    assert on.include_thoughts and not off.include_thoughts


def test_params_mapping_and_dropped_params(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = _body(
            [user("hi")],
            temperature=0.5,
            top_p=0.9,
            top_k=40,
            stop_sequences=["END"],
            max_tokens=100,
            seed=7,
            frobnicate=1,
            thinking={"level": "extreme"},
        )
    assert body == {
        "model": "claude-sonnet-4-0",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5,
        "top_p": 0.9,
        "top_k": 40,
        "stop_sequences": ["END"],
        "stream": True,
    }
    assert "seed=7" in caplog.text
    assert "frobnicate=1" in caplog.text
    assert "unknown thinking level" in caplog.text
    assert [r.name for r in caplog.records] == ["ferriscope"] * 3


def test_none_params_are_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = _body([user("hi")], seed=None, thinking=None, temperature=None)
    assert set(body) == {"model", "max_tokens", "messages", "stream"}
    assert not caplog.records


# ---- multi-turn: raw reuse vs rebuild ------------------------------------------------------

RAW = {
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": "plan", "signature": "sig"},
        {"type": "text", "text": "Let me check.", "parsed_output": None},
        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
    ],
}
CONTENT: list[Any] = [
    Thought(thought="plan"),
    Text(text="Let me check."),
    ToolCall(id="t1", name="lookup", args='{"q": "x"}'),
]
OUTPUT = ToolOutput(id="t1", name="lookup", result={"answer": 42})


def _turn(model_id: str = MODEL, provider_id: str = "anthropic", raw: Any = RAW) -> Message:
    return assistant(CONTENT, model_id=model_id, provider_id=provider_id, raw_message=raw)


def test_same_model_reuses_the_raw_message() -> None:
    body = _body([user("q"), _turn(), user([OUTPUT])])
    sent = body["messages"][1]
    assert sent == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "plan", "signature": "sig"},
            {"type": "text", "text": "Let me check."},  # parsed_output stripped
            {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
        ],
    }
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": '{"answer": 42}',
                "cache_control": EPHEMERAL,
            }
        ],
    }


def test_beta_turns_are_reused_across_paths() -> None:
    beta_turn = _turn(model_id="anthropic-beta/claude-sonnet-4-5", provider_id="anthropic")
    body = _body(
        [user("q"), beta_turn, user([OUTPUT])],
        model_id="anthropic-beta/claude-sonnet-4-5",
        provider=AnthropicBetaProvider(api_key=KEY),
    )
    assert body["messages"][1]["content"][0]["type"] == "thinking"


REBUILT: list[dict[str, Any]] = [
    {"type": "text", "text": "Let me check.", "cache_control": None},
    {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}, "cache_control": None},
]


@pytest.mark.parametrize(
    "turn",
    [
        _turn(model_id="anthropic/claude-opus-4-1"),
        _turn(provider_id="google"),
        _turn(raw=None),
    ],
    ids=["other-model", "other-provider", "no-raw"],
)
def test_other_turns_are_rebuilt_without_thoughts(turn: Message) -> None:
    body = _body([user("q"), turn, user([OUTPUT])])
    assert body["messages"][1] == {"role": "assistant", "content": REBUILT}


def test_encode_thoughts_as_text_rebuilds_even_own_turns() -> None:
    body = _body(
        [user("q"), _turn(), user([OUTPUT])],
        thinking={"level": "low", "encode_thoughts_as_text": True},
    )
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "**Thinking:** plan"},
        *REBUILT,
    ]


def test_format_tool_turn_is_resent_as_text() -> None:
    raw = {
        "role": "assistant",
        "content": [
            {"type": "tool_use", "id": "f1", "name": FORMAT_TOOL_NAME, "input": {"value": 1}}
        ],
    }
    turn = assistant([Text(text='{"value": 1}')], model_id=MODEL, provider_id="anthropic",
                     raw_message=raw)  # fmt: skip
    body = _body([user("q"), turn, user("again")], format=llm_format(LuckyNumber, mode="tool"))
    assert body["messages"][1] == {"role": "assistant", "content": '{"value": 1}'}
    call_turn = assistant(
        [ToolCall(id="f1", name=FORMAT_TOOL_NAME, args='{"value": 1}')],
        model_id=MODEL,
        provider_id="anthropic",
        raw_message=raw,
    )
    body = _body([user("q"), call_turn, user("again")])
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": '{"value": 1}', "cache_control": None}],
    }


def test_last_assistant_message_is_rebuilt_with_the_breakpoint() -> None:
    body = _body([user("q"), _turn()])
    assert body["messages"][1]["content"] == [
        REBUILT[0],
        {**REBUILT[1], "cache_control": EPHEMERAL},
    ]


def test_single_turn_has_no_message_breakpoint() -> None:
    body = _body([user(["a", "b"])])
    assert [b["cache_control"] for b in body["messages"][0]["content"]] == [None, None]


def test_invalid_tool_arguments_are_reported() -> None:
    turn = assistant([ToolCall(id="t9", name="lookup", args="{oops")], model_id="x/y",
                     provider_id="x")  # fmt: skip
    with pytest.raises(ValueError, match="t9"):
        _encode([user("q"), turn, user("more")])
    blank = assistant([ToolCall(id="t9", name="lookup", args="  ")], model_id="x/y",
                      provider_id="x")  # fmt: skip
    body = _body([user("q"), blank, user("more")])
    assert body["messages"][1]["content"][0]["input"] == {}


# ---- tools, formats and the beta path ------------------------------------------------------


@tool
def lookup(q: str) -> str:
    """Look something up."""
    return q


@tool(strict=True)
def strict_lookup(q: str) -> str:
    """Look something up, strictly."""
    return q


@tool(strict=False)
def loose_lookup(q: str) -> str:
    """Look something up, loosely."""
    return q


class Constrained(BaseModel):
    """Constraints the beta cannot enforce."""

    name: str = Field(min_length=2, max_length=5, pattern="^[a-z]+$")
    score: int = Field(ge=1, le=10, description="A score")
    tags: list[str] = Field(min_length=2, max_length=4)
    nested: Author


@tool
def constrained(item: Constrained) -> str:
    """Takes a constrained item."""
    return item.name


def _is_beta(encoded: Encoded) -> bool:
    beta = encoded.path == "/v1/messages?beta=true"
    assert ("anthropic-beta" in encoded.headers) == beta
    return beta


def test_routing_to_the_beta_path() -> None:
    msgs: list[Message] = [user("hi")]
    assert _is_beta(_encode(msgs, model_id=MODEL_45, format=Book))
    assert _is_beta(_encode(msgs, model_id=MODEL_45, format=llm_format(Book, mode="strict")))
    assert _is_beta(_encode(msgs, model_id=MODEL_45, tools=[lookup]))
    assert not _is_beta(_encode(msgs, model_id=MODEL_45, tools=[loose_lookup]))
    assert not _is_beta(_encode(msgs, model_id=MODEL_45, format=llm_format(Book, mode="json")))
    assert not _is_beta(_encode(msgs, model_id=MODEL_45, format=int))
    assert not _is_beta(_encode(msgs, model_id=MODEL, format=Book, tools=[lookup]))
    assert _is_beta(_encode(msgs, provider=AnthropicBetaProvider(api_key=KEY)))


def test_primitive_format_on_the_standard_path_uses_the_format_tool() -> None:
    body = _body([user("hi")], model_id=MODEL_45, format=int)
    assert body["tools"][0]["name"] == FORMAT_TOOL_NAME
    assert body["tool_choice"]["name"] == FORMAT_TOOL_NAME


def test_primitive_format_on_the_beta_path_is_strict() -> None:
    encoded = _encode(
        [user("hi")],
        model_id="anthropic-beta/claude-sonnet-4-5",
        provider=AnthropicBetaProvider(api_key=KEY),
        format=int,
    )
    assert encoded.body["output_format"] == {
        "type": "json_schema",
        "schema": {
            "type": "object",
            "description": "Wrapper for primitive type int",
            "title": "intOutput",
            "properties": {"output": {"type": "integer", "title": "Output"}},
            "additionalProperties": False,
            "required": ["output"],
        },
    }
    assert "system" not in encoded.body
    assert encoded.format is not None and encoded.format.mode == "strict"


def test_strict_tools_need_the_beta_and_a_capable_model() -> None:
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode([user("hi")], tools=[strict_lookup])
    assert (info.value.feature, info.value.provider_id) == ("strict tools", "anthropic")
    with pytest.raises(FeatureNotSupportedError):
        _encode(
            [user("hi")],
            model_id="anthropic-beta/claude-sonnet-4-0",
            provider=AnthropicBetaProvider(api_key=KEY),
            tools=[strict_lookup],
        )
    body = _body([user("hi")], model_id=MODEL_45, tools=[strict_lookup, loose_lookup])
    assert [t["strict"] for t in body["tools"]] == [True, False]
    assert "cache_control" not in body["tools"][0]
    assert body["tools"][1]["cache_control"] == EPHEMERAL


def test_strict_tool_schema_describes_unsupported_constraints() -> None:
    body = _body([user("hi")], model_id=MODEL_45, tools=[constrained])
    schema = body["tools"][0]["input_schema"]
    item = schema["$defs"]["Constrained"]
    assert item["additionalProperties"] is False
    assert schema["$defs"]["Author"]["additionalProperties"] is False
    assert item["properties"]["name"] == {
        "title": "Name",
        "type": "string",
        "description": "{minLength: 2, maxLength: 5, pattern: ^[a-z]+$}",
    }
    assert item["properties"]["score"]["description"] == "A score\n\n{minimum: 1, maximum: 10}"
    assert item["properties"]["tags"]["description"] == "{maxItems: 4, minItems: 2}"
    # the non-strict path sends the schema untouched
    plain = _body([user("hi")], tools=[constrained])["tools"][0]["input_schema"]
    assert plain["$defs"]["Constrained"]["properties"]["score"]["minimum"] == 1


def test_output_format_schema_rewrite() -> None:
    schema = {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "code": {"type": "string", "format": "binary", "maxLength": 3},
            "pick": {"oneOf": [{"type": "integer"}, {"type": "null"}], "default": None},
            "items": {"type": "array", "items": {"$ref": "#/$defs/X"}, "minItems": 1},
            "many": {"type": "array", "items": {"type": "number"}, "minItems": 3},
            "kind": {"enum": ["a", "b"], "type": "string", "const": "a", "description": ""},
        },
        "required": ["when"],
        "additionalProperties": True,
    }
    assert output_format_schema(schema) == {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "code": {"type": "string", "description": "{format: binary, maxLength: 3}"},
            "pick": {
                "anyOf": [{"type": "integer"}, {"type": "null"}],
                "description": "{default: None}",
            },
            "items": {"type": "array", "items": {"$ref": "#/$defs/X"}, "minItems": 1},
            "many": {"type": "array", "items": {"type": "number"}, "description": "{minItems: 3}"},
            "kind": {"type": "string", "enum": ["a", "b"], "description": "\n\n{const: a}"},
        },
        "additionalProperties": False,
        "required": ["when"],
    }


def test_strict_tool_schema_leaves_its_input_alone() -> None:
    original = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}}
    snapshot = json.loads(json.dumps(original))
    adapted = strict_tool_schema(original)
    assert original == snapshot
    assert adapted["additionalProperties"] is False
    assert adapted["properties"]["n"] == {"type": "integer", "description": "{minimum: 0}"}


def test_tool_mode_with_user_tools_forces_any_tool() -> None:
    body = _body([user("hi")], tools=[lookup], format=llm_format(Book, mode="tool"))
    assert [t["name"] for t in body["tools"]] == ["lookup", FORMAT_TOOL_NAME]
    assert body["tool_choice"] == {"type": "any"}
    assert "cache_control" not in body["tools"][0]


def test_parser_format_only_adds_instructions() -> None:
    from ferriscope.llm.formatting import output_parser

    @output_parser(formatting_instructions="Answer in CSV.")
    def parse_csv(response: Any) -> list[str]:
        return []

    for model_id in (MODEL, MODEL_45):
        body = _body([user("hi")], model_id=model_id, format=parse_csv)
        assert body["system"][0]["text"] == "Answer in CSV."
        assert "tools" not in body and "output_format" not in body


def test_web_search_is_the_server_tool_and_other_provider_tools_are_refused() -> None:
    body = _body([user("hi")], tools=[lookup, WebSearchTool()])
    assert [t.get("type") for t in body["tools"]] == [None, "web_search_20250305"]
    assert body["tools"][1] == {
        "type": "web_search_20250305",
        "name": "web_search",
        "cache_control": EPHEMERAL,
    }
    assert "cache_control" not in body["tools"][0]
    with pytest.raises(FeatureNotSupportedError) as info:
        _encode([user("hi")], tools=[ProviderTool(name="code_execution")])
    assert info.value.feature == "Provider tool code_execution"
    assert info.value.provider_id == "anthropic"


def test_a_resumed_search_turn_leaves_server_blocks_and_citations_out() -> None:
    cited = {"type": "web_search_result_location", "url": "https://a", "cited_text": "x"}
    raw = {
        "role": "assistant",
        "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
            {"type": "text", "text": "It is 7.", "citations": [cited]},
        ],
    }
    turn = AssistantMessage(
        content=[Text(text="It is 7.")],
        provider_id="anthropic",
        model_id="anthropic/claude-sonnet-4-0",
        provider_model_name="claude-sonnet-4-0",
        raw_message=raw,
    )
    body = _body([user("hi"), turn, user("and?")], tools=[WebSearchTool()])
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "It is 7."}],
    }
    assert raw["content"][2]["citations"] == [cited], "the stored turn is left as it was"


def test_tool_definitions_are_not_shared_between_requests() -> None:
    first = _body([user("hi")], tools=[lookup])
    first["tools"][0]["extra"] = 1
    second = _body([user("hi")], tools=[lookup, loose_lookup])
    assert "cache_control" not in second["tools"][0]
    assert "extra" not in second["tools"][0]


# ---- the provider classes ------------------------------------------------------------------


def test_registry_paths_resolve_to_these_classes() -> None:
    assert provider_class("anthropic") is AnthropicProvider
    assert provider_class("anthropic-beta") is AnthropicBetaProvider
    assert AnthropicBetaProvider.default_scope == "anthropic-beta/"
    assert AnthropicProvider.default_scope == "anthropic/"


def test_auth_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/")
    provider = AnthropicBetaProvider()
    assert provider.auth_headers() == {"x-api-key": "from-env"}
    request = provider.http_request(_encode([user("hi")], provider=provider))
    assert request.url == "http://127.0.0.1:9/v1/messages?beta=true"
    assert provider.response_provider_id("anthropic-beta/claude-sonnet-4-5") == "anthropic"

    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    with pytest.raises(MissingAPIKeyError):
        AnthropicProvider().auth_headers()
    assert AnthropicProvider(base_url="http://proxy.local").auth_headers() == {}


def test_api_key_stays_out_of_the_encoded_request() -> None:
    encoded = _encode([user("hi")], provider=AnthropicProvider(api_key=KEY))
    assert KEY not in json.dumps(encoded.body)
    assert KEY not in json.dumps(encoded.headers)


def test_wire_name_is_everything_after_the_first_slash() -> None:
    encoded = _encode([user("hi")], model_id="claude/team/claude-sonnet-4-5")
    assert encoded.body["model"] == "team/claude-sonnet-4-5"
    assert encoded.provider_model_name == "team/claude-sonnet-4-5"


def test_encoding_does_not_mutate_its_inputs() -> None:
    messages: list[Message] = [user("q"), _turn(), user([OUTPUT])]
    before = repr(messages)
    raw_before = json.dumps(RAW, sort_keys=True)
    _encode(messages, format=llm_format(Book, mode="json"), tools=[lookup])
    assert repr(messages) == before
    assert json.dumps(RAW, sort_keys=True) == raw_before

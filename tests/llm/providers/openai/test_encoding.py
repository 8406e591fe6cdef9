"""OpenAI request encoding: every recorded Chat Completions / Responses request reproduced from
the fixture's call description, plus what the recordings do not cover (media, params,
thinking, multi-turn reuse, routing and the OpenAI-compatible providers)."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

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
from ferriscope.llm.formatting import format as make_format
from ferriscope.llm.messages import AssistantMessage, Message, assistant, system, user
from ferriscope.llm.models.model import Model
from ferriscope.llm.providers.base import BaseProvider, Encoded
from ferriscope.llm.providers.compatible import (
    OllamaProvider,
    OpenRouterProvider,
    TogetherProvider,
    XAIProvider,
)
from ferriscope.llm.providers.openai import (
    OpenAICompletionsProvider,
    OpenAIProvider,
    OpenAIResponsesProvider,
)
from ferriscope.llm.providers.openai.routing import choose_api
from ferriscope.llm.providers.registry import (
    provider_class,
    register_provider,
)
from ferriscope.llm.tools import FORMAT_TOOL_NAME, ProviderTool, Toolkit, WebSearchTool, tool
from tests.support.decoding import decode, load_cases
from tests.support.fixture_models import (
    Book,
    BookSummary,
    FentanylHandbook,
    LuckyNumber,
    secret_retrieval_tool,
)
from tests.support.recorded_calls import (
    follow_steps,
    params_of,
    part_of,
    recorded_replies,
    toolkit_of,
)

OPENAI_APIS = ("openai-completions", "openai-responses")
RECORDED_HEADERS = ("content-type", "anthropic-version", "anthropic-beta")


# ---- the Python definitions behind the fixtures' formats (the tools: fixture_models) ---------


FORMATS: dict[str, type[BaseModel]] = {
    m.__name__: m for m in (Book, BookSummary, FentanylHandbook, LuckyNumber)
}


# ---- turning a fixture into calls -------------------------------------------------------------


def openai_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(name, case) for name, case in load_cases() if case["provider_api"] in OPENAI_APIS]


CASES = [(n, c) for n, c in openai_cases() if not c["expected"].get("raises")]
REFUSED = [(n, c) for n, c in openai_cases() if c["expected"].get("raises")]


def provider_for(case: dict[str, Any]) -> BaseProvider:
    """The provider the recordings were made through (`openai/` ids → OpenAIProvider)."""
    return OpenAIProvider(api_key="sk-test")


def initial_messages(case: dict[str, Any]) -> list[Message]:
    out: list[Message] = []
    for m in case["call"]["messages"]:
        out.append(system(m["text"]) if m["role"] == "system" else user(m["text"]))
    return out


def format_of(case: dict[str, Any]) -> Any:
    spec = case["call"].get("format")
    if spec is None:
        return None
    model = FORMATS[spec["name"]]
    if case["formatting_mode"] is None and spec["mode"] == "strict":
        return model  # a bare class: the provider's default mode
    return make_format(model, mode=spec["mode"])


def raw_message_of(case: dict[str, Any], params: dict[str, Any]) -> Any:
    """The raw message the first response carries, as the Rust decoder reports it."""
    body = case["interactions"][0]["response"]["body"].encode()
    thoughts = bool((params.get("thinking") or {}).get("include_thoughts"))
    chunks = decode(case["wire_format"], [body], thoughts=thoughts)
    assert not [c for c in chunks if c.type == "stream_error_chunk"], chunks[-1]
    raws = [c.raw_message for c in chunks if c.type == "raw_message_chunk"]
    return raws[0] if raws else None


def assistant_turn(case: dict[str, Any], encoded: Encoded, raw: Any) -> AssistantMessage:
    return assistant(
        [part_of(p) for p in case["expected"]["assistant_turns"][0]],
        model_id=case["model_id"],
        provider_id=case["expected"]["provider_id"],
        provider_model_name=encoded.provider_model_name,
        raw_message=raw,
    )


def follow_up(case: dict[str, Any]) -> Message:
    """The user turn the test sent after the first response (tool outputs, a retry prompt,
    a question), as the final conversation records it."""
    messages = case["expected"]["messages"]
    first_assistant = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
    nxt = messages[first_assistant + 1]
    return user([part_of(p) for p in nxt["content"]])


def encode_turn(case: dict[str, Any], turn: int) -> Encoded:
    provider = provider_for(case)
    first = provider.encode(
        model_id=case["model_id"],
        messages=initial_messages(case),
        toolkit=toolkit_of(case),
        format=format_of(case),
        params=params_of(case, 0),
    )
    if turn == 0:
        return first
    raw = raw_message_of(case, params_of(case, 0))
    messages = [*first.messages, assistant_turn(case, first, raw), follow_up(case)]
    return provider.encode(
        model_id=case["model_id"],
        messages=messages,
        toolkit=toolkit_of(case),
        format=format_of(case),
        params=params_of(case, turn),
    )


INTERACTIONS = [
    pytest.param(case, i, id=f"{name}#{i}")
    for name, case in CASES
    for i in range(len(case["interactions"]))
]


# ---- the recordings ---------------------------------------------------------------------------


def test_every_openai_fixture_is_covered() -> None:
    assert len(CASES) == 30
    assert len(REFUSED) == 1
    assert len(INTERACTIONS) == 44


@pytest.mark.parametrize(("name", "case"), REFUSED, ids=[n for n, _ in REFUSED])
def test_unsupported_combination_raises(name: str, case: dict[str, Any]) -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        encode_turn(case, 0)
    expected = case["expected"]["exception"]
    assert err.value.feature == expected["feature"]
    assert err.value.provider_id == expected["provider_id"]
    assert err.value.model_id == expected["model_id"]
    assert repr(err.value.args) == expected["args"]


@pytest.mark.parametrize(("case", "turn"), INTERACTIONS)
def test_request_matches_recording(case: dict[str, Any], turn: int) -> None:
    recorded = case["interactions"][turn]["request"]
    provider = provider_for(case)
    encoded = encode_turn(case, turn)
    request = provider.http_request(encoded)
    assert request.url == recorded["url"]
    for name in {*RECORDED_HEADERS, *recorded["headers"]}:
        assert request.headers.get(name) == recorded["headers"].get(name), name
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert json.loads(request.content) == recorded["body"]


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_encoded_metadata(name: str, case: dict[str, Any]) -> None:
    encoded = encode_turn(case, 0)
    assert encoded.provider_model_name == case["expected"]["provider_model_name"]
    assert encoded.wire_format == case["wire_format"]
    thinking = case["call"].get("thinking") or {}
    assert encoded.include_thoughts is bool(thinking.get("include_thoughts"))
    sent = [m for m in case["expected"]["messages"] if m["role"] == "system"]
    if sent:  # the injected formatting instructions are part of the messages as sent
        assert encoded.messages[0].content.text == sent[0]["content"][0]["text"]  # type: ignore[union-attr]
    spec = case["call"].get("format")
    assert (encoded.format.mode if encoded.format else None) == (spec["mode"] if spec else None)


def run_steps(case: dict[str, Any]) -> list[httpx.Request]:
    """Replays the test's own steps through `Model` against the recorded responses and
    returns the requests the library sent (so resume builds the second turn itself)."""
    client, sent = recorded_replies(case)
    register_provider("openai", api_key="sk-test", http_client=client)
    toolkit = toolkit_of(case)
    response: Any = Model(case["model_id"], **params_of(case, 0)).stream(
        initial_messages(case), tools=list(toolkit.tools) or None, format=format_of(case)
    )
    follow_steps(case, response)
    return sent


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_steps_through_model_send_the_recorded_requests(name: str, case: dict[str, Any]) -> None:
    sent = run_steps(case)
    assert len(sent) == len(case["interactions"])
    for turn, (request, interaction) in enumerate(zip(sent, case["interactions"], strict=True)):
        assert str(request.url) == interaction["request"]["url"]
        assert request.headers["authorization"] == "Bearer sk-test"
        body, recorded = json.loads(request.content), interaction["request"]["body"]
        if case["scenario"] == "validation_retry" and turn == 1:
            # The retry prompt is ParseError's text, not the encoder's: it names the installed
            # pydantic version and 2.8.2's wording differs from the recording's (2.5.0).
            key = "messages" if "messages" in body else "input"
            for item in (body[key][-1], recorded[key][-1]):
                assert item["content"].startswith("Your response failed schema validation")
                item["content"] = "<retry prompt>"
        assert body == recorded


def test_raw_message_is_reused_for_the_same_responses_model() -> None:
    case = dict(CASES)["call_with_thinking/openai_gpt_5_responses"]
    body = encode_turn(case, 1).body
    assert [item.get("type") for item in body["input"]] == [None, "reasoning", "message", None]


# ---- helpers for hand-written cases -----------------------------------------------------------


def completions(**kwargs: Any) -> Encoded:
    return _encode(OpenAICompletionsProvider(api_key="k"), "openai/gpt-4o:completions", **kwargs)


def responses(**kwargs: Any) -> Encoded:
    return _encode(OpenAIResponsesProvider(api_key="k"), "openai/gpt-4o:responses", **kwargs)


def _encode(
    provider: BaseProvider,
    default_model: str,
    *,
    model_id: str | None = None,
    messages: list[Message] | None = None,
    tools: list[Any] | None = None,
    format: Any = None,
    **params: Any,
) -> Encoded:
    return provider.encode(
        model_id=model_id or default_model,
        messages=messages if messages is not None else [user("hi")],
        toolkit=Toolkit(tools or []),
        format=format,
        params=params,
    )


PNG = Image(source=Base64ImageSource(data="iVBORw0KGgo=", mime_type="image/png"))
URL_IMAGE = Image(source=URLImageSource(url="https://example.com/cat.jpg"))
PDF = Document(source=Base64DocumentSource(data="JVBERi0=", media_type="application/pdf"))
TXT = Document(source=TextDocumentSource(data="hello", media_type="text/plain"))
URL_DOC = Document(source=URLDocumentSource(url="https://example.com/a.pdf"))
WAV = Audio(source=Base64AudioSource(data="UklGRg==", mime_type="audio/wav"))


# ---- Chat Completions: messages ---------------------------------------------------------------


def test_completions_media_parts() -> None:
    body = completions(messages=[user(["look", PNG, URL_IMAGE, PDF, TXT])]).body
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"},
                },
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/cat.jpg", "detail": "auto"},
                },
                {
                    "type": "file",
                    "file": {
                        "file_data": "data:application/pdf;base64,JVBERi0=",
                        "filename": "document.pdf",
                    },
                },
                {
                    "type": "file",
                    "file": {
                        "file_data": "data:text/plain;base64,aGVsbG8=",
                        "filename": "document.txt",
                    },
                },
            ],
        }
    ]


def test_completions_refuses_url_documents() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        completions(messages=[user(["read", URL_DOC])])
    assert err.value.feature == "url_document_source"


def test_completions_audio() -> None:
    provider = OpenAICompletionsProvider(api_key="k")
    model = "openai/gpt-4o-audio-preview"
    body = _encode(provider, model, messages=[user(["listen", WAV])]).body
    assert body["messages"][0]["content"][1] == {
        "type": "input_audio",
        "input_audio": {"data": "UklGRg==", "format": "wav"},
    }
    with pytest.raises(FeatureNotSupportedError) as err:  # a known model without audio
        completions(messages=[user(["listen", WAV])])
    assert err.value.feature == "audio input"
    flac = Audio(source=Base64AudioSource(data="ZkxhQw==", mime_type="audio/flac"))
    with pytest.raises(FeatureNotSupportedError, match="wav"):
        _encode(provider, model, messages=[user([flac])])


def test_completions_empty_user_message_is_refused() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        completions(messages=[user([])])
    assert err.value.feature == "empty user message"


def test_completions_system_messages_stay_in_place() -> None:
    messages: list[Message] = [system("a"), user("q"), system("b"), user("r")]
    assert completions(messages=messages).body["messages"] == [
        {"role": "system", "content": "a"},
        {"role": "user", "content": "q"},
        {"role": "system", "content": "b"},
        {"role": "user", "content": "r"},
    ]


def test_completions_tool_outputs_split_user_message() -> None:
    out = ToolOutput(id="c1", name="t", result={"a": 1})
    body = completions(messages=[user(["before", out, "after"])]).body
    assert body["messages"] == [
        {"role": "user", "content": "before"},
        {"role": "tool", "content": '{"a": 1}', "tool_call_id": "c1"},
        {"role": "user", "content": "after"},
    ]


def _turn(content: list[Any], **kwargs: Any) -> AssistantMessage:
    defaults: dict[str, Any] = {
        "model_id": "openai/gpt-4o:completions",
        "provider_id": "openai",
        "provider_model_name": "gpt-4o:completions",
    }
    return assistant(content, **{**defaults, **kwargs})


def test_completions_assistant_rebuilt_from_content() -> None:
    turn = _turn(
        [
            Thought(thought="hmm"),
            Text(text="a"),
            Text(text="b"),
            ToolCall(id="c", name="t", args=""),
        ]
    )
    body = completions(messages=[user("q"), turn]).body
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
        "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "t", "arguments": "{}"}}
        ],
    }


def test_completions_thoughts_as_text_and_thought_only_turns() -> None:
    turn = _turn([Thought(thought="hmm"), Text(text="a")])
    thinking = {"level": "low", "encode_thoughts_as_text": True}
    body = completions(messages=[user("q"), turn], thinking=thinking).body
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "**Thinking:** hmm"},
        {"type": "text", "text": "a"},
    ]
    only_thought = _turn([Thought(thought="hmm")])
    body = completions(messages=[user("q"), only_thought, user("again")]).body
    assert [m["role"] for m in body["messages"]] == ["user", "user"]


def test_completions_raw_reuse_needs_same_model_and_api() -> None:
    raw = {"role": "assistant", "content": "from raw"}
    same = _turn([Text(text="rebuilt")], raw_message=raw)
    assert completions(messages=[user("q"), same]).body["messages"][1] == raw
    other_model = _turn([Text(text="rebuilt")], raw_message=raw, provider_model_name="gpt-4.1")
    rebuilt = {"role": "assistant", "content": "rebuilt"}
    assert completions(messages=[user("q"), other_model]).body["messages"][1] == rebuilt
    other_api = _turn(
        [Text(text="rebuilt")], raw_message=raw, provider_model_name="gpt-4o:responses"
    )
    assert completions(messages=[user("q"), other_api]).body["messages"][1] == rebuilt
    as_text = completions(
        messages=[user("q"), same], thinking={"level": "default", "encode_thoughts_as_text": True}
    )
    assert as_text.body["messages"][1] == rebuilt
    format_raw = {
        "role": "assistant",
        "tool_calls": [{"id": "x", "function": {"name": FORMAT_TOOL_NAME, "arguments": "{}"}}],
    }
    formatted = _turn([Text(text="rebuilt")], raw_message=format_raw)
    assert completions(messages=[user("q"), formatted]).body["messages"][1] == rebuilt


# ---- Chat Completions: params -----------------------------------------------------------------


def test_completions_params(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = completions(
            temperature=0.5, max_tokens=10, top_p=0.9, top_k=3, seed=7, stop_sequences=["x"]
        ).body
    assert {k: body[k] for k in ("temperature", "max_tokens", "top_p", "seed", "stop")} == {
        "temperature": 0.5,
        "max_tokens": 10,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["x"],
    }
    assert "top_k" not in body
    assert [r.name for r in caplog.records] == ["ferriscope"]
    assert "top_k=3" in caplog.records[0].getMessage()


def test_completions_reasoning_model_params(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = completions(
            model_id="openai/o4-mini:completions",
            temperature=0.5,
            max_tokens=10,
            top_p=0.9,
            stop_sequences=["x"],
            seed=1,
        ).body
    assert body["max_completion_tokens"] == 10
    assert body["seed"] == 1
    assert not {"temperature", "top_p", "stop", "max_tokens"} & set(body)
    dropped = " ".join(r.getMessage() for r in caplog.records)
    for name in ("temperature", "top_p", "stop_sequences"):
        assert name in dropped


def test_completions_unknown_param_is_warned_and_dropped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = completions(frequency=1).body
    assert "frequency" not in body
    assert "frequency=1" in caplog.text


def test_completions_thinking_only_sets_decoding() -> None:
    encoded = completions(thinking={"level": "high", "include_thoughts": True})
    assert encoded.include_thoughts is True
    assert "reasoning" not in encoded.body and "reasoning_effort" not in encoded.body


# ---- Chat Completions: formats and tools ------------------------------------------------------


def test_completions_defaults_to_tool_mode_for_models_without_json_schema() -> None:
    body = completions(model_id="openai/gpt-4-turbo:completions", format=BookSummary).body
    assert body["tool_choice"] == {"type": "function", "function": {"name": FORMAT_TOOL_NAME}}
    assert body["parallel_tool_calls"] is False


def test_completions_strict_refused_where_unsupported() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        completions(
            model_id="openai/gpt-4-turbo:completions",
            format=make_format(BookSummary, mode="strict"),
        )
    assert err.value.feature == "formatting_mode:strict"


def test_completions_json_mode_without_json_object_support() -> None:
    encoded = completions(
        model_id="openai/gpt-4:completions", format=make_format(BookSummary, mode="json")
    )
    assert "response_format" not in encoded.body
    assert encoded.body["messages"][0]["role"] == "system"


def test_tool_strictness() -> None:
    @tool(strict=False)
    def lenient(a: int, b: int = 2) -> int:
        """Adds."""
        return a + b

    @tool
    def strict(a: int, b: int = 2) -> int:
        """Adds."""
        return a + b

    tools = completions(tools=[lenient, strict]).body["tools"]
    assert tools[0]["function"]["strict"] is False
    assert tools[0]["function"]["parameters"]["required"] == ["a"]
    assert tools[1]["function"]["strict"] is True
    assert tools[1]["function"]["parameters"]["required"] == ["a", "b"]


def test_web_search_is_a_responses_tool_only() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        completions(tools=[WebSearchTool()])
    assert (err.value.feature, err.value.provider_id) == ("WebSearchTool", "openai:completions")
    body = responses(tools=[secret_retrieval_tool, WebSearchTool()]).body
    assert [t["type"] for t in body["tools"]] == ["function", "web_search"]
    assert body["tools"][1] == {"type": "web_search"}
    for encode in (completions, responses):
        with pytest.raises(FeatureNotSupportedError) as err:
            encode(tools=[ProviderTool(name="code_execution")])
        assert err.value.feature == "Provider tool code_execution"


def test_web_search_is_left_out_of_the_required_tools_of_tool_mode() -> None:
    body = responses(tools=[WebSearchTool()], format=make_format(Book, mode="tool")).body
    assert body["tools"][0] == {"type": "web_search"}
    assert body["tool_choice"] == {
        "type": "allowed_tools",
        "mode": "required",
        "tools": [{"type": "function", "name": FORMAT_TOOL_NAME}],
    }


def test_suffix_mismatch_is_refused() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        completions(model_id="openai/gpt-4o:responses")
    assert err.value.feature == "responses API"
    with pytest.raises(FeatureNotSupportedError) as err:
        responses(model_id="openai/gpt-4o:completions")
    assert err.value.feature == "completions API"


# ---- Responses ---------------------------------------------------------------------------------


def test_responses_media_parts() -> None:
    body = responses(messages=[user(["look", PNG, PDF, TXT, URL_DOC])]).body
    assert body["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                {
                    "type": "input_image",
                    "image_url": "data:image/png;base64,iVBORw0KGgo=",
                    "detail": "auto",
                },
                {
                    "type": "input_file",
                    "file_data": "data:application/pdf;base64,JVBERi0=",
                    "filename": "document.pdf",
                },
                {
                    "type": "input_file",
                    "file_data": "data:text/plain;base64,aGVsbG8=",
                    "filename": "document.txt",
                },
                {"type": "input_file", "file_url": "https://example.com/a.pdf"},
            ],
        }
    ]


def test_responses_refuses_audio_and_empty_messages() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        responses(messages=[user(["listen", WAV])])
    assert err.value.feature == "audio input"
    with pytest.raises(FeatureNotSupportedError):
        responses(messages=[user([])])


def test_responses_system_messages_become_developer_in_place() -> None:
    body = responses(messages=[user("q"), system("be brief")]).body
    assert body["input"] == [
        {"role": "user", "content": "q"},
        {"role": "developer", "content": "be brief"},
    ]


def test_responses_assistant_rebuilt_from_content() -> None:
    turn = assistant(
        [Thought(thought="hmm"), Text(text="a"), ToolCall(id="c", name="t", args='{"x":1}')],
        model_id="openai/gpt-4o",
        provider_id="anthropic",
    )
    outputs = user([ToolOutput(id="c", name="t", result="ok")])
    assert responses(messages=[user("q"), turn, outputs]).body["input"][1:] == [
        {"role": "assistant", "content": "a"},
        {"type": "function_call", "call_id": "c", "name": "t", "arguments": '{"x":1}'},
        {"type": "function_call_output", "call_id": "c", "output": "ok"},
    ]
    as_text = responses(
        messages=[user("q"), turn],
        thinking={"level": "low", "encode_thoughts_as_text": True},
    )
    assert as_text.body["input"][1] == {"role": "assistant", "content": "**Thinking:** hmm"}


def test_responses_raw_reuse_rules() -> None:
    raw = [{"type": "reasoning", "id": "rs_1", "summary": []}, {"type": "message", "id": "m"}]

    def turn(**kwargs: Any) -> AssistantMessage:
        defaults: dict[str, Any] = {
            "model_id": "openai/gpt-5:responses",
            "provider_id": "openai",
            "provider_model_name": "gpt-5:responses",
            "raw_message": raw,
        }
        return assistant([Text(text="rebuilt")], **{**defaults, **kwargs})

    def sent(message: AssistantMessage, **params: Any) -> list[Any]:
        encoded = responses(model_id="openai/gpt-5", messages=[user("q"), message], **params)
        return list(encoded.body["input"][1:])

    rebuilt = [{"role": "assistant", "content": "rebuilt"}]
    assert sent(turn()) == raw
    assert sent(turn(provider_id="openai:responses")) == raw
    assert sent(turn(provider_model_name="gpt-5-mini:responses")) == rebuilt
    assert sent(turn(provider_id="anthropic")) == rebuilt
    assert sent(turn(raw_message=None)) == rebuilt
    assert sent(turn(), thinking={"level": "low", "encode_thoughts_as_text": True}) == rebuilt
    format_call = [{"type": "function_call", "name": FORMAT_TOOL_NAME, "call_id": "f"}]
    assert sent(turn(raw_message=format_call)) == rebuilt


def test_responses_params(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = responses(
            temperature=0.2, max_tokens=5, top_p=0.5, top_k=1, seed=2, stop_sequences=["s"]
        ).body
    assert body["temperature"] == 0.2
    assert body["max_output_tokens"] == 5
    assert body["top_p"] == 0.5
    assert not {"top_k", "seed", "stop", "stop_sequences"} & set(body)
    assert {"top_k", "seed", "stop_sequences"} <= {
        r.getMessage().split(":")[1].split("=")[0].strip() for r in caplog.records
    }


@pytest.mark.parametrize(
    ("level", "effort"),
    [
        ("default", "medium"),
        ("none", "none"),
        ("minimal", "minimal"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
        ("max", "xhigh"),
    ],
)
def test_responses_thinking_levels(level: str, effort: str) -> None:
    body = responses(model_id="openai/gpt-5", thinking={"level": level}).body
    assert body["reasoning"] == {"effort": effort}
    with_summary = responses(
        model_id="openai/o3", thinking={"level": level, "include_thoughts": True}
    )
    assert with_summary.body["reasoning"] == {"effort": effort, "summary": "auto"}
    assert with_summary.include_thoughts is True


def test_responses_thinking_on_non_reasoning_model(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        body = responses(thinking={"level": "high"}).body
    assert "reasoning" not in body
    assert "thinking" in caplog.text
    unknown = responses(model_id="openai/gpt-7", thinking={"level": "high"}).body
    assert unknown["reasoning"] == {"effort": "high"}


def test_responses_formats_for_models_without_json_schema() -> None:
    body = responses(model_id="openai/gpt-4-turbo", format=BookSummary).body
    assert body["tool_choice"] == {"type": "function", "name": FORMAT_TOOL_NAME}
    with pytest.raises(FeatureNotSupportedError):
        responses(model_id="openai/gpt-4-turbo", format=make_format(Book, mode="strict"))


# ---- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "api"),
    [
        ("openai/gpt-4o", "responses"),
        ("openai/gpt-4o:completions", "completions"),
        ("openai/gpt-5-pro:completions", "completions"),
        ("openai/gpt-4o-search-preview", "completions"),
        ("openai/gpt-5-pro", "responses"),
        ("openai/some-future-model", "responses"),
        ("vllm/meta-llama/Llama-3.2-1B-Instruct", "completions"),
        ("vllm/meta-llama/Llama-3.2-1B-Instruct:responses", "responses"),
    ],
)
def test_routing(model_id: str, api: str) -> None:
    assert choose_api(model_id, [user("hi")]) == api


def test_audio_routes_to_completions() -> None:
    messages: list[Message] = [system("s"), user(["listen", WAV])]
    assert choose_api("openai/gpt-4o", messages) == "completions"
    assert choose_api("openai/gpt-4o:responses", messages) == "responses"


def test_openai_provider_routes_and_reports_openai() -> None:
    provider = OpenAIProvider(api_key="k")
    encoded = _encode(provider, "openai/gpt-4o")
    assert (encoded.path, encoded.wire_format) == ("/responses", "openai-responses")
    assert encoded.provider_model_name == "gpt-4o:responses"
    encoded = _encode(provider, "openai/gpt-4o-search-preview")
    assert (encoded.path, encoded.provider_model_name) == (
        "/chat/completions",
        "gpt-4o-search-preview:completions",
    )
    assert provider.response_provider_id("openai/gpt-4o") == "openai"
    assert (
        OpenAICompletionsProvider(api_key="k").response_provider_id("x/y") == "openai:completions"
    )


def test_registry_paths() -> None:
    assert provider_class("openai") is OpenAIProvider
    assert provider_class("openai:completions") is OpenAICompletionsProvider
    assert provider_class("openai:responses") is OpenAIResponsesProvider
    assert provider_class("ollama") is OllamaProvider
    assert provider_class("together") is TogetherProvider
    assert provider_class("openrouter") is OpenRouterProvider
    assert provider_class("xai") is XAIProvider


# ---- keys, URLs, names ------------------------------------------------------------------------


def test_openai_keys_and_base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    local = OpenAICompletionsProvider(base_url="http://localhost:8000/v1/")
    assert local.auth_headers() == {"Authorization": "Bearer not-needed"}
    assert local.http_request(_encode(local, "vllm/x")).url == (
        "http://localhost:8000/v1/chat/completions"
    )
    with pytest.raises(MissingAPIKeyError):
        OpenAIProvider().auth_headers()
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example/v1")
    provider = OpenAIResponsesProvider()
    assert provider.auth_headers() == {"Authorization": "Bearer from-env"}
    assert provider.http_request(_encode(provider, "openai/gpt-4o")).url == (
        "https://proxy.example/v1/responses"
    )


def test_api_key_only_in_auth_headers() -> None:
    provider = OpenAIProvider(api_key="sk-secret")
    encoded = _encode(provider, "openai/gpt-4o")
    assert "sk-secret" not in json.dumps(encoded.body) + json.dumps(encoded.headers)


def test_vllm_wire_name_keeps_every_segment() -> None:
    provider = OpenAICompletionsProvider(api_key="x", base_url="http://localhost:8000/v1")
    encoded = _encode(
        provider,
        "vllm/meta-llama/Llama-3.2-1B-Instruct",
        temperature=0.3,
        max_tokens=9,
        format=BookSummary,
    )
    assert encoded.body["model"] == "meta-llama/Llama-3.2-1B-Instruct"
    assert encoded.provider_model_name == "meta-llama/Llama-3.2-1B-Instruct:completions"
    # An unknown model: ordinary sampling params, and the format tool by default.
    assert encoded.body["temperature"] == 0.3 and encoded.body["max_tokens"] == 9
    assert encoded.body["tool_choice"]["function"]["name"] == FORMAT_TOOL_NAME


def test_ollama(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)
    monkeypatch.delenv("OLLAMA_API_KEY", raising=False)
    provider = OllamaProvider()
    encoded = _encode(
        provider,
        "ollama/deepseek-r1:1.5b",
        thinking={"level": "default", "include_thoughts": True},
        format=make_format(BookSummary, mode="json"),
    )
    request = provider.http_request(encoded)
    assert request.url == "http://localhost:11434/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer ollama"
    assert encoded.body["model"] == "deepseek-r1:1.5b"
    assert encoded.provider_model_name == "deepseek-r1:1.5b"
    assert (encoded.wire_format, encoded.include_thoughts) == ("openai-completions", True)
    assert "response_format" not in encoded.body  # JSON mode only for known OpenAI models
    assert provider.response_provider_id("ollama/x") == "ollama"
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://gpu-box:11434/v1")
    assert OllamaProvider().base_url == "http://gpu-box:11434/v1"


@pytest.mark.parametrize(
    ("cls", "env", "base", "model_id", "wire"),
    [
        (
            TogetherProvider,
            "TOGETHER_API_KEY",
            "https://api.together.xyz/v1",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        ),
        (
            TogetherProvider,
            "TOGETHER_API_KEY",
            "https://api.together.xyz/v1",
            "together/meta-llama/Llama-3.3-70B-Instruct-Turbo",
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        ),
        (
            OpenRouterProvider,
            "OPENROUTER_API_KEY",
            "https://openrouter.ai/api/v1",
            "openrouter/anthropic/claude-sonnet-4",
            "anthropic/claude-sonnet-4",
        ),
        (
            OpenRouterProvider,
            "OPENROUTER_API_KEY",
            "https://openrouter.ai/api/v1",
            "openai/gpt-4o",
            "openai/gpt-4o",
        ),
        (XAIProvider, "XAI_API_KEY", "https://api.x.ai/v1", "xai/grok-4", "grok-4"),
    ],
)
def test_keyed_compatible_providers(
    monkeypatch: pytest.MonkeyPatch,
    cls: type[BaseProvider],
    env: str,
    base: str,
    model_id: str,
    wire: str,
) -> None:
    monkeypatch.delenv(env, raising=False)
    with pytest.raises(ValueError, match=env):
        cls()
    monkeypatch.setenv(env, "secret")
    provider = cls()
    encoded = _encode(provider, model_id)
    request = provider.http_request(encoded)
    assert request.url == base + "/chat/completions"
    assert request.headers["Authorization"] == "Bearer secret"
    assert encoded.body["model"] == wire
    assert encoded.wire_format == "openai-completions"
    assert provider.response_provider_id(model_id) == provider.id


def test_openrouter_openai_models_keep_openai_features() -> None:
    provider = OpenRouterProvider(api_key="k")
    strict = _encode(provider, "openrouter/openai/gpt-4o", format=BookSummary).body
    assert strict["response_format"]["type"] == "json_schema"
    other = _encode(provider, "openrouter/meta-llama/llama-3", format=BookSummary).body
    assert "response_format" not in other and other["tool_choice"] == {
        "type": "function",
        "function": {"name": FORMAT_TOOL_NAME},
    }

"""Google Gemini request encoding: every recorded `streamGenerateContent` request reproduced
from the fixture's call description, plus what the recordings do not cover (media, system
messages, thinking levels, params, multi-turn reuse, schemas, tools, keys and URLs)."""

from __future__ import annotations

import json
import logging
import re
from enum import Enum
from typing import Any, Literal

import httpx
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
from ferriscope.llm.formatting import format as make_format
from ferriscope.llm.messages import AssistantMessage, Message, assistant, system, user
from ferriscope.llm.models.model import Model
from ferriscope.llm.providers.base import Encoded
from ferriscope.llm.providers.google import GoogleProvider
from ferriscope.llm.providers.google.schema import response_schema
from ferriscope.llm.providers.registry import (
    provider_class,
    register_provider,
)
from ferriscope.llm.tools import FORMAT_TOOL_NAME, ProviderTool, Toolkit, WebSearchTool, tool
from tests.support.decoding import decode, load_cases
from tests.support.fixture_models import (
    Author,
    Book,
    BookSummary,
    FentanylHandbook,
    LuckyNumber,
    get_book_info,
    secret_retrieval_tool,
)
from tests.support.recorded_calls import (
    follow_steps,
    params_of,
    part_of,
    recorded_replies,
    toolkit_of,
)

RECORDED_HEADERS = ("content-type", "anthropic-version", "anthropic-beta")
FLASH = "google/gemini-2.5-flash"


# ---- the Python definitions behind the fixtures' formats (the tools: fixture_models) ---------


FORMATS: dict[str, type[BaseModel]] = {
    m.__name__: m for m in (Book, BookSummary, FentanylHandbook, LuckyNumber)
}


# ---- turning a fixture into calls -------------------------------------------------------------


CASES = [(name, case) for name, case in load_cases() if case["provider_api"] == "google"]
SENT = [(name, case) for name, case in CASES if case["interactions"]]
REFUSED = [(name, case) for name, case in CASES if not case["interactions"]]


def provider() -> GoogleProvider:
    return GoogleProvider(api_key="g-test")


def initial_messages(case: dict[str, Any]) -> list[Message]:
    return [
        system(m["text"]) if m["role"] == "system" else user(m["text"])
        for m in case["call"]["messages"]
    ]


def format_of(case: dict[str, Any]) -> Any:
    spec = case["call"].get("format")
    if spec is None:
        return None
    # The refused cases record no schema, only the class source; the format is its last class.
    name = spec.get("name") or re.findall(r"class (\w+)\(", spec["python"][-1])[-1]
    model = FORMATS[name]
    if case["formatting_mode"] is None and spec["mode"] != "json":
        return model  # a bare class: the provider's default mode (never json)
    return make_format(model, mode=spec["mode"])


def raw_message_of(case: dict[str, Any], params: dict[str, Any]) -> Any:
    """The raw message the first response carries, as the Rust decoder reports it."""
    body = case["interactions"][0]["response"]["body"].encode()
    thoughts = bool((params.get("thinking") or {}).get("include_thoughts"))
    chunks = decode("google", [body], thoughts=thoughts)
    assert not [c for c in chunks if c.type == "stream_error_chunk"], chunks[-1]
    raws = [c.raw_message for c in chunks if c.type == "raw_message_chunk"]
    assert len(raws) == 1
    return raws[0]


def follow_up(case: dict[str, Any]) -> Message:
    """The user turn sent after the first response, as the final conversation records it."""
    messages = case["expected"]["messages"]
    first_assistant = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return user([part_of(p) for p in messages[first_assistant + 1]["content"]])


def encode_turn(case: dict[str, Any], turn: int) -> Encoded:
    first = provider().encode(
        model_id=case["model_id"],
        messages=initial_messages(case),
        toolkit=toolkit_of(case),
        format=format_of(case),
        params=params_of(case, 0),
    )
    if turn == 0:
        return first
    turn_0 = assistant(
        [part_of(p) for p in case["expected"]["assistant_turns"][0]],
        model_id=case["model_id"],
        provider_id=case["expected"]["provider_id"],
        provider_model_name=first.provider_model_name,
        raw_message=raw_message_of(case, params_of(case, 0)),
    )
    return provider().encode(
        model_id=case["model_id"],
        messages=[*first.messages, turn_0, follow_up(case)],
        toolkit=toolkit_of(case),
        format=format_of(case),
        params=params_of(case, turn),
    )


INTERACTIONS = [
    pytest.param(case, i, id=f"{name}#{i}")
    for name, case in SENT
    for i in range(len(case["interactions"]))
]


# ---- the recordings ---------------------------------------------------------------------------


def test_every_google_fixture_is_covered() -> None:
    assert (len(CASES), len(SENT), len(REFUSED)) == (16, 14, 2)
    assert len(INTERACTIONS) == 20


@pytest.mark.parametrize(("case", "turn"), INTERACTIONS)
def test_request_matches_recording(case: dict[str, Any], turn: int) -> None:
    recorded = case["interactions"][turn]["request"]
    request = provider().http_request(encode_turn(case, turn))
    assert request.url == recorded["url"]
    for name in RECORDED_HEADERS:
        assert request.headers.get(name) == recorded["headers"].get(name), name
    assert request.headers["x-goog-api-key"] == "g-test"
    assert "Authorization" not in request.headers
    assert json.loads(request.content) == recorded["body"]


@pytest.mark.parametrize(("name", "case"), SENT, ids=[n for n, _ in SENT])
def test_encoded_metadata(name: str, case: dict[str, Any]) -> None:
    encoded = encode_turn(case, 0)
    assert encoded.provider_model_name == case["expected"]["provider_model_name"]
    assert encoded.wire_format == case["wire_format"] == "google"
    thinking = case["call"].get("thinking") or {}
    assert encoded.include_thoughts is bool(thinking.get("include_thoughts"))
    sent = [m for m in case["expected"]["messages"] if m["role"] == "system"]
    if sent:  # the injected formatting instructions are part of the messages as sent
        first = encoded.messages[0]
        assert first.role == "system"
        assert first.content.text == sent[0]["content"][0]["text"]
    spec = case["call"].get("format")
    assert (encoded.format.mode if encoded.format else None) == (spec["mode"] if spec else None)


@pytest.mark.parametrize(("name", "case"), REFUSED, ids=[n for n, _ in REFUSED])
def test_refused_before_sending(name: str, case: dict[str, Any]) -> None:
    assert case["expected"]["raises"] == "FeatureNotSupportedError"
    expected = case["expected"]["exception"]
    with pytest.raises(FeatureNotSupportedError) as err:
        encode_turn(case, 0)
    assert err.value.feature == expected["feature"]
    assert err.value.provider_id == expected["provider_id"]
    assert err.value.model_id == expected["model_id"]
    assert repr(err.value.args) == expected["args"]


def run_steps(case: dict[str, Any]) -> list[httpx.Request]:
    """Replays the test's own steps through `Model` against the recorded responses and
    returns the requests the library sent (so resume builds the second turn itself)."""
    client, sent = recorded_replies(case)
    register_provider("google", api_key="g-test", http_client=client)
    toolkit = toolkit_of(case)
    response: Any = Model(case["model_id"], **params_of(case, 0)).stream(
        initial_messages(case), tools=list(toolkit.tools) or None, format=format_of(case)
    )
    follow_steps(case, response)
    return sent


@pytest.mark.parametrize(("name", "case"), SENT, ids=[n for n, _ in SENT])
def test_steps_through_model_send_the_recorded_requests(name: str, case: dict[str, Any]) -> None:
    sent = run_steps(case)
    assert len(sent) == len(case["interactions"])
    for turn, (request, interaction) in enumerate(zip(sent, case["interactions"], strict=True)):
        assert str(request.url) == interaction["request"]["url"]
        assert request.headers["x-goog-api-key"] == "g-test"
        body, recorded = json.loads(request.content), interaction["request"]["body"]
        if case["scenario"] == "validation_retry" and turn == 1:
            # The retry prompt is ParseError's text, not the encoder's: it names the installed
            # pydantic version.
            for item in (body["contents"][-1], recorded["contents"][-1]):
                assert item["parts"][0]["text"].startswith("Your response failed schema validation")
                item["parts"][0]["text"] = "<retry prompt>"
        assert body == recorded


# ---- helpers for hand-written cases -----------------------------------------------------------


def encode(
    *,
    model_id: str = FLASH,
    messages: list[Message] | None = None,
    tools: list[Any] | None = None,
    format: Any = None,
    **params: Any,
) -> Encoded:
    return provider().encode(
        model_id=model_id,
        messages=messages if messages is not None else [user("hi")],
        toolkit=Toolkit(tools or []),
        format=format,
        params=params,
    )


def body(**kwargs: Any) -> dict[str, Any]:
    return encode(**kwargs).body


PNG = Image(source=Base64ImageSource(data="iVBORw0KGgo+/w==", mime_type="image/png"))
URL_IMAGE = Image(source=URLImageSource(url="https://example.com/cat.jpg"))
PDF = Document(source=Base64DocumentSource(data="JVBERi0=", media_type="application/pdf"))
TXT = Document(source=TextDocumentSource(data="hello?>", media_type="text/plain"))
URL_DOC = Document(source=URLDocumentSource(url="https://example.com/a.pdf"))
WAV = Audio(source=Base64AudioSource(data="UklGRg==", mime_type="audio/wav"))


# ---- user content -----------------------------------------------------------------------------


def test_media_parts_are_inline_url_safe_base64() -> None:
    sent = body(messages=[user(["look", PNG, PDF, TXT, WAV])])
    assert sent["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "look"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo-_w=="}},
                {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                {"inlineData": {"mimeType": "text/plain", "data": "aGVsbG8_Pg=="}},
                {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("part", "feature"), [(URL_IMAGE, "url_image_source"), (URL_DOC, "url_document_source")]
)
def test_url_media_is_refused(part: Any, feature: str) -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        encode(messages=[user(["see", part])])
    assert (err.value.feature, err.value.provider_id, err.value.model_id) == (
        feature,
        "google",
        FLASH,
    )


def test_empty_user_message_is_refused() -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        encode(messages=[user([])])
    assert err.value.feature == "empty user message"


def test_tool_outputs_become_function_responses() -> None:
    outputs = user(
        [
            ToolOutput(id="google_unknown_tool_id", name="t", result="plain"),
            ToolOutput(id="call-1", name="t", result={"a": 1}),
            ToolOutput(id="call-2", name="t", result=[1, 2]),
            ToolOutput(id="call-3", name="t", result=Author(first_name="A", last_name="B")),
        ]
    )
    assert body(messages=[outputs])["contents"][0]["parts"] == [
        {"functionResponse": {"name": "t", "response": {"output": "plain"}}},
        {"functionResponse": {"id": "call-1", "name": "t", "response": {"a": 1}}},
        {"functionResponse": {"id": "call-2", "name": "t", "response": {"output": [1, 2]}}},
        {
            "functionResponse": {
                "id": "call-3",
                "name": "t",
                "response": {"first_name": "A", "last_name": "B"},
            }
        },
    ]


# ---- system messages ---------------------------------------------------------------------------


def test_only_a_leading_system_message_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        sent = body(messages=[system("first"), user("q"), system("later"), user("r")])
    assert sent["systemInstruction"] == {"role": "user", "parts": [{"text": "first"}]}
    assert [c["role"] for c in sent["contents"]] == ["user", "user"]
    assert "index 2" in caplog.text


def test_bare_prompt_has_no_generation_config_and_empty_system_is_omitted() -> None:
    assert body() == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    sent = body(messages=[system(""), user("hi")])
    assert "systemInstruction" not in sent and "generationConfig" not in sent
    assert body(messages=[system("s"), user("hi")])["generationConfig"] == {}


# ---- params and thinking -----------------------------------------------------------------------


def test_params_map_to_generation_config(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        sent = body(
            temperature=0.5,
            max_tokens=10,
            top_p=0.9,
            top_k=3,
            seed=7,
            stop_sequences=["x"],
            frequency=1,
            thinking=None,
        )
    assert sent["generationConfig"] == {
        "temperature": 0.5,
        "maxOutputTokens": 10,
        "topP": 0.9,
        "topK": 3,
        "seed": 7,
        "stopSequences": ["x"],
    }
    assert [r.name for r in caplog.records] == ["ferriscope"]
    assert "frequency=1" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("level", "max_tokens", "budget"),
    [
        ("default", None, -1),
        ("none", None, 0),
        ("minimal", None, 1600),
        ("low", None, 3200),
        ("medium", None, 6400),
        ("high", None, 9600),
        ("max", None, 12800),
        ("medium", 1000, 400),
        ("default", 1000, -1),
    ],
)
def test_thinking_budget_models(level: str, max_tokens: int | None, budget: int) -> None:
    params: dict[str, Any] = {"thinking": {"level": level}}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    config = body(**params)["generationConfig"]["thinkingConfig"]
    assert config == {"thinking_budget": budget}


@pytest.mark.parametrize(
    ("level", "flash", "pro"),
    [
        ("default", "THINKING_LEVEL_UNSPECIFIED", "THINKING_LEVEL_UNSPECIFIED"),
        ("none", "MINIMAL", "LOW"),
        ("minimal", "MINIMAL", "LOW"),
        ("low", "LOW", "LOW"),
        ("medium", "MEDIUM", "HIGH"),
        ("high", "HIGH", "HIGH"),
        ("max", "HIGH", "HIGH"),
    ],
)
def test_gemini_3_thinking_levels(level: str, flash: str, pro: str) -> None:
    thinking = {"level": level, "include_thoughts": True}
    for model_id, expected in (
        ("google/gemini-3-flash-preview", flash),
        ("google/gemini-3-pro-preview", pro),
    ):
        encoded = encode(model_id=model_id, thinking=thinking)
        assert encoded.body["generationConfig"]["thinkingConfig"] == {
            "thinking_level": expected,
            "include_thoughts": True,
        }
        assert encoded.include_thoughts is True


def test_include_thoughts_is_sent_only_when_set() -> None:
    unset = encode(thinking={"level": "low"})
    assert "include_thoughts" not in unset.body["generationConfig"]["thinkingConfig"]
    assert unset.include_thoughts is False
    off = encode(thinking={"level": "low", "include_thoughts": False})
    assert off.body["generationConfig"]["thinkingConfig"]["include_thoughts"] is False


def test_unusable_thinking_is_warned_and_dropped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ferriscope"):
        assert "generationConfig" not in body(thinking={"level": "extreme"})
        assert "generationConfig" not in body(thinking="high")
    assert len(caplog.records) == 2
    assert all("thinking" in r.getMessage() for r in caplog.records)


# ---- multi-turn: raw reuse vs rebuild ----------------------------------------------------------

RAW: dict[str, Any] = {
    "role": "model",
    "parts": [
        {"text": "hmm", "thought": True},
        {"functionCall": {"name": "t", "args": {"x": 1}}, "thoughtSignature": "ab+/cd=="},
        {"text": "", "thoughtSignature": "ef/+"},
    ],
}
RAW_SENT = {
    "role": "model",
    "parts": [
        {"text": "hmm", "thought": True},
        {"functionCall": {"name": "t", "args": {"x": 1}}, "thoughtSignature": "ab-_cd=="},
        {"text": "", "thoughtSignature": "ef_-"},
    ],
}
CONTENT: list[Text | Thought | ToolCall] = [
    Thought(thought="hmm"),
    Text(text="answer"),
    ToolCall(id="google_unknown_tool_id", name="t", args='{"x": 1}'),
    ToolCall(id="call-9", name="u", args=""),
]
REBUILT = {
    "role": "model",
    "parts": [
        {"text": "answer"},
        {"functionCall": {"name": "t", "args": {"x": 1}}},
        {"functionCall": {"id": "call-9", "name": "u", "args": {}}},
    ],
}


def turn(**kwargs: Any) -> AssistantMessage:
    defaults: dict[str, Any] = {
        "model_id": FLASH,
        "provider_id": "google",
        "provider_model_name": "gemini-2.5-flash",
        "raw_message": RAW,
    }
    return assistant(CONTENT, **{**defaults, **kwargs})


def sent_turn(message: AssistantMessage, **params: Any) -> Any:
    contents = body(messages=[user("q"), message, user("go on")], **params)["contents"]
    return contents[1] if len(contents) == 3 else None


def test_raw_turn_is_reused_for_the_same_model() -> None:
    assert sent_turn(turn()) == RAW_SENT
    assert RAW["parts"][1]["thoughtSignature"] == "ab+/cd=="  # the message is not mutated


def test_turn_is_rebuilt_otherwise() -> None:
    assert sent_turn(turn(model_id="google/gemini-2.5-pro")) == REBUILT
    assert sent_turn(turn(provider_id="anthropic")) == REBUILT
    assert sent_turn(turn(raw_message=None)) == REBUILT
    format_raw = {"role": "model", "parts": [{"functionCall": {"name": FORMAT_TOOL_NAME}}]}
    assert sent_turn(turn(raw_message=format_raw)) == REBUILT


def test_thoughts_as_text_rebuild_the_turn() -> None:
    thinking = {"level": "low", "encode_thoughts_as_text": True}
    rebuilt = sent_turn(turn(), thinking=thinking)
    assert rebuilt["parts"][0] == {"text": "**Thinking:** hmm"}
    assert rebuilt["parts"][1:] == REBUILT["parts"]


def test_a_turn_with_nothing_to_send_is_skipped() -> None:
    thoughts_only = assistant([Thought(thought="hmm")], model_id=FLASH, provider_id="anthropic")
    assert sent_turn(thoughts_only) is None


def test_tool_call_args_must_be_an_object() -> None:
    bad = assistant(
        [ToolCall(id="c", name="t", args="[1]")], model_id=FLASH, provider_id="anthropic"
    )
    with pytest.raises(ValueError, match="JSON object"):
        sent_turn(bad)


# ---- tools and formats --------------------------------------------------------------------------


def test_strict_and_provider_tools_are_refused() -> None:
    @tool(strict=True)
    def strict_tool(a: int) -> int:
        """Doubles."""
        return 2 * a

    with pytest.raises(FeatureNotSupportedError) as err:
        encode(tools=[strict_tool])
    assert err.value.feature == "strict tools"
    with pytest.raises(FeatureNotSupportedError) as err:
        encode(tools=[ProviderTool(name="code_execution")])
    assert err.value.feature == "Provider tool code_execution"


def test_web_search_is_google_search_after_the_functions() -> None:
    assert body(tools=[WebSearchTool()])["tools"] == [{"googleSearch": {}}]
    sent = body(tools=[WebSearchTool(), secret_retrieval_tool])["tools"]
    assert [list(entry) for entry in sent] == [["functionDeclarations"], ["googleSearch"]]
    assert [d["name"] for d in sent[0]["functionDeclarations"]] == ["secret_retrieval_tool"]


def test_web_search_counts_as_a_tool_for_the_format_mode() -> None:
    # gemini-2.5-flash cannot combine json output with tools, Google Search included (as in
    # Mirascope 2.8.2): the default mode becomes `tool`, and only the format tool is allowed
    # when no function tool is given.
    sent = body(tools=[WebSearchTool()], format=Book)
    assert sent["tools"][-1] == {"googleSearch": {}}
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    with pytest.raises(FeatureNotSupportedError) as err:
        encode(tools=[WebSearchTool()], format=make_format(Book, mode="json"))
    assert err.value.feature == "formatting_mode:json with tools"


class Pet(BaseModel):
    name: str


class Kind(Enum):
    CAT = "cat"
    DOG = "dog"


def test_tool_parameters_in_google_schema_form() -> None:
    @tool(strict=False)
    def adopt(pet: Pet, nickname: str | None = None, tags: list[str] | None = None) -> str:
        """Adopts a pet."""
        return pet.name

    declaration = body(tools=[adopt])["tools"][0]["functionDeclarations"][0]
    assert declaration == {
        "name": "adopt",
        "description": "Adopts a pet.",
        "parameters": {
            "type": "OBJECT",
            "properties": {
                "pet": {
                    "properties": {"name": {"title": "Name", "type": "STRING"}},
                    "required": ["name"],
                    "title": "Pet",
                    "type": "OBJECT",
                },
                "nickname": {
                    "any_of": [{"type": "STRING"}, {"type": "NULL"}],
                    "title": "Nickname",
                },
                "tags": {
                    "any_of": [{"items": {"type": "STRING"}, "type": "ARRAY"}, {"type": "NULL"}],
                    "title": "Tags",
                },
            },
            "required": ["pet"],
        },
    }


def test_tool_without_parameters() -> None:
    @tool
    def ping() -> str:
        """Pings."""
        return "pong"

    parameters = body(tools=[ping])["tools"][0]["functionDeclarations"][0]["parameters"]
    assert parameters == {"type": "OBJECT", "properties": {}, "required": []}


def test_tool_mode_alone_restricts_calls_to_the_format_tool() -> None:
    sent = body(format=make_format(BookSummary, mode="tool"))
    assert sent["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [FORMAT_TOOL_NAME]}
    }
    assert [d["name"] for d in sent["tools"][0]["functionDeclarations"]] == [FORMAT_TOOL_NAME]
    assert sent["systemInstruction"]["parts"][0]["text"].startswith("Always respond")


def test_models_that_combine_tools_and_json_output() -> None:
    model_id = "google/gemini-3-flash-preview"
    strict = body(model_id=model_id, tools=[get_book_info], format=BookSummary)
    assert strict["generationConfig"]["responseMimeType"] == "application/json"
    assert strict["generationConfig"]["responseSchema"]["title"] == "BookSummary"
    assert "toolConfig" not in strict
    json_mode = body(
        model_id=model_id, tools=[get_book_info], format=make_format(BookSummary, mode="json")
    )
    assert json_mode["generationConfig"] == {"responseMimeType": "application/json"}
    assert "Respond only with valid JSON" in json_mode["systemInstruction"]["parts"][0]["text"]


def test_default_mode_without_tools_is_strict_even_on_limited_models() -> None:
    encoded = encode(format=BookSummary)
    assert encoded.format.mode == "strict"
    assert "responseSchema" in encoded.body["generationConfig"]


def test_parser_mode_only_adds_instructions() -> None:
    from ferriscope.llm.formatting import output_parser

    @output_parser(formatting_instructions="Answer in one word.")
    def one_word(response: Any) -> str:
        return str(response.text())

    sent = body(messages=[system("Be nice."), user("hi")], format=one_word)
    assert sent["systemInstruction"]["parts"][0]["text"] == "Be nice.\nAnswer in one word."
    assert sent["generationConfig"] == {}


# ---- response schemas --------------------------------------------------------------------------


class Shelf(BaseModel):
    """A shelf."""

    label: Literal["fiction"]
    kind: Kind
    books: list[Book]
    favourite: Book | None = None
    note: str | None = Field(default=None, description="Anything")


def test_response_schema_is_rewritten_like_the_google_sdk() -> None:
    original = Shelf.model_json_schema()
    snapshot = json.dumps(original, sort_keys=True)
    book = {
        "description": "A book with a rating. The title should be in all caps!",
        "properties": {
            "title": {"title": "Title", "type": "STRING"},
            "author": {
                "description": "The author of a book.",
                "properties": {
                    "first_name": {"title": "First Name", "type": "STRING"},
                    "last_name": {"title": "Last Name", "type": "STRING"},
                },
                "property_ordering": ["first_name", "last_name"],
                "required": ["first_name", "last_name"],
                "title": "Author",
                "type": "OBJECT",
            },
            "rating": {
                "description": "For testing purposes, the rating should be 7",
                "title": "Rating",
                "type": "INTEGER",
            },
        },
        "property_ordering": ["title", "author", "rating"],
        "required": ["title", "author", "rating"],
        "title": "Book",
        "type": "OBJECT",
    }
    assert response_schema(original, model_id=FLASH) == {
        "description": "A shelf.",
        "properties": {
            "label": {"enum": ["fiction"], "title": "Label", "type": "STRING"},
            "kind": {"enum": ["cat", "dog"], "title": "Kind", "type": "STRING"},
            "books": {"items": book, "title": "Books", "type": "ARRAY"},
            "favourite": {**book, "nullable": True},
            "note": {
                "description": "Anything",
                "nullable": True,
                "title": "Note",
                "type": "STRING",
            },
        },
        "property_ordering": ["label", "kind", "books", "favourite", "note"],
        "required": ["label", "kind", "books"],
        "title": "Shelf",
        "type": "OBJECT",
    }
    assert json.dumps(original, sort_keys=True) == snapshot  # the format's schema is untouched


class Node(BaseModel):
    children: list[Node]


class Counts(BaseModel):
    counts: dict[str, int]


class Seven(BaseModel):
    value: Literal[7]


@pytest.mark.parametrize(
    ("model", "feature"),
    [(Node, "recursive schema"), (Counts, "additionalProperties"), (Seven, "non-string literal")],
)
def test_unexpressible_response_schemas_are_refused(model: type[BaseModel], feature: str) -> None:
    with pytest.raises(FeatureNotSupportedError) as err:
        encode(format=model)
    assert err.value.feature == feature


def test_recursive_tool_schema_is_refused() -> None:
    @tool
    def plant(tree: Node) -> str:
        """Plants."""
        return "ok"

    with pytest.raises(FeatureNotSupportedError) as err:
        encode(tools=[plant])
    assert err.value.feature == "recursive schema"


# ---- provider: keys, URLs, names ---------------------------------------------------------------


def test_registry_path() -> None:
    assert provider_class("google") is GoogleProvider
    assert GoogleProvider.default_scope == "google/"


def test_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError) as err:
        GoogleProvider().auth_headers()
    assert err.value.env_var == "GOOGLE_API_KEY"
    monkeypatch.setenv("GEMINI_API_KEY", "gemini")
    assert GoogleProvider().auth_headers() == {"x-goog-api-key": "gemini"}
    monkeypatch.setenv("GOOGLE_API_KEY", "google")
    assert GoogleProvider().auth_headers() == {"x-goog-api-key": "google"}
    assert GoogleProvider(api_key="explicit").auth_headers() == {"x-goog-api-key": "explicit"}


def test_custom_base_url_also_sends_a_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    proxy = GoogleProvider(api_key="k", base_url="https://router.example/google/")
    request = proxy.http_request(encode())
    assert request.url == (
        "https://router.example/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert request.headers["x-goog-api-key"] == "k"
    assert request.headers["Authorization"] == "Bearer k"
    assert GoogleProvider(base_url="http://localhost:9000").auth_headers() == {}


def test_api_key_only_in_auth_headers() -> None:
    encoded = GoogleProvider(api_key="secret-key").encode(
        model_id=FLASH, messages=[user("hi")], toolkit=None, format=None, params={}
    )
    assert "secret-key" not in json.dumps(encoded.body) + json.dumps(encoded.headers)


@pytest.mark.parametrize(
    ("model_id", "path", "name"),
    [
        (
            "google/gemini-2.5-flash",
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            "gemini-2.5-flash",
        ),
        (
            "gem/gemini-2.5-pro",
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            "gemini-2.5-pro",
        ),
        (
            "google/tunedModels/my-model",
            "/v1beta/tunedModels/my-model:streamGenerateContent?alt=sse",
            "tunedModels/my-model",
        ),
    ],
)
def test_model_names_and_paths(model_id: str, path: str, name: str) -> None:
    encoded = encode(model_id=model_id)
    assert (encoded.path, encoded.provider_model_name) == (path, name)
    assert encoded.headers == {"content-type": "application/json"}
    assert encoded.wire_format == "google"


def test_invalid_model_name_is_refused() -> None:
    with pytest.raises(ValueError, match="Invalid Google model name"):
        encode(model_id="google/../x")

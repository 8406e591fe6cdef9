"""The recorded cases of `tests/fixtures/streams`, rebuilt as user code of the public API.

Each case's `call` says what Mirascope's e2e test did: the prompt, the tools and format (as
Python definitions, redefined here), the thinking config and params, and the steps taken on
the response. `run_sync` / `run_async` replay those steps exactly as a user would write them
(`@llm.call(...)` on a prompt function, `.stream()`, `finish()`, `execute_tools()`,
`resume(...)`, `parse()`, `validate(...)`), against whatever provider is registered for the
case's model id. The helpers at the end turn responses and recorded requests into plain data
for comparison.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from ferriscope import llm
from ferriscope.llm.messages import system, user
from tests.support.fixture_models import (
    BOOK_DB,
    PASSWORD_MAP,
    Author,
    Book,
    BookSummary,
    FentanylHandbook,
    LuckyNumber,
)
from tests.support.paths import FIXTURES

# ---- the fixtures' tools (call.tools[].python / behaviour / data) --------------------------------


def _sync_tools() -> dict[str, Any]:
    @llm.tool
    def secret_retrieval_tool(password: str) -> str:
        """A tool that requires a password to retrieve a secret."""
        return PASSWORD_MAP.get(password, "Invalid password!")

    @llm.tool
    def get_book_info(isbn: str) -> str:
        """Look up book information by ISBN."""
        return BOOK_DB.get(isbn, "Book not found")

    return {"secret_retrieval_tool": secret_retrieval_tool, "get_book_info": get_book_info}


def _async_tools() -> dict[str, Any]:
    """The same tools as `async def`, as an async e2e test writes them."""

    @llm.tool
    async def secret_retrieval_tool(password: str) -> str:
        """A tool that requires a password to retrieve a secret."""
        return PASSWORD_MAP.get(password, "Invalid password!")

    @llm.tool
    async def get_book_info(isbn: str) -> str:
        """Look up book information by ISBN."""
        return BOOK_DB.get(isbn, "Book not found")

    return {"secret_retrieval_tool": secret_retrieval_tool, "get_book_info": get_book_info}


SYNC_TOOLS = _sync_tools()
ASYNC_TOOLS = _async_tools()

# ---- the fixtures' formats (call.format.python) --------------------------------------------------


FORMAT_MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m for m in (Author, Book, BookSummary, FentanylHandbook, LuckyNumber)
}

# ---- the cases -----------------------------------------------------------------------------------

# provider_api → (provider id, scope, base-URL path prefix)
PROVIDERS: dict[str, tuple[str, str, str]] = {
    "openai-completions": ("openai", "openai/", "/v1"),
    "openai-responses": ("openai", "openai/", "/v1"),
    "anthropic": ("anthropic", "anthropic/", ""),
    "anthropic-beta": ("anthropic-beta", "anthropic-beta/", ""),
    "google": ("google", "google/", ""),
}

NOT_PARSED = object()


@dataclass(frozen=True)
class Case:
    name: str  # the path under FIXTURES without `.json`, e.g. "call/anthropic_claude_sonnet_4_0"
    path: Path

    @cached_property
    def data(self) -> dict[str, Any]:
        return json.loads(self.path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    @property
    def call(self) -> dict[str, Any]:
        return self.data["call"]  # type: ignore[no-any-return]

    @property
    def expected(self) -> dict[str, Any]:
        return self.data["expected"]  # type: ignore[no-any-return]

    @property
    def interactions(self) -> list[dict[str, Any]]:
        return self.data["interactions"]  # type: ignore[no-any-return]

    @property
    def model_id(self) -> str:
        return self.data["model_id"]  # type: ignore[no-any-return]

    @property
    def provider_api(self) -> str:
        return self.data["provider_api"]  # type: ignore[no-any-return]

    @property
    def raises(self) -> str | None:
        return self.expected.get("raises")

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self.call["steps"]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Case({self.name})"


def load_cases() -> list[Case]:
    return [
        Case(str(path.relative_to(FIXTURES).with_suffix("")), path)
        for path in sorted(FIXTURES.rglob("*.json"))
    ]


def register(case: Case, server_url: str) -> None:
    """Points the case's provider at the replay server, as a user registers a provider."""
    provider_id, scope, prefix = PROVIDERS[case.provider_api]
    llm.register_provider(
        provider_id,
        scope=scope,
        base_url=server_url + prefix,
        api_key="test-key",
        max_retries=0,
    )


PROVIDER_TOOLS: dict[str, Any] = {"web_search": llm.WebSearchTool}


def make_tools(case: Case, *, is_async: bool) -> list[Any] | None:
    """The case's function tools, then its provider-native tools (`call.provider_tools`)."""
    kit = ASYNC_TOOLS if is_async else SYNC_TOOLS
    tools: list[Any] = [kit[t["name"]] for t in case.call.get("tools") or ()]
    tools += [PROVIDER_TOOLS[t["name"]]() for t in case.call.get("provider_tools") or ()]
    return tools or None


def format_model(case: Case) -> type[BaseModel] | None:
    """The model of `call.format.python` (its last class; the others are nested models)."""
    recorded = case.call.get("format")
    if not recorded:
        return None
    names = [re.match(r"class (\w+)", line) for line in recorded["python"]]
    return FORMAT_MODELS[[found for found in names if found][-1].group(1)]


def make_format(case: Case) -> Any:
    """The bare model class (the provider picks the mode), or `llm.format(cls, mode=...)`."""
    model = format_model(case)
    if model is None:
        return None
    mode = case.data["formatting_mode"]
    if case.data["scenario"] == "validation_retry":
        mode = "json"  # the test writes `format=llm.format(LuckyNumber, mode="json")`
    return model if mode is None else llm.format(model, mode=mode)


def make_params(case: Case) -> dict[str, Any]:
    params: dict[str, Any] = dict(case.call.get("params") or {})
    if case.call.get("thinking") is not None:
        params["thinking"] = dict(case.call["thinking"])
    return params


def _is_add_numbers(case: Case) -> bool:
    return "def add_numbers(" in (case.call.get("python") or "")


def _prompt_result(case: Case) -> str | list[Any]:
    """What the prompt function returns: the text of a lone user message (as the tests
    write it), else the messages."""
    recorded = case.call["messages"]
    if len(recorded) == 1 and recorded[0]["role"] == "user":
        return recorded[0]["text"]  # type: ignore[no-any-return]
    return [system(m["text"]) if m["role"] == "system" else user(m["text"]) for m in recorded]


def sync_call(case: Case) -> tuple[Any, tuple[Any, ...]]:
    """The decorated prompt function and the arguments the test called it with."""
    decorator = llm.call(
        case.model_id,
        tools=make_tools(case, is_async=False),
        format=make_format(case),
        **make_params(case),
    )
    if _is_add_numbers(case):

        @decorator
        def add_numbers(a: int, b: int) -> str:
            return f"What is {a} + {b}?"

        return add_numbers, (4200, 42)

    result = _prompt_result(case)

    @decorator
    def prompt() -> str | list[Any]:
        return result

    return prompt, ()


def async_call(case: Case) -> tuple[Any, tuple[Any, ...]]:
    decorator = llm.call(
        case.model_id,
        tools=make_tools(case, is_async=True),
        format=make_format(case),
        **make_params(case),
    )
    if _is_add_numbers(case):

        @decorator
        async def add_numbers(a: int, b: int) -> str:
            return f"What is {a} + {b}?"

        return add_numbers, (4200, 42)

    result = _prompt_result(case)

    @decorator
    async def prompt() -> str | list[Any]:
        return result

    return prompt, ()


@dataclass
class Outcome:
    """What the steps ended with: the last response, and what `parse()`/`validate()` gave."""

    response: Any
    first: Any  # the response of the first `.stream()`
    parsed: Any = NOT_PARSED


def _override(case: Case, step: dict[str, Any]) -> Any:
    """`llm.model(model_id, thinking=llm.ThinkingConfig(...))`, as the test writes it."""
    override = step.get("model_override")
    if override is None:
        return None
    params = dict(override)
    if "thinking" in params:
        params["thinking"] = llm.ThinkingConfig(**params["thinking"])  # type: ignore[typeddict-item]
    return llm.model(case.model_id, **params)


def run_sync(case: Case) -> Outcome:
    fn, args = sync_call(case)
    outcome: Outcome | None = None
    outputs: list[Any] = []
    for step in case.steps:
        op = step["op"]
        if op == "stream":
            response = fn.stream(*args)
            assert isinstance(response, llm.StreamResponse)
            outcome = Outcome(response=response, first=response)
            continue
        assert outcome is not None, "the first step streams"
        if op == "finish":
            outcome.response.finish()
        elif op == "execute_tools":
            outputs = outcome.response.execute_tools()
        elif op == "resume":
            content = outputs if step["with"] == "tool_outputs" else step["with"]
            override = _override(case, step)
            if override is None:
                outcome.response = outcome.response.resume(content)
            else:
                with override:
                    outcome.response = outcome.response.resume(content)
        elif op == "parse":
            outcome.parsed = outcome.response.parse()
        elif op == "validate":
            outcome.parsed, outcome.response = outcome.response.validate(
                max_retries=step["max_retries"]
            )
        else:
            raise AssertionError(f"unknown step {op!r}")
    assert outcome is not None
    return outcome


async def run_async(case: Case) -> Outcome:
    fn, args = async_call(case)
    outcome: Outcome | None = None
    outputs: list[Any] = []
    for step in case.steps:
        op = step["op"]
        if op == "stream":
            response = await fn.stream(*args)
            assert isinstance(response, llm.AsyncStreamResponse)
            outcome = Outcome(response=response, first=response)
            continue
        assert outcome is not None, "the first step streams"
        if op == "finish":
            await outcome.response.finish()
        elif op == "execute_tools":
            outputs = await outcome.response.execute_tools()
        elif op == "resume":
            content = outputs if step["with"] == "tool_outputs" else step["with"]
            override = _override(case, step)
            if override is None:
                outcome.response = await outcome.response.resume(content)
            else:
                with override:
                    outcome.response = await outcome.response.resume(content)
        elif op == "parse":
            outcome.parsed = outcome.response.parse()
        elif op == "validate":
            outcome.parsed, outcome.response = await outcome.response.validate(
                max_retries=step["max_retries"]
            )
        else:
            raise AssertionError(f"unknown step {op!r}")
    assert outcome is not None
    return outcome


# ---- plain data for comparisons ------------------------------------------------------------------

_PYDANTIC_URL = re.compile(r"https://errors\.pydantic\.dev/[0-9.]+/")


def normalise(value: Any) -> Any:
    """The pydantic version in validation-error URLs replaced by `X` (the recorded retry
    message was made with pydantic 2.12)."""
    if isinstance(value, str):
        return _PYDANTIC_URL.sub("https://errors.pydantic.dev/X/", value)
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def part_dict(part: Any) -> dict[str, Any]:
    """A content part in the fixtures' form."""
    kind = part.type
    if kind == "text":
        return {"type": "text", "text": part.text}
    if kind == "thought":
        return {"type": "thought", "thought": part.thought}
    if kind == "tool_call":
        return {"type": "tool_call", "id": part.id, "name": part.name, "args": part.args}
    if kind == "tool_output":
        return {"type": "tool_output", "id": part.id, "name": part.name, "result": part.result}
    raise AssertionError(f"unexpected content part {part!r}")


def message_dict(message: Any) -> dict[str, Any]:
    content = message.content
    parts = [content] if message.role == "system" else list(content)
    out: dict[str, Any] = {"role": message.role, "content": [part_dict(p) for p in parts]}
    if message.role == "assistant":
        out["model_id"] = message.model_id
    return out


def usage_dict(usage: Any) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "provider_tool_usage": None
        if usage.provider_tool_usage is None
        else [{"name": t.name, "call_count": t.call_count} for t in usage.provider_tool_usage],
    }


# The web-search snapshots were taken before Mirascope's `input_tokens` counted Anthropic's
# cache reads and writes and Gemini's `toolUsePromptTokenCount`; 2.8.2 counts them, and so does
# ferriscope (docs/spec.md §11.3, §11.4). The recorded wire has the numbers: prompt + the rest.
INPUT_TOKENS_2_8_2 = {
    "web_search_tool/anthropic_claude_sonnet_4_0": 17 + 16242 + 23258,
    "web_search_tool/anthropic_beta_claude_sonnet_4_0": 17 + 16392 + 24164,
    "web_search_tool/google_gemini_2_5_flash": 73 + 129,
}

# ferriscope reports the usage `response.incomplete` carries; Mirascope's snapshot has null.
USAGE_OVERRIDES: dict[str, dict[str, Any]] = {
    "max_tokens/openai_gpt_4o_responses": {
        "input_tokens": 14,
        "output_tokens": 50,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "reasoning_tokens": 0,
        "provider_tool_usage": None,
    }
}


def expected_usage(case: Case) -> dict[str, Any] | None:
    if case.name in USAGE_OVERRIDES:
        return USAGE_OVERRIDES[case.name]
    usage = case.expected["usage"]
    if usage is None:
        return None
    expected = {k: v for k, v in usage.items() if k != "total_tokens"}
    if case.name in INPUT_TOKENS_2_8_2:
        expected["input_tokens"] = INPUT_TOKENS_2_8_2[case.name]
    return expected


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


COMPARED_HEADERS = ("content-type", "anthropic-version", "anthropic-beta")


def lookup(value: Any, dotted: str) -> Any:
    """`lookup(book, "author.first_name")` on a model or a dict."""
    for key in dotted.split("."):
        value = value[key] if isinstance(value, dict) else getattr(value, key)
    return value


def expected_parsed(case: Case) -> Any:
    """What `parse()` must return: `expected.parsed` is the JSON object of the final text,
    validated by the case's model (extra keys ignored, as pydantic does), or the wrapper
    object `{"output": ...}` of a primitive format."""
    recorded = case.expected["parsed"]
    model = format_model(case)
    if model is None:
        return recorded["output"]
    return model.model_validate(recorded)


# provider_api → (header, value) carrying the API key given at registration
AUTH_HEADERS: dict[str, tuple[str, str]] = {
    "openai-completions": ("authorization", "Bearer test-key"),
    "openai-responses": ("authorization", "Bearer test-key"),
    "anthropic": ("x-api-key", "test-key"),
    "anthropic-beta": ("x-api-key", "test-key"),
    "google": ("x-goog-api-key", "test-key"),
}

"""Provider resolution (docs/spec.md §2.5): registration, longest prefix, auto-registration."""

from __future__ import annotations

import httpx
import pytest

from ferriscope import llm
from ferriscope.llm.providers.router import MirascopeProvider

KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "MIRASCOPE_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_BASE_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)


def test_model_id_needs_a_scope() -> None:
    with pytest.raises(ValueError, match="provider/model-name"):
        llm.Model("gpt-4o")


def test_missing_key_and_unknown_prefix_raise_from_stream() -> None:
    with pytest.raises(llm.MissingAPIKeyError) as info:
        llm.Model("anthropic/claude-sonnet-4-5").stream("hi")
    assert info.value.env_var == "ANTHROPIC_API_KEY"
    with pytest.raises(llm.NoRegisteredProviderError):
        llm.Model("nowhere/model").stream("hi")


def test_auto_registration_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "g-key")
    provider = llm.Model("google/gemini-2.5-flash").provider
    assert provider.id == "google" and provider.api_key == "g-key"
    monkeypatch.setenv("MIRASCOPE_API_KEY", "m-key")
    routed = llm.Model("anthropic/claude-sonnet-4-5").provider
    assert isinstance(routed, MirascopeProvider)
    response = llm.Model("anthropic/claude-sonnet-4-5").stream("hi")
    assert response.provider_id == "anthropic"


def test_ollama_needs_no_key_and_keeps_its_tag() -> None:
    response = llm.Model("ollama/deepseek-r1:1.5b").stream("hi")
    assert response.provider_id == "ollama"
    assert response.provider_model_name.startswith("deepseek-r1:1.5b")


def test_longest_registered_prefix_wins() -> None:
    general = llm.register_provider("openai:completions", scope="vllm/", api_key="a")
    special = llm.register_provider(
        "openai:completions", scope="vllm/meta-llama/", api_key="b", base_url="http://x/v1"
    )
    assert llm.Model("vllm/meta-llama/Llama-3.2-1B-Instruct").provider is special
    assert llm.Model("vllm/other").provider is general
    assert general is not special


def test_registration_is_cached_per_configuration() -> None:
    one = llm.register_provider("anthropic", api_key="k")
    two = llm.register_provider("anthropic", scope="claude/", api_key="k")
    three = llm.register_provider("anthropic", api_key="other")
    assert one is two and one is not three
    with pytest.raises(ValueError, match="Unknown provider"):
        llm.register_provider("nope")


def test_http_settings_reach_the_transport() -> None:
    client = httpx.Client()
    provider = llm.register_provider(
        "openai",
        api_key="k",
        max_retries=0,
        timeout=httpx.Timeout(5, read=1),
        limits=httpx.Limits(max_connections=3),
        http_client=client,
    )
    assert provider.transport.max_retries == 0
    assert provider.transport.timeout.read == 1
    assert provider.transport.client is client
    client.close()


def test_request_is_lazy_until_the_first_pull() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(401, json={"error": {"message": "bad key"}})

    llm.register_provider(
        "openai",
        api_key="k",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    response = llm.Model("openai/gpt-4o:completions").stream("hi")
    assert calls == []
    with pytest.raises(llm.AuthenticationError, match="bad key") as info:
        response.finish()
    assert info.value.status_code == 401 and len(calls) == 1
    assert "k" not in str(info.value).split()

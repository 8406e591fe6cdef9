"""The OpenAI-compatible provider presets Mirascope 2.8.2 ships: their endpoints, keys and
model-id prefixes, and a streamed call through each over the loopback replay server."""

from __future__ import annotations

import pytest

from ferriscope import llm
from ferriscope.llm.providers.openai.model_info import ModelFeatures
from ferriscope.testing.pytest_plugin import TEST_API_KEY, FerriscopeReplay
from ferriscope.testing.synth import Reply

# (provider id, class name, default base URL, key variable, auto-registered prefix), as in
# Mirascope 2.8.2's `llm.providers` (its provider classes and DEFAULT_AUTO_REGISTER_SCOPES).
PRESETS = [
    ("api-route", "APIRouteProvider", "https://global.api-route.com/v1", "API_ROUTE_API_KEY"),
    ("atlascloud", "AtlasCloudProvider", "https://api.atlascloud.ai/v1", "ATLASCLOUD_API_KEY"),
    (
        "cheaperinference",
        "CheaperInferenceProvider",
        "https://api.cheaperinference.com/v1",
        "CHEAPER_INFERENCE_API_KEY",
    ),
    ("minimax", "MiniMaxProvider", "https://api.minimax.io/v1", "MINIMAX_API_KEY"),
    ("requesty", "RequestyProvider", "https://router.requesty.ai/v1", "REQUESTY_API_KEY"),
]

# model id → the `model` field the service is sent: only the preset's own prefix goes.
WIRE_NAMES = {
    "api-route": ("api-route/claude-sonnet-4-6", "claude-sonnet-4-6"),
    "atlascloud": ("atlascloud/deepseek-ai/deepseek-v4-flash", "deepseek-ai/deepseek-v4-flash"),
    "cheaperinference": ("cheaperinference/gpt-5.4-mini", "gpt-5.4-mini"),
    "minimax": ("minimax/MiniMax-M3", "MiniMax-M3"),
    "requesty": ("requesty/openai/gpt-4o-mini", "openai/gpt-4o-mini"),
}

ENV_VARS = [env for *_, env in PRESETS]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ENV_VARS:
        monkeypatch.delenv(env, raising=False)


@pytest.mark.parametrize(("provider_id", "class_name", "base_url", "env"), PRESETS)
def test_preset_endpoint_key_and_class(
    provider_id: str, class_name: str, base_url: str, env: str
) -> None:
    cls = getattr(llm.providers, class_name)
    assert cls.id == provider_id
    assert cls.default_base_url == base_url
    assert cls.api_key_env == env
    assert provider_id in llm.providers.KNOWN_PROVIDER_IDS
    # A hosted service without a key would fail every request, so construction says so, in
    # Mirascope's words.
    with pytest.raises(ValueError, match=f"API key is required. Set the {env} environment"):
        llm.register_provider(provider_id)


@pytest.mark.parametrize(("provider_id", "class_name", "base_url", "env"), PRESETS)
def test_prefix_auto_registers_from_the_key_variable(
    provider_id: str, class_name: str, base_url: str, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_id, _ = WIRE_NAMES[provider_id]
    with pytest.raises(llm.MissingAPIKeyError) as info:
        llm.Model(model_id).stream("hi")
    assert info.value.env_var == env
    assert str(info.value).startswith(f"No API key found for {provider_id}.")
    monkeypatch.setenv(env, "from-env")
    provider = llm.Model(model_id).provider
    assert type(provider).__name__ == class_name
    assert (provider.api_key, provider.base_url) == ("from-env", base_url)


@pytest.mark.parametrize("provider_id", [p for p, *_ in PRESETS])
def test_streams_over_the_wire_with_the_prefix_removed(
    provider_id: str, ferriscope_replay: FerriscopeReplay
) -> None:
    model_id, wire = WIRE_NAMES[provider_id]
    ferriscope_replay.use(provider_id, model_scope=f"{provider_id}/")
    ferriscope_replay.add(Reply(text=["Hello", " there"]))
    response = llm.Model(model_id).stream("Say hello.")
    assert list(response.text_stream()) == ["Hello", " there", "\n"]  # deltas, then sep
    assert response.provider_id == provider_id
    assert response.provider_model_name == wire
    (request,) = ferriscope_replay.requests
    assert request.path == "/v1/chat/completions"
    assert request.json()["model"] == wire
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["authorization"] == f"Bearer {TEST_API_KEY}"


def test_vendor_routers_keep_openai_features_for_openai_models() -> None:
    for provider_id in ("atlascloud", "requesty"):
        provider = llm.register_provider(provider_id, api_key="k")
        target = provider.target(f"{provider_id}/openai/gpt-4o")  # type: ignore[attr-defined]
        assert target.wire_model == "openai/gpt-4o"
        assert target.features == ModelFeatures.of("gpt-4o")
        other = provider.target(f"{provider_id}/deepseek-ai/deepseek-v4")  # type: ignore[attr-defined]
        assert other.features == ModelFeatures()
    # Registered for an existing scope, the whole id is the service's model name.
    routed = llm.register_provider("requesty", scope="openai/", api_key="k")
    assert llm.Model("openai/gpt-4o").provider is routed
    assert routed.target("openai/gpt-4o").wire_model == "openai/gpt-4o"  # type: ignore[attr-defined]


def test_bare_name_services_keep_openai_features_for_openai_names() -> None:
    for provider_id in ("cheaperinference", "api-route"):
        provider = llm.register_provider(provider_id, api_key="k")
        target = provider.target(f"{provider_id}/gpt-5-mini")  # type: ignore[attr-defined]
        assert (target.wire_model, target.features) == (
            "gpt-5-mini",
            ModelFeatures.of("gpt-5-mini"),
        )
        other = provider.target(f"{provider_id}/claude-sonnet-4-6")  # type: ignore[attr-defined]
        assert other.features == ModelFeatures()


def test_mirascope_import_paths() -> None:
    from ferriscope.llm.providers.api_route import APIRouteProvider
    from ferriscope.llm.providers.atlascloud import AtlasCloudProvider
    from ferriscope.llm.providers.cheaperinference import CheaperInferenceProvider
    from ferriscope.llm.providers.minimax import MiniMaxModelId, MiniMaxProvider
    from ferriscope.llm.providers.requesty import RequestyProvider

    assert [c.id for c in (APIRouteProvider, AtlasCloudProvider, CheaperInferenceProvider)] == [
        "api-route",
        "atlascloud",
        "cheaperinference",
    ]
    assert (MiniMaxProvider.default_scope, RequestyProvider.default_scope) == ("minimax/", [])
    assert MiniMaxModelId is str


def test_mirascope_router_names_its_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIRASCOPE_ROUTER_BASE_URL", raising=False)
    monkeypatch.delenv("MIRASCOPE_API_KEY", raising=False)
    with pytest.raises(ValueError, match="Mirascope API key not found"):
        llm.providers.MirascopeProvider()
    router = llm.providers.MirascopeProvider(api_key="m")
    assert router.router_base_url == "https://mirascope.com/router/v2"
    monkeypatch.setenv("MIRASCOPE_ROUTER_BASE_URL", "http://127.0.0.1:9/router")
    assert llm.providers.MirascopeProvider(api_key="m").router_base_url == (
        "http://127.0.0.1:9/router"
    )


def test_mlx_names_import_but_using_them_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    from ferriscope.llm.providers.mlx import MLXModelId, MLXProvider

    assert MLXModelId is str and llm.providers.MLXProvider is MLXProvider
    with pytest.raises(llm.FeatureNotSupportedError, match="mlx-lm on Apple silicon"):
        MLXProvider()
    with pytest.raises(llm.FeatureNotSupportedError, match="OpenAI-compatible server"):
        llm.Model("mlx-community/Qwen3-0.6B-4bit").stream("hi")

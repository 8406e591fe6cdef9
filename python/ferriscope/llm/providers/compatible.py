"""Hosted and local servers that speak OpenAI's Chat Completions API (docs/spec.md §2.5, §11.1).

They share OpenAI's encoder and wire format; what differs is the endpoint, whether a key is
required, and how a model id names the server's model. Nothing is known about their models'
capabilities, so formats default to the format tool and sampling params are sent as given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ferriscope.llm.providers.openai.completions import CompletionsProvider
from ferriscope.llm.providers.openai.model_id import wire_model_name
from ferriscope.llm.providers.openai.model_info import ModelFeatures
from ferriscope.llm.providers.openai.target import Target, compatible_target
from ferriscope.llm.providers.transport import DEFAULT_STREAM_IDLE_TIMEOUT

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIRouteProvider",
    "AtlasCloudProvider",
    "CheaperInferenceProvider",
    "MiniMaxProvider",
    "OllamaProvider",
    "OpenRouterProvider",
    "RequestyProvider",
    "TogetherProvider",
    "XAIProvider",
]

# Bare OpenAI model names (`gpt-5-mini`, `o3`): services that take them keep OpenAI's features.
_OPENAI_NAME_PREFIXES = ("gpt-", "o1", "o3", "o4")


def _after_scope(model_id: str) -> str:
    return model_id.split("/", 1)[1] if "/" in model_id else model_id


class OllamaProvider(CompletionsProvider):
    """A local Ollama server (`/v1`, no key needed). Model tags stay part of the name:
    `ollama/deepseek-r1:1.5b` asks for `deepseek-r1:1.5b`."""

    id: ClassVar[str] = "ollama"
    default_scope: ClassVar[str | list[str]] = "ollama/"
    default_base_url: ClassVar[str] = "http://localhost:11434/v1/"
    api_key_env: ClassVar[str | None] = "OLLAMA_API_KEY"
    base_url_env: ClassVar[str | None] = "OLLAMA_BASE_URL"
    requires_api_key: ClassVar[bool] = False

    def bearer_token(self) -> str:
        # Ollama ignores the key, but OpenAI-style clients always send one.
        return self.api_key or "ollama"

    def target(self, model_id: str) -> Target:
        return compatible_target(self.id, model_id, _after_scope(model_id))


class _KeyedProvider(CompletionsProvider):
    """A hosted service: without a key every request would fail, so registering one does."""

    display_name: ClassVar[str]

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout: float | httpx.Timeout | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        http: str | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
            limits=limits,
            http_client=http_client,
            async_http_client=async_http_client,
            stream_idle_timeout=stream_idle_timeout,
            http=http,
        )
        if not self.api_key:
            raise ValueError(
                f"{self.display_name} API key is required. Set the {self.api_key_env} "
                "environment variable or pass the api_key parameter to register_provider()."
            )

    def bearer_token(self) -> str:
        return self.api_key or ""


class TogetherProvider(_KeyedProvider):
    """Together AI. Register it for the scopes to route, e.g. `"meta-llama/"`: the model id
    is sent whole (`meta-llama/Llama-3.3-70B-Instruct-Turbo`), minus a `together/` prefix."""

    id: ClassVar[str] = "together"
    default_scope: ClassVar[str | list[str]] = []
    default_base_url: ClassVar[str] = "https://api.together.xyz/v1"
    api_key_env: ClassVar[str | None] = "TOGETHER_API_KEY"
    display_name: ClassVar[str] = "Together"

    def target(self, model_id: str) -> Target:
        return compatible_target(self.id, model_id, model_id.removeprefix("together/"))


class OpenRouterProvider(_KeyedProvider):
    """OpenRouter. `openrouter/openai/gpt-4o` asks for `openai/gpt-4o`; registered for
    `"openai/"`, `openai/gpt-4o` is sent as is. OpenAI models keep OpenAI's known features."""

    id: ClassVar[str] = "openrouter"
    default_scope: ClassVar[str | list[str]] = []
    default_base_url: ClassVar[str] = "https://openrouter.ai/api/v1"
    api_key_env: ClassVar[str | None] = "OPENROUTER_API_KEY"
    display_name: ClassVar[str] = "OpenRouter"

    def target(self, model_id: str) -> Target:
        wire = model_id.removeprefix("openrouter/")
        features = ModelFeatures.of(wire_model_name(wire)) if wire.startswith("openai/") else None
        return compatible_target(self.id, model_id, wire, features)


class XAIProvider(_KeyedProvider):
    """xAI's Grok models: `xai/grok-4` asks for `grok-4`."""

    id: ClassVar[str] = "xai"
    default_scope: ClassVar[str | list[str]] = "xai/"
    default_base_url: ClassVar[str] = "https://api.x.ai/v1"
    api_key_env: ClassVar[str | None] = "XAI_API_KEY"
    display_name: ClassVar[str] = "xAI"

    def target(self, model_id: str) -> Target:
        return compatible_target(self.id, model_id, _after_scope(model_id))


def _vendor_prefixed_target(provider_id: str, model_id: str) -> Target:
    """A router whose model names carry the vendor (`openai/gpt-4o`): the id is sent without
    the router's own prefix, and OpenAI models keep OpenAI's known features."""
    wire = model_id.removeprefix(f"{provider_id}/")
    features = ModelFeatures.of(wire_model_name(wire)) if wire.startswith("openai/") else None
    return compatible_target(provider_id, model_id, wire, features)


def _bare_name_target(provider_id: str, model_id: str) -> Target:
    """A service whose model names carry no vendor (`gpt-5.4-mini`, `claude-sonnet-4-6`): the
    id is sent without the service's prefix; bare OpenAI names keep OpenAI's features."""
    wire = model_id.removeprefix(f"{provider_id}/")
    features = ModelFeatures.of(wire) if wire.startswith(_OPENAI_NAME_PREFIXES) else None
    return compatible_target(provider_id, model_id, wire, features)


class AtlasCloudProvider(_KeyedProvider):
    """Atlas Cloud's router: `atlascloud/deepseek-ai/deepseek-v4-flash` asks for
    `deepseek-ai/deepseek-v4-flash`; registered for `"openai/"`, `openai/gpt-4.1-mini` is sent
    as is."""

    id: ClassVar[str] = "atlascloud"
    default_scope: ClassVar[str | list[str]] = []
    default_base_url: ClassVar[str] = "https://api.atlascloud.ai/v1"
    api_key_env: ClassVar[str | None] = "ATLASCLOUD_API_KEY"
    display_name: ClassVar[str] = "Atlas Cloud"

    def target(self, model_id: str) -> Target:
        return _vendor_prefixed_target(self.id, model_id)


class RequestyProvider(_KeyedProvider):
    """Requesty's router: `requesty/openai/gpt-4o-mini` asks for `openai/gpt-4o-mini`. For the
    EU region pass `base_url="https://router.eu.requesty.ai/v1"`."""

    id: ClassVar[str] = "requesty"
    default_scope: ClassVar[str | list[str]] = []
    default_base_url: ClassVar[str] = "https://router.requesty.ai/v1"
    api_key_env: ClassVar[str | None] = "REQUESTY_API_KEY"
    display_name: ClassVar[str] = "Requesty"

    def target(self, model_id: str) -> Target:
        return _vendor_prefixed_target(self.id, model_id)


class CheaperInferenceProvider(_KeyedProvider):
    """Cheaper Inference: `cheaperinference/gpt-5.4-mini` asks for `gpt-5.4-mini`."""

    id: ClassVar[str] = "cheaperinference"
    default_scope: ClassVar[str | list[str]] = []
    default_base_url: ClassVar[str] = "https://api.cheaperinference.com/v1"
    api_key_env: ClassVar[str | None] = "CHEAPER_INFERENCE_API_KEY"
    display_name: ClassVar[str] = "Cheaper Inference"

    def target(self, model_id: str) -> Target:
        return _bare_name_target(self.id, model_id)


class APIRouteProvider(_KeyedProvider):
    """API Route: `api-route/claude-sonnet-4-6` asks for `claude-sonnet-4-6` (only the routing
    prefix is removed)."""

    id: ClassVar[str] = "api-route"
    default_scope: ClassVar[str | list[str]] = []
    default_base_url: ClassVar[str] = "https://global.api-route.com/v1"
    api_key_env: ClassVar[str | None] = "API_ROUTE_API_KEY"
    display_name: ClassVar[str] = "API Route"

    def target(self, model_id: str) -> Target:
        return _bare_name_target(self.id, model_id)


class MiniMaxProvider(_KeyedProvider):
    """MiniMax: `minimax/MiniMax-M3` asks for `MiniMax-M3`."""

    id: ClassVar[str] = "minimax"
    default_scope: ClassVar[str | list[str]] = "minimax/"
    default_base_url: ClassVar[str] = "https://api.minimax.io/v1"
    api_key_env: ClassVar[str | None] = "MINIMAX_API_KEY"
    display_name: ClassVar[str] = "MiniMax"

    def target(self, model_id: str) -> Target:
        return compatible_target(self.id, model_id, model_id.removeprefix("minimax/"))

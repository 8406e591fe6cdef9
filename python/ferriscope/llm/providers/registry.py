"""Which provider serves a model id: registered scopes, longest prefix first, then
auto-registration from environment variables (docs/spec.md §2.5)."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ferriscope._lazy import lazy_module
from ferriscope.llm.exceptions import MissingAPIKeyError, NoRegisteredProviderError
from ferriscope.llm.providers.base import BaseProvider

if TYPE_CHECKING:
    import httpx

    from ferriscope.llm.providers.transport import via_httpx
else:  # the httpx path only when a client is given (docs/architecture.md, "Lazy loading")
    via_httpx = lazy_module("ferriscope.llm.providers.transport.via_httpx")

__all__ = [
    "PROVIDER_REGISTRY",
    "get_provider_for_model",
    "provider_class",
    "register_provider",
    "reset_provider_registry",
]

PROVIDER_REGISTRY: dict[str, BaseProvider] = {}

# provider id → "module:Class", imported on first use so an unused provider costs nothing.
_PROVIDER_CLASSES: dict[str, str] = {
    "openai": "ferriscope.llm.providers.openai.provider:OpenAIProvider",
    "openai:completions": "ferriscope.llm.providers.openai.completions:OpenAICompletionsProvider",
    "openai:responses": "ferriscope.llm.providers.openai.responses:OpenAIResponsesProvider",
    "anthropic": "ferriscope.llm.providers.anthropic.provider:AnthropicProvider",
    "anthropic-beta": "ferriscope.llm.providers.anthropic.provider:AnthropicBetaProvider",
    "google": "ferriscope.llm.providers.google.provider:GoogleProvider",
    "ollama": "ferriscope.llm.providers.compatible:OllamaProvider",
    "together": "ferriscope.llm.providers.compatible:TogetherProvider",
    "openrouter": "ferriscope.llm.providers.compatible:OpenRouterProvider",
    "xai": "ferriscope.llm.providers.compatible:XAIProvider",
    "atlascloud": "ferriscope.llm.providers.compatible:AtlasCloudProvider",
    "requesty": "ferriscope.llm.providers.compatible:RequestyProvider",
    "cheaperinference": "ferriscope.llm.providers.compatible:CheaperInferenceProvider",
    "api-route": "ferriscope.llm.providers.compatible:APIRouteProvider",
    "minimax": "ferriscope.llm.providers.compatible:MiniMaxProvider",
    "mirascope": "ferriscope.llm.providers.router:MirascopeProvider",
    "mlx": "ferriscope.llm.providers.mlx:MLXProvider",
}


@dataclass(frozen=True)
class _AutoDefault:
    provider_id: str
    env_vars: tuple[str, ...]  # any one of them set enables it; () = no key needed


_AUTO_REGISTER: dict[str, tuple[_AutoDefault, ...]] = {
    "openai/": (
        _AutoDefault("openai", ("OPENAI_API_KEY",)),
        _AutoDefault("mirascope", ("MIRASCOPE_API_KEY",)),
    ),
    "anthropic/": (
        _AutoDefault("anthropic", ("ANTHROPIC_API_KEY",)),
        _AutoDefault("mirascope", ("MIRASCOPE_API_KEY",)),
    ),
    "google/": (
        _AutoDefault("google", ("GOOGLE_API_KEY", "GEMINI_API_KEY")),
        _AutoDefault("mirascope", ("MIRASCOPE_API_KEY",)),
    ),
    "ollama/": (_AutoDefault("ollama", ()),),
    "together/": (_AutoDefault("together", ("TOGETHER_API_KEY",)),),
    "openrouter/": (_AutoDefault("openrouter", ("OPENROUTER_API_KEY",)),),
    "xai/": (_AutoDefault("xai", ("XAI_API_KEY",)),),
    "api-route/": (_AutoDefault("api-route", ("API_ROUTE_API_KEY",)),),
    "minimax/": (_AutoDefault("minimax", ("MINIMAX_API_KEY",)),),
    "atlascloud/": (_AutoDefault("atlascloud", ("ATLASCLOUD_API_KEY",)),),
    "requesty/": (_AutoDefault("requesty", ("REQUESTY_API_KEY",)),),
    "cheaperinference/": (_AutoDefault("cheaperinference", ("CHEAPER_INFERENCE_API_KEY",)),),
    "mlx-community/": (_AutoDefault("mlx", ()),),
}

_SINGLETONS: dict[tuple[Any, ...], BaseProvider] = {}


def provider_class(provider_id: str) -> type[BaseProvider]:
    target = _PROVIDER_CLASSES.get(provider_id)
    if target is None:
        known = ", ".join(sorted(_PROVIDER_CLASSES))
        raise ValueError(f"Unknown provider: {provider_id!r} (known providers: {known})")
    module_name, _, class_name = target.partition(":")
    cls: type[BaseProvider] = getattr(importlib.import_module(module_name), class_name)
    return cls


def _config_key(value: Any) -> Any:
    # Clients (httpx or httpx2) are keyed by identity; everything else by value. Plain values
    # (keys, URLs, numbers) are never clients: the httpx path is not loaded to ask.
    if isinstance(value, (str, int, float, type(None))):
        return repr(value)
    client = via_httpx.is_http_client(value, asynchronous=False) or via_httpx.is_http_client(
        value, asynchronous=True
    )
    return id(value) if client else repr(value)


def _singleton(provider_id: str, **config: Any) -> BaseProvider:
    key = (provider_id, *sorted((k, _config_key(v)) for k, v in config.items()))
    provider = _SINGLETONS.get(key)
    if provider is None:
        provider = provider_class(provider_id)(**config)
        _SINGLETONS[key] = provider
    return provider


def register_provider(
    provider: str | BaseProvider,
    scope: str | list[str] | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int | None = None,
    timeout: float | httpx.Timeout | None = None,
    limits: httpx.Limits | None = None,
    http_client: httpx.Client | None = None,
    async_http_client: httpx.AsyncClient | None = None,
    stream_idle_timeout: float | None = None,
    http: str | None = None,
) -> BaseProvider:
    """Routes model ids starting with `scope` (default: the provider's own scopes) to a
    provider, given as an id (instances are cached per configuration) or an instance."""
    if isinstance(provider, str):
        config: dict[str, Any] = {"api_key": api_key, "base_url": base_url}
        extras = {
            "max_retries": max_retries,
            "timeout": timeout,
            "limits": limits,
            "http_client": http_client,
            "async_http_client": async_http_client,
            "stream_idle_timeout": stream_idle_timeout,
            "http": http,
        }
        config.update({k: v for k, v in extras.items() if v is not None})
        instance = _singleton(provider, **config)
    else:
        instance = provider
    scopes = instance.default_scope if scope is None else scope
    for s in [scopes] if isinstance(scopes, str) else scopes:
        PROVIDER_REGISTRY[s] = instance
    return instance


def reset_provider_registry() -> None:
    """Forgets every registration and cached provider instance."""
    PROVIDER_REGISTRY.clear()
    _SINGLETONS.clear()


def _longest_scope(model_id: str) -> str | None:
    best: str | None = None
    for scope in PROVIDER_REGISTRY:
        if model_id.startswith(scope) and (best is None or len(scope) > len(best)):
            best = scope
    return best


def _auto_register(model_id: str) -> BaseProvider | None:
    for prefix, defaults in _AUTO_REGISTER.items():
        if not model_id.startswith(prefix):
            continue
        for default in defaults:
            if not default.env_vars or any(os.environ.get(v) for v in default.env_vars):
                if default.provider_id == "mirascope":
                    provider = _singleton("mirascope", scope=prefix.rstrip("/"))
                else:
                    provider = _singleton(default.provider_id)
                PROVIDER_REGISTRY[prefix] = provider
                return provider
        first = defaults[0]
        raise MissingAPIKeyError(
            first.provider_id,
            first.env_vars[0],
            has_mirascope_fallback=any(d.provider_id == "mirascope" for d in defaults),
        )
    return None


def get_provider_for_model(model_id: str) -> BaseProvider:
    """The provider that serves `model_id`; raises NoRegisteredProviderError or
    MissingAPIKeyError when there is none."""
    scope = _longest_scope(model_id)
    if scope is not None:
        return PROVIDER_REGISTRY[scope]
    provider = _auto_register(model_id)
    if provider is None:
        raise NoRegisteredProviderError(model_id)
    return provider

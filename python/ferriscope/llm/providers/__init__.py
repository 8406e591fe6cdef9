"""Providers: request encoding per API, the shared HTTP transport, and the registry.

Provider classes are imported lazily (`llm.providers.AnthropicProvider` loads only the
Anthropic encoder), so an unused provider costs nothing at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from ferriscope.llm.providers.base import BaseProvider, Encoded, Provider
from ferriscope.llm.providers.mlx import MLXModelId
from ferriscope.llm.providers.model_ids import (
    KNOWN_PROVIDER_IDS,
    AnthropicModelId,
    GoogleModelId,
    MiniMaxModelId,
    OpenAIModelId,
    XAIModelId,
)
from ferriscope.llm.providers.registry import (
    get_provider_for_model,
    register_provider,
    reset_provider_registry,
)

if TYPE_CHECKING:
    from ferriscope.llm.providers.anthropic import AnthropicBetaProvider, AnthropicProvider
    from ferriscope.llm.providers.compatible import (
        APIRouteProvider,
        AtlasCloudProvider,
        CheaperInferenceProvider,
        MiniMaxProvider,
        OllamaProvider,
        OpenRouterProvider,
        RequestyProvider,
        TogetherProvider,
        XAIProvider,
    )
    from ferriscope.llm.providers.google import GoogleProvider
    from ferriscope.llm.providers.mlx import MLXProvider
    from ferriscope.llm.providers.openai import BaseOpenAICompletionsProvider, OpenAIProvider
    from ferriscope.llm.providers.router import MirascopeProvider

ModelId: TypeAlias = str
ProviderId: TypeAlias = str

_COMPATIBLE = "ferriscope.llm.providers.compatible"
_LAZY = {
    "AnthropicProvider": "ferriscope.llm.providers.anthropic",
    "AnthropicBetaProvider": "ferriscope.llm.providers.anthropic",
    "GoogleProvider": "ferriscope.llm.providers.google",
    "OpenAIProvider": "ferriscope.llm.providers.openai",
    "BaseOpenAICompletionsProvider": "ferriscope.llm.providers.openai",
    "MirascopeProvider": "ferriscope.llm.providers.router",
    "MLXProvider": "ferriscope.llm.providers.mlx",
    "APIRouteProvider": _COMPATIBLE,
    "AtlasCloudProvider": _COMPATIBLE,
    "CheaperInferenceProvider": _COMPATIBLE,
    "MiniMaxProvider": _COMPATIBLE,
    "OllamaProvider": _COMPATIBLE,
    "OpenRouterProvider": _COMPATIBLE,
    "RequestyProvider": _COMPATIBLE,
    "TogetherProvider": _COMPATIBLE,
    "XAIProvider": _COMPATIBLE,
}

__all__ = [
    "KNOWN_PROVIDER_IDS",
    "APIRouteProvider",
    "AnthropicBetaProvider",
    "AnthropicModelId",
    "AnthropicProvider",
    "AtlasCloudProvider",
    "BaseOpenAICompletionsProvider",
    "BaseProvider",
    "CheaperInferenceProvider",
    "Encoded",
    "GoogleModelId",
    "GoogleProvider",
    "MLXModelId",
    "MLXProvider",
    "MiniMaxModelId",
    "MiniMaxProvider",
    "MirascopeProvider",
    "ModelId",
    "OllamaProvider",
    "OpenAIModelId",
    "OpenAIProvider",
    "OpenRouterProvider",
    "Provider",
    "ProviderId",
    "RequestyProvider",
    "TogetherProvider",
    "XAIModelId",
    "XAIProvider",
    "get_provider_for_model",
    "register_provider",
    "reset_provider_registry",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""Providers: request encoding per API, the shared HTTP transport, and the registry.

Provider classes are imported lazily (`llm.providers.AnthropicProvider` loads only the
Anthropic encoder), so an unused provider costs nothing at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from ferriscope.llm.providers.base import BaseProvider, Encoded, Provider
from ferriscope.llm.providers.registry import (
    get_provider_for_model,
    register_provider,
    reset_provider_registry,
)

if TYPE_CHECKING:
    from ferriscope.llm.providers.anthropic import AnthropicBetaProvider, AnthropicProvider
    from ferriscope.llm.providers.compatible import (
        OllamaProvider,
        OpenRouterProvider,
        TogetherProvider,
        XAIProvider,
    )
    from ferriscope.llm.providers.google import GoogleProvider
    from ferriscope.llm.providers.openai import OpenAIProvider

ModelId: TypeAlias = str
ProviderId: TypeAlias = str

_LAZY = {
    "AnthropicProvider": "ferriscope.llm.providers.anthropic",
    "AnthropicBetaProvider": "ferriscope.llm.providers.anthropic",
    "GoogleProvider": "ferriscope.llm.providers.google",
    "OpenAIProvider": "ferriscope.llm.providers.openai",
    "OllamaProvider": "ferriscope.llm.providers.compatible",
    "OpenRouterProvider": "ferriscope.llm.providers.compatible",
    "TogetherProvider": "ferriscope.llm.providers.compatible",
    "XAIProvider": "ferriscope.llm.providers.compatible",
}

__all__ = [
    "AnthropicBetaProvider",
    "AnthropicProvider",
    "BaseProvider",
    "Encoded",
    "GoogleProvider",
    "ModelId",
    "OllamaProvider",
    "OpenAIProvider",
    "OpenRouterProvider",
    "Provider",
    "ProviderId",
    "TogetherProvider",
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

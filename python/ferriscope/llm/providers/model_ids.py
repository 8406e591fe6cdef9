"""Per-provider model id types, named as in Mirascope.

Mirascope spells each as a `Literal` of the models it knows, unioned with `str`; that union is
`str` to a type checker, and ferriscope routes any id (its model facts live with each
encoder), so each is `str` here, kept under Mirascope's name for code that annotates with it.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

__all__ = [
    "KNOWN_PROVIDER_IDS",
    "AnthropicModelId",
    "GoogleModelId",
    "KnownProviderId",
    "MiniMaxModelId",
    "OpenAIModelId",
    "XAIModelId",
]

OpenAIModelId: TypeAlias = str
"""An `openai/...` model id, optionally pinned to an API with `:completions`/`:responses`."""
AnthropicModelId: TypeAlias = str
"""An `anthropic/...` model id."""
GoogleModelId: TypeAlias = str
"""A `google/...` model id."""
XAIModelId: TypeAlias = str
"""An `xai/...` model id."""
MiniMaxModelId: TypeAlias = str
"""A `minimax/...` model id."""

KnownProviderId: TypeAlias = Literal[
    "anthropic",
    "anthropic-beta",
    "api-route",
    "atlascloud",
    "cheaperinference",
    "google",
    "minimax",
    "mirascope",
    "mlx",
    "ollama",
    "openai",
    "openrouter",
    "requesty",
    "together",
    "xai",
]
"""The provider ids `llm.register_provider` knows by name (besides `openai:completions` and
`openai:responses`), as in Mirascope 2.8.2."""

KNOWN_PROVIDER_IDS: tuple[str, ...] = get_args(KnownProviderId)

"""OpenAI: the routing `OpenAIProvider` and the two single-API providers (docs/spec.md §2.5)."""

from ferriscope.llm.providers.model_ids import OpenAIModelId
from ferriscope.llm.providers.openai.completions import (
    BaseOpenAICompletionsProvider,
    OpenAICompletionsProvider,
)
from ferriscope.llm.providers.openai.provider import OpenAIProvider
from ferriscope.llm.providers.openai.responses import OpenAIResponsesProvider

__all__ = [
    "BaseOpenAICompletionsProvider",
    "OpenAICompletionsProvider",
    "OpenAIModelId",
    "OpenAIProvider",
    "OpenAIResponsesProvider",
]

"""Google Gemini (Generative Language API, `streamGenerateContent?alt=sse`)."""

from ferriscope.llm.providers.google.provider import GoogleProvider
from ferriscope.llm.providers.model_ids import GoogleModelId

__all__ = ["GoogleModelId", "GoogleProvider"]

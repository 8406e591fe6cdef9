"""Google Gemini (Generative Language API, `streamGenerateContent?alt=sse`)."""

from ferriscope.llm.providers.google.provider import GoogleProvider

__all__ = ["GoogleProvider"]

"""Type variables over the response kinds, under Mirascope's names."""

from __future__ import annotations

from typing import Any, TypeVar

from ferriscope.llm.responses.base_stream_response import BaseStreamResponse
from ferriscope.llm.responses.response import RootResponse

__all__ = ["ResponseT", "StreamResponseT"]

ResponseT = TypeVar("ResponseT", bound=RootResponse[Any, Any])
"""Any finished response (`Response`, `AsyncResponse` and their context variants)."""

StreamResponseT = TypeVar("StreamResponseT", bound=BaseStreamResponse[Any])
"""Any stream response (`StreamResponse`, `AsyncStreamResponse` and their context variants)."""

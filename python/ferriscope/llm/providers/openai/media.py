"""Images and documents as both OpenAI APIs accept them: URLs or base64 data URLs.

OpenAI reads inline media only as `data:` URLs, and files need a filename to be accepted, so
inline documents are named by kind, as the reference does (`document.pdf`, `document.txt`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ferriscope.llm.content import Document, Image

__all__ = ["InlineFile", "image_url", "inline_document"]


@dataclass(frozen=True)
class InlineFile:
    file_data: str
    filename: str


def _data_url(mime_type: str, data: str) -> str:
    return f"data:{mime_type};base64,{data}"


def image_url(image: Image) -> str:
    """The URL an image part points at: its own, or its bytes as a data URL."""
    source = image.source
    if source.type == "url_image_source":
        return source.url
    return _data_url(source.mime_type, source.data)


def inline_document(document: Document) -> InlineFile | None:
    """The document as an inline file, or None when it is only a URL."""
    source = document.source
    if source.type == "base64_document_source":
        return InlineFile(_data_url(source.media_type, source.data), "document.pdf")
    if source.type == "text_document_source":
        encoded = base64.b64encode(source.data.encode("utf-8")).decode("ascii")
        return InlineFile(_data_url(source.media_type, encoded), "document.txt")
    return None

"""Images, audio and documents in user messages, carried inline (base64) or by URL.

The type of inline data is sniffed from its leading bytes, so callers can pass raw bytes or a
file without naming a MIME type; a size cap keeps an accidental huge file out of a request.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "Audio",
    "Base64AudioSource",
    "Base64DocumentSource",
    "Base64ImageSource",
    "Document",
    "Image",
    "ImageMimeType",
    "TextDocumentSource",
    "URLDocumentSource",
    "URLImageSource",
]

ImageMimeType = Literal[
    "image/png", "image/jpeg", "image/webp", "image/gif", "image/heic", "image/heif"
]
"""The image types `Image.from_bytes` recognises (and providers accept inline)."""

MAX_IMAGE_SIZE = 20 * 1024 * 1024
MAX_AUDIO_SIZE = 25 * 1024 * 1024
MAX_DOCUMENT_SIZE = 32 * 1024 * 1024

_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_AUDIO_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"ID3", "audio/mp3"),
    (b"\xff\xfb", "audio/mp3"),
    (b"\xff\xf3", "audio/mp3"),
    (b"\xff\xf2", "audio/mp3"),
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
    # Raw AAC: ADTS frame sync with MPEG-4 (0xF1) or MPEG-2 (0xF9), no CRC.
    (b"\xff\xf1", "audio/aac"),
    (b"\xff\xf9", "audio/aac"),
)
_TEXT_SUFFIXES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".csv": "text/csv",
    ".xml": "text/xml",
    ".js": "application/javascript",
    ".json": "application/json",
    ".py": "text/x-python",
}


def _check_size(data: bytes, max_size: int, what: str) -> None:
    if len(data) > max_size:
        raise ValueError(f"{what} is {len(data)} bytes, more than the limit of {max_size}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def infer_image_type(data: bytes) -> str:
    """The MIME type of image bytes, from their signature."""
    for signature, mime in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        # ISO-BMFF brands, as Mirascope reads them: HEVC-coded HEIC, else generic HEIF.
        brand = data[8:12]
        if brand in (b"heic", b"heix"):
            return "image/heic"
        if brand in (b"mif1", b"msf1", b"hevc", b"hevx"):
            return "image/heif"
    raise ValueError(
        "unsupported or unrecognised image data (expected PNG, JPEG, GIF, WebP, HEIC, HEIF)"
    )


def infer_audio_type(data: bytes) -> str:
    """The MIME type of audio bytes, from their signature."""
    for signature, mime in _AUDIO_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[:4] == b"FORM" and data[8:12] == b"AIFF":
        return "audio/aiff"
    if data[4:8] == b"ftyp":
        return "audio/aac"  # AAC in an MP4 container (.m4a)
    raise ValueError(
        "unsupported or unrecognised audio data (expected MP3, WAV, AIFF, FLAC, OGG, AAC)"
    )


@dataclass(kw_only=True)
class Base64ImageSource:
    type: Literal["base64_image_source"] = "base64_image_source"
    data: str
    mime_type: str


@dataclass(kw_only=True)
class URLImageSource:
    type: Literal["url_image_source"] = "url_image_source"
    url: str


@dataclass(kw_only=True)
class Image:
    """An image for the model to look at."""

    type: Literal["image"] = "image"
    source: Base64ImageSource | URLImageSource

    @classmethod
    def from_url(cls, url: str) -> Image:
        """Refers to the image by URL; the provider fetches it (where it can)."""
        return cls(source=URLImageSource(url=url))

    @classmethod
    def from_bytes(cls, data: bytes, *, max_size: int = MAX_IMAGE_SIZE) -> Image:
        _check_size(data, max_size, "image")
        return cls(source=Base64ImageSource(data=_b64(data), mime_type=infer_image_type(data)))

    @classmethod
    def from_file(cls, file_path: str, *, max_size: int = MAX_IMAGE_SIZE) -> Image:
        return cls.from_bytes(Path(file_path).read_bytes(), max_size=max_size)

    @classmethod
    def download(cls, url: str, *, max_size: int = MAX_IMAGE_SIZE) -> Image:
        """Fetches the image now and carries it inline."""
        import httpx  # only when a URL is fetched: import time matters

        response = httpx.get(url, follow_redirects=True)
        response.raise_for_status()
        return cls.from_bytes(response.content, max_size=max_size)

    @classmethod
    async def download_async(cls, url: str, *, max_size: int = MAX_IMAGE_SIZE) -> Image:
        import httpx  # only when a URL is fetched: import time matters

        async with httpx.AsyncClient(follow_redirects=True) as client:
            response = await client.get(url)
        response.raise_for_status()
        return cls.from_bytes(response.content, max_size=max_size)


@dataclass(kw_only=True)
class Base64AudioSource:
    type: Literal["base64_audio_source"] = "base64_audio_source"
    data: str
    mime_type: str


@dataclass(kw_only=True)
class Audio:
    """Audio for the model to listen to (always inline)."""

    type: Literal["audio"] = "audio"
    source: Base64AudioSource

    @classmethod
    def from_bytes(cls, data: bytes, *, max_size: int = MAX_AUDIO_SIZE) -> Audio:
        _check_size(data, max_size, "audio")
        return cls(source=Base64AudioSource(data=_b64(data), mime_type=infer_audio_type(data)))

    @classmethod
    def from_file(cls, file_path: str, *, max_size: int = MAX_AUDIO_SIZE) -> Audio:
        return cls.from_bytes(Path(file_path).read_bytes(), max_size=max_size)

    @classmethod
    def download(cls, url: str, *, max_size: int = MAX_AUDIO_SIZE) -> Audio:
        import httpx  # only when a URL is fetched: import time matters

        response = httpx.get(url, follow_redirects=True)
        response.raise_for_status()
        return cls.from_bytes(response.content, max_size=max_size)

    @classmethod
    async def download_async(cls, url: str, *, max_size: int = MAX_AUDIO_SIZE) -> Audio:
        import httpx  # only when a URL is fetched: import time matters

        async with httpx.AsyncClient(follow_redirects=True) as client:
            response = await client.get(url)
        response.raise_for_status()
        return cls.from_bytes(response.content, max_size=max_size)


@dataclass(kw_only=True)
class Base64DocumentSource:
    type: Literal["base64_document_source"] = "base64_document_source"
    data: str
    media_type: str


@dataclass(kw_only=True)
class TextDocumentSource:
    type: Literal["text_document_source"] = "text_document_source"
    data: str
    media_type: str


@dataclass(kw_only=True)
class URLDocumentSource:
    type: Literal["url_document_source"] = "url_document_source"
    url: str


@dataclass(kw_only=True)
class Document:
    """A PDF or text document for the model to read."""

    type: Literal["document"] = "document"
    source: Base64DocumentSource | TextDocumentSource | URLDocumentSource

    @classmethod
    def from_url(cls, url: str, *, download: bool = False) -> Document:
        """A document the provider fetches by URL. `download` is accepted, as in Mirascope,
        and does nothing: constructors never do network I/O (fetch the bytes yourself and use
        `from_bytes` to send them inline)."""
        del download
        return cls(source=URLDocumentSource(url=url))

    @classmethod
    def from_bytes(
        cls, data: bytes, *, mime_type: str | None = None, max_size: int = MAX_DOCUMENT_SIZE
    ) -> Document:
        _check_size(data, max_size, "document")
        if mime_type is None:
            mime_type = "application/pdf" if data.startswith(b"%PDF") else None
        if mime_type is None:
            raise ValueError("cannot tell the document type: pass mime_type=")
        if mime_type == "application/pdf":
            return cls(source=Base64DocumentSource(data=_b64(data), media_type=mime_type))
        return cls(source=TextDocumentSource(data=data.decode("utf-8"), media_type=mime_type))

    @classmethod
    def from_file(
        cls, file_path: str, *, mime_type: str | None = None, max_size: int = MAX_DOCUMENT_SIZE
    ) -> Document:
        path = Path(file_path)
        if mime_type is None:
            mime_type = _TEXT_SUFFIXES.get(path.suffix.lower())
        return cls.from_bytes(path.read_bytes(), mime_type=mime_type, max_size=max_size)

"""The sources a provider cites for a web-search answer, in one shape for every API.

Mirascope 2.8.2 drops citations; ferriscope reads them from the finished turn's raw message,
where each provider already keeps them: Anthropic's text blocks carry `citations`, OpenAI
Responses' `output_text` items carry `url_citation` annotations, and Gemini's candidate
`groundingMetadata` (which the decoder keeps beside the raw turn's parts) maps spans of the
answer to search results. Reading them once the stream has ended keeps the per-chunk path free
of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Citation", "citations_in"]


@dataclass(frozen=True, kw_only=True)
class Citation:
    """A web source the provider says backs a span of the answer."""

    url: str
    """Where the source is. Gemini gives a Google redirect URL here, as it sends it."""
    title: str | None
    """The page title (Gemini: the site's domain); None when the provider gives none."""
    text: str
    """The span of the answer the source backs, as the provider marks it: an Anthropic text
    block, the range an OpenAI annotation covers (often the inline link itself), a Gemini
    grounding segment."""
    quote: str | None = None
    """The source's own words the answer rests on, when the provider quotes them (Anthropic's
    `cited_text`); None otherwise."""


def citations_in(raw_message: Any) -> list[Citation]:
    """The web citations of one assistant turn's raw message, in the order of the answer;
    empty for a turn without them or a shape this does not know."""
    if isinstance(raw_message, list):
        return list(_responses(raw_message))
    if isinstance(raw_message, Mapping):
        if isinstance(raw_message.get("content"), list):
            return list(_anthropic(raw_message["content"]))
        grounding = raw_message.get("groundingMetadata")
        if isinstance(grounding, Mapping):
            return list(_google(grounding))
    return []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, Mapping))


def _anthropic(blocks: list[Any]) -> Iterator[Citation]:
    """`web_search_result_location` citations of text blocks (document citations have no URL
    and are not web sources)."""
    for block in _dicts(blocks):
        text = _str(block.get("text"))
        if block.get("type") != "text" or text is None:
            continue
        for cited in _dicts(block.get("citations")):
            url = _str(cited.get("url"))
            if url is not None:
                quote = _str(cited.get("cited_text"))
                yield Citation(url=url, title=_str(cited.get("title")), text=text, quote=quote)


def _responses(items: list[Any]) -> Iterator[Citation]:
    """`url_citation` annotations; their indices count characters of the `output_text`."""
    for item in _dicts(items):
        if item.get("type") != "message":
            continue
        for part in _dicts(item.get("content")):
            text = _str(part.get("text"))
            if text is None:
                continue
            for note in _dicts(part.get("annotations")):
                url = _str(note.get("url"))
                start, end = note.get("start_index"), note.get("end_index")
                if note.get("type") != "url_citation" or url is None:
                    continue
                span = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
                yield Citation(url=url, title=_str(note.get("title")), text=span)


def _google(grounding: Mapping[str, Any]) -> Iterator[Citation]:
    """Each grounding support × each search result it points at."""
    sources = [chunk.get("web") for chunk in _dicts(grounding.get("groundingChunks"))]
    for support in _dicts(grounding.get("groundingSupports")):
        segment = support.get("segment")
        text = _str(segment.get("text")) if isinstance(segment, Mapping) else None
        indices = support.get("groundingChunkIndices")
        for index in indices if isinstance(indices, list) else ():
            if not isinstance(index, int) or not 0 <= index < len(sources):
                continue
            web = sources[index]
            url = _str(web.get("uri")) if isinstance(web, Mapping) else None
            if url is not None and isinstance(web, Mapping):
                yield Citation(url=url, title=_str(web.get("title")), text=text or "")

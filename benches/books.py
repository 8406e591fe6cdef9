"""The "books" document of the partial-JSON benchmarks: the kind of structured output an LLM
streams (a list of records with nested objects, numbers, booleans, tag lists and long
human-language strings), at any size.

`benches/test_bench_partial_json.py`, `python -m ferriscope bench partial-json` and the
`shelf` body of `benches/server.py` all take it from here, so they time the same bytes.

Deterministic: the same size always gives the same text, so benchmark runs compare like with
like. Summaries mix ASCII with accented letters, CJK and emoji (including a ZWJ sequence), so
str pieces and UTF-8 byte offsets differ and byte pieces get cut inside code points.

    python -m benches.books 100000 > books.json
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

__all__ = ["book", "books_document", "byte_pieces", "char_pieces"]

_WORDS = (
    "the of and a to in is was that for on with as by at from his her which this be an had "
    "story novel city river night house garden winter summer letter journey memory silence "
    "light sea mountain family secret war peace love time road window mirror forest village "
    "voyage dream stranger harbour library machine island ghost kingdom empire archive"
).split()
_ACCENTED = (
    "café naïve Müller São Paulo Øresund crème brûlée Zürich façade déjà vu Ångström "
    "Dvořák Łódź smörgåsbord piñata Kraków Ísafjörður cœur über résumé jalapeño"
).split()
_CJK = ["東京", "物語", "図書館", "北京", "上海", "夜の海", "사랑", "서울", "春", "記憶"]
_EMOJI = ["📚", "✨", "🚀", "🌍", "🐉", "☕", "🎭", "👩\u200d🚀", "🇯🇵", "❤️"]
_FIRST = ["Ana", "Bjørn", "Chloé", "Dmitri", "Émile", "Fatima", "Gō", "Hana", "Iñaki", "Jun"]
_LAST = ["Okafor", "Sørensen", "Lefèvre", "Ivanova", "Tanaka", "García", "Nguyễn", "Kowalski"]
_COUNTRIES = ["Japan", "Norway", "France", "Brazil", "Nigeria", "Poland", "Việt Nam", "Perú"]
_GENRES = ["fiction", "mystery", "sci-fi", "history", "poetry", "fantasy", "essay", "travel"]


def _summary(rng: random.Random, length: int = 200) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        roll = rng.random()
        if roll < 0.75:
            word = rng.choice(_WORDS)
        elif roll < 0.88:
            word = rng.choice(_ACCENTED)
        elif roll < 0.96:
            word = rng.choice(_CJK)
        else:
            word = rng.choice(_EMOJI)
        words.append(word)
        size += len(word) + 1
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def book(rng: random.Random, index: int) -> dict[str, Any]:
    """One record."""
    return {
        "id": index,
        "title": " ".join(rng.choice(_WORDS + _ACCENTED) for _ in range(rng.randint(2, 5))).title(),
        "author": {
            "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            "born": rng.randint(1850, 2000),
            "country": rng.choice(_COUNTRIES),
        },
        "year": rng.randint(1900, 2025),
        "pages": rng.randint(90, 1200),
        "rating": round(rng.uniform(1, 5), 2),
        "price": round(rng.uniform(3, 60), 2),
        "available": rng.random() < 0.7,
        "series": None if rng.random() < 0.6 else {"name": rng.choice(_CJK), "number": 2},
        "tags": rng.sample(_GENRES, rng.randint(1, 4)),
        "summary": _summary(rng),
    }


def books_document(size: int, seed: int = 2024) -> str:
    """A JSON array of books, indented as models tend to write it, of at least `size` UTF-8
    bytes (the last book takes it over the size)."""
    rng = random.Random(seed)
    books: list[dict[str, Any]] = []
    total = 4  # "[\n" and "\n]"
    while total < size:
        entry = book(rng, len(books))
        books.append(entry)
        text = json.dumps(entry, ensure_ascii=False, indent=2)
        # Inside the list every line is indented two more spaces; ",\n" separates books.
        total += len(text.encode()) + 2 * (text.count("\n") + 1) + 2
    return json.dumps(books, ensure_ascii=False, indent=2)


def char_pieces(text: str, seed: int = 7, low: int = 1, high: int = 8) -> list[str]:
    """`text` cut into pieces of `low`..`high` characters, as token deltas arrive."""
    rng = random.Random(seed)
    pieces: list[str] = []
    i = 0
    while i < len(text):
        step = rng.randint(low, high)
        pieces.append(text[i : i + step])
        i += step
    return pieces


def byte_pieces(data: bytes, seed: int = 7, low: int = 1, high: int = 8) -> list[bytes]:
    """`data` cut into pieces of `low`..`high` bytes, cutting inside code points too."""
    rng = random.Random(seed)
    pieces: list[bytes] = []
    i = 0
    while i < len(data):
        step = rng.randint(low, high)
        pieces.append(data[i : i + step])
        i += step
    return pieces


if __name__ == "__main__":
    sys.stdout.write(books_document(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))

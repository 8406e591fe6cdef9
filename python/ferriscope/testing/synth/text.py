"""Seeded text as a model streams it, and bodies cut as the network delivers them.

Everything is a pure function of its arguments (a seeded `random.Random`): the same seed gives
the same deltas and the same reads, so benchmark runs and tests compare like with like.
"""

from __future__ import annotations

import functools
import random
import string

__all__ = ["delta_text", "rand_id", "split_reads", "token_deltas"]

_ALNUM = string.ascii_letters + string.digits

# Text tokens as a model emits them: words with their leading space, word pieces, punctuation,
# newlines, characters JSON has to escape, and multi-byte UTF-8 (2, 3 and 4 bytes).
_WORDS = tuple(
    (
        " the| of| and| to| a| in| is| that| for| it| as| with| stream| decoder| bytes|"
        " event| chunk| token| model| response| latency| through|put| buffer| parser| Rust|"
        " Python| call| tool| value| result| number| between| because| however| example|"
        " data| each| which| would| could| should| first| second| finally| also|ing|ed|ly|s|"
        "'s|'t| un|der|stand| 42| 3|.14| 2025|,|.|:|;|!|?| (|)| -| —| “|”| \"|\"| \\|/|\n|"
        "\n\n|\n- |\n1.| **|**| `|`|{\n|  |}\n|\t| café| naïve| résumé| Zürich| → | ≤| ±|"
        " 日本語| の| 中文| Ελληνικά| ✓| 🙂| 🚀|é|ß"
    ).split("|")
)


def delta_text(rng: random.Random) -> str:
    """A word or two, as one streamed delta."""
    n = 1 if rng.random() < 0.7 else 2
    return "".join(rng.choice(_WORDS) for _ in range(n))


def token_deltas(n: int, *, seed: int = 0) -> list[str]:
    """`n` text deltas as a model streams them: a word or two each, with punctuation,
    newlines, characters JSON must escape and multi-byte UTF-8."""
    rng = random.Random(seed)
    return [delta_text(rng) for _ in range(n)]


def rand_id(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    """`n` random characters of `alphabet` (ids, fingerprints, padding)."""
    return "".join(rng.choices(alphabet, k=n))


@functools.lru_cache(maxsize=8)
def split_reads(
    body: bytes, *, seed: int = 0, min_size: int = 1024, max_size: int = 16 * 1024
) -> tuple[bytes, ...]:
    """Cuts `body` into pieces of random sizes in [min_size, max_size] (the last may be
    shorter), as network reads would arrive. Cuts fall anywhere: inside lines, inside JSON,
    inside multi-byte UTF-8 characters."""
    if not 1 <= min_size <= max_size:
        raise ValueError(f"need 1 <= min_size <= max_size, got {min_size}, {max_size}")
    rng = random.Random(seed)
    pieces: list[bytes] = []
    view = memoryview(body)
    pos = 0
    while pos < len(body):
        end = pos + rng.randint(min_size, max_size)
        pieces.append(bytes(view[pos:end]))
        pos = end
    return tuple(pieces)

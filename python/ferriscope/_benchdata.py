"""Deterministic synthetic provider streams for the benchmarks.

Used by `benches/` and `python -m ferriscope bench`.

The bodies imitate what the APIs really send (see `tests/fixtures/streams/`): an OpenAI Chat
Completions stream is a role chunk, one `data:` chunk per token or two of text (each with the
random `"obfuscation"` string that pads the content to 16 characters), a finish chunk, a usage
chunk and `data: [DONE]`; an Anthropic Messages stream is `message_start`,
`content_block_start`, a `ping`, many `content_block_delta` text deltas (with the runs of
padding spaces before the closing brace), `content_block_stop`, `message_delta` and
`message_stop`. The text mixes ASCII words, punctuation, newlines, quotes and backslashes
(JSON escapes) and multi-byte UTF-8, so byte pieces split code points.

Everything is a pure function of its arguments (a seeded `random.Random`), and results are
cached, so benchmarks can ask for the same 20 MB body many times.
"""

from __future__ import annotations

import functools
import json
import random
import string
from dataclasses import dataclass

__all__ = [
    "DEFAULT_SIZE",
    "SyntheticStream",
    "anthropic_messages_stream",
    "openai_completions_stream",
    "split_pieces",
]

#: The size the issues quote for the throughput benchmarks: about 20 MB of body.
DEFAULT_SIZE = 20_000_000

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


@dataclass(frozen=True)
class SyntheticStream:
    """One synthetic response body and what a decoder has to find in it."""

    #: The ferriscope wire format name (`StreamDecoder(wire_format)`).
    wire_format: str
    #: The response body, exactly as the server would send it.
    body: bytes
    #: The concatenation of every text delta (the response's text).
    text: str
    #: SSE events in the body (including `[DONE]` and pings).
    n_events: int
    #: Non-empty text deltas in the body.
    n_text_deltas: int


def _delta_text(rng: random.Random) -> str:
    """A word or two, as one streamed delta."""
    n = 1 if rng.random() < 0.7 else 2
    return "".join(rng.choice(_WORDS) for _ in range(n))


def _rand_id(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choices(alphabet, k=n))


def _check_size(size: int) -> None:
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")


@functools.lru_cache(maxsize=4)
def openai_completions_stream(size: int = DEFAULT_SIZE, *, seed: int = 0) -> SyntheticStream:
    """An OpenAI Chat Completions (`gpt-4o`) text stream of about `size` bytes."""
    _check_size(size)
    rng = random.Random(seed)
    cid = "chatcmpl-" + _rand_id(rng, 29)
    created = 1_766_000_000 + rng.randrange(1_000_000)
    fingerprint = "fp_" + _rand_id(rng, 10, "0123456789abcdef")
    head = (
        f'data: {{"id":"{cid}","object":"chat.completion.chunk","created":{created},'
        '"model":"gpt-4o-2024-08-06","service_tier":"default",'
        f'"system_fingerprint":"{fingerprint}","choices":[{{"index":0,"delta":'
    )
    parts: list[str] = [
        head
        + '{"role":"assistant","content":"","refusal":null},"logprobs":null,'
        + f'"finish_reason":null}}],"usage":null,"obfuscation":"{_rand_id(rng, 14)}"}}\n\n'
    ]
    texts: list[str] = []
    total = len(parts[0])
    budget = size - 900  # room for the finish, usage and [DONE] events
    while total < budget:
        text = _delta_text(rng)
        encoded = json.dumps(text, ensure_ascii=False)
        # The real API pads the (escaped) content to 16 characters with the obfuscation.
        obfuscation = _rand_id(rng, max(2, 18 - len(encoded)))
        event = (
            f'{head}{{"content":{encoded}}},"logprobs":null,"finish_reason":null}}],'
            f'"usage":null,"obfuscation":"{obfuscation}"}}\n\n'
        )
        parts.append(event)
        texts.append(text)
        total += len(event.encode())
    n = len(texts)
    parts.append(
        f'{head}{{}},"logprobs":null,"finish_reason":"stop"}}],"usage":null,'
        f'"obfuscation":"{_rand_id(rng, 10)}"}}\n\n'
    )
    prompt_tokens = 16 + rng.randrange(100)
    parts.append(
        head.split('"choices":')[0]
        + f'"choices":[],"usage":{{"prompt_tokens":{prompt_tokens},"completion_tokens":{n},'
        f'"total_tokens":{prompt_tokens + n},'
        '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},'
        '"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,'
        '"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},'
        f'"obfuscation":"{_rand_id(rng, 15)}"}}\n\n'
    )
    parts.append("data: [DONE]\n\n")
    return SyntheticStream(
        wire_format="openai-completions",
        body="".join(parts).encode(),
        text="".join(texts),
        n_events=len(parts),
        n_text_deltas=n,
    )


def _pad(rng: random.Random) -> str:
    return " " * rng.randrange(16)


@functools.lru_cache(maxsize=4)
def anthropic_messages_stream(size: int = DEFAULT_SIZE, *, seed: int = 0) -> SyntheticStream:
    """An Anthropic Messages (`claude-sonnet-4-0`) text stream of about `size` bytes."""
    _check_size(size)
    rng = random.Random(seed)
    msg_id = "msg_01" + _rand_id(rng, 22)
    input_tokens = 17 + rng.randrange(100)
    parts: list[str] = [
        "event: message_start\n"
        'data: {"type":"message_start","message":{"model":"claude-sonnet-4-20250514",'
        f'"id":"{msg_id}","type":"message","role":"assistant","content":[],'
        '"stop_reason":null,"stop_sequence":null,"usage":{'
        f'"input_tokens":{input_tokens},"cache_creation_input_tokens":0,'
        '"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,'
        '"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}}}\n\n',
        "event: content_block_start\n"
        'data: {"type":"content_block_start","index":0,"content_block":{"type":"text",'
        f'"text":""}}{_pad(rng)}}}\n\n',
    ]
    texts: list[str] = []
    total = sum(len(p) for p in parts)
    budget = size - 700  # room for the closing events
    while total < budget:
        # Claude's deltas are a few words long (about 13 characters on average).
        text = "".join(_delta_text(rng) for _ in range(1 + rng.randrange(4)))
        encoded = json.dumps(text, ensure_ascii=False)
        event = (
            "event: content_block_delta\n"
            'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",'
            f'"text":{encoded}}}{_pad(rng)}}}\n\n'
        )
        parts.append(event)
        texts.append(text)
        total += len(event.encode())
        if len(texts) == 1:
            parts.append('event: ping\ndata: {"type": "ping"}\n\n')
    n = len(texts)
    parts.append(
        f'event: content_block_stop\ndata: {{"type":"content_block_stop","index":0{_pad(rng)}}}\n\n'
    )
    parts.append(
        "event: message_delta\n"
        'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
        f'"usage":{{"input_tokens":{input_tokens},"cache_creation_input_tokens":0,'
        f'"cache_read_input_tokens":0,"output_tokens":{n}}}{_pad(rng)}}}\n\n'
    )
    parts.append(f'event: message_stop\ndata: {{"type":"message_stop"{_pad(rng)}}}\n\n')
    return SyntheticStream(
        wire_format="anthropic",
        body="".join(parts).encode(),
        text="".join(texts),
        n_events=len(parts),
        n_text_deltas=n,
    )


@functools.lru_cache(maxsize=8)
def split_pieces(
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

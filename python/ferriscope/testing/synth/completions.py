"""OpenAI Chat Completions streams: the one place that knows how a chunk is dressed.

A stream is a role chunk, the deltas (text, reasoning, tool-call arguments), a finish chunk,
a usage chunk and `data: [DONE]`. `CompletionsEnvelope` writes each chunk; the envelope is
either the minimal one (`openai_completions_stream`, for tests) or the live API's
(`realistic_completions_stream`: `service_tier`, `system_fingerprint`, the `logprobs` and
`usage` nulls on every chunk and the random `obfuscation` string that pads the content).
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from typing import Any

from ferriscope.testing.synth.framing import check_size, cut, dump, sse_event
from ferriscope.testing.synth.reply import Reply, SyntheticStream
from ferriscope.testing.synth.text import delta_text, rand_id

__all__ = ["CompletionsEnvelope", "openai_completions_stream", "realistic_completions_stream"]

DONE = "data: [DONE]\n\n"


@dataclass(frozen=True)
class CompletionsEnvelope:
    """What wraps every chunk of one stream: the fields each chunk repeats (`head`: id,
    object, created, model, ...), and whether each chunk carries the nulls the live API sends
    (`"logprobs": null` in the choice, `"usage": null` on the chunk)."""

    head: dict[str, Any]
    live_nulls: bool = False
    #: False writes UTF-8 as is (the live API); True escapes it (`\\u00e9`).
    ensure_ascii: bool = True

    def chunk(
        self, delta: dict[str, Any], finish: str | None = None, *, obfuscation: str | None = None
    ) -> str:
        """One `choices[0].delta` chunk."""
        choice: dict[str, Any] = {"index": 0, "delta": delta}
        if self.live_nulls:
            choice["logprobs"] = None
        choice["finish_reason"] = finish
        body: dict[str, Any] = {**self.head, "choices": [choice]}
        if self.live_nulls:
            body["usage"] = None
        return self._event(body, obfuscation)

    def usage(self, usage: dict[str, Any], *, obfuscation: str | None = None) -> str:
        """The last chunk before `[DONE]`: no choices, the token counts."""
        return self._event({**self.head, "choices": [], "usage": usage}, obfuscation)

    def _event(self, body: dict[str, Any], obfuscation: str | None) -> str:
        if obfuscation is not None:
            body["obfuscation"] = obfuscation
        return sse_event(None, dump(body, ensure_ascii=self.ensure_ascii))


def openai_completions_stream(reply: Reply) -> bytes:
    """A Chat Completions stream (`data:` lines, `[DONE]`)."""
    envelope = CompletionsEnvelope(
        {
            "id": "chatcmpl-synth",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": reply.model,
        }
    )
    out = [envelope.chunk({"role": "assistant", "content": "", "refusal": None})]
    out += [envelope.chunk({"reasoning_content": piece}) for piece in reply.thinking]
    out += [envelope.chunk({"content": piece}) for piece in reply.text]
    for index, call in enumerate(reply.tool_calls):
        function = {"name": call.name, "arguments": ""}
        start = {"index": index, "id": call.id, "type": "function", "function": function}
        out.append(envelope.chunk({"tool_calls": [start]}))
        for piece in cut(json.dumps(call.args), call.pieces):
            args = {"index": index, "function": {"arguments": piece}}
            out.append(envelope.chunk({"tool_calls": [args]}))
    finish = (
        "length" if reply.stop == "max_tokens" else ("tool_calls" if reply.tool_calls else "stop")
    )
    out.append(envelope.chunk({}, finish))
    usage = {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    out += [envelope.usage(usage), DONE]
    return "".join(out).encode()


@functools.lru_cache(maxsize=4)
def realistic_completions_stream(size: int, *, seed: int = 0) -> SyntheticStream:
    """A `gpt-4o` text stream of about `size` bytes as the live API sends it, its text drawn
    from `token_deltas`' vocabulary. Deterministic for a seed, and cached (benchmarks ask
    for the same 20 MB body many times)."""
    check_size(size)
    rng = random.Random(seed)
    envelope = CompletionsEnvelope(
        {
            "id": "chatcmpl-" + rand_id(rng, 29),
            "object": "chat.completion.chunk",
            "created": 1_766_000_000 + rng.randrange(1_000_000),
            "model": "gpt-4o-2024-08-06",
            "service_tier": "default",
            "system_fingerprint": "fp_" + rand_id(rng, 10, "0123456789abcdef"),
        },
        live_nulls=True,
        ensure_ascii=False,
    )
    role = {"role": "assistant", "content": "", "refusal": None}
    parts = [envelope.chunk(role, obfuscation=rand_id(rng, 14))]
    texts: list[str] = []
    total = len(parts[0])
    budget = size - 900  # room for the finish, usage and [DONE] events
    while total < budget:
        text = delta_text(rng)
        # The live API pads the (escaped) content to 16 characters with the obfuscation.
        padding = rand_id(rng, max(2, 18 - len(json.dumps(text, ensure_ascii=False))))
        event = envelope.chunk({"content": text}, obfuscation=padding)
        parts.append(event)
        texts.append(text)
        total += len(event.encode())
    n = len(texts)
    parts.append(envelope.chunk({}, "stop", obfuscation=rand_id(rng, 10)))
    prompt_tokens = 16 + rng.randrange(100)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": n,
        "total_tokens": prompt_tokens + n,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    parts += [envelope.usage(usage, obfuscation=rand_id(rng, 15)), DONE]
    return SyntheticStream(
        wire_format="openai-completions",
        body="".join(parts).encode(),
        text="".join(texts),
        n_events=len(parts),
        n_text_deltas=n,
    )

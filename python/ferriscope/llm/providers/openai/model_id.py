"""Model ids as OpenAI-style providers read them: `<scope>/<name>[:completions|:responses]`.

The scope only chooses the provider, so everything after the first "/" is the model's name
(docs/spec.md Δ1: `vllm/meta-llama/Llama-3.2-1B-Instruct` sends
`meta-llama/Llama-3.2-1B-Instruct`, where the reference keeps only the second segment). The
API suffix is ferriscope's, never OpenAI's, so it is removed from the wire name.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["ApiMode", "api_suffix", "wire_model_name"]

ApiMode = Literal["completions", "responses"]

_SUFFIXES: tuple[ApiMode, ...] = ("completions", "responses")


def api_suffix(model_id: str) -> ApiMode | None:
    """The API the id pins (`:completions` / `:responses`), if any."""
    for mode in _SUFFIXES:
        if model_id.endswith(f":{mode}"):
            return mode
    return None


def wire_model_name(model_id: str) -> str:
    """The `model` field of the request: after the first "/", without the API suffix."""
    name = model_id.split("/", 1)[1] if "/" in model_id else model_id
    mode = api_suffix(name)
    return name[: -len(mode) - 1] if mode else name

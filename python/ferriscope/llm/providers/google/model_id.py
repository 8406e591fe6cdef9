"""Who a request is for: the provider id, the Gemini model name and its streaming path
(docs/spec.md §2.5, §11.4)."""

from __future__ import annotations

__all__ = ["PROVIDER_ID", "stream_path", "wire_model_name"]

PROVIDER_ID = "google"
"""Named in errors and warnings, and the `provider_id` of turns whose raw form is reusable."""


def wire_model_name(model_id: str) -> str:
    """Everything after the first "/" (`google/gemini-2.5-flash` → `gemini-2.5-flash`), so a
    custom scope such as `gem/` works the same way (docs/spec.md Δ1)."""
    return model_id.split("/", 1)[1] if "/" in model_id else model_id


def stream_path(wire_model: str) -> str:
    """`/v1beta/models/{model}:streamGenerateContent?alt=sse`; a name that already names its
    collection (`models/…`, `tunedModels/…`) is used as is, as the google SDK does."""
    if not wire_model or ".." in wire_model or "?" in wire_model or "&" in wire_model:
        raise ValueError(f"Invalid Google model name: {wire_model!r}")
    resource = (
        wire_model if wire_model.startswith(("models/", "tunedModels/")) else f"models/{wire_model}"
    )
    return f"/v1beta/{resource}:streamGenerateContent?alt=sse"

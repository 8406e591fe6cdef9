"""Who a request is for: the identity and model facts every OpenAI-style encoder needs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ferriscope.llm.providers.openai.model_id import ApiMode, wire_model_name
from ferriscope.llm.providers.openai.model_info import ModelFeatures

__all__ = ["Target", "compatible_target", "openai_target"]


@dataclass(frozen=True)
class Target:
    provider_id: str
    """Named in errors and warnings."""
    model_id: str
    wire_model: str
    """The request's `model` field."""
    provider_model_name: str
    """Recorded on the response; raw messages are reused only for the same value."""
    raw_provider_ids: Collection[str]
    """Assistant turns whose `provider_id` is one of these may be re-sent raw."""
    features: ModelFeatures


def openai_target(model_id: str, api: ApiMode, *, provider_id: str) -> Target:
    """The target of a call to OpenAI itself on `api` (`provider_model_name` carries the API,
    so a turn is re-sent raw only to the API that produced it). A function of its arguments
    and of fixed tables: remembered per model, since every call of a model asks for it."""
    key = (model_id, api, provider_id)
    target = _TARGETS.get(key)
    if target is None:
        name = wire_model_name(model_id)
        target = Target(
            provider_id=provider_id,
            model_id=model_id,
            wire_model=name,
            provider_model_name=f"{name}:{api}",
            raw_provider_ids=("openai", f"openai:{api}"),
            features=ModelFeatures.of(name),
        )
        if len(_TARGETS) >= _MAX_TARGETS:
            _TARGETS.clear()
        _TARGETS[key] = target
    return target


_MAX_TARGETS = 256
_TARGETS: dict[tuple[str, str, str], Target] = {}


def compatible_target(
    provider_id: str,
    model_id: str,
    wire_model: str,
    features: ModelFeatures | None = None,
) -> Target:
    """A model on an OpenAI-compatible server: raw turns only from that server, and nothing
    known about the model unless `features` says so."""
    return Target(
        provider_id=provider_id,
        model_id=model_id,
        wire_model=wire_model,
        provider_model_name=wire_model,
        raw_provider_ids=(provider_id,),
        features=features or ModelFeatures(),
    )

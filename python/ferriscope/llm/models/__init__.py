"""Models and the parameters they are called with."""

from ferriscope.llm.models.model import Model, model, model_from_context, use_model
from ferriscope.llm.models.params import Params, ThinkingConfig, ThinkingLevel

__all__ = [
    "Model",
    "Params",
    "ThinkingConfig",
    "ThinkingLevel",
    "model",
    "model_from_context",
    "use_model",
]

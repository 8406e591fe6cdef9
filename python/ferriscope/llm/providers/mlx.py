"""`MLXProvider` and `MLXModelId`: importable, as in Mirascope, but not runnable here.

Mirascope runs `mlx-community/...` models in-process with `mlx-lm` on Apple silicon. ferriscope
streams over HTTP only and has no in-process inference, so the names exist (code that imports
or annotates with them keeps working) and using the provider raises a clear error; serve the
model with an OpenAI-compatible server (`mlx_lm.server`, Ollama) and register
`"openai:completions"` with its `base_url` instead.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn, TypeAlias

from ferriscope.llm.exceptions import FeatureNotSupportedError

__all__ = ["MLXModelId", "MLXProvider"]

MLXModelId: TypeAlias = str
"""An `mlx-community/...` model id."""

_MESSAGE = (
    "MLXProvider runs models in-process with mlx-lm on Apple silicon, which ferriscope does "
    "not do: serve the model with an OpenAI-compatible server (e.g. `mlx_lm.server`) and "
    'register it with llm.register_provider("openai:completions", scope="mlx-community/", '
    'base_url="http://localhost:8080/v1")'
)


class MLXProvider:
    """Raises `FeatureNotSupportedError` when constructed (see the module docstring)."""

    id: ClassVar[str] = "mlx"
    default_scope: ClassVar[str | list[str]] = "mlx-community/"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _unsupported()


def _unsupported() -> NoReturn:
    raise FeatureNotSupportedError("mlx", "mlx", message=_MESSAGE)

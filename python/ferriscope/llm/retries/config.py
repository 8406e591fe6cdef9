"""What a retry policy says: how often, on which errors, how long to wait, which fallbacks.

`RetryArgs` is the keyword form users write (every key optional); `RetryConfig` is the frozen
form with the defaults filled in and checked once, so the retry loops never re-validate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from typing_extensions import Unpack

from ferriscope.llm.exceptions import ConnectionError, RateLimitError, ServerError, TimeoutError

if TYPE_CHECKING:
    from ferriscope.llm.models.model import Model

__all__ = [
    "DEFAULT_BACKOFF_MULTIPLIER",
    "DEFAULT_INITIAL_DELAY",
    "DEFAULT_JITTER",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RETRYABLE_ERRORS",
    "RetryArgs",
    "RetryConfig",
]

DEFAULT_RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    ConnectionError,
    RateLimitError,
    ServerError,
    TimeoutError,
)
"""Transient failures: the same request may well succeed a moment later. Errors about the
request itself (bad request, auth, not found) would fail the same way again, so they are not
retried by default."""

DEFAULT_MAX_RETRIES = 3
DEFAULT_INITIAL_DELAY = 0.5
DEFAULT_MAX_DELAY = 60.0
DEFAULT_BACKOFF_MULTIPLIER = 2.0
DEFAULT_JITTER = 0.0


class RetryArgs(TypedDict, total=False):
    """The retry keywords of `llm.retry(...)` and `llm.retry_model(...)`; all optional."""

    max_retries: int
    """Retries per model after its first attempt fails (so each model gets 1 + this)."""
    retry_on: tuple[type[Exception], ...]
    """Exception types worth another attempt; anything else is raised at once."""
    initial_delay: float
    """Seconds before the first retry of a model."""
    max_delay: float
    """Upper bound of any wait, including a provider's `Retry-After`."""
    backoff_multiplier: float
    """Each further retry of the same model waits this many times longer."""
    jitter: float
    """Random spread (0..1) of each wait, so that many clients do not retry in lockstep."""
    fallback_models: Sequence[Model | str]
    """Models tried in order once the primary has used its retries. Ids inherit the primary's
    params; `Model` instances are used as given."""


@dataclass(frozen=True)
class RetryConfig:
    """A checked retry policy; build it with `RetryConfig.from_args(**args)` or directly."""

    max_retries: int = DEFAULT_MAX_RETRIES
    retry_on: tuple[type[Exception], ...] = DEFAULT_RETRYABLE_ERRORS
    fallback_models: tuple[Model | str, ...] = ()
    initial_delay: float = DEFAULT_INITIAL_DELAY
    max_delay: float = DEFAULT_MAX_DELAY
    backoff_multiplier: float = DEFAULT_BACKOFF_MULTIPLIER
    jitter: float = DEFAULT_JITTER

    def __post_init__(self) -> None:
        """Rejects policies that would wait a negative time or shrink the waits, so a typo
        fails at decoration time rather than in the middle of an outage."""
        if self.max_retries < 0:
            raise ValueError("max_retries must be non-negative")
        if self.initial_delay < 0:
            raise ValueError("initial_delay must be non-negative")
        if self.max_delay < 0:
            raise ValueError("max_delay must be non-negative")
        if self.backoff_multiplier < 1:
            raise ValueError("backoff_multiplier must be >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0.0 and 1.0")
        # A list or generator given by the user is frozen so the policy stays hashable and
        # cannot change under a running retry loop.
        object.__setattr__(self, "retry_on", tuple(self.retry_on))
        object.__setattr__(self, "fallback_models", tuple(self.fallback_models))

    @classmethod
    def from_args(cls, **args: Unpack[RetryArgs]) -> RetryConfig:
        """The policy for keyword arguments as users write them (missing keys → defaults)."""
        return cls(
            max_retries=args.get("max_retries", DEFAULT_MAX_RETRIES),
            retry_on=tuple(args.get("retry_on", DEFAULT_RETRYABLE_ERRORS)),
            fallback_models=tuple(args.get("fallback_models", ())),
            initial_delay=args.get("initial_delay", DEFAULT_INITIAL_DELAY),
            max_delay=args.get("max_delay", DEFAULT_MAX_DELAY),
            backoff_multiplier=args.get("backoff_multiplier", DEFAULT_BACKOFF_MULTIPLIER),
            jitter=args.get("jitter", DEFAULT_JITTER),
        )

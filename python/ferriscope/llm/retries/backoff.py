"""When to try again and with which model: the attempt order and the waits between attempts.

Kept apart from the loops that make the calls so the sync loop, the async loop and the stream
restarts all walk exactly the same schedule.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from ferriscope.llm.exceptions import RateLimitError
from ferriscope.llm.retries.config import RetryConfig

if TYPE_CHECKING:
    from ferriscope.llm.models.model import Model
    from ferriscope.llm.retries.models import RetryModel

__all__ = ["Attempts", "calculate_delay", "retry_delay"]


def calculate_delay(config: RetryConfig, attempt_for_model: int) -> float:
    """The exponential backoff before retry number `attempt_for_model` (1-based) of a model:
    `initial_delay · multiplier^(n−1)`, capped at `max_delay`, spread by `jitter`."""
    delay = min(
        config.initial_delay * config.backoff_multiplier ** (attempt_for_model - 1),
        config.max_delay,
    )
    if config.jitter > 0:
        spread = delay * config.jitter
        delay = max(0.0, delay + random.uniform(-spread, spread))
    return delay


def retry_delay(config: RetryConfig, attempt_for_model: int, error: BaseException | None) -> float:
    """The backoff, unless the provider asked for a longer pause: retrying a rate limit before
    its `Retry-After` only earns another 429. The request is still capped at `max_delay`, so
    a provider cannot park the caller for an hour."""
    delay = calculate_delay(config, attempt_for_model)
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        delay = max(delay, min(error.retry_after, config.max_delay))
    return delay


class Attempts:
    """A cursor over the attempt schedule of a `RetryModel`.

    The active model comes first, then the other models in order; each gets `1 + max_retries`
    attempts. Waits only separate retries of the same model: a fallback is a different
    deployment (often a different provider) with no reason to wait for the first one's limit.
    """

    def __init__(self, retry_model: RetryModel) -> None:
        self.config = retry_model.retry_config
        self._order = retry_model._attempt_order()
        self._position = 0
        self._retries = 0

    @property
    def variant(self) -> RetryModel:
        """The `RetryModel` whose active model is the one to try now."""
        return self._order[self._position]

    @property
    def model(self) -> Model:
        """The plain model to try now."""
        return self.variant.get_active_model()

    def advance(self, error: BaseException | None) -> float | None:
        """Moves past a failed attempt. Returns the seconds to wait before the next one, or
        None when the schedule is used up."""
        if self._retries < self.config.max_retries:
            self._retries += 1
            return retry_delay(self.config, self._retries, error)
        self._position += 1
        self._retries = 0
        return 0.0 if self._position < len(self._order) else None

"""The retry loop of non-streaming calls: try, wait, try again or fall back, give up.

A non-streaming call either returns a whole response or raises, so the whole call is simply
repeated; nothing partial can have reached the caller.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from ferriscope._lazy import lazy_module
from ferriscope.llm.exceptions import RetriesExhausted
from ferriscope.llm.retries.backoff import Attempts
from ferriscope.llm.retries.failures import RetryFailure

if TYPE_CHECKING:
    import asyncio
else:
    asyncio = lazy_module("asyncio")

if TYPE_CHECKING:
    from ferriscope.llm.models.model import Model
    from ferriscope.llm.retries.models import RetryModel

__all__ = ["with_retry", "with_retry_async"]

ResultT = TypeVar("ResultT")


def with_retry(
    fn: Callable[[Model], ResultT], retry_model: RetryModel
) -> tuple[ResultT, list[RetryFailure], RetryModel]:
    """Runs `fn` on each scheduled model until one succeeds.

    Returns the result, the failures before it, and the `RetryModel` whose active model
    succeeded (so a later `resume` starts there). Errors outside `retry_on` propagate at once;
    when every attempt failed, `RetriesExhausted` is raised from the last error.
    """
    attempts = Attempts(retry_model)
    failures: list[RetryFailure] = []
    while True:
        model = attempts.model
        try:
            return fn(model), failures, attempts.variant
        except attempts.config.retry_on as error:
            failures.append(RetryFailure(model=model, exception=error))
            delay = attempts.advance(error)
            if delay is None:
                raise RetriesExhausted(failures) from error
        if delay > 0:
            time.sleep(delay)


async def with_retry_async(
    fn: Callable[[Model], Awaitable[ResultT]], retry_model: RetryModel
) -> tuple[ResultT, list[RetryFailure], RetryModel]:
    """`with_retry` for coroutines; waits with `asyncio.sleep` so the event loop keeps going."""
    attempts = Attempts(retry_model)
    failures: list[RetryFailure] = []
    while True:
        model = attempts.model
        try:
            return await fn(model), failures, attempts.variant
        except attempts.config.retry_on as error:
            failures.append(RetryFailure(model=model, exception=error))
            delay = attempts.advance(error)
            if delay is None:
                raise RetriesExhausted(failures) from error
        if delay > 0:
            await asyncio.sleep(delay)

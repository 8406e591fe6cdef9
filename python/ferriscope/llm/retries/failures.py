"""The record of one failed attempt, kept on responses and on `RetriesExhausted`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ferriscope.llm.models.model import Model

__all__ = ["RetryFailure"]


@dataclass
class RetryFailure:
    """Which model failed and how, so callers can tell a flaky primary from a dead one and
    report every error, not only the last."""

    model: Model
    exception: BaseException

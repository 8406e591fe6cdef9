"""Why a response stopped before the model said it was done."""

from enum import Enum


class FinishReason(str, Enum):
    """An early end. A normal stop is `None` on the response, not a member."""

    MAX_TOKENS = "max_tokens"
    REFUSAL = "refusal"
    CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"

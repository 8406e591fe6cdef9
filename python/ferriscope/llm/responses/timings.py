"""`response.timings`: when a stream's request went out and how its chunks arrived.

Loggable without any tracing stack. The stream response stamps three clocks: the wall clock
and a monotonic clock when the request is sent (the batch source is opened), and the
monotonic clock on each network read (batch) it receives, so the cost is one clock read per
batch, never per chunk. Chunks that arrive in one read share its time, so the rates below are
measured between reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["StreamTimings", "TimedStream"]


@dataclass(frozen=True, slots=True)
class StreamTimings:
    """A snapshot of one stream's timing, all durations in seconds."""

    sent_at: float | None
    """Wall-clock time (`time.time()`) the request was sent; None if it never was."""
    time_to_first_chunk: float | None
    """From sending to the first network read that carried chunks."""
    time_to_last_chunk: float | None
    """From sending to the latest such read (the last one once the stream ended)."""
    chunk_count: int
    """Content chunks received so far (what `chunk_stream()` yields)."""
    chunks_per_second: float | None
    """Chunks after the first read divided by the time from the first read to the last;
    None until two reads with chunks arrived."""

    @property
    def streaming_seconds(self) -> float | None:
        """From the first chunk to the last."""
        if self.time_to_first_chunk is None or self.time_to_last_chunk is None:
            return None
        return self.time_to_last_chunk - self.time_to_first_chunk


class TimedStream:
    """The clocks a stream response stamps (class defaults, so a response that never sent
    anything carries no per-instance state for them) and the `timings` view over them."""

    _sent_wall: float = 0.0
    _sent_at: float = 0.0
    _first_at: float = 0.0
    _last_at: float = 0.0
    _first_count: int = 0
    _chunks: Any

    @property
    def timings(self) -> StreamTimings:
        """Timing of this stream so far (of the current attempt, for a retried stream)."""
        count = len(self._chunks)
        if not self._sent_at:
            return StreamTimings(None, None, None, count, None)
        if not self._first_at:
            return StreamTimings(self._sent_wall, None, None, count, None)
        span = self._last_at - self._first_at
        rate = (count - self._first_count) / span if span > 0 else None
        return StreamTimings(
            self._sent_wall,
            self._first_at - self._sent_at,
            self._last_at - self._sent_at,
            count,
            rate,
        )

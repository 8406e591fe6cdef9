"""Test your streaming code offline: replay recorded provider streams over a loopback server
or an httpx transport, with pacing, split reads and fault injection."""

from ferriscope.testing.recording import (
    RecordedExchange,
    RecordedResponse,
    load_recording,
    sse_response,
)
from ferriscope.testing.server import Fault, ReceivedRequest, ReplayServer, ReplayTransport

__all__ = [
    "Fault",
    "ReceivedRequest",
    "RecordedExchange",
    "RecordedResponse",
    "ReplayServer",
    "ReplayTransport",
    "load_recording",
    "sse_response",
]

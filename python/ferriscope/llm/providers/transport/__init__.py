"""HTTP for every provider.

The default path is ferriscope's own HTTP/1.1 transport: the Rust sans-I/O core
(`ferriscope._core.encode_request` / `HttpStream`) driven by a blocking socket driver
(`sync_io`) or an asyncio protocol (`async_io`), with a small keep-alive pool per origin.
An httpx or httpx2 client given by the user, a proxy in the environment, or the opt-out
switch (`FERRISCOPE_HTTP=httpx`, or `http="httpx"` on a provider) sends the request
through httpx's public API instead (`via_httpx`). docs/transport.md describes both.
"""

from __future__ import annotations

# `time` and `asyncio` are the module's two waits (backoff sleeps); tests replace them here.
# asyncio through a stand-in: loaded on the first async request (docs/architecture.md, "Lazy
# loading"); patching an attribute of the stand-in patches asyncio itself.
import time
from typing import TYPE_CHECKING

from ferriscope._lazy import lazy_module
from ferriscope.llm.providers.transport.config import (
    DEFAULT_LIMITS,
    DEFAULT_STREAM_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    Limits,
    Timeouts,
    stream_timeouts,
)
from ferriscope.llm.providers.transport.dispatch import HTTP_ENV, MAX_LINE_BYTES, Transport
from ferriscope.llm.providers.transport.request import MAX_ERROR_BODY, Attempts, HTTPRequest

if TYPE_CHECKING:
    import asyncio
else:
    asyncio = lazy_module("asyncio")

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_STREAM_IDLE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "HTTP_ENV",
    "MAX_ERROR_BODY",
    "MAX_LINE_BYTES",
    "Attempts",
    "HTTPRequest",
    "Limits",
    "Timeouts",
    "Transport",
    "asyncio",
    "stream_timeouts",
    "time",
]

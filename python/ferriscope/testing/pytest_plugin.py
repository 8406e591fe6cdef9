r"""The `ferriscope_replay` pytest fixture: your own streaming code, tested offline in one line.

Installed with ferriscope (entry point `pytest11: ferriscope`), so any test can ask for it::

    from ferriscope import llm
    from ferriscope.testing.synth import Reply

    def test_recommend(ferriscope_replay):
        ferriscope_replay.use("openai")  # "openai/..." models now stream from a loopback server
        ferriscope_replay.add(Reply(text=["Try ", "*Mistborn*."]))  # or raw SSE bytes
        response = llm.Model("openai/gpt-5-mini").stream("Recommend a book.")
        assert list(response.text_stream()) == ["Try ", "*Mistborn*.", "\n"]  # deltas, sep
        assert ferriscope_replay.requests[0].json()["model"] == "gpt-5-mini"

The fixture yields a `FerriscopeReplay`: `.server` is a started `ReplayServer`; `.add(reply,
wire_format=...)` queues a `synth.Reply` (written in the wire format of the provider last
`.use()`d, or the one named), raw SSE bytes/text, or a `RecordedResponse`/`RecordedExchange`;
`.use(provider, model_scope=...)` registers the provider against the server with
`max_retries=0` (so an error surfaces at once instead of being retried); `.requests` lists
what the server received. The provider registry is reset before and after each test.

The entry point is read when ferriscope is installed: an install older than it (or a plain
source checkout) needs `-p ferriscope.testing.pytest_plugin`, which must not be added when the
entry point is there too (pytest would register the plugin twice and stop).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

import pytest

# pytest imports this module at startup in every environment ferriscope is installed in, so
# ferriscope itself (pydantic, httpx, the Rust core) is imported only when the fixture is used.
if TYPE_CHECKING:
    import httpx

    from ferriscope.llm.providers.base import BaseProvider
    from ferriscope.testing.recording import RecordedExchange, RecordedResponse
    from ferriscope.testing.server import Fault, ReceivedRequest, ReplayServer
    from ferriscope.testing.synth import Reply

__all__ = ["FerriscopeReplay", "WireFormat", "ferriscope_replay"]

WireFormat = Literal["openai-responses", "openai-completions", "anthropic", "google"]

# provider id → (the path its base URL adds to the server's URL, its default wire format).
# "openai" serves most models through the Responses API (see its routing), so that is its
# default; pass `wire_format="openai-completions"` for a model it sends to Chat Completions.
_PROVIDERS: dict[str, tuple[str, WireFormat]] = {
    "openai": ("/v1", "openai-responses"),
    "openai:responses": ("/v1", "openai-responses"),
    "openai:completions": ("/v1", "openai-completions"),
    "anthropic": ("", "anthropic"),
    "anthropic-beta": ("", "anthropic"),
    "google": ("", "google"),
    "ollama": ("/v1", "openai-completions"),
    "together": ("/v1", "openai-completions"),
    "openrouter": ("/v1", "openai-completions"),
    "xai": ("/v1", "openai-completions"),
    "atlascloud": ("/v1", "openai-completions"),
    "requesty": ("/v1", "openai-completions"),
    "cheaperinference": ("/v1", "openai-completions"),
    "api-route": ("/v1", "openai-completions"),
    "minimax": ("/v1", "openai-completions"),
}

TEST_API_KEY = "sk-ferriscope-replay"
"""The key providers registered by `.use()` send (only ever to the loopback server)."""


class FerriscopeReplay:
    """A started `ReplayServer` plus the registry plumbing that points providers at it.

    Usable without pytest too: `with FerriscopeReplay() as replay: ...`.
    """

    def __init__(self, *, piece_size: int = 64, delay: float = 0.0) -> None:
        from ferriscope.llm.providers.registry import reset_provider_registry
        from ferriscope.testing.server import ReplayServer

        reset_provider_registry()
        self.server: ReplayServer = ReplayServer(piece_size=piece_size, delay=delay).start()
        self._wire_format: WireFormat | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request the server received, in order."""
        return self.server.requests

    def add(
        self,
        reply_or_body: Reply | bytes | str | RecordedResponse | RecordedExchange,
        wire_format: WireFormat | None = None,
        *,
        status: int = 200,
        fault: Fault | None = None,
    ) -> None:
        """Queues the next answer: a `synth.Reply` (in `wire_format`, by default that of the
        provider last `.use()`d), a raw SSE body (`status` applies), or a recorded response."""
        from ferriscope.testing.recording import RecordedExchange, RecordedResponse
        from ferriscope.testing.synth import Reply, stream_for

        if isinstance(reply_or_body, RecordedExchange):
            response = reply_or_body.response
        elif isinstance(reply_or_body, RecordedResponse):
            response = reply_or_body
        elif isinstance(reply_or_body, Reply):
            wire = wire_format or self._wire_format
            if wire is None:
                raise ValueError(
                    "which wire format? call .use(provider) first or pass wire_format="
                )
            response = RecordedResponse(body=stream_for(wire, reply_or_body), status=status)
        else:
            body = reply_or_body.encode() if isinstance(reply_or_body, str) else reply_or_body
            response = RecordedResponse(body=body, status=status)
        self.server.add(response, fault)

    def use(
        self,
        provider: str = "openai",
        model_scope: str | list[str] | None = None,
        *,
        api_key: str = TEST_API_KEY,
        max_retries: int = 0,
        timeout: float | httpx.Timeout | None = None,
    ) -> BaseProvider:
        """Registers `provider` (an `llm.register_provider` id) for `model_scope` (default:
        the provider's own scopes, e.g. `"openai/"`) with the server as its base URL."""
        from ferriscope.llm.providers.registry import register_provider

        if provider not in _PROVIDERS:
            known = ", ".join(sorted(_PROVIDERS))
            raise ValueError(f"ferriscope_replay cannot serve {provider!r} (known: {known})")
        prefix, wire = _PROVIDERS[provider]
        self._wire_format = wire
        return register_provider(
            provider,
            scope=model_scope,
            api_key=api_key,
            base_url=self.server.url + prefix,
            max_retries=max_retries,
            timeout=timeout,
        )

    def close(self) -> None:
        from ferriscope.llm.providers.registry import reset_provider_registry

        self.server.stop()
        reset_provider_registry()

    def __enter__(self) -> FerriscopeReplay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@pytest.fixture
def ferriscope_replay() -> Iterator[FerriscopeReplay]:
    """A loopback replay server and a clean provider registry for one test."""
    replay = FerriscopeReplay()
    try:
        yield replay
    finally:
        replay.close()

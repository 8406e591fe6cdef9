"""`RetryModel`: a `Model` whose every call retries, backs off and falls back (docs/spec.md §10).

It is a real `Model` (its `model_id` and `params` are those of the active model), so it can be
passed wherever a model goes — `llm.call(...)`, `prompt(model, ...)`, `with model:` — and the
calls made through it come back as Retry* responses.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

from typing_extensions import Unpack

from ferriscope._lazy import lazy_module
from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.messages import Message, UserContent
from ferriscope.llm.models.model import Model, model_from_context
from ferriscope.llm.models.params import Params
from ferriscope.llm.responses.response import (
    AsyncContextResponse,
    AsyncResponse,
    ContextResponse,
    Response,
)
from ferriscope.llm.responses.stream_response import (
    AsyncContextStreamResponse,
    AsyncStreamResponse,
    ContextStreamResponse,
    StreamResponse,
)
from ferriscope.llm.retries.backoff import Attempts
from ferriscope.llm.retries.config import RetryArgs, RetryConfig
from ferriscope.llm.retries.responses import (
    AsyncContextRetryResponse,
    AsyncRetryResponse,
    ContextRetryResponse,
    RetryResponse,
)
from ferriscope.llm.retries.running import with_retry, with_retry_async
from ferriscope.llm.retries.stream_responses import (
    AsyncContextRetryStreamResponse,
    AsyncRetryStreamResponse,
    ContextRetryStreamResponse,
    RetryStreamResponse,
)

if TYPE_CHECKING:
    import asyncio
else:
    asyncio = lazy_module("asyncio")

if TYPE_CHECKING:
    from ferriscope.llm.formatting import FormatSpec
    from ferriscope.llm.tools import AsyncContextTools, AsyncTools, ContextTools, Tools

__all__ = ["RetryModel", "RetryModelParams", "retry_model"]


class RetryModelParams(Params, RetryArgs, total=False):
    """`llm.retry_model` keywords: model params and retry args in one flat namespace."""


_RETRY_ARG_KEYS = frozenset(RetryArgs.__annotations__)


def _plain(model: Model) -> Model:
    """The model an attempt really calls: a RetryModel given as primary or fallback
    contributes its active model, never its own retry loop (no nested retries)."""
    return model.get_active_model() if isinstance(model, RetryModel) else model


class RetryModel(Model):
    """A pool of models (the primary, then the fallbacks) with one of them active.

    A response remembers the variant whose active model succeeded, so `response.resume()`
    starts with the model that is known to work and still has the others to fall back on.
    """

    retry_config: RetryConfig
    _models: tuple[Model, ...]
    _active_index: int

    def __init__(self, model: Model | str, retry_config: RetryConfig, **params: Any) -> None:
        """`params` apply only when `model` is an id; a `Model` keeps its own params."""
        primary = _plain(model) if isinstance(model, Model) else Model(model, **params)
        fallbacks = tuple(
            _plain(fallback) if isinstance(fallback, Model) else Model(fallback, **primary.params)
            for fallback in retry_config.fallback_models
        )
        self._setup((primary, *fallbacks), 0, retry_config)

    def _setup(self, models: tuple[Model, ...], active_index: int, config: RetryConfig) -> None:
        active = models[active_index]
        Model.__init__(self, active.model_id, **active.params)
        self._models = models
        self._active_index = active_index
        self.retry_config = config

    def _with_active(self, index: int) -> RetryModel:
        """The same pool and policy with another model active (no re-resolution of ids)."""
        variant = type(self).__new__(type(self))
        variant._setup(self._models, index, self.retry_config)
        return variant

    def __repr__(self) -> str:
        others = [m.model_id for i, m in enumerate(self._models) if i != self._active_index]
        return (
            f"RetryModel({self.model_id!r}, **{self.params!r}, fallbacks={others!r}, "
            f"max_retries={self.retry_config.max_retries})"
        )

    def get_active_model(self) -> Model:
        """The plain model that is tried first."""
        return self._models[self._active_index]

    def _attempt_order(self) -> list[RetryModel]:
        """The active model first, then the rest of the pool in its original order."""
        return [self] + [
            self._with_active(i) for i in range(len(self._models)) if i != self._active_index
        ]

    def _in_context(self) -> RetryModel:
        """The model a response continues with: a `with llm.model(...)` block still wins, as
        it does for plain responses, but keeps this response's retry policy."""
        current = model_from_context()
        if current is None:
            return self
        if isinstance(current, RetryModel):
            return current
        return RetryModel(current, self.retry_config)

    def variants(self) -> Iterator[RetryModel]:
        """The attempt schedule as variants, sleeping the backoff before each retry; for
        callers that drive their own attempts (the error is not known here, so a
        `Retry-After` cannot be honoured)."""
        attempts = Attempts(self)
        while True:
            yield attempts.variant
            delay = attempts.advance(None)
            if delay is None:
                return
            if delay > 0:
                time.sleep(delay)

    async def variants_async(self) -> AsyncIterator[RetryModel]:
        """`variants()` with `asyncio.sleep`."""
        attempts = Attempts(self)
        while True:
            yield attempts.variant
            delay = attempts.advance(None)
            if delay is None:
                return
            if delay > 0:
                await asyncio.sleep(delay)

    # ---- plain calls -----------------------------------------------------------------------

    @overload
    def call(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: None = None,
    ) -> RetryResponse[None]: ...
    @overload
    def call(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT],
    ) -> RetryResponse[FormattableT]: ...
    @overload
    def call(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> RetryResponse[None] | RetryResponse[FormattableT]: ...
    def call(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> RetryResponse[Any]:
        response, failures, variant = with_retry(
            lambda m: m.call(content, tools=tools, format=format), self
        )
        return RetryResponse(response, variant, failures)

    @overload
    async def call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: None = None,
    ) -> AsyncRetryResponse[None]: ...
    @overload
    async def call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncRetryResponse[FormattableT]: ...
    @overload
    async def call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> AsyncRetryResponse[None] | AsyncRetryResponse[FormattableT]: ...
    async def call_async(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> AsyncRetryResponse[Any]:
        response, failures, variant = await with_retry_async(
            lambda m: m.call_async(content, tools=tools, format=format), self
        )
        return AsyncRetryResponse(response, variant, failures)

    @overload
    def stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: None = None,
    ) -> RetryStreamResponse[None]: ...
    @overload
    def stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT],
    ) -> RetryStreamResponse[FormattableT]: ...
    @overload
    def stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> RetryStreamResponse[None] | RetryStreamResponse[FormattableT]: ...
    def stream(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> RetryStreamResponse[Any]:
        """Encodes now (so encoding errors raise here) and sends at the first pull; failures
        while iterating restart the response (see `RetryStreamResponse`)."""

        def open_stream(m: Model) -> StreamResponse[Any]:
            return m.stream(content, tools=tools, format=format)

        return RetryStreamResponse(self, open_stream, open_stream(self.get_active_model()))

    @overload
    async def stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: None = None,
    ) -> AsyncRetryStreamResponse[None]: ...
    @overload
    async def stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncRetryStreamResponse[FormattableT]: ...
    @overload
    async def stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> AsyncRetryStreamResponse[None] | AsyncRetryStreamResponse[FormattableT]: ...
    async def stream_async(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> AsyncRetryStreamResponse[Any]:
        async def open_stream(m: Model) -> AsyncStreamResponse[Any]:
            opened: AsyncStreamResponse[Any] = await m.stream_async(
                content, tools=tools, format=format
            )
            return opened

        first = await open_stream(self.get_active_model())
        return AsyncRetryStreamResponse(self, open_stream, first)

    # ---- context calls ---------------------------------------------------------------------

    @overload
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: None = None,
    ) -> ContextRetryResponse[DepsT, None]: ...
    @overload
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> ContextRetryResponse[DepsT, FormattableT]: ...
    @overload
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> ContextRetryResponse[DepsT, None] | ContextRetryResponse[DepsT, FormattableT]: ...
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> ContextRetryResponse[Any, Any]:
        response, failures, variant = with_retry(
            lambda m: m.context_call(content, ctx=ctx, tools=tools, format=format), self
        )
        return ContextRetryResponse(response, variant, failures)

    @overload
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: None = None,
    ) -> AsyncContextRetryResponse[DepsT, None]: ...
    @overload
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncContextRetryResponse[DepsT, FormattableT]: ...
    @overload
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> (
        AsyncContextRetryResponse[DepsT, None] | AsyncContextRetryResponse[DepsT, FormattableT]
    ): ...
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> AsyncContextRetryResponse[Any, Any]:
        response, failures, variant = await with_retry_async(
            lambda m: m.context_call_async(content, ctx=ctx, tools=tools, format=format), self
        )
        return AsyncContextRetryResponse(response, variant, failures)

    @overload
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: None = None,
    ) -> ContextRetryStreamResponse[DepsT, None]: ...
    @overload
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> ContextRetryStreamResponse[DepsT, FormattableT]: ...
    @overload
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> (
        ContextRetryStreamResponse[DepsT, None] | ContextRetryStreamResponse[DepsT, FormattableT]
    ): ...
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> ContextRetryStreamResponse[Any, Any]:
        def open_stream(m: Model) -> ContextStreamResponse[Any, Any]:
            return m.context_stream(content, ctx=ctx, tools=tools, format=format)

        return ContextRetryStreamResponse(self, open_stream, open_stream(self.get_active_model()))

    @overload
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: None = None,
    ) -> AsyncContextRetryStreamResponse[DepsT, None]: ...
    @overload
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncContextRetryStreamResponse[DepsT, FormattableT]: ...
    @overload
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> (
        AsyncContextRetryStreamResponse[DepsT, None]
        | AsyncContextRetryStreamResponse[DepsT, FormattableT]
    ): ...
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> AsyncContextRetryStreamResponse[Any, Any]:
        async def open_stream(m: Model) -> AsyncContextStreamResponse[Any, Any]:
            opened: AsyncContextStreamResponse[Any, Any] = await m.context_stream_async(
                content, ctx=ctx, tools=tools, format=format
            )
            return opened

        first = await open_stream(self.get_active_model())
        return AsyncContextRetryStreamResponse(self, open_stream, first)

    # ---- resuming --------------------------------------------------------------------------

    @overload
    def resume(self, *, response: Response[None], content: UserContent) -> RetryResponse[None]: ...
    @overload
    def resume(
        self, *, response: Response[FormattableT], content: UserContent
    ) -> RetryResponse[FormattableT]: ...
    @overload
    def resume(
        self, *, response: Response[None] | Response[FormattableT], content: UserContent
    ) -> RetryResponse[None] | RetryResponse[FormattableT]: ...
    def resume(self, *, response: Any, content: UserContent) -> RetryResponse[Any]:
        new, failures, variant = with_retry(
            lambda m: m.resume(response=response, content=content), self
        )
        return RetryResponse(new, variant, failures)

    @overload
    async def resume_async(
        self, *, response: AsyncResponse[None], content: UserContent
    ) -> AsyncRetryResponse[None]: ...
    @overload
    async def resume_async(
        self, *, response: AsyncResponse[FormattableT], content: UserContent
    ) -> AsyncRetryResponse[FormattableT]: ...
    @overload
    async def resume_async(
        self, *, response: AsyncResponse[None] | AsyncResponse[FormattableT], content: UserContent
    ) -> AsyncRetryResponse[None] | AsyncRetryResponse[FormattableT]: ...
    async def resume_async(self, *, response: Any, content: UserContent) -> AsyncRetryResponse[Any]:
        new, failures, variant = await with_retry_async(
            lambda m: m.resume_async(response=response, content=content), self
        )
        return AsyncRetryResponse(new, variant, failures)

    @overload
    def resume_stream(
        self, *, response: StreamResponse[None], content: UserContent
    ) -> RetryStreamResponse[None]: ...
    @overload
    def resume_stream(
        self, *, response: StreamResponse[FormattableT], content: UserContent
    ) -> RetryStreamResponse[FormattableT]: ...
    @overload
    def resume_stream(
        self, *, response: StreamResponse[None] | StreamResponse[FormattableT], content: UserContent
    ) -> RetryStreamResponse[None] | RetryStreamResponse[FormattableT]: ...
    def resume_stream(self, *, response: Any, content: UserContent) -> RetryStreamResponse[Any]:
        def open_stream(m: Model) -> StreamResponse[Any]:
            return m.resume_stream(response=response, content=content)

        return RetryStreamResponse(self, open_stream, open_stream(self.get_active_model()))

    @overload
    async def resume_stream_async(
        self, *, response: AsyncStreamResponse[None], content: UserContent
    ) -> AsyncRetryStreamResponse[None]: ...
    @overload
    async def resume_stream_async(
        self, *, response: AsyncStreamResponse[FormattableT], content: UserContent
    ) -> AsyncRetryStreamResponse[FormattableT]: ...
    @overload
    async def resume_stream_async(
        self,
        *,
        response: AsyncStreamResponse[None] | AsyncStreamResponse[FormattableT],
        content: UserContent,
    ) -> AsyncRetryStreamResponse[None] | AsyncRetryStreamResponse[FormattableT]: ...
    async def resume_stream_async(
        self, *, response: Any, content: UserContent
    ) -> AsyncRetryStreamResponse[Any]:
        async def open_stream(m: Model) -> AsyncStreamResponse[Any]:
            opened: AsyncStreamResponse[Any] = await m.resume_stream_async(
                response=response, content=content
            )
            return opened

        first = await open_stream(self.get_active_model())
        return AsyncRetryStreamResponse(self, open_stream, first)

    @overload
    def context_resume(
        self, *, ctx: Context[DepsT], response: ContextResponse[DepsT, None], content: UserContent
    ) -> ContextRetryResponse[DepsT, None]: ...
    @overload
    def context_resume(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextRetryResponse[DepsT, FormattableT]: ...
    @overload
    def context_resume(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextResponse[DepsT, None] | ContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextRetryResponse[DepsT, None] | ContextRetryResponse[DepsT, FormattableT]: ...
    def context_resume(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> ContextRetryResponse[Any, Any]:
        new, failures, variant = with_retry(
            lambda m: m.context_resume(ctx=ctx, response=response, content=content), self
        )
        return ContextRetryResponse(new, variant, failures)

    @overload
    async def context_resume_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextResponse[DepsT, None],
        content: UserContent,
    ) -> AsyncContextRetryResponse[DepsT, None]: ...
    @overload
    async def context_resume_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> AsyncContextRetryResponse[DepsT, FormattableT]: ...
    @overload
    async def context_resume_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextResponse[DepsT, None] | AsyncContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> (
        AsyncContextRetryResponse[DepsT, None] | AsyncContextRetryResponse[DepsT, FormattableT]
    ): ...
    async def context_resume_async(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> AsyncContextRetryResponse[Any, Any]:
        new, failures, variant = await with_retry_async(
            lambda m: m.context_resume_async(ctx=ctx, response=response, content=content), self
        )
        return AsyncContextRetryResponse(new, variant, failures)

    @overload
    def context_resume_stream(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextStreamResponse[DepsT, None],
        content: UserContent,
    ) -> ContextRetryStreamResponse[DepsT, None]: ...
    @overload
    def context_resume_stream(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextRetryStreamResponse[DepsT, FormattableT]: ...
    @overload
    def context_resume_stream(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextStreamResponse[DepsT, None] | ContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> (
        ContextRetryStreamResponse[DepsT, None] | ContextRetryStreamResponse[DepsT, FormattableT]
    ): ...
    def context_resume_stream(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> ContextRetryStreamResponse[Any, Any]:
        def open_stream(m: Model) -> ContextStreamResponse[Any, Any]:
            return m.context_resume_stream(ctx=ctx, response=response, content=content)

        return ContextRetryStreamResponse(self, open_stream, open_stream(self.get_active_model()))

    @overload
    async def context_resume_stream_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextStreamResponse[DepsT, None],
        content: UserContent,
    ) -> AsyncContextRetryStreamResponse[DepsT, None]: ...
    @overload
    async def context_resume_stream_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> AsyncContextRetryStreamResponse[DepsT, FormattableT]: ...
    @overload
    async def context_resume_stream_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextStreamResponse[DepsT, None]
        | AsyncContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> (
        AsyncContextRetryStreamResponse[DepsT, None]
        | AsyncContextRetryStreamResponse[DepsT, FormattableT]
    ): ...
    async def context_resume_stream_async(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> AsyncContextRetryStreamResponse[Any, Any]:
        async def open_stream(m: Model) -> AsyncContextStreamResponse[Any, Any]:
            opened: AsyncContextStreamResponse[Any, Any] = await m.context_resume_stream_async(
                ctx=ctx, response=response, content=content
            )
            return opened

        first = await open_stream(self.get_active_model())
        return AsyncContextRetryStreamResponse(self, open_stream, first)


def retry_model(model_id: str, **kwargs: Unpack[RetryModelParams]) -> RetryModel:
    """`llm.retry_model("openai/gpt-5-mini", temperature=0.2, max_retries=5,
    fallback_models=["anthropic/claude-sonnet-4-5"])`: model params and retry args together,
    split by name."""
    retry_args: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for key, value in kwargs.items():
        (retry_args if key in _RETRY_ARG_KEYS else params)[key] = value
    config = RetryConfig.from_args(**cast(RetryArgs, retry_args))
    return RetryModel(model_id, config, **params)

"""`llm.Model`: a model id plus params, and every way of calling it (docs/spec.md §2.2).

All sixteen call methods reduce to one step: resolve the provider, encode (errors raise here),
and build a response whose source sends the request at the first pull. Non-streaming calls
are streamed and finished, so one decoder path serves both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    UserContent,
    UserMessage,
    user,
)
from ferriscope.llm.providers.base import BaseProvider
from ferriscope.llm.providers.registry import get_provider_for_model
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
from ferriscope.llm.tools import normalize_tools

if TYPE_CHECKING:
    from ferriscope.llm.formatting import FormatSpec
    from ferriscope.llm.tools import AsyncContextTools, AsyncTools, ContextTools, Tools

__all__ = ["MODEL_CONTEXT", "Model", "model", "model_from_context", "set_observer", "use_model"]

MODEL_CONTEXT: ContextVar[Model | None] = ContextVar("MODEL_CONTEXT", default=None)

# What `ferriscope.ops.instrument_llm()` installs: called once per request in `_open` with
# (model, provider, encoded request, HTTP request), it returns an observation whose `wrap`
# takes the batch-source factory. None (the default) costs one global read per request.
_observer: Callable[..., Any] | None = None


def set_observer(observer: Callable[..., Any] | None) -> None:
    """Installs (or, with None, removes) the per-request observer; see `ferriscope.ops`."""
    global _observer
    _observer = observer


_MESSAGE_TYPES = (SystemMessage, UserMessage, AssistantMessage)


def model_from_context() -> Model | None:
    """The model set by the innermost `with model:` block, if any."""
    return MODEL_CONTEXT.get()


def promote_to_messages(content: UserContent | Sequence[Message]) -> list[Message]:
    """A list starting with a Message is a conversation; anything else is one user turn."""
    if type(content) is str:  # the usual prompt, without the ABC check below
        return [user(content)]
    if isinstance(content, Sequence) and not isinstance(content, str) and content:
        if isinstance(content[0], _MESSAGE_TYPES):
            return list(content)  # type: ignore[arg-type]
    return [user(content)]  # type: ignore[arg-type]


ToolkitKind = Literal["sync", "async", "context", "async_context"]
R = TypeVar("R")


def _toolkit(tools: Any, kind: ToolkitKind) -> Any:
    return normalize_tools(tools, kind=kind)


class Model:
    """A model id (`"<provider scope>/<name>"`) and the params every call with it uses."""

    def __init__(self, model_id: str, **params: Any) -> None:
        if "/" not in model_id:
            raise ValueError(
                "Invalid model_id format. Expected format: 'provider/model-name' "
                f"(e.g., 'openai/gpt-4'). Got: '{model_id}'"
            )
        self.model_id = model_id
        self.params: dict[str, Any] = params
        self._tokens: list[Token[Model | None]] = []

    def __repr__(self) -> str:
        return f"Model({self.model_id!r}, **{self.params!r})"

    @property
    def provider(self) -> BaseProvider:
        """Looked up on every access, so a later `register_provider` takes effect."""
        return get_provider_for_model(self.model_id)

    @property
    def provider_id(self) -> str:
        return self.provider.id

    def __enter__(self) -> Model:
        self._tokens.append(MODEL_CONTEXT.set(self))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tokens:
            MODEL_CONTEXT.reset(self._tokens.pop())

    # ---- the one step every method takes --------------------------------------------------

    def _open(
        self,
        response_cls: type[R],
        messages: list[Message],
        toolkit: Any,
        format: Any,
        *,
        is_async: bool,
    ) -> R:
        provider = self.provider
        encoded = provider.encode(
            model_id=self.model_id,
            messages=messages,
            toolkit=toolkit,
            format=format,
            params=dict(self.params),
        )
        request = provider.http_request(encoded)
        transport = provider.transport
        if is_async:

            def batches() -> Any:
                return transport.astream_batches(request)
        else:

            def batches() -> Any:
                return transport.stream_batches(request)

        observer = _observer
        observation = None
        if observer is not None:
            observation = observer(self, provider, encoded, request)
            batches = observation.wrap(batches)
        response = response_cls(  # type: ignore[call-arg]
            provider_id=provider.response_provider_id(self.model_id),
            model_id=self.model_id,
            provider_model_name=encoded.provider_model_name,
            params=self.params,
            tools=toolkit,
            format=encoded.format,
            input_messages=encoded.messages,
            batches=batches,
        )
        if observation is not None:
            response._ops = observation  # type: ignore[attr-defined]
        return response

    # ---- plain calls -----------------------------------------------------------------------

    @overload
    def stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: None = None,
    ) -> StreamResponse[None]: ...
    @overload
    def stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT],
    ) -> StreamResponse[FormattableT]: ...
    @overload
    def stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> StreamResponse[None] | StreamResponse[FormattableT]: ...
    def stream(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> StreamResponse[Any]:
        """Starts nothing yet: the request is sent at the first pull of the response."""
        toolkit = _toolkit(tools, "sync")
        return self._open(
            StreamResponse, promote_to_messages(content), toolkit, format, is_async=False
        )

    @overload
    def call(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: None = None,
    ) -> Response[None]: ...
    @overload
    def call(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT],
    ) -> Response[FormattableT]: ...
    @overload
    def call(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: Tools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> Response[None] | Response[FormattableT]: ...
    def call(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> Response[Any]:
        stream = self.stream(content, tools=tools, format=format)
        stream.finish()
        return Response.from_stream(stream)

    @overload
    async def stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: None = None,
    ) -> AsyncStreamResponse[None]: ...
    @overload
    async def stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncStreamResponse[FormattableT]: ...
    @overload
    async def stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> AsyncStreamResponse[None] | AsyncStreamResponse[FormattableT]: ...
    async def stream_async(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> AsyncStreamResponse[Any]:
        toolkit = _toolkit(tools, "async")
        return self._open(
            AsyncStreamResponse, promote_to_messages(content), toolkit, format, is_async=True
        )

    @overload
    async def call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: None = None,
    ) -> AsyncResponse[None]: ...
    @overload
    async def call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncResponse[FormattableT]: ...
    @overload
    async def call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        tools: AsyncTools | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> AsyncResponse[None] | AsyncResponse[FormattableT]: ...
    async def call_async(
        self, content: UserContent | Sequence[Message], *, tools: Any = None, format: Any = None
    ) -> AsyncResponse[Any]:
        stream = await self.stream_async(content, tools=tools, format=format)
        await stream.finish()
        return AsyncResponse.from_stream(stream)

    # ---- context calls ---------------------------------------------------------------------

    @overload
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: None = None,
    ) -> ContextStreamResponse[DepsT, None]: ...
    @overload
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> ContextStreamResponse[DepsT, FormattableT]: ...
    @overload
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> ContextStreamResponse[DepsT, None] | ContextStreamResponse[DepsT, FormattableT]: ...
    def context_stream(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> ContextStreamResponse[Any, Any]:
        toolkit = _toolkit(tools, "context")
        return self._open(
            ContextStreamResponse, promote_to_messages(content), toolkit, format, is_async=False
        )

    @overload
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: None = None,
    ) -> ContextResponse[DepsT, None]: ...
    @overload
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> ContextResponse[DepsT, FormattableT]: ...
    @overload
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: ContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> ContextResponse[DepsT, None] | ContextResponse[DepsT, FormattableT]: ...
    def context_call(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> ContextResponse[Any, Any]:
        stream = self.context_stream(content, ctx=ctx, tools=tools, format=format)
        stream.finish()
        return ContextResponse.from_stream(stream)

    @overload
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: None = None,
    ) -> AsyncContextStreamResponse[DepsT, None]: ...
    @overload
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncContextStreamResponse[DepsT, FormattableT]: ...
    @overload
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> (
        AsyncContextStreamResponse[DepsT, None] | AsyncContextStreamResponse[DepsT, FormattableT]
    ): ...
    async def context_stream_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> AsyncContextStreamResponse[Any, Any]:
        toolkit = _toolkit(tools, "async_context")
        return self._open(
            AsyncContextStreamResponse,
            promote_to_messages(content),
            toolkit,
            format,
            is_async=True,
        )

    @overload
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: None = None,
    ) -> AsyncContextResponse[DepsT, None]: ...
    @overload
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT],
    ) -> AsyncContextResponse[DepsT, FormattableT]: ...
    @overload
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Context[DepsT],
        tools: AsyncContextTools[DepsT] | None = None,
        format: FormatSpec[FormattableT] | None,
    ) -> AsyncContextResponse[DepsT, None] | AsyncContextResponse[DepsT, FormattableT]: ...
    async def context_call_async(
        self,
        content: UserContent | Sequence[Message],
        *,
        ctx: Any,
        tools: Any = None,
        format: Any = None,
    ) -> AsyncContextResponse[Any, Any]:
        stream = await self.context_stream_async(content, ctx=ctx, tools=tools, format=format)
        await stream.finish()
        return AsyncContextResponse.from_stream(stream)

    # ---- resuming: the response's history plus one user turn, same tools and format -------

    def _resumed(self, response: Any, content: UserContent) -> list[Message]:
        return [*response.messages, user(content)]

    @overload
    def resume_stream(
        self, *, response: StreamResponse[None], content: UserContent
    ) -> StreamResponse[None]: ...
    @overload
    def resume_stream(
        self, *, response: StreamResponse[FormattableT], content: UserContent
    ) -> StreamResponse[FormattableT]: ...
    @overload
    def resume_stream(
        self, *, response: StreamResponse[None] | StreamResponse[FormattableT], content: UserContent
    ) -> StreamResponse[None] | StreamResponse[FormattableT]: ...
    def resume_stream(self, *, response: Any, content: UserContent) -> StreamResponse[Any]:
        return self._open(
            StreamResponse,
            self._resumed(response, content),
            response.toolkit,
            response.format,
            is_async=False,
        )

    @overload
    def resume(self, *, response: Response[None], content: UserContent) -> Response[None]: ...
    @overload
    def resume(
        self, *, response: Response[FormattableT], content: UserContent
    ) -> Response[FormattableT]: ...
    @overload
    def resume(
        self, *, response: Response[None] | Response[FormattableT], content: UserContent
    ) -> Response[None] | Response[FormattableT]: ...
    def resume(self, *, response: Any, content: UserContent) -> Response[Any]:
        stream = self.resume_stream(response=response, content=content)
        stream.finish()
        return Response.from_stream(stream)

    @overload
    async def resume_stream_async(
        self, *, response: AsyncStreamResponse[None], content: UserContent
    ) -> AsyncStreamResponse[None]: ...
    @overload
    async def resume_stream_async(
        self, *, response: AsyncStreamResponse[FormattableT], content: UserContent
    ) -> AsyncStreamResponse[FormattableT]: ...
    @overload
    async def resume_stream_async(
        self,
        *,
        response: AsyncStreamResponse[None] | AsyncStreamResponse[FormattableT],
        content: UserContent,
    ) -> AsyncStreamResponse[None] | AsyncStreamResponse[FormattableT]: ...
    async def resume_stream_async(
        self, *, response: Any, content: UserContent
    ) -> AsyncStreamResponse[Any]:
        return self._open(
            AsyncStreamResponse,
            self._resumed(response, content),
            response.toolkit,
            response.format,
            is_async=True,
        )

    @overload
    async def resume_async(
        self, *, response: AsyncResponse[None], content: UserContent
    ) -> AsyncResponse[None]: ...
    @overload
    async def resume_async(
        self, *, response: AsyncResponse[FormattableT], content: UserContent
    ) -> AsyncResponse[FormattableT]: ...
    @overload
    async def resume_async(
        self, *, response: AsyncResponse[None] | AsyncResponse[FormattableT], content: UserContent
    ) -> AsyncResponse[None] | AsyncResponse[FormattableT]: ...
    async def resume_async(self, *, response: Any, content: UserContent) -> AsyncResponse[Any]:
        stream = await self.resume_stream_async(response=response, content=content)
        await stream.finish()
        return AsyncResponse.from_stream(stream)

    @overload
    def context_resume_stream(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextStreamResponse[DepsT, None],
        content: UserContent,
    ) -> ContextStreamResponse[DepsT, None]: ...
    @overload
    def context_resume_stream(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextStreamResponse[DepsT, FormattableT]: ...
    @overload
    def context_resume_stream(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextStreamResponse[DepsT, None] | ContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextStreamResponse[DepsT, None] | ContextStreamResponse[DepsT, FormattableT]: ...
    def context_resume_stream(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> ContextStreamResponse[Any, Any]:
        return self._open(
            ContextStreamResponse,
            self._resumed(response, content),
            response.toolkit,
            response.format,
            is_async=False,
        )

    @overload
    def context_resume(
        self, *, ctx: Context[DepsT], response: ContextResponse[DepsT, None], content: UserContent
    ) -> ContextResponse[DepsT, None]: ...
    @overload
    def context_resume(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextResponse[DepsT, FormattableT]: ...
    @overload
    def context_resume(
        self,
        *,
        ctx: Context[DepsT],
        response: ContextResponse[DepsT, None] | ContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> ContextResponse[DepsT, None] | ContextResponse[DepsT, FormattableT]: ...
    def context_resume(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> ContextResponse[Any, Any]:
        stream = self.context_resume_stream(ctx=ctx, response=response, content=content)
        stream.finish()
        return ContextResponse.from_stream(stream)

    @overload
    async def context_resume_stream_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextStreamResponse[DepsT, None],
        content: UserContent,
    ) -> AsyncContextStreamResponse[DepsT, None]: ...
    @overload
    async def context_resume_stream_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> AsyncContextStreamResponse[DepsT, FormattableT]: ...
    @overload
    async def context_resume_stream_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextStreamResponse[DepsT, None]
        | AsyncContextStreamResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> (
        AsyncContextStreamResponse[DepsT, None] | AsyncContextStreamResponse[DepsT, FormattableT]
    ): ...
    async def context_resume_stream_async(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> AsyncContextStreamResponse[Any, Any]:
        return self._open(
            AsyncContextStreamResponse,
            self._resumed(response, content),
            response.toolkit,
            response.format,
            is_async=True,
        )

    @overload
    async def context_resume_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextResponse[DepsT, None],
        content: UserContent,
    ) -> AsyncContextResponse[DepsT, None]: ...
    @overload
    async def context_resume_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> AsyncContextResponse[DepsT, FormattableT]: ...
    @overload
    async def context_resume_async(
        self,
        *,
        ctx: Context[DepsT],
        response: AsyncContextResponse[DepsT, None] | AsyncContextResponse[DepsT, FormattableT],
        content: UserContent,
    ) -> AsyncContextResponse[DepsT, None] | AsyncContextResponse[DepsT, FormattableT]: ...
    async def context_resume_async(
        self, *, ctx: Any, response: Any, content: UserContent
    ) -> AsyncContextResponse[Any, Any]:
        stream = await self.context_resume_stream_async(ctx=ctx, response=response, content=content)
        await stream.finish()
        return AsyncContextResponse.from_stream(stream)


def model(model_id: str, **params: Any) -> Model:
    """An alias of `Model(...)`, read best as a context manager: `with llm.model(...):`."""
    return Model(model_id, **params)


def use_model(model: Model | str, **params: Any) -> Model:
    """The model of the innermost `with model:` block if any, else this one."""
    current = model_from_context()
    if current is not None:
        return current
    if isinstance(model, str):
        return Model(model, **params)
    return model

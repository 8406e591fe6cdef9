"""What responses do with their content: parse it, run its tool calls, resume the
conversation, validate with retries (docs/spec.md §3.7, §7.3, §8).

Mixins, because the same rules hold for the eight response kinds and only the calling
convention differs: sync or async, with or without a leading `ctx`, streaming or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, overload

from typing_extensions import Self

from ferriscope._lazy import lazy_module
from ferriscope.llm import formatting
from ferriscope.llm.context import Context, DepsT
from ferriscope.llm.exceptions import ParseError
from ferriscope.llm.formatting import extract_json_text
from ferriscope.llm.formatting.parsing import stream_partial_parser
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.responses.citations import Citation, citations_in
from ferriscope.partial_json import parse_partial

if TYPE_CHECKING:
    import asyncio
else:
    asyncio = lazy_module("asyncio")

if TYPE_CHECKING:
    from ferriscope.llm.content import ToolOutput
    from ferriscope.llm.formatting import Format, Partial
    from ferriscope.llm.messages import UserContent
    from ferriscope.llm.models.model import Model

__all__ = [
    "AsyncContextToolLoop",
    "AsyncToolLoop",
    "ContextToolLoop",
    "ParseMixin",
    "SyncToolLoop",
]


class ParseMixin(Generic[FormattableT]):
    """`parse()` and the `model` and `citations` properties, shared by every response kind.

    Generic in the format type, so that `parse()` and `validate()` return the type given as
    `format=` (None without one), as Mirascope types them."""

    model_id: str
    params: Any
    format: Format[FormattableT] | None
    toolkit: Any
    tool_calls: Any
    messages: list[Any]

    if TYPE_CHECKING:

        def text(self, sep: str = "\n") -> str: ...

        def finish(self) -> Any: ...

    @property
    def model(self) -> Model:
        """The model to continue with: this response's, unless a `with llm.model(...)` block
        overrides it."""
        from ferriscope.llm.models.model import use_model

        return use_model(self.model_id, **self.params)

    @property
    def citations(self) -> Sequence[Citation]:
        """The web sources the provider cited for this answer (a ferriscope addition: Mirascope
        drops them). Read from the finished turn's raw message, so a stream has none until it
        has been consumed; empty without a web search."""
        return citations_in(getattr(self.messages[-1], "raw_message", None))

    # A stream's incremental partial parsing: [the `_partial_state` it follows, format,
    # `stream_partial_parser(format)`, JSON parser and text length at the last call, result].
    _partial_memo: list[Any] | None = None

    # Typed as Mirascope types it: the format type, `Partial` of it while streaming, None
    # without a format. A response of unknown format (`StreamResponse[Any]`) parses to Any.
    @overload
    def parse(self: ParseMixin[None], partial: Literal[True]) -> None: ...  # type: ignore[overload-overlap]
    @overload
    def parse(self, partial: Literal[True]) -> Partial[FormattableT]: ...
    @overload
    def parse(self, partial: Literal[False] = False) -> FormattableT: ...
    @overload
    def parse(self, partial: bool) -> FormattableT | Partial[FormattableT] | None: ...
    def parse(self, partial: bool = False) -> Any:
        """The structured output: the validated value (`partial=False`), or a `Partial[T]` of
        what has arrived so far (None when nothing validates yet)."""
        if partial:
            return self._parse_partial()
        if self.format is None:
            return None
        if isinstance(self.format.formattable, formatting.OutputParser):
            try:
                return self.format.formattable(self)
            except Exception as error:
                raise ParseError(f"Output parser failed: {error}", error) from error
        return formatting.parse(self.format, self.text(""))

    def _parse_partial(self, upto: int | None = None, last: Any = None) -> Any:
        """`parse(partial=True)`. A stream keeps one `stream_partial_parser` per JSON parser
        (`_partial_state`, replaced when the stream restarts), so a partial costs what arrived
        since the last one; with no new text, the last result is returned again."""
        format = self.format
        memo = self._partial_memo
        if memo is None or memo[1] is not format:
            if format is None:
                return None
            if isinstance(format.formattable, formatting.OutputParser):
                raise NotImplementedError("parse(partial=True) is not supported for OutputParser")
        if upto is None:
            upto = self._partial_upto()
        value = self._partial_json_value(upto, last)
        state: list[Any] | None = getattr(self, "_partial_state", None)
        if state is None:  # a finished response: one parse, nothing to keep
            return formatting.parse_partial(format, value)
        if memo is None or memo[0] is not state or memo[1] is not format:
            parse = stream_partial_parser(format)
            memo = self._partial_memo = [state, format, parse, None, -1, None]
        parser, fed = state[0], state[1]
        if parser is memo[3] and fed == memo[4]:
            return memo[5]
        result = memo[2](value)
        memo[3], memo[4], memo[5] = parser, fed, result
        return result

    def _partial_upto(self) -> int | None:
        """The cache entry partial parsing stops at (None: all of it; streams override)."""
        return None

    def _partial_json_value(self, upto: int | None = None, last: Any = None) -> Any:
        """The partial JSON value of the text so far (stream responses keep a parser fed
        incrementally, up to cache entry `upto` if given; finished responses parse once)."""
        try:
            return parse_partial(extract_json_text(self.text("")))
        except ValueError:
            return None

    def _tool_outputs_sync(self, ctx: Any, with_ctx: bool) -> list[ToolOutput[Any]]:
        toolkit = self.toolkit
        if with_ctx:
            return [toolkit.execute(ctx, call) for call in self.tool_calls]
        return [toolkit.execute(call) for call in self.tool_calls]

    async def _tool_outputs_async(self, ctx: Any, with_ctx: bool) -> list[ToolOutput[Any]]:
        toolkit = self.toolkit
        if with_ctx:
            jobs = [toolkit.execute(ctx, call) for call in self.tool_calls]
        else:
            jobs = [toolkit.execute(call) for call in self.tool_calls]
        return list(await asyncio.gather(*jobs))


def _check_retries(max_retries: int) -> None:
    if max_retries < 0:
        raise ValueError("max_retries must be non-negative")


def _validate(response: Any, max_retries: int, resume: Callable[[Any, str], Any]) -> Any:
    """Parse; on a ParseError resume with the error's retry message, up to `max_retries`
    times. The response is finished (consumed) before each parse."""
    _check_retries(max_retries)
    response.finish()
    if response.format is None:
        return None, response
    current = response
    for attempt in range(max_retries + 1):
        try:
            return current.parse(), current
        except ParseError as error:
            if attempt == max_retries:
                raise
            current = resume(current, error.retry_message())
            current.finish()
    raise AssertionError("unreachable")


async def _avalidate(
    response: Any, max_retries: int, resume: Callable[[Any, str], Awaitable[Any]]
) -> Any:
    _check_retries(max_retries)
    await response.finish()
    if response.format is None:
        return None, response
    current = response
    for attempt in range(max_retries + 1):
        try:
            return current.parse(), current
        except ParseError as error:
            if attempt == max_retries:
                raise
            current = await resume(current, error.retry_message())
            await current.finish()
    raise AssertionError("unreachable")


class SyncToolLoop(ParseMixin[FormattableT], Generic[FormattableT]):
    """Sync, no context."""

    _streaming: bool = False

    def execute_tools(self) -> list[ToolOutput[Any]]:
        """Runs every complete tool call; tool failures land on the outputs, never raised."""
        return self._tool_outputs_sync(None, with_ctx=False)

    def resume(self, content: UserContent) -> Self:
        """Continues the conversation with one more user turn, same tools and format (a
        response of the same kind: a stream resumes as a stream, a retry response retries)."""
        model: Any = self.model  # which `Model` method returns `Self` depends on `_streaming`
        if self._streaming:
            return model.resume_stream(response=self, content=content)  # type: ignore[no-any-return]
        return model.resume(response=self, content=content)  # type: ignore[no-any-return]

    def validate(self, max_retries: int = 1) -> tuple[FormattableT, Self]:
        """Parses; on a ParseError asks the model to fix its answer, up to `max_retries`."""
        return _validate(self, max_retries, lambda r, m: r.resume(m))  # type: ignore[no-any-return]


class AsyncToolLoop(ParseMixin[FormattableT], Generic[FormattableT]):
    """Async, no context."""

    _streaming: bool = False

    async def execute_tools(self) -> list[ToolOutput[Any]]:
        return await self._tool_outputs_async(None, with_ctx=False)

    async def resume(self, content: UserContent) -> Self:
        model: Any = self.model
        if self._streaming:
            return await model.resume_stream_async(response=self, content=content)  # type: ignore[no-any-return]
        return await model.resume_async(response=self, content=content)  # type: ignore[no-any-return]

    async def validate(self, max_retries: int = 1) -> tuple[FormattableT, Self]:
        return await _avalidate(self, max_retries, lambda r, m: r.resume(m))  # type: ignore[no-any-return]


class ContextToolLoop(ParseMixin[FormattableT], Generic[DepsT, FormattableT]):
    """Sync, with `ctx` first."""

    _streaming: bool = False

    def execute_tools(self, ctx: Context[DepsT]) -> list[ToolOutput[Any]]:
        return self._tool_outputs_sync(ctx, with_ctx=True)

    def resume(self, ctx: Context[DepsT], content: UserContent) -> Self:
        model: Any = self.model
        if self._streaming:
            return model.context_resume_stream(ctx=ctx, response=self, content=content)  # type: ignore[no-any-return]
        return model.context_resume(ctx=ctx, response=self, content=content)  # type: ignore[no-any-return]

    def validate(self, ctx: Context[DepsT], max_retries: int = 1) -> tuple[FormattableT, Self]:
        return _validate(self, max_retries, lambda r, m: r.resume(ctx, m))  # type: ignore[no-any-return]


class AsyncContextToolLoop(ParseMixin[FormattableT], Generic[DepsT, FormattableT]):
    """Async, with `ctx` first."""

    _streaming: bool = False

    async def execute_tools(self, ctx: Context[DepsT]) -> list[ToolOutput[Any]]:
        return await self._tool_outputs_async(ctx, with_ctx=True)

    async def resume(self, ctx: Context[DepsT], content: UserContent) -> Self:
        model: Any = self.model
        if self._streaming:
            return await model.context_resume_stream_async(  # type: ignore[no-any-return]
                ctx=ctx, response=self, content=content
            )
        return await model.context_resume_async(ctx=ctx, response=self, content=content)  # type: ignore[no-any-return]

    async def validate(
        self, ctx: Context[DepsT], max_retries: int = 1
    ) -> tuple[FormattableT, Self]:
        return await _avalidate(self, max_retries, lambda r, m: r.resume(ctx, m))  # type: ignore[no-any-return]

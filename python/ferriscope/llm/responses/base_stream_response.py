"""What every stream response shares: the chunk cache, the accumulators, and their rules.

Chunks arrive from the source in batches (one batch per network read, straight from the Rust
decoder). `_apply` folds a batch into the accumulators and appends its content chunks to the
cache; every iterator is a cursor over that cache that asks for the next batch when it runs
out (docs/spec.md §3.2). Sync and async responses differ only in how they pull a batch. The cache
keeps text and thought chunks as offsets into their part's text once every iterator at the
live end has read them (`chunk_cache.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic

from ferriscope._core import (
    FinishReasonChunk,
    RawMessageChunk,
    RawStreamEventChunk,
    StreamErrorChunk,
    TextChunk,
    TextEndChunk,
    TextStartChunk,
    ThoughtChunk,
    ThoughtEndChunk,
    ThoughtStartChunk,
    ToolCallChunk,
    ToolCallEndChunk,
    ToolCallStartChunk,
    UsageDeltaChunk,
)
from ferriscope.llm import exceptions
from ferriscope.llm._error_kinds import ERROR_CLASSES
from ferriscope.llm._names import FORMAT_TOOL_NAME, is_format_tool_name
from ferriscope.llm.content import Text, Thought, ToolCall
from ferriscope.llm.content.growing import freeze, growing_text, growing_thought
from ferriscope.llm.formatting.types import FormattableT
from ferriscope.llm.messages import AssistantMessage, Message
from ferriscope.llm.responses.chunk_cache import COMPACT_AT, ChunkCache
from ferriscope.llm.responses.finish_reason import FinishReason
from ferriscope.llm.responses.usage import Usage
from ferriscope.partial_json import PartialJSONError, PartialJSONParser

if TYPE_CHECKING:
    from ferriscope.llm.content import AssistantContentPart
    from ferriscope.llm.formatting import Format

__all__ = ["FORMAT_TOOL_NAME", "BaseStreamResponse", "stream_error"]


def stream_error(chunk: StreamErrorChunk, provider: str) -> exceptions.ProviderError:
    """The `llm.Error` an in-stream error chunk stands for: its kind's class
    (`llm/_error_kinds.py`), with the status code when it is an API error."""
    cls = ERROR_CLASSES[chunk.kind]
    if issubclass(cls, exceptions.APIError):
        return cls(chunk.message, provider, chunk.status_code)
    return cls(chunk.message, provider)


def _json_start(text: str) -> int | None:
    """Where the JSON object of a structured answer starts: the first `{`, after a ```json
    fence when there is one (docs/spec.md §7.3)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):  # bare JSON, as `strip_json_preamble` reads it
        return len(text) - len(stripped)
    fence = text.find("```json")
    brace = text.find("{", fence + 7 if fence >= 0 else 0)
    return brace if brace >= 0 else None


_CLOSED: tuple[Any, Any] = (None, None)
_RUNS_AT = 8
"""Batches at least this long are folded run by run (`BaseStreamResponse._apply`)."""
_delta = attrgetter("delta")


class _PendingCall:
    """A tool call still streaming: invisible until its end chunk (docs/spec.md §3.3)."""

    __slots__ = ("id", "name", "pieces")

    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name
        self.pieces: list[str] = []


class BaseStreamResponse(Generic[FormattableT]):
    """State and accumulation rules shared by the sync, async and context variants."""

    provider_id: str
    model_id: str
    provider_model_name: str
    params: Any
    toolkit: Any
    format: Format[FormattableT] | None
    chunks: Sequence[Any]
    content: Sequence[AssistantContentPart]
    texts: Sequence[Text]
    thoughts: Sequence[Thought]
    tool_calls: Sequence[ToolCall]
    messages: list[Message]
    usage: Usage | None
    finish_reason: FinishReason | None
    raw_stream_events: Sequence[Any]
    consumed: bool

    def __init__(
        self,
        *,
        provider_id: str,
        model_id: str,
        provider_model_name: str,
        params: Any,
        toolkit: Any = None,
        format: Any = None,
        input_messages: Sequence[Message],
    ) -> None:
        self.provider_id = provider_id
        self.model_id = model_id
        self.provider_model_name = provider_model_name
        self.params = params
        self.toolkit = toolkit
        self.format = format
        self._input_messages = list(input_messages)
        self._reset()

    def _reset(self) -> None:
        """Empty accumulators (also used when a retry restarts the stream)."""
        self._chunks = ChunkCache()
        self._content: list[Any] = []
        self._texts: list[Text] = []
        self._thoughts: list[Thought] = []
        self._tool_calls: list[ToolCall] = []
        self._raw_stream_events: list[Any] = []
        self.chunks = self._chunks
        self.content = self._content
        self.texts = self._texts
        self.thoughts = self._thoughts
        self.tool_calls = self._tool_calls
        self.raw_stream_events = self._raw_stream_events
        self.usage = None
        self.finish_reason = None
        self.consumed = False
        self._error: BaseException | None = None
        self._closed = False
        self._open_part: Any = None
        # (TextChunk or ThoughtChunk, the part's `pieces.append`) while a text/thought is open:
        # one attribute, as `_apply` reads it per batch
        self._open: tuple[Any, Any] = _CLOSED
        self._calls: dict[str, _PendingCall] = {}
        self._format_ids: set[str] = set()
        self._partial_state: list[Any] | None = None
        # Cache entries before the batch being read, and up to the chunk an iterator yielded
        # last: what `parse(partial=True)` shows mid-batch (see `_partial_upto`).
        self._batch_start = 0
        self._seen_to = 0
        self._assistant_message = AssistantMessage(
            content=self._content,
            provider_id=self.provider_id,
            model_id=self.model_id,
            provider_model_name=self.provider_model_name,
            raw_message=None,
        )
        self.messages = [*self._input_messages, self._assistant_message]

    # ---- accumulation ----------------------------------------------------------------------

    def _apply(self, batch: Iterable[Any]) -> None:
        """Folds one batch of source chunks into the response; content chunks are cached.

        A batch of `_RUNS_AT` chunks or more (a network read that carried many events) is
        cut into runs of one chunk class (`itertools.groupby`): a run of the open part's
        text or thought chunks is added with two C-level list extends, its deltas to the
        part, the chunks to the cache's hot list; any other run goes through `_fold`."""
        cache = self._chunks
        self._batch_start = cache.base + len(cache.hot)  # len(cache), without a call
        if len(cache.hot) >= COMPACT_AT:
            cache.compact()  # every cursor at the live end has read it: it is pulling
        if type(batch) is not list or len(batch) < _RUNS_AT:
            self._fold(batch)
            return
        hot = cache.hot
        for kind, run in groupby(batch, type):
            open_kind, append = self._open
            if kind is open_kind:
                chunks = list(run)
                hot += chunks
                append.__self__.extend(map(_delta, chunks))
            else:
                self._fold(run)

    def _fold(self, batch: Iterable[Any]) -> None:
        """Folds chunks one at a time. A text or thought chunk of the open part costs two
        list appends: its delta to the part, the chunk to the cache's hot list. Everything
        else goes through `_apply_rare`, after which the open part is looked up again."""
        cache = self._chunks
        hot = cache.hot
        open_kind, append = self._open
        format_ids = self._format_ids
        calls = self._calls
        marks = cache.marks
        for chunk in batch:
            kind = type(chunk)
            if kind is open_kind:
                append(chunk.delta)
                hot.append(chunk)
            elif kind is ToolCallChunk:
                if format_ids and chunk.id in format_ids:
                    chunk = TextChunk(delta=chunk.delta)
                    append(chunk.delta)  # the format tool's text part is the open one
                else:
                    call = calls.get(chunk.id)
                    if call is None:
                        raise RuntimeError(f"Received tool_call_chunk for unknown id {chunk.id!r}")
                    call.pieces.append(chunk.delta)
                    marks.append(len(hot))  # kept as an object (`ChunkCache.add`)
                hot.append(chunk)
            else:
                self._apply_rare(chunk, cache)
                open_kind, append = self._open

    def _apply_rare(self, chunk: Any, cache: ChunkCache) -> None:
        kind = type(chunk)
        if kind is TextChunk or kind is ThoughtChunk:
            if self._open_part is None:
                raise RuntimeError(f"Received {chunk.type} while no text or thought is open")
            raise RuntimeError(f"Received {chunk.type} while processing {self._open_part.type}")
        elif kind is TextStartChunk or kind is ThoughtStartChunk:
            self._start_part(text=kind is TextStartChunk)
            cache.add(chunk)
        elif kind is TextEndChunk or kind is ThoughtEndChunk:
            self._end_part(chunk.type)
            cache.add(chunk)
        elif kind is ToolCallStartChunk:
            if is_format_tool_name(chunk.name):
                self._format_ids.add(chunk.id)
                self._start_part(text=True)
                cache.add(TextStartChunk())
                return
            if chunk.id in self._calls:
                raise RuntimeError(f"Received tool_call_start_chunk with duplicate id {chunk.id!r}")
            if self.finish_reason is not None:
                raise RuntimeError(f"Stream already finished with reason: {self.finish_reason}")
            self._calls[chunk.id] = _PendingCall(chunk.id, chunk.name)
            cache.add(chunk)
        elif kind is ToolCallEndChunk:
            if chunk.id in self._format_ids:
                self._format_ids.discard(chunk.id)
                self._end_part("text_end_chunk")
                cache.add(TextEndChunk())
                return
            pending = self._calls.pop(chunk.id, None)
            if pending is None:
                raise RuntimeError(f"Received tool_call_end_chunk for unknown id {chunk.id!r}")
            args = "".join(pending.pieces)
            call = ToolCall(id=pending.id, name=pending.name, args=args if args.strip() else "{}")
            self._content.append(call)
            self._tool_calls.append(call)
            cache.add(chunk)
        elif kind is UsageDeltaChunk:
            self._add_usage(chunk)
        elif kind is FinishReasonChunk:
            self.finish_reason = FinishReason(chunk.finish_reason)
        elif kind is RawStreamEventChunk:
            self._raw_stream_events.append(chunk.raw_stream_event)
        elif kind is RawMessageChunk:
            self._assistant_message.raw_message = chunk.raw_message
        elif kind is StreamErrorChunk:
            raise stream_error(chunk, self.provider_id)
        else:
            raise TypeError(f"not a stream response chunk: {chunk!r}")

    def _start_part(self, *, text: bool) -> None:
        if self._open_part is not None:
            raise RuntimeError("Received a text/thought start while another part is open")
        if self.finish_reason is not None:
            raise RuntimeError(f"Stream already finished with reason: {self.finish_reason}")
        part: Any
        if text:
            part, pieces = growing_text()
            self._texts.append(part)
        else:
            part, pieces = growing_thought()
            self._thoughts.append(part)
        self._content.append(part)
        self._chunks.start_part(pieces)
        self._open_part = part
        self._open = (TextChunk if text else ThoughtChunk, pieces.append)

    def _end_part(self, chunk_type: str) -> None:
        part = self._open_part
        want = "text" if chunk_type == "text_end_chunk" else "thought"
        if part is None or part.type != want:
            raise RuntimeError(f"Received {chunk_type} while not processing {want}")
        freeze(part)
        self._open_part = None
        self._open = _CLOSED

    def _add_usage(self, chunk: UsageDeltaChunk) -> None:
        usage = self.usage
        if usage is None:
            usage = self.usage = Usage()
        usage.input_tokens += chunk.input_tokens
        usage.output_tokens += chunk.output_tokens
        usage.cache_read_tokens += chunk.cache_read_tokens
        usage.cache_write_tokens += chunk.cache_write_tokens
        usage.reasoning_tokens += chunk.reasoning_tokens
        if chunk.provider_tool_usage is not None:
            usage.provider_tool_usage = list(chunk.provider_tool_usage)

    def _ended(self) -> None:
        """The source is exhausted: nothing more will arrive, so no chunk object need be
        kept. A hot list of `COMPACT_AT` entries or more is compacted now; a shorter one (a
        short answer's few dozen chunks, no more than an open stream holds) is left until a
        cursor starts replaying the response (`_cursor_cache`), so a response read once never
        pays for a compaction."""
        cache = self._chunks
        if len(cache.hot) >= COMPACT_AT:
            cache.compact()

    def _cursor_cache(self) -> ChunkCache:
        """The cache a new cursor reads: compacted first when the stream has ended with its
        last entries still hot (see `_ended`)."""
        cache = self._chunks
        if self.consumed and cache.hot:
            cache.compact()
        return cache

    def _fail(self, error: BaseException) -> None:
        """Makes `error` sticky: later pulls replay the cache, then raise it again
        (docs/spec.md Δ4).

        Open tool calls are dropped (never half-streamed in `tool_calls`); an open text or
        thought keeps what it received.
        """
        self._error = error
        self._calls.clear()
        if self._open_part is not None:
            freeze(self._open_part)
            self._open_part = None
            self._open = _CLOSED
        self._chunks.compact()  # nothing more will arrive: no chunk objects need be kept

    # ---- structured output -----------------------------------------------------------------

    def _check_structured(self) -> None:
        if self.format is None:
            raise ValueError("structured_stream() requires a format (call with format=...)")
        from ferriscope.llm.formatting import OutputParser

        if isinstance(self.format.formattable, OutputParser):
            raise NotImplementedError("structured_stream() is not supported for output parsers")

    def _partial_upto(self) -> int | None:
        """Where `parse(partial=True)` stops while a stream is being read: a network read is
        applied as one batch, but a loop calling it after each chunk (the seed page's
        example) must see the text up to that chunk, as Mirascope's chunk-at-a-time loop
        does. Once the stream ended, failed or was closed, everything counts."""
        if self.consumed or self._error is not None or self._closed:
            return None
        return max(self._batch_start, self._seen_to)

    def _partial_json_value(self, upto: int | None = None, last: Any = None) -> Any:
        """The partial JSON value of the text so far, from one parser per response fed only
        the text deltas cached since the last call: no re-parse, and no re-join of the text
        (reading a growing `Text` would copy all of it on every call).

        `upto` stops at that cache entry: a network read applies a whole batch at once, and
        `structured_stream()` must show the text as of the chunk it is at, as Mirascope's
        chunk-at-a-time loop does, not the end of the batch. A parser already further on
        (a replay, or a `parse(partial=True)` in between) is not moved back. `last`, the
        text chunk at `upto - 1`, saves reading the cache in the usual step of one chunk."""
        state = self._partial_state
        if state is None:
            # parser (None until the JSON starts), text chars seen, cache index, text before
            # the JSON start (None once the text proved not to be JSON)
            state = self._partial_state = [None, 0, 0, ""]
        cache = self._chunks
        start, stop = state[2], len(cache)
        if upto is not None and upto < stop:
            stop = upto
            if last is not None and start == upto - 1:
                delta = last.delta
            else:
                delta = "".join(c.delta for c in cache[start:stop] if type(c) is TextChunk)
        else:
            delta = cache.text_since(start)
        state[2] = max(start, stop)
        state[1] += len(delta)
        parser = state[0]
        if parser is None:
            if state[3] is None:
                return None
            prefix = state[3] + delta
            start = _json_start(prefix)
            if start is None:
                state[3] = prefix
                return None
            # Text after the JSON value (a closing fence, prose) is ignored, as parse() does.
            parser = state[0] = PartialJSONParser(ignore_trailing=True)
            delta = prefix[start:]
            state[3] = ""
        if delta:
            try:
                parser.feed(delta)
            except PartialJSONError:
                state[0], state[3] = None, None  # not JSON after all: nothing validates
                return None
        return parser.value()

    # ---- reading ---------------------------------------------------------------------------

    def text(self, sep: str = "\n") -> str:
        """All text parts joined by `sep`."""
        return sep.join(t.text for t in self._texts)

    def pretty(self) -> str:
        """A human-readable rendering of the content: text, thoughts and tool calls."""
        parts: list[str] = []
        for part in self._content:
            if part.type == "text":
                parts.append(part.text)
            elif part.type == "thought":
                parts.append("**Thinking:**\n  " + part.thought.replace("\n", "\n  "))
            else:
                parts.append(f"**ToolCall ({part.name}):** {part.args}")
        return "\n\n".join(parts)

    @staticmethod
    def _pretty_chunk(chunk: Any, spacer: str) -> str:
        t = chunk.type
        if t == "text_chunk" or t == "tool_call_chunk":
            return str(chunk.delta)
        if t == "text_start_chunk":
            return spacer
        if t == "thought_start_chunk":
            return spacer + "**Thinking:**\n  "
        if t == "thought_chunk":
            return str(chunk.delta).replace("\n", "\n  ")
        if t == "tool_call_start_chunk":
            return spacer + f"**ToolCall ({chunk.name}):** "
        return ""

    def __repr__(self) -> str:
        state = "consumed" if self.consumed else ("failed" if self._error else "streaming")
        return (
            f"<{type(self).__name__} {self.model_id} {state}: {len(self._chunks)} chunks, "
            f"{len(self._texts)} texts, {len(self._tool_calls)} tool calls>"
        )

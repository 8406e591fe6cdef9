"""Type stubs for the Rust extension `ferriscope._core` (checked by `mypy.stubtest`)."""

from collections.abc import Sequence
from typing import Any, ClassVar, Final, Literal, final

__version__: str
FORMAT_TOOL_NAME: Final = "__mirascope_formatted_output_tool__"
__all__ = [
    "ERROR_KINDS",
    "FORMAT_TOOL_NAME",
    "ChunkedBodyDecoder",
    "FinishReasonChunk",
    "HttpProtocolError",
    "HttpStream",
    "PartialJSONError",
    "PartialJSONParser",
    "RawMessageChunk",
    "RawStreamEventChunk",
    "SSEDecoder",
    "ServerSentEvent",
    "StreamDecoder",
    "StreamErrorChunk",
    "TextChunk",
    "TextEndChunk",
    "TextStartChunk",
    "ThoughtChunk",
    "ThoughtEndChunk",
    "ThoughtStartChunk",
    "ToolCallChunk",
    "ToolCallEndChunk",
    "ToolCallStartChunk",
    "UsageDeltaChunk",
    "__version__",
    "classify_http_error",
    "encode_request",
    "parse_partial",
]

# ---- sse ----------------------------------------------------------------------------------

@final
class ServerSentEvent:
    @property
    def event(self) -> str: ...
    @property
    def data(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def retry(self) -> int | None: ...
    def __new__(
        cls, event: str | None = None, data: str = "", id: str = "", retry: int | None = None
    ) -> ServerSentEvent: ...
    def json(self) -> Any: ...

@final
class SSEDecoder:
    def __new__(cls, max_line_bytes: int = 67108864) -> SSEDecoder: ...
    def feed(self, data: bytes | bytearray | memoryview | str) -> list[ServerSentEvent]: ...
    def finish(self) -> list[ServerSentEvent]: ...
    @property
    def last_event_id(self) -> str: ...
    @property
    def retry(self) -> int | None: ...
    @property
    def max_line_bytes(self) -> int: ...

# ---- partial_json (begin) -----------------------------------------------------------------

class PartialJSONError(ValueError):
    offset: int

@final
class PartialJSONParser:
    def __new__(
        cls, max_depth: int = 512, *, ignore_trailing: bool = False
    ) -> PartialJSONParser: ...
    def feed(self, text: str | bytes) -> None: ...
    def value(self) -> Any: ...
    def finish(self) -> Any: ...
    @property
    def is_complete(self) -> bool: ...
    @property
    def max_depth(self) -> int: ...

def parse_partial(text: str | bytes) -> Any: ...

# ---- partial_json (end) -------------------------------------------------------------------

# ---- chunks -------------------------------------------------------------------------------

@final
class TextStartChunk:
    type: ClassVar[Literal["text_start_chunk"]]
    content_type: ClassVar[Literal["text"]]
    def __new__(
        cls,
        *,
        type: Literal["text_start_chunk"] | None = None,
        content_type: Literal["text"] | None = None,
    ) -> TextStartChunk: ...

@final
class TextChunk:
    type: ClassVar[Literal["text_chunk"]]
    content_type: ClassVar[Literal["text"]]
    def __new__(
        cls,
        *,
        delta: str,
        type: Literal["text_chunk"] | None = None,
        content_type: Literal["text"] | None = None,
    ) -> TextChunk: ...
    @property
    def delta(self) -> str: ...

@final
class TextEndChunk:
    type: ClassVar[Literal["text_end_chunk"]]
    content_type: ClassVar[Literal["text"]]
    def __new__(
        cls,
        *,
        type: Literal["text_end_chunk"] | None = None,
        content_type: Literal["text"] | None = None,
    ) -> TextEndChunk: ...

@final
class ThoughtStartChunk:
    type: ClassVar[Literal["thought_start_chunk"]]
    content_type: ClassVar[Literal["thought"]]
    def __new__(
        cls,
        *,
        type: Literal["thought_start_chunk"] | None = None,
        content_type: Literal["thought"] | None = None,
    ) -> ThoughtStartChunk: ...

@final
class ThoughtChunk:
    type: ClassVar[Literal["thought_chunk"]]
    content_type: ClassVar[Literal["thought"]]
    def __new__(
        cls,
        *,
        delta: str,
        type: Literal["thought_chunk"] | None = None,
        content_type: Literal["thought"] | None = None,
    ) -> ThoughtChunk: ...
    @property
    def delta(self) -> str: ...

@final
class ThoughtEndChunk:
    type: ClassVar[Literal["thought_end_chunk"]]
    content_type: ClassVar[Literal["thought"]]
    def __new__(
        cls,
        *,
        type: Literal["thought_end_chunk"] | None = None,
        content_type: Literal["thought"] | None = None,
    ) -> ThoughtEndChunk: ...

@final
class ToolCallStartChunk:
    type: ClassVar[Literal["tool_call_start_chunk"]]
    content_type: ClassVar[Literal["tool_call"]]
    def __new__(
        cls,
        *,
        id: str,
        name: str,
        type: Literal["tool_call_start_chunk"] | None = None,
        content_type: Literal["tool_call"] | None = None,
    ) -> ToolCallStartChunk: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...

@final
class ToolCallChunk:
    type: ClassVar[Literal["tool_call_chunk"]]
    content_type: ClassVar[Literal["tool_call"]]
    def __new__(
        cls,
        *,
        id: str,
        delta: str,
        type: Literal["tool_call_chunk"] | None = None,
        content_type: Literal["tool_call"] | None = None,
    ) -> ToolCallChunk: ...
    @property
    def id(self) -> str: ...
    @property
    def delta(self) -> str: ...

@final
class ToolCallEndChunk:
    type: ClassVar[Literal["tool_call_end_chunk"]]
    content_type: ClassVar[Literal["tool_call"]]
    def __new__(
        cls,
        *,
        id: str,
        type: Literal["tool_call_end_chunk"] | None = None,
        content_type: Literal["tool_call"] | None = None,
    ) -> ToolCallEndChunk: ...
    @property
    def id(self) -> str: ...

@final
class FinishReasonChunk:
    type: ClassVar[Literal["finish_reason_chunk"]]
    def __new__(
        cls, *, finish_reason: Any, type: Literal["finish_reason_chunk"] | None = None
    ) -> FinishReasonChunk: ...
    @property
    def finish_reason(self) -> Any: ...

@final
class UsageDeltaChunk:
    type: ClassVar[Literal["usage_delta_chunk"]]
    def __new__(
        cls,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        reasoning_tokens: int = 0,
        provider_tool_usage: Any = None,
        type: Literal["usage_delta_chunk"] | None = None,
    ) -> UsageDeltaChunk: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cache_read_tokens(self) -> int: ...
    @property
    def cache_write_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...
    @property
    def provider_tool_usage(self) -> Any: ...

@final
class RawStreamEventChunk:
    type: ClassVar[Literal["raw_stream_event_chunk"]]
    def __new__(
        cls, *, raw_stream_event: Any, type: Literal["raw_stream_event_chunk"] | None = None
    ) -> RawStreamEventChunk: ...
    @property
    def raw_stream_event(self) -> Any: ...

@final
class RawMessageChunk:
    type: ClassVar[Literal["raw_message_chunk"]]
    def __new__(
        cls, *, raw_message: Any, type: Literal["raw_message_chunk"] | None = None
    ) -> RawMessageChunk: ...
    @property
    def raw_message(self) -> Any: ...

@final
class StreamErrorChunk:
    type: ClassVar[Literal["stream_error_chunk"]]
    def __new__(
        cls, kind: int, message: str, status_code: int | None = None
    ) -> StreamErrorChunk: ...
    @property
    def kind(self) -> int: ...
    @property
    def message(self) -> str: ...
    @property
    def status_code(self) -> int | None: ...

# ---- error classification -----------------------------------------------------------------

ERROR_KINDS: tuple[str, ...]

def classify_http_error(status: int, names: Sequence[str], message: str) -> int: ...

# ---- provider decoders --------------------------------------------------------------------

_Chunk = (
    TextStartChunk
    | TextChunk
    | TextEndChunk
    | ThoughtStartChunk
    | ThoughtChunk
    | ThoughtEndChunk
    | ToolCallStartChunk
    | ToolCallChunk
    | ToolCallEndChunk
    | FinishReasonChunk
    | UsageDeltaChunk
    | RawStreamEventChunk
    | RawMessageChunk
    | StreamErrorChunk
)

@final
class StreamDecoder:
    def __new__(
        cls,
        wire_format: str,
        *,
        include_thoughts: bool = False,
        raw_events: bool = False,
        max_line_bytes: int = 67108864,
    ) -> StreamDecoder: ...
    def feed(self, data: bytes) -> list[_Chunk]: ...
    def finish(self) -> list[_Chunk]: ...
    @property
    def complete(self) -> bool: ...
    @property
    def stopped(self) -> bool: ...
    @property
    def response_id(self) -> str | None: ...
    @property
    def response_model(self) -> str | None: ...

@final
class ChunkedBodyDecoder:
    def __new__(cls) -> ChunkedBodyDecoder: ...
    def feed(self, data: bytes | bytearray) -> bytes: ...
    @property
    def error(self) -> str | None: ...
    @property
    def done(self) -> bool: ...
    @property
    def trailers(self) -> list[bytes]: ...
    def take_leftover(self) -> bytes: ...

# ---- http1 --------------------------------------------------------------------------------

def encode_request(
    method: str,
    target: str,
    host: str,
    headers: dict[str, str] | Sequence[tuple[str, str]],
    body: bytes,
    defaults: dict[str, str] | Sequence[tuple[str, str]] | None = None,
) -> bytes: ...

class HttpProtocolError(Exception): ...

@final
class HttpStream:
    def __new__(
        cls,
        wire_format: str,
        *,
        include_thoughts: bool = False,
        raw_events: bool = False,
        max_line_bytes: int = 67108864,
        max_error_body: int = 65536,
    ) -> HttpStream: ...
    def feed(self, data: bytes) -> list[_Chunk]: ...
    def eof(self) -> list[_Chunk]: ...
    @property
    def status(self) -> int | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def head_complete(self) -> bool: ...
    @property
    def body_complete(self) -> bool: ...
    @property
    def complete(self) -> bool: ...
    @property
    def done(self) -> bool: ...
    @property
    def reusable(self) -> bool: ...
    @property
    def response_id(self) -> str | None: ...
    @property
    def response_model(self) -> str | None: ...
    @property
    def error_body(self) -> bytes: ...

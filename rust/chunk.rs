//! The one chunk model every provider decoder emits (docs/spec.md §4).
//!
//! A decoder turns provider events into a flat sequence of these; the Python binding turns each
//! into exactly one public chunk object. Content chunks come in start / delta / end triples;
//! tool-call chunks carry the call id so interleaved calls stay apart.

use serde_json::Value;

/// Why a response ended early (`None` on a chunk stream means a normal stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    MaxTokens,
    Refusal,
    ContextLengthExceeded,
}

impl FinishReason {
    /// The value of Mirascope's `FinishReason` enum member.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MaxTokens => "max_tokens",
            Self::Refusal => "refusal",
            Self::ContextLengthExceeded => "context_length_exceeded",
        }
    }
}

/// Usage of a provider-side tool (web search), as a count of calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolUsage {
    pub name: String,
    pub call_count: i64,
}

/// A change of the token counters. Decoders turn cumulative provider counters into these
/// deltas, so that summing every `Usage` chunk of a stream gives the response's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    /// Replaces (not adds to) the response's provider tool usage when set.
    pub provider_tool_usage: Option<Vec<ToolUsage>>,
}

/// Which `llm.Error` class an in-stream failure maps to (docs/spec.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Authentication,
    Permission,
    NotFound,
    RateLimit,
    Server,
    /// An API error with no more specific class.
    Api,
    /// The stream broke off: EOF before the provider's terminal event.
    Connection,
    /// The bytes could not be decoded: malformed event JSON, an over-long line.
    ResponseValidation,
}

impl ErrorKind {
    /// The class name in the `llm` error hierarchy.
    #[must_use]
    pub fn class_name(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequestError",
            Self::Authentication => "AuthenticationError",
            Self::Permission => "PermissionError",
            Self::NotFound => "NotFoundError",
            Self::RateLimit => "RateLimitError",
            Self::Server => "ServerError",
            Self::Api => "APIError",
            Self::Connection => "ConnectionError",
            Self::ResponseValidation => "ResponseValidationError",
        }
    }

    /// The class an HTTP status code maps to (docs/spec.md §9).
    #[must_use]
    pub fn from_status(status: i64) -> Self {
        match status {
            400 | 409 | 413 | 422 => Self::BadRequest,
            401 => Self::Authentication,
            403 => Self::Permission,
            404 => Self::NotFound,
            429 => Self::RateLimit,
            s if s >= 500 => Self::Server,
            _ => Self::Api,
        }
    }

    /// The class a provider's error type or code name maps to (OpenAI `code`/`type`,
    /// Anthropic `error.type`, Google `error.status`), or `None` when the name is unknown.
    #[must_use]
    pub fn from_provider_name(name: &str) -> Option<Self> {
        let kind = match name {
            "rate_limit_error"
            | "rate_limit_exceeded"
            | "RESOURCE_EXHAUSTED"
            | "insufficient_quota"
            | "rate_limit"
            | "RateLimitError" => Self::RateLimit,
            "overloaded_error"
            | "api_error"
            | "server_error"
            | "internal_error"
            | "UNAVAILABLE"
            | "INTERNAL"
            | "server_is_overloaded"
            | "DEADLINE_EXCEEDED"
            | "InternalServerError"
            | "ServiceUnavailableError" => Self::Server,
            "invalid_request_error"
            | "context_length_exceeded"
            | "invalid_prompt"
            | "request_too_large"
            | "INVALID_ARGUMENT"
            | "FAILED_PRECONDITION"
            | "OUT_OF_RANGE"
            | "invalid_request"
            | "bad_request"
            | "BadRequestError" => Self::BadRequest,
            "authentication_error" | "invalid_api_key" | "UNAUTHENTICATED" => Self::Authentication,
            "permission_error" | "permission_denied" | "PERMISSION_DENIED" => Self::Permission,
            "not_found_error" | "model_not_found" | "not_found" | "NOT_FOUND" | "NotFoundError" => {
                Self::NotFound
            }
            _ => return None,
        };
        Some(kind)
    }
}

/// A failure reported inside the stream (or detected while decoding it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError {
    pub kind: ErrorKind,
    pub message: String,
    /// The HTTP-equivalent status, when the provider gave one.
    pub status_code: Option<i64>,
}

impl StreamError {
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status_code: None,
        }
    }
}

/// One item of a decoded stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    TextStart,
    Text(String),
    TextEnd,
    ThoughtStart,
    Thought(String),
    ThoughtEnd,
    ToolCallStart {
        id: String,
        name: String,
    },
    ToolCall {
        id: String,
        delta: String,
    },
    ToolCallEnd {
        id: String,
    },
    Usage(Usage),
    Finish(FinishReason),
    /// The JSON payload of a provider event (kept when raw events are requested, and always
    /// for event types the decoder does not know, so nothing is dropped silently).
    RawEvent(Value),
    /// The provider-format assistant message, emitted once at the end (used to resume).
    RawMessage(Value),
    /// The stream failed; no chunk follows.
    Error(StreamError),
}

/// Options that change what a decoder emits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct DecodeOptions {
    /// Emit thought chunks (the request's `include_thoughts`).
    pub include_thoughts: bool,
    /// Emit a `RawEvent` for every provider event, not only for unknown ones.
    pub raw_events: bool,
}

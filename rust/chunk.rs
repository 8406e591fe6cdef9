//! The one chunk model every provider decoder emits (docs/spec.md §4).
//!
//! A decoder turns provider events into a flat sequence of these; the Python binding turns each
//! into exactly one public chunk object. Content chunks come in start / delta / end triples;
//! tool-call chunks carry the call id so interleaved calls stay apart.

use serde_json::Value;

pub use crate::error_kind::ErrorKind;

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

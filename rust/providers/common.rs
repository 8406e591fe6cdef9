//! What every wire format's decoder shares, so that each of these rules has one owner: the
//! format-tool rule (docs/spec.md §7.4), which chunks are content (§4), cumulative provider
//! counters turned into usage deltas (§3.3, §5), web searches as provider tool usage, the
//! borrowing read of a string field, and the error chunk for event data that is not JSON.
//!
//! Nothing here belongs to one provider: each provider's wire shapes and state machine stay in
//! its own module (`rust/providers/<format>/`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use crate::chunk::{Chunk, ErrorKind, StreamError, ToolUsage, Usage};
use crate::sse::Event;

/// The hidden tool through which Mirascope's `tool`-mode structured output arrives
/// (docs/spec.md §7.4). The Python layer reads this very constant from the binding
/// (`ferriscope._core.FORMAT_TOOL_NAME`), so the name is written once for both languages.
pub const FORMAT_TOOL_NAME: &str = "__mirascope_formatted_output_tool__";

/// Whether a tool call is a call of the format tool: its name *starts with*
/// [`FORMAT_TOOL_NAME`], as Mirascope 2.8.2 tests it everywhere (a model may append to the
/// name). The Python layer shows such a call as a text part, so a decoder must not let it
/// overlap a text part, a thought part or another format-tool call.
#[must_use]
pub fn is_format_tool(name: &str) -> bool {
    name.starts_with(FORMAT_TOOL_NAME)
}

// `Chunk` is defined in `crate::chunk`; this inherent method lives here, with the other rules
// the decoders share, because only decoders and their checks ask the question.
impl Chunk {
    /// Whether the chunk builds the response's content: a text, thought or tool-call start,
    /// delta or end. Everything else is bookkeeping around the content, and that includes
    /// the raw message: it comes last and repeats the content in the provider's shape, but
    /// it is not a content chunk, so "no content after the finish chunk" (docs/spec.md §4)
    /// holds although the raw message follows the finish chunk.
    #[must_use]
    pub fn is_content(&self) -> bool {
        match self {
            Self::TextStart
            | Self::Text(_)
            | Self::TextEnd
            | Self::ThoughtStart
            | Self::Thought(_)
            | Self::ThoughtEnd
            | Self::ToolCallStart { .. }
            | Self::ToolCall { .. }
            | Self::ToolCallEnd { .. } => true,
            Self::Usage(_)
            | Self::Finish(_)
            | Self::RawEvent(_)
            | Self::RawMessage(_)
            | Self::Error(_) => false,
        }
    }
}

/// A provider's token counters at one point of a stream, in Mirascope's terms
/// (docs/spec.md §5: input includes cache reads and writes). Providers report them
/// cumulatively; each decoder maps its own fields onto these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
    pub reasoning: i64,
}

impl Totals {
    /// The usage delta from `before` to these totals, so that the usage chunks of a stream
    /// add up to its last totals (docs/spec.md §3.3). Provider tool usage is left to the
    /// caller.
    #[must_use]
    pub fn since(self, before: Self) -> Usage {
        Usage {
            input_tokens: self.input.saturating_sub(before.input),
            output_tokens: self.output.saturating_sub(before.output),
            cache_read_tokens: self.cache_read.saturating_sub(before.cache_read),
            cache_write_tokens: self.cache_write.saturating_sub(before.cache_write),
            reasoning_tokens: self.reasoning.saturating_sub(before.reasoning),
            provider_tool_usage: None,
        }
    }
}

/// `count` web searches run by the provider, as the provider tool usage Mirascope reports
/// (one entry named `web_search`).
#[must_use]
pub fn web_search_usage(count: i64) -> Vec<ToolUsage> {
    vec![ToolUsage {
        name: "web_search".to_owned(),
        call_count: count,
    }]
}

/// Deserializes a nullable string field (`#[serde(default, borrow, deserialize_with =
/// "opt_str")]`), borrowing from the event text when the string has no escapes. The deltas of
/// Anthropic, Chat Completions and Responses events are read through here, on the hot path:
/// `Option<Cow<str>>` with plain `#[serde(borrow)]` always allocates, because serde only
/// borrows a bare `Cow<str>`.
pub fn opt_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct OptStr;
    impl<'de> Visitor<'de> for OptStr {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
        fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(s)))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(s.to_owned())))
        }
        fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(s)))
        }
    }
    d.deserialize_option(OptStr)
}

/// The start of an event's data for an error message: 200 characters, and `…` when cut.
#[must_use]
pub fn data_preview(event: &Event) -> String {
    let mut preview: String = event.data.chars().take(200).collect();
    if preview.len() < event.data.len() {
        preview.push('…');
    }
    preview
}

/// The error chunk for an event whose data is not the JSON the wire format promises.
#[must_use]
pub fn malformed_event(event: &Event, err: &serde_json::Error) -> Chunk {
    Chunk::Error(StreamError::new(
        ErrorKind::ResponseValidation,
        format!(
            "malformed JSON in SSE event {:?}: {err}; data: {}",
            event.event,
            data_preview(event)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_tool_is_mirascopes_and_matched_by_prefix() {
        // The name is Mirascope 2.8.2's: recorded requests and resumed turns carry it.
        assert_eq!(FORMAT_TOOL_NAME, "__mirascope_formatted_output_tool__");
        assert!(is_format_tool(FORMAT_TOOL_NAME));
        assert!(is_format_tool("__mirascope_formatted_output_tool__Book"));
        assert!(!is_format_tool("_mirascope_formatted_output_tool__"));
        assert!(!is_format_tool("lookup"));
        assert!(!is_format_tool(""));
    }

    #[test]
    fn only_start_delta_and_end_chunks_are_content() {
        use crate::chunk::FinishReason;
        use serde_json::Value;

        let content = [
            Chunk::TextStart,
            Chunk::Text(String::new()),
            Chunk::TextEnd,
            Chunk::ThoughtStart,
            Chunk::Thought(String::new()),
            Chunk::ThoughtEnd,
            Chunk::ToolCallStart {
                id: "a".into(),
                name: "f".into(),
            },
            Chunk::ToolCall {
                id: "a".into(),
                delta: String::new(),
            },
            Chunk::ToolCallEnd { id: "a".into() },
        ];
        let bookkeeping = [
            Chunk::Usage(Usage::default()),
            Chunk::Finish(FinishReason::MaxTokens),
            Chunk::RawEvent(Value::Null),
            Chunk::RawMessage(Value::Null),
            Chunk::Error(StreamError::new(ErrorKind::Api, "")),
        ];
        assert!(content.iter().all(Chunk::is_content));
        assert!(!bookkeeping.iter().any(Chunk::is_content));
    }

    #[test]
    fn totals_become_saturating_deltas() {
        let before = Totals {
            input: 10,
            output: 1,
            cache_read: 4,
            cache_write: 2,
            reasoning: 7,
        };
        let after = Totals {
            output: 6,
            reasoning: 9,
            input: i64::MIN,
            ..before
        };
        assert_eq!(
            after.since(before),
            Usage {
                input_tokens: i64::MIN,
                output_tokens: 5,
                reasoning_tokens: 2,
                ..Usage::default()
            }
        );
        assert_eq!(before.since(Totals::default()).input_tokens, 10);
    }

    #[test]
    fn a_long_event_is_previewed_cut() {
        let event = |data: String| Event {
            event: "message".into(),
            data,
            id: String::new(),
            retry: None,
        };
        assert_eq!(data_preview(&event("é".repeat(200))), "é".repeat(200));
        assert_eq!(data_preview(&event("é".repeat(201))), "é".repeat(200) + "…");
    }
}

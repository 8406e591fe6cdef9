//! Anthropic Messages stream decoder (docs/spec.md §11.3), also used for the beta structured-outputs
//! path, whose events are the same.
//!
//! Content blocks are keyed by the event's `index`, not by "the current block", so deltas of
//! blocks that interleave still reach the right part. Every block is also accumulated in the
//! shape the API returns it non-streamed, so that the raw message emitted at `message_stop` can
//! be sent back verbatim (thinking signatures and tool inputs included).

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, StreamError, ToolUsage, Usage};
use crate::providers::common::{
    is_format_tool, malformed_event, opt_str, web_search_usage, Totals,
};
use crate::providers::{EventDecoder, ResponseIdentity};
use crate::sse::Event;

// ---------------------------------------------------------------------------------------------
// Wire shapes. Only the fields the decoder reads; serde skips the rest (and the padding).
// ---------------------------------------------------------------------------------------------

/// Just the `type` field, for events sent without an `event:` line.
#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "type", default, borrow, deserialize_with = "opt_str")]
    kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct MessageStart {
    message: StartedMessage,
}

#[derive(Deserialize)]
struct StartedMessage {
    #[serde(default)]
    usage: WireUsage,
    /// `Value`s so that a field of another type is skipped rather than failing the event.
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    model: Option<Value>,
}

/// Anthropic's cumulative counters; a missing (or null) field keeps its previous value.
#[derive(Deserialize, Default)]
struct WireUsage {
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cache_read_input_tokens: Option<i64>,
    cache_creation_input_tokens: Option<i64>,
    server_tool_use: Option<ServerToolUse>,
}

#[derive(Deserialize)]
struct ServerToolUse {
    web_search_requests: Option<i64>,
}

#[derive(Deserialize)]
struct MessageDelta {
    #[serde(default)]
    delta: StopDelta,
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Deserialize, Default)]
struct StopDelta {
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct BlockStart {
    index: u64,
    content_block: Value,
}

#[derive(Deserialize)]
struct BlockDelta<'a> {
    index: u64,
    /// Boxed: serde moves the event struct several times on the way out, and the body is
    /// most of its size.
    #[serde(borrow)]
    delta: Box<DeltaBody<'a>>,
}

/// A flat view of every delta type: cheaper than an internally tagged enum, which would
/// buffer the whole object before picking a variant.
#[derive(Deserialize)]
struct DeltaBody<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    partial_json: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    thinking: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    signature: Option<Cow<'a, str>>,
    #[serde(default)]
    citation: Option<Box<Value>>,
}

#[derive(Deserialize)]
struct BlockStop {
    index: u64,
}

#[derive(Deserialize)]
struct ErrorEvent {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Decoder state
// ---------------------------------------------------------------------------------------------

/// The provider's own counters (input excludes the cache counts, as Anthropic reports it).
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    input: i64,
    output: i64,
    cache_read: i64,
    cache_write: i64,
}

impl Counters {
    /// The counters in Mirascope's terms: `input_tokens` includes cache reads and writes, and
    /// Anthropic does not split out reasoning.
    fn totals(self) -> Totals {
        Totals {
            input: self
                .input
                .saturating_add(self.cache_read)
                .saturating_add(self.cache_write),
            output: self.output,
            cache_read: self.cache_read,
            cache_write: self.cache_write,
            reasoning: 0,
        }
    }

    /// Cumulative `usage` replaces the fields it has and keeps the others.
    fn updated(self, usage: &WireUsage) -> Self {
        Self {
            input: usage.input_tokens.unwrap_or(self.input),
            output: usage.output_tokens.unwrap_or(self.output),
            cache_read: usage.cache_read_input_tokens.unwrap_or(self.cache_read),
            cache_write: usage
                .cache_creation_input_tokens
                .unwrap_or(self.cache_write),
        }
    }
}

#[derive(Debug)]
enum Body {
    Text {
        text: String,
        citations: Vec<Value>,
    },
    Thinking {
        thinking: String,
        signature: String,
    },
    ToolUse {
        id: String,
        name: String,
        json: String,
        input: Value,
    },
    /// redacted_thinking, server tool blocks and unknown types: kept as received (with a
    /// streamed `input`, if any, filled in) but never shown.
    RawOnly {
        block: Value,
        json: String,
    },
}

#[derive(Debug)]
struct Block {
    index: u64,
    open: bool,
    body: Body,
}

impl Block {
    /// The block as the API would return it non-streamed.
    fn into_raw(self) -> Value {
        match self.body {
            Body::Text { text, citations } => {
                let mut block = Map::new();
                block.insert("type".into(), "text".into());
                block.insert("text".into(), text.into());
                if !citations.is_empty() {
                    block.insert("citations".into(), citations.into());
                }
                Value::Object(block)
            }
            Body::Thinking {
                thinking,
                signature,
            } => json!({"type": "thinking", "thinking": thinking, "signature": signature}),
            Body::ToolUse {
                id, name, input, ..
            } => json!({"type": "tool_use", "id": id, "name": name, "input": input}),
            Body::RawOnly { block, .. } => block,
        }
    }
}

/// How an event ended, when it did not fail.
enum Outcome {
    Handled,
    /// Not something this decoder understands: surfaced as a raw event, never dropped.
    Unknown,
}

/// Why an event could not be decoded.
enum Failure {
    Json(serde_json::Error),
    Invalid(String),
    Provider(StreamError),
}

impl From<serde_json::Error> for Failure {
    fn from(err: serde_json::Error) -> Self {
        Self::Json(err)
    }
}

impl Failure {
    fn into_chunk(self, name: &str, event: &Event) -> Chunk {
        match self {
            Self::Json(err) if err.is_data() => Chunk::Error(StreamError::new(
                ErrorKind::ResponseValidation,
                format!("unexpected JSON in Anthropic {name:?} event: {err}"),
            )),
            Self::Json(err) => malformed_event(event, &err),
            Self::Invalid(message) => Chunk::Error(StreamError::new(
                ErrorKind::ResponseValidation,
                format!("invalid Anthropic stream: {message}"),
            )),
            Self::Provider(err) => Chunk::Error(err),
        }
    }
}

/// Parses an event's data, or re-reads the JSON already parsed for its raw event.
fn parse<'a, T: Deserialize<'a>>(data: &'a str, raw: Option<&'a Value>) -> serde_json::Result<T> {
    match raw {
        Some(value) => T::deserialize(value),
        None => serde_json::from_str(data),
    }
}

fn required<'a>(
    field: Option<Cow<'a, str>>,
    kind: &str,
    name: &str,
) -> Result<Cow<'a, str>, Failure> {
    field.ok_or_else(|| Failure::Invalid(format!("{kind} without a string `{name}`")))
}

fn finish_reason(stop_reason: &str) -> Option<FinishReason> {
    match stop_reason {
        "max_tokens" => Some(FinishReason::MaxTokens),
        "refusal" => Some(FinishReason::Refusal),
        "model_context_window_exceeded" => Some(FinishReason::ContextLengthExceeded),
        _ => None,
    }
}

/// The web searches a `usage` object reports, if any.
fn web_searches(usage: &WireUsage) -> Option<Vec<ToolUsage>> {
    let calls = usage.server_tool_use.as_ref()?.web_search_requests?;
    (calls > 0).then(|| web_search_usage(calls))
}

/// The HTTP status Anthropic documents for each error type.
fn error_status(name: &str) -> Option<i64> {
    Some(match name {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "api_error" => 500,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => return None,
    })
}

fn provider_error(body: ErrorBody) -> StreamError {
    let name = body.kind.unwrap_or_default();
    let status_code = error_status(&name);
    let kind = ErrorKind::from_provider_name(&name)
        .or_else(|| status_code.map(ErrorKind::from_status))
        .unwrap_or(ErrorKind::Api);
    let message = body.message.unwrap_or_else(|| "(no message)".into());
    StreamError {
        kind,
        message: format!("error event in the stream ({name}): {message}"),
        status_code,
    }
}

/// A tool's streamed input as the API returns it: the parsed JSON, `{}` when nothing came.
fn parse_input(json: &str) -> serde_json::Result<Value> {
    if json.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(json)
}

fn invalid_input(what: &str, err: &serde_json::Error) -> Failure {
    Failure::Invalid(format!("{what} has invalid input JSON: {err}"))
}

fn not_open(event: &str, index: u64) -> Failure {
    Failure::Invalid(format!("{event} for index {index}, which is not open"))
}

fn open_block(blocks: &mut [Block], index: u64) -> Result<&mut Block, Failure> {
    blocks
        .iter_mut()
        .rev()
        .find(|b| b.index == index && b.open)
        .ok_or_else(|| not_open("content_block_delta", index))
}

pub struct Decoder {
    options: DecodeOptions,
    /// Every block of the message, in arrival order.
    blocks: Vec<Block>,
    /// The index of the open text, shown thought or format-tool block, which may not overlap.
    exclusive: Option<u64>,
    totals: Counters,
    /// Held until `message_stop`, so it follows every content chunk whatever the event order.
    finish: Option<FinishReason>,
    /// `message_stop` was seen: later events are ignored.
    done: bool,
}

impl Decoder {
    #[must_use]
    pub fn new(options: DecodeOptions) -> Self {
        Self {
            options,
            blocks: Vec::new(),
            exclusive: None,
            totals: Counters::default(),
            finish: None,
            done: false,
        }
    }

    fn dispatch(
        &mut self,
        name: &str,
        data: &str,
        raw: Option<&Value>,
        identity: &mut ResponseIdentity,
        out: &mut Vec<Chunk>,
    ) -> Result<Outcome, Failure> {
        match name {
            "content_block_delta" => self.block_delta(parse(data, raw)?, out),
            "content_block_start" => self.block_start(parse(data, raw)?, out),
            "content_block_stop" => {
                let stop: BlockStop = parse(data, raw)?;
                let pos = self
                    .blocks
                    .iter()
                    .rposition(|b| b.index == stop.index && b.open)
                    .ok_or_else(|| not_open("content_block_stop", stop.index))?;
                self.close_block(pos, out)?;
                Ok(Outcome::Handled)
            }
            "message_start" => {
                // The only event that names the message and its model.
                let start: MessageStart = parse(data, raw)?;
                identity.record(
                    start.message.id.as_ref().and_then(Value::as_str),
                    start.message.model.as_ref().and_then(Value::as_str),
                );
                self.add_usage(&start.message.usage, out);
                Ok(Outcome::Handled)
            }
            "message_delta" => {
                let delta: MessageDelta = parse(data, raw)?;
                if let Some(reason) = delta.delta.stop_reason {
                    self.finish = finish_reason(&reason);
                }
                self.add_usage(&delta.usage, out);
                Ok(Outcome::Handled)
            }
            "message_stop" => {
                parse::<IgnoredAny>(data, raw)?;
                self.message_stop(out)?;
                Ok(Outcome::Handled)
            }
            "error" => Err(Failure::Provider(provider_error(
                parse::<ErrorEvent>(data, raw)?.error,
            ))),
            _ => Ok(Outcome::Unknown),
        }
    }

    /// Emits the difference between the new cumulative counters and those seen so far, so
    /// that the usage chunks of a stream sum to its totals.
    fn add_usage(&mut self, usage: &WireUsage, out: &mut Vec<Chunk>) {
        let before = self.totals;
        let after = before.updated(usage);
        self.totals = after;
        out.push(Chunk::Usage(Usage {
            provider_tool_usage: web_searches(usage),
            ..after.totals().since(before.totals())
        }));
    }

    /// Claims the single slot for parts that the accumulation cannot interleave.
    fn claim_exclusive(&mut self, index: u64) -> Result<(), Failure> {
        match self.exclusive.replace(index) {
            Some(open) => Err(Failure::Invalid(format!(
                "block {index} starts while block {open} is still open"
            ))),
            None => Ok(()),
        }
    }

    fn block_start(&mut self, start: BlockStart, out: &mut Vec<Chunk>) -> Result<Outcome, Failure> {
        let index = start.index;
        if self.blocks.iter().any(|b| b.index == index) {
            return Err(Failure::Invalid(format!(
                "content_block_start for index {index}, which was already used"
            )));
        }
        let block = start.content_block;
        let Some(fields) = block.as_object() else {
            return Err(Failure::Invalid(format!(
                "content_block of block {index} is not an object"
            )));
        };
        let string = |key: &str| fields.get(key).and_then(Value::as_str);
        let body = match string("type") {
            Some("text") => {
                self.claim_exclusive(index)?;
                let text = string("text").unwrap_or_default().to_owned();
                out.push(Chunk::TextStart);
                if !text.is_empty() {
                    out.push(Chunk::Text(text.clone()));
                }
                let citations = match fields.get("citations") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                Body::Text { text, citations }
            }
            Some("thinking") => {
                let thinking = string("thinking").unwrap_or_default().to_owned();
                if self.options.include_thoughts {
                    self.claim_exclusive(index)?;
                    out.push(Chunk::ThoughtStart);
                    if !thinking.is_empty() {
                        out.push(Chunk::Thought(thinking.clone()));
                    }
                }
                let signature = string("signature").unwrap_or_default().to_owned();
                Body::Thinking {
                    thinking,
                    signature,
                }
            }
            Some("tool_use") => self.tool_start(index, string("id"), string("name"), out)?,
            _ => Body::RawOnly {
                block,
                json: String::new(),
            },
        };
        self.blocks.push(Block {
            index,
            open: true,
            body,
        });
        Ok(Outcome::Handled)
    }

    fn tool_start(
        &mut self,
        index: u64,
        id: Option<&str>,
        name: Option<&str>,
        out: &mut Vec<Chunk>,
    ) -> Result<Body, Failure> {
        let (Some(id), Some(name)) = (id, name) else {
            return Err(Failure::Invalid(format!(
                "tool_use block {index} without a string id and name"
            )));
        };
        let duplicate = self
            .blocks
            .iter()
            .any(|b| matches!(&b.body, Body::ToolUse { id: other, .. } if other == id));
        if duplicate {
            return Err(Failure::Invalid(format!(
                "tool_use block {index} repeats the id {id:?}"
            )));
        }
        if is_format_tool(name) {
            self.claim_exclusive(index)?;
        }
        out.push(Chunk::ToolCallStart {
            id: id.to_owned(),
            name: name.to_owned(),
        });
        Ok(Body::ToolUse {
            id: id.to_owned(),
            name: name.to_owned(),
            json: String::new(),
            input: Value::Null,
        })
    }

    fn block_delta(
        &mut self,
        event: BlockDelta<'_>,
        out: &mut Vec<Chunk>,
    ) -> Result<Outcome, Failure> {
        let show_thoughts = self.options.include_thoughts;
        let block = open_block(&mut self.blocks, event.index)?;
        let delta = event.delta;
        match (&mut block.body, delta.kind.as_ref()) {
            (Body::Text { text, .. }, "text_delta") => {
                let piece = required(delta.text, "text_delta", "text")?;
                text.push_str(&piece);
                out.push(Chunk::Text(piece.into_owned()));
            }
            (Body::Text { citations, .. }, "citations_delta") => {
                citations.extend(delta.citation.map(|c| *c));
            }
            (Body::Thinking { thinking, .. }, "thinking_delta") => {
                let piece = required(delta.thinking, "thinking_delta", "thinking")?;
                thinking.push_str(&piece);
                if show_thoughts {
                    out.push(Chunk::Thought(piece.into_owned()));
                }
            }
            (Body::Thinking { signature, .. }, "signature_delta") => {
                signature.push_str(&required(delta.signature, "signature_delta", "signature")?);
            }
            (Body::ToolUse { id, json, .. }, "input_json_delta") => {
                let piece = required(delta.partial_json, "input_json_delta", "partial_json")?;
                json.push_str(&piece);
                out.push(Chunk::ToolCall {
                    id: id.clone(),
                    delta: piece.into_owned(),
                });
            }
            (Body::RawOnly { json, .. }, "input_json_delta") => {
                json.push_str(&required(
                    delta.partial_json,
                    "input_json_delta",
                    "partial_json",
                )?);
            }
            // A raw-only block takes no other delta: surface it rather than drop it.
            (Body::RawOnly { .. }, _) => return Ok(Outcome::Unknown),
            (
                _,
                kind @ ("text_delta" | "citations_delta" | "thinking_delta" | "signature_delta"
                | "input_json_delta"),
            ) => {
                return Err(Failure::Invalid(format!(
                    "{kind} for block {}, which cannot take it",
                    event.index
                )));
            }
            _ => return Ok(Outcome::Unknown),
        }
        Ok(Outcome::Handled)
    }

    /// Ends the block at `pos`: its end chunk, and its raw form completed.
    fn close_block(&mut self, pos: usize, out: &mut Vec<Chunk>) -> Result<(), Failure> {
        let show_thoughts = self.options.include_thoughts;
        let Some(block) = self.blocks.get_mut(pos) else {
            return Ok(());
        };
        block.open = false;
        let index = block.index;
        if self.exclusive == Some(index) {
            self.exclusive = None;
        }
        match &mut block.body {
            Body::Text { .. } => out.push(Chunk::TextEnd),
            Body::Thinking { .. } => {
                if show_thoughts {
                    out.push(Chunk::ThoughtEnd);
                }
            }
            Body::ToolUse {
                id, json, input, ..
            } => {
                *input = parse_input(json)
                    .map_err(|err| invalid_input(&format!("tool_use block {id:?}"), &err))?;
                json.clear();
                out.push(Chunk::ToolCallEnd { id: id.clone() });
            }
            Body::RawOnly { block, json } => {
                if !json.trim().is_empty() {
                    let input = parse_input(json)
                        .map_err(|err| invalid_input(&format!("block {index}"), &err))?;
                    if let Some(fields) = block.as_object_mut() {
                        fields.insert("input".into(), input);
                    }
                    json.clear();
                }
            }
        }
        Ok(())
    }

    /// The terminal event: closes what is still open, then the finish reason and the raw
    /// message, last.
    fn message_stop(&mut self, out: &mut Vec<Chunk>) -> Result<(), Failure> {
        for pos in 0..self.blocks.len() {
            if self.blocks.get(pos).is_some_and(|b| b.open) {
                self.close_block(pos, out)?;
            }
        }
        self.done = true;
        if let Some(reason) = self.finish {
            out.push(Chunk::Finish(reason));
        }
        let mut blocks = std::mem::take(&mut self.blocks);
        blocks.sort_by_key(|b| b.index);
        let content: Vec<Value> = blocks.into_iter().map(Block::into_raw).collect();
        out.push(Chunk::RawMessage(
            json!({"role": "assistant", "content": content}),
        ));
        Ok(())
    }
}

/// The event's type: the `event:` line, or the JSON `type` when the line is missing.
fn event_name(event: &Event) -> serde_json::Result<Cow<'_, str>> {
    if event.event != "message" {
        return Ok(Cow::Borrowed(&event.event));
    }
    let peek: TypeOnly<'_> = serde_json::from_str(&event.data)?;
    Ok(peek.kind.unwrap_or(Cow::Borrowed("message")))
}

impl EventDecoder for Decoder {
    fn event(&mut self, event: &Event, identity: &mut ResponseIdentity, out: &mut Vec<Chunk>) {
        if self.done {
            return;
        }
        let name = match event_name(event) {
            Ok(name) => name,
            Err(err) => return out.push(malformed_event(event, &err)),
        };
        // Pings are keep-alives; the SDK drops them before Mirascope sees any event.
        if name == "ping" {
            return;
        }
        let raw: Option<Value> = if self.options.raw_events {
            match serde_json::from_str(&event.data) {
                Ok(value) => Some(value),
                Err(err) => return out.push(malformed_event(event, &err)),
            }
        } else {
            None
        };
        let at = out.len();
        match self.dispatch(&name, &event.data, raw.as_ref(), identity, out) {
            Ok(Outcome::Handled) => {}
            Ok(Outcome::Unknown) => {
                if raw.is_none() {
                    match serde_json::from_str(&event.data) {
                        Ok(value) => out.push(Chunk::RawEvent(value)),
                        Err(err) => out.push(malformed_event(event, &err)),
                    }
                }
            }
            Err(failure) => out.push(failure.into_chunk(&name, event)),
        }
        if let Some(value) = raw {
            out.insert(at, Chunk::RawEvent(value));
        }
    }

    fn eof(&mut self, out: &mut Vec<Chunk>) {
        if !self.done {
            self.done = true;
            out.push(Chunk::Error(StreamError::new(
                ErrorKind::Connection,
                "the Anthropic stream ended before its message_stop event",
            )));
        }
    }

    fn complete(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests;

//! OpenAI Responses API events → chunks (docs/spec.md §11.2).
//!
//! Unlike Chat Completions, every Responses delta names the output item (and content or summary
//! index) it belongs to. Parts are therefore keyed by those names rather than by "whatever is
//! open", which is what lets interleaved argument deltas of parallel calls land on the right
//! call (docs/spec.md Δ11) and lets a missing `.done` be repaired by the item's `output_item.done`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, StreamError, Usage};
use crate::providers::common::{is_format_tool, malformed_event, opt_str, web_search_usage};
use crate::providers::{EventDecoder, ResponseIdentity};
use crate::sse::Event;

/// Named in the error for a body that stops early, so users see what never arrived.
const TERMINAL_EVENTS: &str = "response.completed, response.incomplete or response.failed";

/// The fields the decoder reads from any event, parsed in one pass.
///
/// The hot fields (deltas and their keys) borrow from the event text. The nested objects are
/// `Value`s: they occur once per item or response, and an item or response of a shape this
/// decoder does not know must not fail an event it only skims. They are boxed because a
/// smaller envelope measurably speeds up the delta events, which never carry them.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    delta: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    item_id: Option<Cow<'a, str>>,
    #[serde(default)]
    content_index: Option<u64>,
    #[serde(default)]
    summary_index: Option<u64>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    arguments: Option<Cow<'a, str>>,
    #[serde(default)]
    item: Option<Box<Value>>,
    #[serde(default)]
    part: Option<Box<Value>>,
    #[serde(default)]
    response: Option<Box<Value>>,
    #[serde(default)]
    code: Option<Box<Value>>,
    #[serde(default)]
    message: Option<Box<Value>>,
    #[serde(default)]
    error: Option<Box<Value>>,
}

/// What an event type asks of the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    TextDelta {
        refusal: bool,
    },
    TextDone {
        refusal: bool,
    },
    PartAdded,
    PartDone,
    ItemAdded,
    ItemDone,
    ArgumentsDelta,
    ArgumentsDone,
    ThoughtDelta {
        summary: bool,
    },
    ThoughtDone {
        summary: bool,
    },
    Completed,
    Incomplete,
    Failed,
    Error,
    /// Lifecycle and bookkeeping events that carry nothing the chunk model shows.
    Ignored,
    Unknown,
}

impl Kind {
    fn of(name: &str) -> Self {
        match name {
            "response.output_text.delta" => Self::TextDelta { refusal: false },
            "response.refusal.delta" => Self::TextDelta { refusal: true },
            "response.output_text.done" => Self::TextDone { refusal: false },
            "response.refusal.done" => Self::TextDone { refusal: true },
            "response.content_part.added" => Self::PartAdded,
            "response.content_part.done" => Self::PartDone,
            "response.output_item.added" => Self::ItemAdded,
            "response.output_item.done" => Self::ItemDone,
            "response.function_call_arguments.delta" => Self::ArgumentsDelta,
            "response.function_call_arguments.done" => Self::ArgumentsDone,
            "response.reasoning_summary_text.delta" => Self::ThoughtDelta { summary: true },
            "response.reasoning_text.delta" => Self::ThoughtDelta { summary: false },
            "response.reasoning_summary_text.done" => Self::ThoughtDone { summary: true },
            "response.reasoning_text.done" => Self::ThoughtDone { summary: false },
            "response.completed" => Self::Completed,
            "response.incomplete" => Self::Incomplete,
            "response.failed" => Self::Failed,
            "error" => Self::Error,
            "response.created"
            | "response.in_progress"
            | "response.queued"
            | "response.reasoning_summary_part.added"
            | "response.reasoning_summary_part.done"
            | "response.output_text.annotation.added" => Self::Ignored,
            other if other.starts_with("response.web_search_call.") => Self::Ignored,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Text,
    Thought,
}

/// The one text or thought part that may be open (they never overlap), with the key its
/// events name it by.
struct OpenPart {
    kind: PartKind,
    item_id: String,
    index: u64,
}

/// A function call output item. Closed calls are kept so that a late or repeated event for
/// them is recognised instead of starting a second call with the same id.
struct Call {
    item_id: String,
    id: String,
    open: bool,
    /// Whether any argument delta was forwarded; if none was, the whole arguments of the
    /// closing event are sent as one delta so that servers which skip deltas still work.
    streamed: bool,
    /// A call of the format tool, which the Python layer shows as a text part.
    format: bool,
}

/// A validation failure of an event of a known type, as a message for the error chunk.
type Outcome = Result<(), String>;

/// The OpenAI Responses state machine.
pub struct Decoder {
    options: DecodeOptions,
    open: Option<OpenPart>,
    calls: Vec<Call>,
    refusal: bool,
    /// A terminal event or an error was emitted: every later event is ignored.
    ended: bool,
}

impl Decoder {
    #[must_use]
    pub fn new(options: DecodeOptions) -> Self {
        Self {
            options,
            open: None,
            calls: Vec::new(),
            refusal: false,
            ended: false,
        }
    }

    /// Raw events need the whole JSON as a `Value`; the envelope is then read from that value
    /// (borrowing its strings) so the text is still parsed only once.
    fn event_with_raw(
        &mut self,
        event: &Event,
        identity: &mut ResponseIdentity,
        out: &mut Vec<Chunk>,
    ) {
        let value: Value = match serde_json::from_str(&event.data) {
            Ok(value) => value,
            Err(err) => return self.fail_with(malformed_event(event, &err), out),
        };
        if !value.is_object() {
            out.push(Chunk::RawEvent(value));
            return self.not_an_object(event, out);
        }
        let at = out.len();
        match Envelope::deserialize(&value) {
            Ok(envelope) => {
                let kind = Kind::of(type_name(&envelope.kind, event));
                if kind != Kind::Unknown {
                    self.dispatch(kind, envelope, identity, out);
                }
            }
            Err(err) => {
                self.misshapen(event, &value, &err, out);
            }
        }
        out.insert(at, Chunk::RawEvent(value));
    }

    fn event_without_raw(
        &mut self,
        event: &Event,
        identity: &mut ResponseIdentity,
        out: &mut Vec<Chunk>,
    ) {
        // Serde reads a struct from a JSON array too, so anything but an object is turned
        // away before it could pass for an event.
        if !event.data.trim_start().starts_with('{') {
            return match serde_json::from_str::<Value>(&event.data) {
                Ok(_) => self.not_an_object(event, out),
                Err(err) => self.fail_with(malformed_event(event, &err), out),
            };
        }
        match serde_json::from_str::<Envelope>(&event.data) {
            Ok(envelope) => {
                let kind = Kind::of(type_name(&envelope.kind, event));
                if kind == Kind::Unknown {
                    // Rare, so a second parse for the full JSON is cheaper than keeping it for
                    // every event.
                    self.unknown(event, out);
                } else {
                    self.dispatch(kind, envelope, identity, out);
                }
            }
            Err(err) => match serde_json::from_str::<Value>(&event.data) {
                Ok(value) => {
                    if self.misshapen(event, &value, &err, out) {
                        out.push(Chunk::RawEvent(value));
                    }
                }
                Err(err) => self.fail_with(malformed_event(event, &err), out),
            },
        }
    }

    fn unknown(&mut self, event: &Event, out: &mut Vec<Chunk>) {
        match serde_json::from_str(&event.data) {
            Ok(value) => out.push(Chunk::RawEvent(value)),
            Err(err) => self.fail_with(malformed_event(event, &err), out),
        }
    }

    /// Handles valid JSON the envelope rejected. A known event of the wrong shape is an error;
    /// an ignored type stays ignored; returns true for an unknown type, which the caller keeps
    /// as a raw event.
    fn misshapen(
        &mut self,
        event: &Event,
        value: &Value,
        err: &serde_json::Error,
        out: &mut Vec<Chunk>,
    ) -> bool {
        let name = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(&event.event);
        match Kind::of(name) {
            Kind::Unknown => true,
            Kind::Ignored => false,
            _ => {
                self.fail(format!("unexpected shape of a {name} event: {err}"), out);
                false
            }
        }
    }

    fn not_an_object(&mut self, event: &Event, out: &mut Vec<Chunk>) {
        let message = format!("{:?} event data is not a JSON object", event.event);
        self.fail(message, out);
    }

    fn dispatch(
        &mut self,
        kind: Kind,
        envelope: Envelope,
        identity: &mut ResponseIdentity,
        out: &mut Vec<Chunk>,
    ) {
        // Only lifecycle events carry a `response` (`response.created` first); the deltas
        // never reach this read.
        if let Some(response) = envelope.response.as_deref() {
            identity.record_from(response, "id", "model");
        }
        let outcome = match kind {
            Kind::TextDelta { refusal } => self.text_delta(envelope, refusal, out),
            Kind::TextDone { refusal } => {
                self.text_done(&envelope, refusal, out);
                Ok(())
            }
            Kind::PartAdded => self.part_added(&envelope, out),
            Kind::PartDone => {
                self.part_done(&envelope, out);
                Ok(())
            }
            Kind::ItemAdded => self.item_added(&envelope, out),
            Kind::ItemDone => self.item_done(&envelope, out),
            Kind::ArgumentsDelta => self.arguments_delta(envelope, out),
            Kind::ArgumentsDone => self.arguments_done(&envelope, out),
            Kind::ThoughtDelta { summary } => self.thought_delta(envelope, summary, out),
            Kind::ThoughtDone { summary } => {
                self.thought_done(&envelope, summary, out);
                Ok(())
            }
            Kind::Completed => self.terminal(envelope, false, out),
            Kind::Incomplete => self.terminal(envelope, true, out),
            Kind::Failed => {
                self.failed(&envelope, out);
                Ok(())
            }
            Kind::Error => {
                self.error_event(&envelope, out);
                Ok(())
            }
            Kind::Ignored | Kind::Unknown => Ok(()),
        };
        if let Err(message) = outcome {
            self.fail(message, out);
        }
    }

    fn text_delta(&mut self, envelope: Envelope, refusal: bool, out: &mut Vec<Chunk>) -> Outcome {
        let delta = required_delta(envelope.delta, &envelope.kind)?;
        let item_id = key_id(envelope.item_id.as_ref());
        self.open_part(
            PartKind::Text,
            item_id,
            envelope.content_index.unwrap_or(0),
            out,
        );
        if !delta.is_empty() {
            // A refusal whose `.done` never comes is still a refusal.
            self.refusal |= refusal;
            out.push(Chunk::Text(delta.into_owned()));
        }
        Ok(())
    }

    fn text_done(&mut self, envelope: &Envelope, refusal: bool, out: &mut Vec<Chunk>) {
        self.refusal |= refusal;
        self.close_if_open(PartKind::Text, envelope, envelope.content_index, out);
    }

    /// `content_part.added` is what opens a text part, so a part that gets no delta still
    /// shows up as an (empty) text, as in the reference's final message.
    fn part_added(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) -> Outcome {
        let part = envelope
            .part
            .as_deref()
            .ok_or("response.content_part.added event without a part")?;
        let part_type = part.get("type").and_then(Value::as_str);
        if matches!(part_type, Some("output_text" | "refusal")) {
            let item_id = key_id(envelope.item_id.as_ref());
            self.open_part(
                PartKind::Text,
                item_id,
                envelope.content_index.unwrap_or(0),
                out,
            );
        }
        Ok(())
    }

    /// Normally a no-op (`output_text.done` came first); closes the part if that was missing.
    fn part_done(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) {
        self.close_if_open(PartKind::Text, envelope, envelope.content_index, out);
    }

    fn item_added(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) -> Outcome {
        let item = envelope
            .item
            .as_deref()
            .ok_or("response.output_item.added event without an item")?;
        if item.get("type").and_then(Value::as_str) != Some("function_call") {
            return Ok(());
        }
        let field = |name: &str| item.get(name).and_then(Value::as_str);
        let id = field("call_id").ok_or("function_call item without a string call_id")?;
        let name = field("name").ok_or("function_call item without a string name")?;
        let item_id = field("id").unwrap_or_default();
        if self
            .calls
            .iter()
            .any(|call| call.item_id == item_id || call.id == id)
        {
            return Ok(());
        }
        // The Python layer shows the format tool as text, which must not overlap a part (nor
        // another format-tool call).
        self.close_part(out);
        let format = is_format_tool(name);
        if format {
            self.end_format_calls(out);
        }
        out.push(Chunk::ToolCallStart {
            id: id.to_owned(),
            name: name.to_owned(),
        });
        self.calls.push(Call {
            item_id: item_id.to_owned(),
            id: id.to_owned(),
            open: true,
            streamed: false,
            format,
        });
        Ok(())
    }

    /// Closes whatever this item left open: the repair for a missing `.done` event.
    fn item_done(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) -> Outcome {
        let item = envelope
            .item
            .as_deref()
            .ok_or("response.output_item.done event without an item")?;
        let Some(item_id) = item.get("id").and_then(Value::as_str) else {
            return Ok(());
        };
        if self.open.as_ref().is_some_and(|p| p.item_id == item_id) {
            self.close_part(out);
        }
        if let Some(index) = self.calls.iter().position(|c| c.item_id == item_id) {
            let arguments = item.get("arguments").and_then(Value::as_str);
            self.end_call(index, arguments, out);
        }
        Ok(())
    }

    fn arguments_delta(&mut self, envelope: Envelope, out: &mut Vec<Chunk>) -> Outcome {
        let delta = required_delta(envelope.delta, &envelope.kind)?;
        let index = self.call_index(envelope.item_id.as_ref())?;
        let Some(call) = self.calls.get_mut(index).filter(|call| call.open) else {
            return Ok(());
        };
        if !delta.is_empty() {
            call.streamed = true;
            out.push(Chunk::ToolCall {
                id: call.id.clone(),
                delta: delta.into_owned(),
            });
        }
        Ok(())
    }

    fn arguments_done(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) -> Outcome {
        let index = self.call_index(envelope.item_id.as_ref())?;
        let arguments = envelope.arguments.as_deref();
        self.end_call(index, arguments, out);
        Ok(())
    }

    /// The call an argument event names. Without an `item_id` it is the latest open call,
    /// which is what the reference assumed for every event.
    fn call_index(&self, item_id: Option<&Cow<str>>) -> Result<usize, String> {
        match item_id {
            Some(id) => self
                .calls
                .iter()
                .position(|call| call.item_id == *id)
                .ok_or_else(|| format!("function call arguments for unknown item {id:?}")),
            None => self
                .calls
                .iter()
                .rposition(|call| call.open)
                .ok_or_else(|| "function call arguments with no call open".to_owned()),
        }
    }

    fn end_call(&mut self, index: usize, arguments: Option<&str>, out: &mut Vec<Chunk>) {
        let Some(call) = self.calls.get_mut(index).filter(|call| call.open) else {
            return;
        };
        call.open = false;
        if let Some(arguments) = arguments.filter(|a| !call.streamed && !a.is_empty()) {
            out.push(Chunk::ToolCall {
                id: call.id.clone(),
                delta: arguments.to_owned(),
            });
        }
        out.push(Chunk::ToolCallEnd {
            id: call.id.clone(),
        });
    }

    /// Each summary (or reasoning text) part is its own thought, keyed like text parts.
    fn thought_delta(
        &mut self,
        envelope: Envelope,
        summary: bool,
        out: &mut Vec<Chunk>,
    ) -> Outcome {
        let index = thought_index(&envelope, summary);
        let delta = required_delta(envelope.delta, &envelope.kind)?;
        if !self.options.include_thoughts {
            return Ok(());
        }
        let item_id = key_id(envelope.item_id.as_ref());
        self.open_part(PartKind::Thought, item_id, index, out);
        if !delta.is_empty() {
            out.push(Chunk::Thought(delta.into_owned()));
        }
        Ok(())
    }

    fn thought_done(&mut self, envelope: &Envelope, summary: bool, out: &mut Vec<Chunk>) {
        let index = thought_index(envelope, summary);
        self.close_if_open(PartKind::Thought, envelope, Some(index), out);
    }

    /// `response.completed` and `response.incomplete`: close what the stream left open, then
    /// finish reason, usage and, last, the raw message.
    fn terminal(&mut self, envelope: Envelope, incomplete: bool, out: &mut Vec<Chunk>) -> Outcome {
        let Some(mut response) = envelope.response.filter(|r| r.is_object()) else {
            return Err(format!("{} event without a response object", envelope.kind));
        };
        self.close_all(out);
        let reason = if self.refusal {
            Some(FinishReason::Refusal)
        } else if incomplete {
            incomplete_reason(&response)
        } else {
            None
        };
        if let Some(reason) = reason {
            out.push(Chunk::Finish(reason));
        }
        let output = match response.get_mut("output").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        if let Some(usage) = usage(&response, web_searches(&output)) {
            out.push(Chunk::Usage(usage));
        }
        out.push(Chunk::RawMessage(Value::Array(
            output.into_iter().map(as_sdk_dump).collect(),
        )));
        self.ended = true;
        Ok(())
    }

    fn failed(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) {
        let error = envelope.response.as_deref().and_then(|r| r.get("error"));
        let code = error.and_then(|e| e.get("code"));
        let message = error.and_then(|e| e.get("message"));
        self.fail_with(Chunk::Error(provider_error(code, None, message)), out);
    }

    /// The `error` event carries `code`/`message` at the top level; some servers nest them in
    /// an `error` object instead (with a `type`), so both are read.
    fn error_event(&mut self, envelope: &Envelope, out: &mut Vec<Chunk>) {
        let nested = envelope.error.as_deref().filter(|e| e.is_object());
        let code = non_null(envelope.code.as_deref()).or_else(|| nested?.get("code"));
        let message = non_null(envelope.message.as_deref()).or_else(|| nested?.get("message"));
        let error_type = nested.and_then(|e| e.get("type")).and_then(Value::as_str);
        self.fail_with(Chunk::Error(provider_error(code, error_type, message)), out);
    }

    fn open_part(&mut self, kind: PartKind, item_id: &str, index: u64, out: &mut Vec<Chunk>) {
        if self
            .open
            .as_ref()
            .is_some_and(|p| p.kind == kind && p.index == index && p.item_id == item_id)
        {
            return;
        }
        self.close_part(out);
        // A part starting while a format-tool call is open (its `.done` events were lost):
        // the call ends, as the two would overlap.
        self.end_format_calls(out);
        out.push(match kind {
            PartKind::Text => Chunk::TextStart,
            PartKind::Thought => Chunk::ThoughtStart,
        });
        self.open = Some(OpenPart {
            kind,
            item_id: item_id.to_owned(),
            index,
        });
    }

    fn close_part(&mut self, out: &mut Vec<Chunk>) {
        if let Some(part) = self.open.take() {
            out.push(match part.kind {
                PartKind::Text => Chunk::TextEnd,
                PartKind::Thought => Chunk::ThoughtEnd,
            });
        }
    }

    /// Closes the open part only if it is the one the event names: a `.done` of a part that
    /// was never opened (or already closed) must not end another part.
    fn close_if_open(
        &mut self,
        kind: PartKind,
        envelope: &Envelope,
        index: Option<u64>,
        out: &mut Vec<Chunk>,
    ) {
        let item_id = key_id(envelope.item_id.as_ref());
        let index = index.unwrap_or(0);
        if self
            .open
            .as_ref()
            .is_some_and(|p| p.kind == kind && p.index == index && p.item_id == item_id)
        {
            self.close_part(out);
        }
    }

    fn end_format_calls(&mut self, out: &mut Vec<Chunk>) {
        for index in 0..self.calls.len() {
            if self.calls[index].format {
                self.end_call(index, None, out);
            }
        }
    }

    /// Every start gets its end before a normal finish, even if the `.done` events were lost.
    fn close_all(&mut self, out: &mut Vec<Chunk>) {
        self.close_part(out);
        for index in 0..self.calls.len() {
            self.end_call(index, None, out);
        }
    }

    fn fail(&mut self, message: String, out: &mut Vec<Chunk>) {
        let error = StreamError::new(ErrorKind::ResponseValidation, message);
        self.fail_with(Chunk::Error(error), out);
    }

    fn fail_with(&mut self, chunk: Chunk, out: &mut Vec<Chunk>) {
        out.push(chunk);
        self.ended = true;
    }
}

impl EventDecoder for Decoder {
    fn event(&mut self, event: &Event, identity: &mut ResponseIdentity, out: &mut Vec<Chunk>) {
        // `[DONE]` is Chat Completions' terminator; compatible servers sometimes add it here.
        if self.ended || event.data == "[DONE]" {
            return;
        }
        if self.options.raw_events {
            self.event_with_raw(event, identity, out);
        } else {
            self.event_without_raw(event, identity, out);
        }
    }

    fn eof(&mut self, out: &mut Vec<Chunk>) {
        if self.ended {
            return;
        }
        self.ended = true;
        out.push(Chunk::Error(StreamError::new(
            ErrorKind::Connection,
            format!("the stream ended before {TERMINAL_EVENTS}"),
        )));
    }

    fn complete(&self) -> bool {
        self.ended
    }
}

/// The JSON `type` names the event; the SSE `event:` line is the fallback for servers that
/// leave it out of the data.
fn type_name<'e>(json_type: &'e str, event: &'e Event) -> &'e str {
    if json_type.is_empty() {
        &event.event
    } else {
        json_type
    }
}

fn required_delta<'a>(delta: Option<Cow<'a, str>>, kind: &str) -> Result<Cow<'a, str>, String> {
    delta.ok_or_else(|| format!("{kind} event without a string delta"))
}

fn key_id<'e>(item_id: Option<&'e Cow<str>>) -> &'e str {
    item_id.map_or("", AsRef::as_ref)
}

fn thought_index(envelope: &Envelope, summary: bool) -> u64 {
    let index = if summary {
        envelope.summary_index
    } else {
        envelope.content_index
    };
    index.unwrap_or(0)
}

fn incomplete_reason(response: &Value) -> Option<FinishReason> {
    match response.pointer("/incomplete_details/reason")?.as_str()? {
        "max_output_tokens" => Some(FinishReason::MaxTokens),
        "content_filter" => Some(FinishReason::Refusal),
        _ => None,
    }
}

fn web_searches(output: &[Value]) -> i64 {
    let count = output
        .iter()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("web_search_call"))
        .count();
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// The response's totals as one delta (the Responses API reports usage only at the end).
fn usage(response: &Value, web_searches: i64) -> Option<Usage> {
    let has_usage = response.get("usage").is_some_and(Value::is_object);
    if !has_usage && web_searches == 0 {
        return None;
    }
    let count = |pointer: &str| response.pointer(pointer).and_then(Value::as_i64);
    Some(Usage {
        input_tokens: count("/usage/input_tokens").unwrap_or(0),
        output_tokens: count("/usage/output_tokens").unwrap_or(0),
        cache_read_tokens: count("/usage/input_tokens_details/cached_tokens").unwrap_or(0),
        cache_write_tokens: 0,
        reasoning_tokens: count("/usage/output_tokens_details/reasoning_tokens").unwrap_or(0),
        provider_tool_usage: (web_searches > 0).then(|| web_search_usage(web_searches)),
    })
}

/// The reference stores output items as the SDK's dump minus top-level `None` fields; the
/// same items are what a resumed conversation re-sends. The SDK's model of a web search's
/// `search` action declares `sources`, so its dump has `"sources": null` where the wire has
/// no key (the recorded resumes send it so).
fn as_sdk_dump(item: Value) -> Value {
    match item {
        Value::Object(mut fields) => {
            fields.retain(|_, value| !value.is_null());
            if fields.get("type").and_then(Value::as_str) == Some("web_search_call") {
                if let Some(Value::Object(action)) = fields.get_mut("action") {
                    if action.get("type").and_then(Value::as_str) == Some("search") {
                        action.entry("sources").or_insert(Value::Null);
                    }
                }
            }
            Value::Object(fields)
        }
        other => other,
    }
}

fn non_null(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

/// An in-stream failure, classified by its code (a name or an HTTP-like number), then by the
/// error type, as docs/spec.md §9 says.
fn provider_error(
    code: Option<&Value>,
    error_type: Option<&str>,
    message: Option<&Value>,
) -> StreamError {
    let code = non_null(code);
    let status = code.and_then(|c| {
        c.as_i64()
            .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let code_name = code.and_then(Value::as_str);
    let kind = match status {
        Some(status) => ErrorKind::from_status(status),
        None => code_name
            .and_then(ErrorKind::from_provider_name)
            .or_else(|| error_type.and_then(ErrorKind::from_provider_name))
            .unwrap_or(ErrorKind::Api),
    };
    let label = match code {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => error_type.unwrap_or("unknown_error").to_owned(),
    };
    let message = match non_null(message) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "no error message".to_owned(),
    };
    StreamError {
        kind,
        message: format!("response failed: {label}: {message}"),
        status_code: status,
    }
}

#[cfg(test)]
mod tests;

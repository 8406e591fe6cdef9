//! OpenAI Responses API events → chunks (docs/spec.md §11.2).
//!
//! Unlike Chat Completions, every Responses delta names the output item (and content or summary
//! index) it belongs to. Parts are therefore keyed by those names rather than by "whatever is
//! open", which is what lets interleaved argument deltas of parallel calls land on the right
//! call (docs/spec.md Δ11) and lets a missing `.done` be repaired by the item's `output_item.done`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, StreamError, ToolUsage, Usage};
use crate::providers::{malformed_event, EventDecoder, ResponseIdentity};
use crate::sse::Event;

/// Named in the error for a body that stops early, so users see what never arrived.
const TERMINAL_EVENTS: &str = "response.completed, response.incomplete or response.failed";

/// The tool Mirascope uses for structured output in `tool` mode. The Python layer shows its
/// arguments as a text part, so such a call must not overlap a text, a thought or another one.
const FORMAT_TOOL_NAME: &str = "__mirascope_formatted_output_tool__";

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
    #[serde(borrow, default)]
    delta: Option<Str<'a>>,
    #[serde(borrow, default)]
    item_id: Option<Str<'a>>,
    #[serde(default)]
    content_index: Option<u64>,
    #[serde(default)]
    summary_index: Option<u64>,
    #[serde(borrow, default)]
    arguments: Option<Str<'a>>,
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

/// A string that borrows from the event text when it has no escapes: serde's `Cow` impl
/// always allocates when wrapped in an `Option`, this newtype keeps the borrow.
#[derive(Deserialize)]
#[serde(transparent)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

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
    /// From the `response` object of the lifecycle events (`response.created` first).
    identity: ResponseIdentity,
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
            identity: ResponseIdentity::default(),
        }
    }

    /// Raw events need the whole JSON as a `Value`; the envelope is then read from that value
    /// (borrowing its strings) so the text is still parsed only once.
    fn event_with_raw(&mut self, event: &Event, out: &mut Vec<Chunk>) {
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
                    self.dispatch(kind, envelope, out);
                }
            }
            Err(err) => {
                self.misshapen(event, &value, &err, out);
            }
        }
        out.insert(at, Chunk::RawEvent(value));
    }

    fn event_without_raw(&mut self, event: &Event, out: &mut Vec<Chunk>) {
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
                    self.dispatch(kind, envelope, out);
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

    fn dispatch(&mut self, kind: Kind, envelope: Envelope, out: &mut Vec<Chunk>) {
        // Only lifecycle events carry a `response`; the deltas never reach this read.
        if let Some(response) = envelope.response.as_deref() {
            self.identity.record_from(response, "id", "model");
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
        let format = name.starts_with(FORMAT_TOOL_NAME);
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
        let arguments = envelope.arguments.as_ref().map(|a| a.0.as_ref());
        self.end_call(index, arguments, out);
        Ok(())
    }

    /// The call an argument event names. Without an `item_id` it is the latest open call,
    /// which is what the reference assumed for every event.
    fn call_index(&self, item_id: Option<&Str>) -> Result<usize, String> {
        match item_id {
            Some(Str(id)) => self
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
    fn complete(&self) -> bool {
        self.ended
    }

    fn identity(&self) -> &ResponseIdentity {
        &self.identity
    }

    fn event(&mut self, event: &Event, out: &mut Vec<Chunk>) {
        // `[DONE]` is Chat Completions' terminator; compatible servers sometimes add it here.
        if self.ended || event.data == "[DONE]" {
            return;
        }
        if self.options.raw_events {
            self.event_with_raw(event, out);
        } else {
            self.event_without_raw(event, out);
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

fn required_delta<'a>(delta: Option<Str<'a>>, kind: &str) -> Result<Cow<'a, str>, String> {
    delta
        .map(|Str(delta)| delta)
        .ok_or_else(|| format!("{kind} event without a string delta"))
}

fn key_id<'e>(item_id: Option<&'e Str>) -> &'e str {
    item_id.map_or("", |Str(id)| id.as_ref())
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
        provider_tool_usage: (web_searches > 0).then(|| {
            vec![ToolUsage {
                name: "web_search".to_owned(),
                call_count: web_searches,
            }]
        }),
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
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::providers::contract::fold;
    use crate::providers::{decode_all, StreamDecoder, WireFormat};

    const PLAIN: DecodeOptions = DecodeOptions {
        include_thoughts: false,
        raw_events: false,
    };
    const THOUGHTS: DecodeOptions = DecodeOptions {
        include_thoughts: true,
        raw_events: false,
    };
    const RAW: DecodeOptions = DecodeOptions {
        include_thoughts: false,
        raw_events: true,
    };

    fn sse(events: &[Value]) -> String {
        let mut body = String::new();
        for event in events {
            let name = event["type"].as_str().unwrap_or("message");
            for piece in ["event: ", name, "\ndata: ", &event.to_string(), "\n\n"] {
                body.push_str(piece);
            }
        }
        body
    }

    fn decode(options: DecodeOptions, events: &[Value]) -> Vec<Chunk> {
        decode_all(WireFormat::OpenAiResponses, options, sse(events).as_bytes())
    }

    fn part_added(item: &str, part_type: &str) -> Value {
        json!({"type": "response.content_part.added", "item_id": item, "output_index": 0,
               "content_index": 0, "part": {"type": part_type, "text": ""}})
    }

    fn text_delta(item: &str, delta: &str) -> Value {
        json!({"type": "response.output_text.delta", "item_id": item, "output_index": 0,
               "content_index": 0, "delta": delta, "logprobs": [], "obfuscation": "xyz"})
    }

    fn text_done(item: &str) -> Value {
        json!({"type": "response.output_text.done", "item_id": item, "content_index": 0,
               "text": "whole"})
    }

    fn call_added(item: &str, call_id: &str, name: &str) -> Value {
        json!({"type": "response.output_item.added", "output_index": 0,
               "item": {"id": item, "type": "function_call", "status": "in_progress",
                        "arguments": "", "call_id": call_id, "name": name}})
    }

    fn call_item(item: &str, call_id: &str, name: &str, arguments: &str) -> Value {
        json!({"id": item, "type": "function_call", "status": "completed",
               "arguments": arguments, "call_id": call_id, "name": name})
    }

    fn args_delta(item: &str, delta: &str) -> Value {
        json!({"type": "response.function_call_arguments.delta", "item_id": item,
               "output_index": 0, "delta": delta})
    }

    fn args_done(item: &str, arguments: &str) -> Value {
        json!({"type": "response.function_call_arguments.done", "item_id": item,
               "output_index": 0, "arguments": arguments})
    }

    fn summary_delta(item: &str, index: u64, delta: &str) -> Value {
        json!({"type": "response.reasoning_summary_text.delta", "item_id": item,
               "output_index": 0, "summary_index": index, "delta": delta})
    }

    fn summary_done(item: &str, index: u64) -> Value {
        json!({"type": "response.reasoning_summary_text.done", "item_id": item,
               "output_index": 0, "summary_index": index, "text": "whole"})
    }

    fn response(kind: &str, output: &Value, extra: &Value) -> Value {
        let mut response = json!({"id": "resp_1", "status": "completed", "error": null,
            "incomplete_details": null, "output": output,
            "usage": {"input_tokens": 11, "input_tokens_details": {"cached_tokens": 3},
                      "output_tokens": 7, "output_tokens_details": {"reasoning_tokens": 2},
                      "total_tokens": 18}});
        if let (Some(fields), Some(extra)) = (response.as_object_mut(), extra.as_object()) {
            fields.extend(extra.clone());
        }
        json!({"type": kind, "response": response})
    }

    fn completed(output: &Value) -> Value {
        response("response.completed", output, &json!({}))
    }

    fn usage_chunk() -> Chunk {
        Chunk::Usage(Usage {
            input_tokens: 11,
            output_tokens: 7,
            cache_read_tokens: 3,
            cache_write_tokens: 0,
            reasoning_tokens: 2,
            provider_tool_usage: None,
        })
    }

    fn text(delta: &str) -> Chunk {
        Chunk::Text(delta.to_owned())
    }

    fn start(id: &str, name: &str) -> Chunk {
        Chunk::ToolCallStart {
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }

    fn delta(id: &str, delta: &str) -> Chunk {
        Chunk::ToolCall {
            id: id.to_owned(),
            delta: delta.to_owned(),
        }
    }

    fn end(id: &str) -> Chunk {
        Chunk::ToolCallEnd { id: id.to_owned() }
    }

    fn error_of(chunks: &[Chunk]) -> &StreamError {
        match chunks.last() {
            Some(Chunk::Error(error)) => error,
            other => panic!("expected a trailing error, got {other:?}"),
        }
    }

    /// Found by `rust/fuzz` (openai_responses): a text delta arriving while a format-tool call
    /// was open (its `.done` events lost) started a text part overlapping the call, which the
    /// Python layer shows as text too ("Received a text/thought start while another part is
    /// open"); a second format-tool call overlapped the first the same way.
    #[test]
    fn a_format_tool_call_never_overlaps_a_part_or_another_one() {
        let tool = "__mirascope_formatted_output_tool__";
        let chunks = decode(
            THOUGHTS,
            &[
                call_added("fc_1", "call_1", tool),
                args_delta("fc_1", "{\"a\":"),
                text_delta("msg_1", "hi"),
                // The ended call takes no more deltas.
                args_delta("fc_1", "1}"),
                call_added("fc_2", "call_2", tool),
                call_added("fc_3", "call_3", tool),
                summary_delta("rs_1", 0, "hm"),
                completed(&json!([])),
            ],
        );
        assert_eq!(
            chunks,
            [
                start("call_1", tool),
                delta("call_1", "{\"a\":"),
                end("call_1"),
                Chunk::TextStart,
                text("hi"),
                Chunk::TextEnd,
                start("call_2", tool),
                end("call_2"),
                start("call_3", tool),
                end("call_3"),
                Chunk::ThoughtStart,
                Chunk::Thought("hm".into()),
                Chunk::ThoughtEnd,
                usage_chunk(),
                Chunk::RawMessage(json!([])),
            ]
        );
        assert!(fold(&chunks).is_ok_and(|f| f.error.is_none()));
    }

    #[test]
    fn interleaved_argument_deltas_keep_their_call_ids() {
        let output = json!([
            call_item("fc_a", "call_a", "get_weather", r#"{"city":"Oslo"}"#),
            call_item("fc_b", "call_b", "get_time", r#"{"tz":"CET"}"#),
        ]);
        let chunks = decode(
            PLAIN,
            &[
                call_added("fc_a", "call_a", "get_weather"),
                call_added("fc_b", "call_b", "get_time"),
                args_delta("fc_a", r#"{"city":"#),
                args_delta("fc_b", r#"{"tz":"#),
                args_delta("fc_a", r#""Oslo"}"#),
                args_delta("fc_b", r#""CET"}"#),
                args_done("fc_b", r#"{"tz":"CET"}"#),
                args_done("fc_a", r#"{"city":"Oslo"}"#),
                completed(&output),
            ],
        );
        assert_eq!(
            chunks,
            vec![
                start("call_a", "get_weather"),
                start("call_b", "get_time"),
                delta("call_a", r#"{"city":"#),
                delta("call_b", r#"{"tz":"#),
                delta("call_a", r#""Oslo"}"#),
                delta("call_b", r#""CET"}"#),
                end("call_b"),
                end("call_a"),
                usage_chunk(),
                Chunk::RawMessage(output),
            ]
        );
        let folded = fold(&chunks).unwrap();
        assert_eq!(folded.content[0]["args"], r#"{"tz":"CET"}"#);
        assert_eq!(folded.content[1]["args"], r#"{"city":"Oslo"}"#);
    }

    #[test]
    fn a_call_without_arguments_done_is_closed_by_its_output_item_done() {
        let item = call_item("fc_a", "call_a", "f", r#"{"x":1}"#);
        let chunks = decode(
            PLAIN,
            &[
                call_added("fc_a", "call_a", "f"),
                args_delta("fc_a", r#"{"x":1}"#),
                json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
                completed(&json!([item])),
            ],
        );
        assert_eq!(
            chunks[..3],
            [
                start("call_a", "f"),
                delta("call_a", r#"{"x":1}"#),
                end("call_a")
            ]
        );
        assert_eq!(chunks.len(), 5);
    }

    #[test]
    fn a_call_that_got_no_deltas_takes_its_arguments_from_the_closing_event() {
        let item = call_item("fc_a", "call_a", "f", r#"{"x":1}"#);
        let from_item_done = decode(
            PLAIN,
            &[
                call_added("fc_a", "call_a", "f"),
                json!({"type": "response.output_item.done", "item": item}),
                completed(&json!([item])),
            ],
        );
        let from_arguments_done = decode(
            PLAIN,
            &[
                call_added("fc_a", "call_a", "f"),
                args_done("fc_a", r#"{"x":1}"#),
                completed(&json!([item])),
            ],
        );
        for chunks in [from_item_done, from_arguments_done] {
            assert_eq!(
                chunks[..3],
                [
                    start("call_a", "f"),
                    delta("call_a", r#"{"x":1}"#),
                    end("call_a")
                ]
            );
        }
    }

    #[test]
    fn the_terminal_event_closes_what_the_stream_left_open() {
        let chunks = decode(
            PLAIN,
            &[
                part_added("msg_1", "output_text"),
                text_delta("msg_1", "hi"),
                call_added("fc_a", "call_a", "f"),
                args_delta("fc_a", "{}"),
                completed(&json!([])),
            ],
        );
        assert_eq!(
            chunks[..6],
            [
                Chunk::TextStart,
                text("hi"),
                Chunk::TextEnd,
                start("call_a", "f"),
                delta("call_a", "{}"),
                end("call_a"),
            ]
        );
        fold(&chunks).unwrap();
    }

    fn reasoning_stream() -> Vec<Value> {
        vec![
            json!({"type": "response.created", "response": {"id": "resp_1", "output": []}}),
            json!({"type": "response.output_item.added",
                   "item": {"id": "rs_1", "type": "reasoning", "summary": []}}),
            json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1",
                   "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
            summary_delta("rs_1", 0, "**Plan**"),
            summary_delta("rs_1", 0, " add"),
            summary_done("rs_1", 0),
            json!({"type": "response.reasoning_summary_part.done", "item_id": "rs_1",
                   "summary_index": 0, "part": {"type": "summary_text", "text": "x"}}),
            summary_delta("rs_1", 1, "**Check**"),
            summary_done("rs_1", 1),
            part_added("msg_1", "output_text"),
            text_delta("msg_1", "4"),
            text_done("msg_1"),
            completed(&json!([])),
        ]
    }

    #[test]
    fn each_reasoning_summary_part_is_its_own_thought() {
        let chunks = decode(THOUGHTS, &reasoning_stream());
        assert_eq!(
            chunks,
            vec![
                Chunk::ThoughtStart,
                Chunk::Thought("**Plan**".into()),
                Chunk::Thought(" add".into()),
                Chunk::ThoughtEnd,
                Chunk::ThoughtStart,
                Chunk::Thought("**Check**".into()),
                Chunk::ThoughtEnd,
                Chunk::TextStart,
                text("4"),
                Chunk::TextEnd,
                usage_chunk(),
                Chunk::RawMessage(json!([])),
            ]
        );
    }

    #[test]
    fn reasoning_summaries_make_no_chunks_without_include_thoughts() {
        let chunks = decode(PLAIN, &reasoning_stream());
        assert_eq!(
            chunks,
            vec![
                Chunk::TextStart,
                text("4"),
                Chunk::TextEnd,
                usage_chunk(),
                Chunk::RawMessage(json!([])),
            ]
        );
    }

    #[test]
    fn reasoning_text_deltas_are_thoughts_too() {
        let event = |kind: &str, delta: &str| json!({"type": kind, "item_id": "rs_1", "content_index": 0, "delta": delta});
        let events = [
            event("response.reasoning_text.delta", "think"),
            event("response.reasoning_text.done", ""),
            completed(&json!([])),
        ];
        let chunks = decode(THOUGHTS, &events);
        assert_eq!(
            chunks[..3],
            [
                Chunk::ThoughtStart,
                Chunk::Thought("think".into()),
                Chunk::ThoughtEnd
            ]
        );
        assert_eq!(decode(PLAIN, &events).len(), 2);
    }

    #[test]
    fn text_and_thought_parts_never_overlap() {
        let chunks = decode(
            THOUGHTS,
            &[
                text_delta("msg_1", "a"),
                summary_delta("rs_1", 0, "b"),
                text_delta("msg_1", "c"),
                completed(&json!([])),
            ],
        );
        assert_eq!(
            chunks[..9],
            [
                Chunk::TextStart,
                text("a"),
                Chunk::TextEnd,
                Chunk::ThoughtStart,
                Chunk::Thought("b".into()),
                Chunk::ThoughtEnd,
                Chunk::TextStart,
                text("c"),
                Chunk::TextEnd,
            ]
        );
    }

    #[test]
    fn refusal_is_text_with_a_refusal_finish() {
        let refusal = |kind: &str, field: &str, value: &str| json!({"type": kind, "item_id": "msg_1", "content_index": 0, field: value});
        let output = json!([{"id": "msg_1", "type": "message", "role": "assistant",
                             "content": [{"type": "refusal", "refusal": "No."}]}]);
        let chunks = decode(
            PLAIN,
            &[
                part_added("msg_1", "refusal"),
                refusal("response.refusal.delta", "delta", "No"),
                refusal("response.refusal.delta", "delta", "."),
                refusal("response.refusal.done", "refusal", "No."),
                completed(&output),
            ],
        );
        assert_eq!(
            chunks,
            vec![
                Chunk::TextStart,
                text("No"),
                text("."),
                Chunk::TextEnd,
                Chunk::Finish(FinishReason::Refusal),
                usage_chunk(),
                Chunk::RawMessage(output),
            ]
        );
    }

    #[test]
    fn incomplete_maps_its_reason_and_reports_usage() {
        for (reason, finish) in [
            ("max_output_tokens", Some(FinishReason::MaxTokens)),
            ("content_filter", Some(FinishReason::Refusal)),
            ("something_new", None),
        ] {
            let extra = json!({"status": "incomplete", "incomplete_details": {"reason": reason}});
            let chunks = decode(
                PLAIN,
                &[
                    text_delta("msg_1", "Sure"),
                    response("response.incomplete", &json!([]), &extra),
                ],
            );
            let mut expected = vec![Chunk::TextStart, text("Sure"), Chunk::TextEnd];
            expected.extend(finish.map(Chunk::Finish));
            expected.extend([usage_chunk(), Chunk::RawMessage(json!([]))]);
            assert_eq!(chunks, expected, "{reason}");
        }
    }

    #[test]
    fn web_search_items_become_provider_tool_usage() {
        let search = json!({"id": "ws_1", "type": "web_search_call", "status": "completed",
                            "action": {"type": "search", "query": "rust"}});
        let chunks = decode(PLAIN, &[completed(&json!([search, search]))]);
        let Some(Chunk::Usage(usage)) = chunks.first() else {
            panic!("no usage: {chunks:?}");
        };
        assert_eq!(
            usage.provider_tool_usage,
            Some(vec![ToolUsage {
                name: "web_search".into(),
                call_count: 2
            }])
        );
    }

    #[test]
    fn web_search_actions_carry_sources_as_the_sdk_dumps_them() {
        let search = json!({"id": "ws_1", "type": "web_search_call", "status": "completed",
                            "action": {"type": "search", "query": "rust"}});
        let listed = json!({"id": "ws_2", "type": "web_search_call", "status": "completed",
                            "action": {"type": "search", "query": "rust", "sources": [{"type": "url", "url": "u"}]}});
        let opened = json!({"id": "ws_3", "type": "web_search_call", "status": "completed",
                            "action": {"type": "open_page", "url": "u"}});
        let chunks = decode(PLAIN, &[completed(&json!([search, listed, opened]))]);
        let mut filled = search.clone();
        filled["action"]["sources"] = Value::Null;
        assert_eq!(
            chunks.last(),
            Some(&Chunk::RawMessage(json!([filled, listed, opened])))
        );
    }

    #[test]
    fn the_raw_message_drops_top_level_nulls_only() {
        let item = json!({"id": "fc_a", "type": "function_call", "status": null,
                          "arguments": "{}", "call_id": "call_a", "name": "f",
                          "extra": {"kept": null}});
        let chunks = decode(PLAIN, &[completed(&json!([item]))]);
        assert_eq!(
            chunks.last(),
            Some(&Chunk::RawMessage(
                json!([{"id": "fc_a", "type": "function_call",
                "arguments": "{}", "call_id": "call_a", "name": "f",
                "extra": {"kept": null}}])
            ))
        );
    }

    #[test]
    fn response_failed_after_text_keeps_the_text_and_ends_in_one_error() {
        let failed = json!({"type": "response.failed", "response": {"id": "resp_1",
            "status": "failed", "error": {"code": "server_error", "message": "boom"}}});
        let chunks = decode(
            PLAIN,
            &[
                text_delta("msg_1", "Hel"),
                failed,
                text_delta("msg_1", "lo"),
            ],
        );
        assert_eq!(
            chunks,
            vec![
                Chunk::TextStart,
                text("Hel"),
                Chunk::Error(StreamError::new(
                    ErrorKind::Server,
                    "response failed: server_error: boom"
                )),
            ]
        );
        fold(&chunks).unwrap();
    }

    #[test]
    fn response_failed_without_details_is_a_plain_api_error() {
        let failed = json!({"type": "response.failed", "response": {"error": null}});
        let chunks = decode(PLAIN, &[failed]);
        assert_eq!(
            error_of(&chunks),
            &StreamError::new(
                ErrorKind::Api,
                "response failed: unknown_error: no error message"
            )
        );
    }

    #[test]
    fn error_events_map_by_code_or_type() {
        let cases = [
            (
                json!({"type": "error", "code": "rate_limit_exceeded", "message": "slow down",
                       "param": null}),
                ErrorKind::RateLimit,
                None,
                "response failed: rate_limit_exceeded: slow down",
            ),
            (
                json!({"type": "error", "error": {"type": "invalid_request_error",
                       "code": null, "message": "bad input"}}),
                ErrorKind::BadRequest,
                None,
                "response failed: invalid_request_error: bad input",
            ),
            (
                json!({"type": "error", "code": "503", "message": "unavailable"}),
                ErrorKind::Server,
                Some(503),
                "response failed: 503: unavailable",
            ),
            (
                json!({"type": "error", "code": 404, "message": "gone"}),
                ErrorKind::NotFound,
                Some(404),
                "response failed: 404: gone",
            ),
            (
                json!({"type": "error", "code": "weird", "message": "?"}),
                ErrorKind::Api,
                None,
                "response failed: weird: ?",
            ),
        ];
        for (event, kind, status_code, message) in cases {
            let chunks = decode(PLAIN, &[text_delta("msg_1", "partial"), event]);
            assert_eq!(chunks[..2], [Chunk::TextStart, text("partial")]);
            assert_eq!(chunks.len(), 3);
            assert_eq!(
                error_of(&chunks),
                &StreamError {
                    kind,
                    message: message.into(),
                    status_code
                }
            );
        }
    }

    #[test]
    fn eof_before_the_terminal_event_is_a_connection_error() {
        let chunks = decode(
            PLAIN,
            &[
                part_added("msg_1", "output_text"),
                text_delta("msg_1", "cut"),
            ],
        );
        assert_eq!(chunks[..2], [Chunk::TextStart, text("cut")]);
        assert_eq!(chunks.len(), 3);
        let error = error_of(&chunks);
        assert_eq!(error.kind, ErrorKind::Connection);
        assert!(error.message.contains("response.completed"), "{error:?}");
    }

    #[test]
    fn malformed_json_is_a_response_validation_error_naming_the_event() {
        let body = "event: response.output_text.delta\ndata: {\"type\": \"response.out\n\n";
        let chunks = decode_all(WireFormat::OpenAiResponses, PLAIN, body.as_bytes());
        assert_eq!(chunks.len(), 1);
        let error = error_of(&chunks);
        assert_eq!(error.kind, ErrorKind::ResponseValidation);
        assert!(
            error.message.contains("response.output_text.delta"),
            "{error:?}"
        );
    }

    #[test]
    fn known_events_of_the_wrong_shape_are_validation_errors() {
        let bad = [
            json!({"type": "response.output_text.delta", "item_id": "m", "delta": 5}),
            json!({"type": "response.output_text.delta", "item_id": "m"}),
            json!({"type": "response.output_item.added"}),
            json!({"type": "response.output_item.added",
                   "item": {"id": "fc", "type": "function_call", "name": "f"}}),
            json!({"type": "response.function_call_arguments.delta", "item_id": "nope",
                   "delta": "{}"}),
            json!({"type": "response.completed", "response": null}),
            json!(["response.output_text.delta", "m", "x"]),
            json!("response.output_text.delta"),
        ];
        for options in [PLAIN, RAW] {
            for event in &bad {
                let chunks = decode(options, std::slice::from_ref(event));
                let errors = &chunks[usize::from(options.raw_events)..];
                assert_eq!(errors.len(), 1, "{event}");
                assert_eq!(error_of(errors).kind, ErrorKind::ResponseValidation);
            }
        }
    }

    #[test]
    fn ignored_events_stay_ignored_even_when_oddly_shaped() {
        let chunks = decode(
            PLAIN,
            &[
                json!({"type": "response.created", "delta": 5}),
                json!({"type": "response.in_progress", "response": {}}),
                json!({"type": "response.web_search_call.searching", "item_id": "ws"}),
                json!({"type": "response.output_text.annotation.added", "annotation": {}}),
                completed(&json!([])),
            ],
        );
        assert_eq!(chunks, vec![usage_chunk(), Chunk::RawMessage(json!([]))]);
    }

    #[test]
    fn unknown_event_types_become_raw_events() {
        let audio = json!({"type": "response.audio.delta", "delta": "AAAA"});
        let mcp = json!({"type": "response.mcp_call_arguments.delta", "delta": {"a": 1}});
        let chunks = decode(
            PLAIN,
            &[
                audio.clone(),
                text_delta("msg_1", "x"),
                mcp.clone(),
                completed(&json!([])),
            ],
        );
        assert_eq!(
            chunks,
            vec![
                Chunk::RawEvent(audio),
                Chunk::TextStart,
                text("x"),
                Chunk::RawEvent(mcp),
                Chunk::TextEnd,
                usage_chunk(),
                Chunk::RawMessage(json!([])),
            ]
        );
    }

    #[test]
    fn raw_events_come_first_for_every_event() {
        let events = reasoning_stream();
        let chunks = decode(RAW, &events);
        let raw: Vec<&Chunk> = chunks
            .iter()
            .filter(|c| matches!(c, Chunk::RawEvent(_)))
            .collect();
        assert_eq!(raw.len(), events.len());
        assert_eq!(chunks[0], Chunk::RawEvent(events[0].clone()));
        let text_at = chunks.iter().position(|c| *c == Chunk::TextStart).unwrap();
        assert_eq!(chunks[text_at - 1], Chunk::RawEvent(events[9].clone()));
        let without_raw: Vec<Chunk> = chunks
            .into_iter()
            .filter(|c| !matches!(c, Chunk::RawEvent(_)))
            .collect();
        assert_eq!(without_raw, decode(PLAIN, &events));
    }

    #[test]
    fn a_data_line_over_40_kb_is_one_delta() {
        let long: String = "lorem ipsum \u{e9}\\\"".repeat(3_000);
        assert!(long.len() > 40_000);
        let chunks = decode(PLAIN, &[text_delta("msg_1", &long), completed(&json!([]))]);
        assert_eq!(chunks[1], Chunk::Text(long));
    }

    #[test]
    fn empty_deltas_are_dropped_but_an_added_part_still_shows() {
        let chunks = decode(
            PLAIN,
            &[
                part_added("msg_1", "output_text"),
                text_delta("msg_1", ""),
                text_done("msg_1"),
                completed(&json!([])),
            ],
        );
        assert_eq!(chunks[..2], [Chunk::TextStart, Chunk::TextEnd]);
        assert_eq!(
            fold(&chunks).unwrap().content,
            vec![json!({"type": "text", "text": ""})]
        );
    }

    #[test]
    fn events_after_the_terminal_event_are_ignored() {
        let mut decoder = Decoder::new(PLAIN);
        let mut out = Vec::new();
        for event in [completed(&json!([])), text_delta("msg_1", "late")] {
            let event = Event {
                event: "message".into(),
                data: event.to_string(),
                id: String::new(),
                retry: None,
            };
            decoder.event(&event, &mut out);
        }
        decoder.eof(&mut out);
        assert_eq!(out, vec![usage_chunk(), Chunk::RawMessage(json!([]))]);
    }

    #[test]
    fn a_done_marker_is_ignored() {
        let mut body = sse(&[text_delta("msg_1", "a"), completed(&json!([]))]);
        body.insert_str(0, "data: [DONE]\n\n");
        body.push_str("data: [DONE]\n\n");
        let chunks = decode_all(WireFormat::OpenAiResponses, PLAIN, body.as_bytes());
        assert_eq!(fold(&chunks).unwrap().content.len(), 1);
        assert!(chunks.iter().all(|c| !matches!(c, Chunk::Error(_))));
    }

    #[test]
    fn deltas_borrow_from_the_event_text() {
        let data = text_delta("msg_1", "plain").to_string();
        let envelope: Envelope = serde_json::from_str(&data).unwrap();
        assert!(matches!(envelope.delta, Some(Str(Cow::Borrowed("plain")))));
        assert!(matches!(
            envelope.item_id,
            Some(Str(Cow::Borrowed("msg_1")))
        ));
        let escaped = text_delta("msg_1", "a\"b").to_string();
        let envelope: Envelope = serde_json::from_str(&escaped).unwrap();
        assert!(matches!(envelope.delta, Some(Str(Cow::Owned(ref s))) if s == "a\"b"));
    }

    // --- fuzzing -------------------------------------------------------------------------

    fn arb_text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[a-z \"{}:,\\\\]{1,6}", "\\PC{1,4}",]
    }

    fn arb_content_event() -> impl Strategy<Value = Value> {
        let item = || prop::sample::select(vec!["msg_1", "msg_2", "rs_1", "fc_1"]);
        let call_item = || prop::sample::select(vec!["fc_1", "fc_2"]);
        let index = || 0u64..2;
        prop_oneof![
            1 => (item(), index(), arb_text(), any::<bool>()).prop_map(|(i, c, d, refusal)| {
                let kind = if refusal { "response.refusal.delta" } else { "response.output_text.delta" };
                json!({"type": kind, "item_id": i, "content_index": c, "delta": d})
            }),
            1 => (item(), index(), any::<bool>()).prop_map(|(i, c, refusal)| {
                let kind = if refusal { "response.refusal.done" } else { "response.output_text.done" };
                json!({"type": kind, "item_id": i, "content_index": c})
            }),
            1 => (item(), index(), prop::sample::select(vec!["output_text", "refusal", "other"]))
                .prop_map(|(i, c, t)| json!({"type": "response.content_part.added",
                    "item_id": i, "content_index": c, "part": {"type": t}})),
            1 => (item(), index()).prop_map(|(i, c)| json!({"type": "response.content_part.done",
                "item_id": i, "content_index": c})),
            2 => (call_item(), prop::sample::select(vec!["call_1", "call_2"]))
                .prop_map(|(i, c)| call_added(i, c, "f")),
            1 => (item(), arb_text()).prop_map(|(i, a)| json!({"type": "response.output_item.done",
                "item": {"id": i, "type": "function_call", "arguments": a}})),
            1 => (call_item(), arb_text()).prop_map(|(i, d)| args_delta(i, &d)),
            1 => (call_item(), arb_text()).prop_map(|(i, a)| args_done(i, &a)),
            1 => (item(), index(), arb_text()).prop_map(|(i, s, d)| summary_delta(i, s, &d)),
            1 => (item(), index()).prop_map(|(i, s)| summary_done(i, s)),
            1 => (item(), index(), arb_text()).prop_map(|(i, c, d)| json!({
                "type": "response.reasoning_text.delta", "item_id": i, "content_index": c,
                "delta": d})),
            1 => (0..5u8).prop_map(|step| search_event("ws_1", step)),
            1 => (item(), index(), arb_text()).prop_map(|(i, c, t)| annotation(i, c, 0, 1, &t)),
        ]
    }

    fn arb_other_event() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => arb_content_event().prop_map(|e| e.to_string()),
            1 => Just(completed(&json!([])).to_string()),
            1 => Just(completed(&json!([search_item("ws_1", "q")])).to_string()),
            1 => prop::sample::select(vec!["max_output_tokens", "content_filter"]).prop_map(
                |r| response("response.incomplete", &json!([]),
                             &json!({"incomplete_details": {"reason": r}})).to_string()),
            1 => Just(json!({"type": "response.failed", "response": {"error":
                {"code": "server_error", "message": "x"}}}).to_string()),
            1 => Just(json!({"type": "error", "code": 429, "message": "x"}).to_string()),
            1 => Just(json!({"type": "response.created", "response": {}}).to_string()),
            1 => "[a-z.]{1,12}".prop_map(|t| json!({"type": t, "delta": 1}).to_string()),
            1 => Just("[DONE]".to_owned()),
            1 => "\\PC{0,12}",
            1 => arb_content_event().prop_map(|e| {
                let s = e.to_string();
                s[..s.len() / 2].to_owned()
            }),
        ]
    }

    /// Event sequences, mostly well-formed so that streams get far; calls are often announced
    /// up front so that their (interleaving) argument events have somewhere to go.
    fn arb_body() -> impl Strategy<Value = Vec<u8>> {
        let event = prop_oneof![
            6 => arb_content_event().prop_map(|e| e.to_string()),
            1 => arb_other_event(),
        ];
        (
            any::<bool>(),
            prop::collection::vec(event, 0..30),
            any::<bool>(),
        )
            .prop_map(|(announce, events, finish)| {
                let announced = [
                    call_added("fc_1", "call_1", "f"),
                    call_added("fc_2", "call_2", "g"),
                ]
                .map(|e| e.to_string());
                let mut body = String::new();
                for data in announced
                    .iter()
                    .filter(|_| announce)
                    .chain(&events)
                    .map(String::as_str)
                    .chain(finish.then_some(r#"{"type":"response.completed","response":{}}"#))
                {
                    body.push_str("event: x\ndata: ");
                    body.push_str(data);
                    body.push_str("\n\n");
                }
                body.into_bytes()
            })
    }

    fn decode_pieces(options: DecodeOptions, body: &[u8], cuts: &[usize]) -> Vec<Chunk> {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
        cuts.sort_unstable();
        let mut decoder = StreamDecoder::new(WireFormat::OpenAiResponses, options);
        let mut out = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([body.len()]) {
            decoder.feed(&body[from..cut], &mut out);
            from = cut;
        }
        decoder.finish(&mut out);
        out
    }

    /// The §4 contract, plus "a clean finish or exactly one trailing error".
    fn check_contract(options: DecodeOptions, chunks: &[Chunk]) -> Result<(), TestCaseError> {
        let errors = chunks
            .iter()
            .filter(|c| matches!(c, Chunk::Error(_)))
            .count();
        let raw_messages = chunks
            .iter()
            .filter(|c| matches!(c, Chunk::RawMessage(_)))
            .count();
        match chunks.last() {
            Some(Chunk::Error(_)) => prop_assert_eq!(errors, 1),
            Some(Chunk::RawMessage(_)) => prop_assert_eq!((errors, raw_messages), (0, 1)),
            other => prop_assert!(false, "stream ended with {:?}", other),
        }
        fold(chunks).map_err(TestCaseError::fail)?;
        let is_content = |c: &Chunk| {
            !matches!(
                c,
                Chunk::Usage(_)
                    | Chunk::Finish(_)
                    | Chunk::RawEvent(_)
                    | Chunk::RawMessage(_)
                    | Chunk::Error(_)
            )
        };
        if let Some(finish) = chunks.iter().position(|c| matches!(c, Chunk::Finish(_))) {
            prop_assert!(!chunks[finish..].iter().any(is_content));
        }
        if !options.include_thoughts {
            prop_assert!(!chunks
                .iter()
                .any(|c| matches!(c, Chunk::ThoughtStart | Chunk::Thought(_))));
        }
        Ok(())
    }

    fn search_item(id: &str, query: &str) -> Value {
        json!({"id": id, "type": "web_search_call", "status": "completed",
               "action": {"type": "search", "query": query, "queries": [query]}})
    }

    /// One of the five events of a web search call, in the order the API sends them.
    fn search_event(id: &str, step: u8) -> Value {
        match step {
            0 => json!({"type": "response.output_item.added", "output_index": 0,
                "item": {"id": id, "type": "web_search_call", "status": "in_progress",
                         "action": {"type": "search"}}}),
            1 => {
                json!({"type": "response.web_search_call.in_progress", "item_id": id, "output_index": 0})
            }
            2 => {
                json!({"type": "response.web_search_call.searching", "item_id": id, "output_index": 0})
            }
            3 => {
                json!({"type": "response.web_search_call.completed", "item_id": id, "output_index": 0})
            }
            _ => json!({"type": "response.output_item.done", "output_index": 0,
                "item": search_item(id, "q")}),
        }
    }

    fn annotation(item: &str, content: u64, start: usize, end: usize, title: &str) -> Value {
        json!({"type": "response.output_text.annotation.added", "item_id": item,
               "output_index": 1, "content_index": content, "annotation_index": 0,
               "annotation": {"type": "url_citation", "start_index": start, "end_index": end,
                              "title": title, "url": "https://t.example"}})
    }

    /// A searched answer as the API streams it: `searches` web search calls, then one message
    /// whose text arrives in `pieces` with a `url_citation` annotation event after each piece
    /// listed in `cited`, then `response.completed` holding every item.
    fn searched_answer(searches: usize, pieces: &[String], cited: &[usize]) -> (Vec<Value>, Value) {
        let mut events = Vec::new();
        let mut output = Vec::new();
        for n in 0..searches {
            let id = format!("ws_{n}");
            events.extend((0..5).map(|step| search_event(&id, step)));
            output.push(search_item(&id, "q"));
        }
        events.push(json!({"type": "response.output_item.added", "output_index": searches,
            "item": {"id": "msg_1", "type": "message", "status": "in_progress", "content": [], "role": "assistant"}}));
        events.push(part_added("msg_1", "output_text"));
        let text = pieces.concat();
        let (mut annotations, mut seen) = (Vec::new(), 0);
        for (k, piece) in pieces.iter().enumerate() {
            events.push(text_delta("msg_1", piece));
            let before = seen;
            seen += piece.chars().count();
            if cited.contains(&k) {
                let note = annotation("msg_1", 0, before, seen, &k.to_string());
                annotations.push(note["annotation"].clone());
                events.push(note);
            }
        }
        events.push(text_done("msg_1"));
        events.push(json!({"type": "response.content_part.done", "item_id": "msg_1", "output_index": searches,
            "content_index": 0, "part": {"type": "output_text", "text": text, "annotations": annotations}}));
        output.push(json!({"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}]}));
        events.push(completed(&Value::Array(output.clone())));
        (events, Value::Array(output))
    }

    proptest! {
        #[test]
        fn searched_answers_keep_their_text_count_their_searches_and_keep_every_item(
            searches in 0..3usize,
            pieces in prop::collection::vec(arb_text(), 1..6),
            cited in prop::collection::vec(0..6usize, 0..4),
            options in (any::<bool>(), any::<bool>()).prop_map(|(include_thoughts, raw_events)|
                DecodeOptions { include_thoughts, raw_events }),
            cuts in prop::collection::vec(any::<usize>(), 0..8),
        ) {
            let (events, output) = searched_answer(searches, &pieces, &cited);
            let body = sse(&events);
            let chunks = decode_pieces(options, body.as_bytes(), &cuts);
            check_contract(options, &chunks)?;
            let folded = fold(&chunks).map_err(TestCaseError::fail)?;
            prop_assert_eq!(folded.content, vec![json!({"type": "text", "text": pieces.concat()})]);
            let shown = pieces.iter().filter(|p| !p.is_empty()).count();
            prop_assert_eq!(folded.n_chunks, shown + 2);
            let tool_usage = chunks.iter().find_map(|c| match c {
                Chunk::Usage(u) => Some(u.provider_tool_usage.clone()),
                _ => None,
            });
            let want = (searches > 0).then(|| vec![ToolUsage {
                name: "web_search".into(),
                call_count: i64::try_from(searches).unwrap(),
            }]);
            prop_assert_eq!(tool_usage, Some(want));
            let mut resent = output;
            for item in resent.as_array_mut().into_iter().flatten() {
                if item["type"] == "web_search_call" {
                    item["action"]["sources"] = Value::Null;
                }
            }
            prop_assert_eq!(chunks.last(), Some(&Chunk::RawMessage(resent)));
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_end_cleanly(
            body in prop::collection::vec(any::<u8>(), 0..512),
            cuts in prop::collection::vec(any::<usize>(), 0..6),
        ) {
            let whole = decode_all(WireFormat::OpenAiResponses, THOUGHTS, &body);
            check_contract(THOUGHTS, &whole)?;
            prop_assert_eq!(decode_pieces(THOUGHTS, &body, &cuts), whole);
        }

        #[test]
        fn arbitrary_event_sequences_keep_the_contract(
            body in arb_body(),
            include_thoughts in any::<bool>(),
            cuts in prop::collection::vec(any::<usize>(), 0..8),
        ) {
            let options = DecodeOptions { include_thoughts, raw_events: false };
            let whole = decode_all(WireFormat::OpenAiResponses, options, &body);
            check_contract(options, &whole)?;
            prop_assert_eq!(decode_pieces(options, &body, &cuts), whole.clone());
            let raw_options = DecodeOptions { include_thoughts, raw_events: true };
            let raw = decode_all(WireFormat::OpenAiResponses, raw_options, &body);
            check_contract(raw_options, &raw)?;
            let strip = |chunks: Vec<Chunk>| -> Vec<Chunk> {
                chunks.into_iter().filter(|c| !matches!(c, Chunk::RawEvent(_))).collect()
            };
            prop_assert_eq!(strip(raw), strip(whole));
        }
    }
}

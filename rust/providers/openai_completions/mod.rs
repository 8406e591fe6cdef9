//! OpenAI Chat Completions streams (docs/spec.md §11.1), as sent by OpenAI and by every
//! OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter, Together).
//!
//! Every `data:` payload is one `chat.completion.chunk`. The hot path deserialises it into
//! borrowed structs (no `serde_json::Value`), keeping only choice 0: with `n > 1` the other
//! choices are alternative answers, not parts of this one. The protocol has no per-part close
//! events, so parts end when something else starts, and tool calls stay open until
//! `finish_reason` (the reference's deferred ends, docs/spec.md §13).
//!
//! Compatible servers bend the tool-call protocol in several ways; `slots::Calls` maps their
//! fragments onto calls with the slot rules of Mirascope 2.8.2 (docs/spec.md §11.1 "Slots").

mod skim;
mod slots;

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, StreamError};
use crate::providers::common::{data_preview, malformed_event, opt_str, Totals};
use crate::providers::{EventDecoder, ResponseIdentity};
use crate::sse::Event;
use slots::Calls;

#[doc(hidden)]
pub use skim::{check_choices, check_skim};

/// The sentinel payload that ends a Completions stream. The OpenAI SDK tests it with
/// `startswith`, so we do too.
const DONE: &str = "[DONE]";

/// The fields naming the response, which every chunk repeats: parsed apart from `Payload`, and
/// only from the first payloads (see `IDENTITY_LOOKS`), so that later chunks never pay for them.
/// `Value`, not a string type, so that a server sending some other type there loses only that
/// field.
#[derive(Deserialize)]
struct Identity {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    model: Option<Value>,
}

/// One `data:` payload. Only the fields that carry meaning are named; serde skips the rest
/// (`id`, `model`, `obfuscation`, `system_fingerprint`, `service_tier`, …).
#[derive(Deserialize, Debug, PartialEq)]
struct Payload<'a> {
    #[serde(default, borrow, rename = "choices", deserialize_with = "choice_zero")]
    choice: Option<Choice<'a>>,
    /// Boxed, as is `error`: both are rare, and serde moves the whole payload struct several
    /// times per event, so every inline byte is copied on every chunk.
    #[serde(default)]
    usage: Option<Box<WireUsage>>,
    /// Kept as a `Value`: errors are rare and their shape varies between servers.
    #[serde(default)]
    error: Option<Box<Value>>,
    /// `"error"` marks the bare error object older vLLM versions stream.
    #[serde(default, borrow, deserialize_with = "opt_str")]
    object: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<i64>,
    /// Boxed: the payload struct is moved several times per event, and this is most of it.
    #[serde(default, borrow)]
    delta: Option<Box<Delta<'a>>>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Delta<'a> {
    #[serde(default, borrow, deserialize_with = "opt_str")]
    content: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    refusal: Option<Cow<'a, str>>,
    /// DeepSeek and vLLM.
    #[serde(default, borrow, deserialize_with = "opt_str")]
    reasoning_content: Option<Cow<'a, str>>,
    /// Ollama, OpenRouter and newer vLLM.
    #[serde(default, borrow, deserialize_with = "opt_str")]
    reasoning: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    tool_calls: Option<Vec<ToolCallDelta<'a>>>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct ToolCallDelta<'a> {
    #[serde(default)]
    index: Option<i64>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    function: Option<FunctionDelta<'a>>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct FunctionDelta<'a> {
    #[serde(default, borrow, deserialize_with = "opt_str")]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "opt_str")]
    arguments: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<i64>,
    #[serde(default)]
    completion_tokens: Option<i64>,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<i64>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<i64>,
}

impl WireUsage {
    /// The totals in Mirascope's terms; unreported counts are 0, and there are no cache writes.
    fn totals(&self) -> Totals {
        Totals {
            input: self.prompt_tokens.unwrap_or(0),
            output: self.completion_tokens.unwrap_or(0),
            cache_read: self
                .prompt_tokens_details
                .as_ref()
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0),
            cache_write: 0,
            reasoning: self
                .completion_tokens_details
                .as_ref()
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}

/// The `choices` array reduced to choice 0 (a missing `index` counts as 0), without
/// collecting the array into a `Vec` on every chunk.
fn choice_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Choice<'de>>, D::Error> {
    struct Choices;
    impl<'de> Visitor<'de> for Choices {
        type Value = Option<Choice<'de>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of choices or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while found.is_none() {
                match seq.next_element::<Choice<'de>>()? {
                    None => return Ok(None),
                    Some(c) if c.index.unwrap_or(0) == 0 => found = Some(c),
                    Some(_) => {}
                }
            }
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(found)
        }
    }
    d.deserialize_option(Choices)
}

/// The text-like part currently open. Text and thoughts never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Text,
    Thought,
}

/// The Chat Completions state machine.
pub struct Decoder {
    options: DecodeOptions,
    part: Option<Part>,
    calls: Calls,
    /// A non-empty refusal fragment was seen: the finish reason is `Refusal`.
    refused: bool,
    /// Choice 0 has finished: its parts are closed and later deltas are ignored.
    finished: bool,
    /// `[DONE]` (or the end of the body) was handled: nothing more is emitted.
    done: bool,
    /// The usage totals reported so far, to turn cumulative reports into deltas.
    usage: Option<Totals>,
    /// How payloads are read: `Skim` but in the tests that compare the two paths.
    read: Read,
}

/// Whether the skim (`skim`) reads a payload before serde is asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Skim,
    /// serde alone, for the tests comparing the two paths.
    #[cfg_attr(not(test), allow(dead_code))]
    SerdeOnly,
}

impl Decoder {
    #[must_use]
    pub fn new(options: DecodeOptions) -> Self {
        Self {
            options,
            part: None,
            calls: Calls::default(),
            refused: false,
            finished: false,
            done: false,
            usage: None,
            read: Read::Skim,
        }
    }

    /// A decoder that reads every payload with serde, for the tests comparing it with the skim.
    #[cfg(test)]
    fn without_skim(options: DecodeOptions) -> Self {
        Self {
            read: Read::SerdeOnly,
            ..Self::new(options)
        }
    }

    fn data_event(&mut self, event: &Event, identity: &mut ResponseIdentity, out: &mut Vec<Chunk>) {
        let data = event.data.as_str();
        if data.starts_with(DONE) {
            if !self.finished {
                self.finish(None, out);
            }
            self.done = true;
            return;
        }
        // Blank payloads carry nothing; some proxies send them as keep-alives.
        if data.trim().is_empty() {
            return;
        }
        let look = identity.should_look();
        // The skim reads most payloads; serde reads the rest, and raw events (docs/spec.md
        // §11.1 "Skimming").
        let skimmed = if self.options.raw_events || self.read == Read::SerdeOnly {
            None
        } else {
            skim::skim(data)
        };
        if look {
            match skimmed.as_ref().and_then(|s| s.identity) {
                Some((id, model)) => identity.record(id, model),
                None => record_identity(data, identity),
            }
        }
        if let Some(skimmed) = skimmed {
            self.apply(skimmed.payload, data, out);
            return;
        }
        if self.options.raw_events {
            self.raw_then_apply(event, out);
            return;
        }
        match serde_json::from_str::<Payload>(data) {
            Ok(payload) => self.apply(payload, data, out),
            Err(err) => out.push(decode_error(event, &err)),
        }
    }

    /// Parses once into a `Value` (the raw event) and reads the payload out of it. The raw
    /// event must precede its content chunks, so a placeholder holds its place while the
    /// payload still borrows the value.
    fn raw_then_apply(&mut self, event: &Event, out: &mut Vec<Chunk>) {
        let value = match serde_json::from_str::<Value>(&event.data) {
            Ok(value) => value,
            Err(err) => {
                out.push(malformed_event(event, &err));
                return;
            }
        };
        let at = out.len();
        out.push(Chunk::RawEvent(Value::Null));
        let result = Payload::deserialize(&value).map(|p| self.apply(p, &event.data, out));
        if let Some(slot) = out.get_mut(at) {
            *slot = Chunk::RawEvent(value);
        }
        if let Err(err) = result {
            out.push(decode_error(event, &err));
        }
    }

    fn apply(&mut self, payload: Payload, data: &str, out: &mut Vec<Chunk>) {
        if let Some(error) = payload.error {
            out.push(Chunk::Error(in_stream_error(&error)));
            return;
        }
        if payload.object.as_deref() == Some("error") {
            let value = serde_json::from_str(data).unwrap_or(Value::Null);
            out.push(Chunk::Error(in_stream_error(&value)));
            return;
        }
        if let Some(usage) = payload.usage {
            self.usage(&usage, out);
        }
        if self.finished {
            return;
        }
        if let Some(choice) = payload.choice {
            if let Err(err) = self.choice(choice, out) {
                out.push(Chunk::Error(err));
            }
        }
    }

    fn usage(&mut self, usage: &WireUsage, out: &mut Vec<Chunk>) {
        let totals = usage.totals();
        let previous = self.usage.replace(totals);
        if previous == Some(totals) {
            return;
        }
        out.push(Chunk::Usage(totals.since(previous.unwrap_or_default())));
    }

    /// One delta is applied in the order the reference does (reasoning, text, tool calls),
    /// then the finish reason, which must come after its content.
    fn choice(&mut self, choice: Choice, out: &mut Vec<Chunk>) -> Result<(), StreamError> {
        if let Some(delta) = choice.delta {
            let reasoning = delta
                .reasoning_content
                .filter(|r| !r.is_empty())
                .or(delta.reasoning);
            self.thought(reasoning, out);
            self.text(delta.content, delta.refusal, out);
            for call in delta.tool_calls.into_iter().flatten() {
                self.tool_call(call, out)?;
            }
        }
        if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
            self.finish(Some(&reason), out);
        }
        Ok(())
    }

    fn thought(&mut self, reasoning: Option<Cow<str>>, out: &mut Vec<Chunk>) {
        let Some(reasoning) = reasoning.filter(|r| !r.is_empty()) else {
            return;
        };
        if self.options.include_thoughts {
            self.open(Part::Thought, out);
            out.push(Chunk::Thought(reasoning.into_owned()));
        }
    }

    /// `content or refusal` as the reference computes it: an empty `content` falls through to
    /// `refusal`, and any non-`None` result is forwarded, even `""` (n_chunks counts it).
    fn text(&mut self, content: Option<Cow<str>>, refusal: Option<Cow<str>>, out: &mut Vec<Chunk>) {
        if refusal.as_deref().is_some_and(|r| !r.is_empty()) {
            self.refused = true;
        }
        let text = match content {
            Some(c) if !c.is_empty() => Some(c),
            _ => refusal,
        };
        if let Some(text) = text {
            self.open(Part::Text, out);
            out.push(Chunk::Text(text.into_owned()));
        }
    }

    fn tool_call(&mut self, call: ToolCallDelta, out: &mut Vec<Chunk>) -> Result<(), StreamError> {
        self.close_part(out);
        let id = call.id.filter(|id| !id.is_empty());
        let (name, arguments) = call
            .function
            .map(|f| (f.name, f.arguments))
            .unwrap_or_default();
        let named = name.as_deref().filter(|n| !n.is_empty());
        let slot = self.calls.resolve(call.index, id.as_deref(), named)?;
        let id = if let Some(existing) = self.calls.at(slot) {
            existing.id.clone()
        } else {
            let name = name.filter(|n| !n.is_empty()).ok_or_else(|| {
                validation(format!(
                    "tool call at index {} has no function name on its first fragment",
                    call.index
                        .map_or_else(|| "(none)".to_owned(), |i| i.to_string())
                ))
            })?;
            self.calls.start(slot, id, &name, out)
        };
        if let Some(arguments) = arguments.filter(|a| !a.is_empty()) {
            self.calls.append(slot, &arguments);
            out.push(Chunk::ToolCall {
                id,
                delta: arguments.into_owned(),
            });
        }
        Ok(())
    }

    /// Makes `kind` the open part. Starting text or a thought also ends the open tool calls:
    /// the model has moved on, and an open format-tool call would otherwise overlap the part.
    fn open(&mut self, kind: Part, out: &mut Vec<Chunk>) {
        if self.part == Some(kind) {
            return;
        }
        self.close_part(out);
        self.calls.close_all(out);
        out.push(match kind {
            Part::Text => Chunk::TextStart,
            Part::Thought => Chunk::ThoughtStart,
        });
        self.part = Some(kind);
    }

    fn close_part(&mut self, out: &mut Vec<Chunk>) {
        match self.part.take() {
            Some(Part::Text) => out.push(Chunk::TextEnd),
            Some(Part::Thought) => out.push(Chunk::ThoughtEnd),
            None => {}
        }
    }

    fn finish(&mut self, reason: Option<&str>, out: &mut Vec<Chunk>) {
        self.close_part(out);
        self.calls.close_all(out);
        let reason = if self.refused {
            Some(FinishReason::Refusal)
        } else {
            match reason {
                Some("length") => Some(FinishReason::MaxTokens),
                Some("content_filter") => Some(FinishReason::Refusal),
                _ => None,
            }
        };
        out.extend(reason.map(Chunk::Finish));
        self.finished = true;
    }

    /// Completions servers send `data:` only; another event type is either an `error` event
    /// (the OpenAI SDK treats it as one) or something unknown, kept as a raw event.
    fn other_event(event: &Event, out: &mut Vec<Chunk>) {
        let value = serde_json::from_str::<Value>(&event.data)
            .unwrap_or_else(|_| Value::String(event.data.clone()));
        if event.event == "error" {
            let error = match value.get("error") {
                Some(inner) if !inner.is_null() => inner,
                _ => &value,
            };
            out.push(Chunk::Error(in_stream_error(error)));
        } else {
            out.push(Chunk::RawEvent(value));
        }
    }
}

impl EventDecoder for Decoder {
    fn event(&mut self, event: &Event, identity: &mut ResponseIdentity, out: &mut Vec<Chunk>) {
        if self.done {
            return;
        }
        if event.event == "message" {
            self.data_event(event, identity, out);
        } else {
            Self::other_event(event, out);
        }
    }

    fn eof(&mut self, out: &mut Vec<Chunk>) {
        // A finish_reason without `[DONE]` is a normal end: some local servers omit it.
        if !self.done && !self.finished {
            out.push(Chunk::Error(StreamError::new(
                ErrorKind::Connection,
                "the stream ended before `data: [DONE]` and before any finish_reason",
            )));
        }
        self.done = true;
    }

    fn complete(&self) -> bool {
        // `[DONE]` only: a finish reason is followed by the usage chunk, which a cut would lose.
        self.done
    }
}

/// Records the id and model of a payload the skim did not read them from.
fn record_identity(data: &str, identity: &mut ResponseIdentity) {
    if let Ok(Identity { id, model }) = serde_json::from_str::<Identity>(data) {
        identity.record(
            id.as_ref().and_then(Value::as_str),
            model.as_ref().and_then(Value::as_str),
        );
    }
}

fn validation(message: impl Into<String>) -> StreamError {
    StreamError::new(ErrorKind::ResponseValidation, message)
}

/// Syntax errors get the shared malformed-JSON message; valid JSON of the wrong shape says so.
fn decode_error(event: &Event, err: &serde_json::Error) -> Chunk {
    if !err.is_data() {
        return malformed_event(event, err);
    }
    Chunk::Error(validation(format!(
        "unexpected chat.completion.chunk shape in SSE event {:?}: {err}; data: {}",
        event.event,
        data_preview(event)
    )))
}

/// An error object sent inside the stream (`{"message", "type", "code"}`; `code` may be a name
/// or an HTTP-like number, OpenRouter sends numbers). The kind comes from `code`, else `type`.
fn in_stream_error(error: &Value) -> StreamError {
    let message = match error {
        Value::String(s) => s.clone(),
        _ => match error.get("message").and_then(Value::as_str) {
            Some(m) => m.to_owned(),
            None => error.to_string(),
        },
    };
    let status = error.get("code").and_then(|code| match code {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let named = |key: &str| {
        error
            .get(key)
            .and_then(Value::as_str)
            .and_then(ErrorKind::from_provider_name)
    };
    let kind = status
        .map(ErrorKind::from_status)
        .or_else(|| named("code"))
        .or_else(|| named("type"))
        .unwrap_or(ErrorKind::Api);
    StreamError {
        kind,
        message: format!("error in the response stream: {message}"),
        status_code: status,
    }
}

#[cfg(test)]
mod tests;

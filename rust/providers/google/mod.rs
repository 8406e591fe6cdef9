//! Google Gemini `streamGenerateContent?alt=sse` → chunks (docs/spec.md §11.4).
//!
//! Every SSE event carries a whole `GenerateContentResponse`. Gemini has no terminal event: a
//! `finishReason` on the first candidate says the answer is complete, and the body's EOF after
//! it is the normal end (the raw message is emitted then). Text and thought parts arrive whole
//! in each event and consecutive parts of the same kind merge into one content part, so the
//! decoder only tracks which part is open; a `functionCall` arrives whole too and becomes a
//! start / delta / end triple at once.

mod python_json;
mod raw_part;

use serde::Deserialize;
use serde_json::error::Category;
use serde_json::{Map, Value};

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, StreamError, Usage};
use crate::providers::common::{data_preview, malformed_event, web_search_usage, Totals};
use crate::providers::{EventDecoder, ResponseIdentity};
use crate::sse::Event;
use python_json::python_json_dumps;
use raw_part::RawPart;

/// The id Mirascope gives a call that Gemini sent without one (kept, docs/spec.md §13).
const UNKNOWN_TOOL_ID: &str = "google_unknown_tool_id";

/// The fields of a `GenerateContentResponse` the decoder reads; the rest is skipped unparsed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    candidates: Option<Vec<Candidate>>,
    usage_metadata: Option<UsageMetadata>,
    prompt_feedback: Option<PromptFeedback>,
    error: Option<Value>,
}

/// The fields naming the response, which every chunk repeats: parsed apart from `Response`,
/// and only from the first payloads (see `IDENTITY_LOOKS`), so later chunks never pay for them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    response_id: Option<Value>,
    model_version: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
    /// Kept whole (only grounded answers have it): the raw message carries the last non-empty
    /// one, whose `groundingSupports` and `groundingChunks` are the answer's citations.
    grounding_metadata: Option<Value>,
}

#[derive(Deserialize)]
struct Content {
    parts: Option<Vec<RawPart>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

impl PromptFeedback {
    fn is_block(&self) -> bool {
        self.block_reason.as_deref().is_some_and(|r| !r.is_empty())
    }
}

/// Gemini's counters; each is cumulative over the stream and may be absent or null.
#[derive(Deserialize)]
struct UsageMetadata {
    #[serde(rename = "promptTokenCount")]
    prompt: Option<i64>,
    #[serde(rename = "toolUsePromptTokenCount")]
    tool_use_prompt: Option<i64>,
    #[serde(rename = "candidatesTokenCount")]
    candidates: Option<i64>,
    #[serde(rename = "cachedContentTokenCount")]
    cached_content: Option<i64>,
    #[serde(rename = "thoughtsTokenCount")]
    thoughts: Option<i64>,
}

impl UsageMetadata {
    /// The totals as Mirascope counts them: tool-use prompt tokens are input, and output
    /// excludes thoughts (as recorded by the fixtures; thoughts are reported as reasoning).
    fn totals(&self) -> Totals {
        Totals {
            input: self
                .prompt
                .unwrap_or(0)
                .saturating_add(self.tool_use_prompt.unwrap_or(0)),
            output: self.candidates.unwrap_or(0),
            cache_read: self.cached_content.unwrap_or(0),
            cache_write: 0,
            reasoning: self.thoughts.unwrap_or(0),
        }
    }
}

/// The kind of content part currently open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Text,
    Thought,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Content may still arrive.
    Streaming,
    /// A `finishReason` (or a prompt block) arrived; only usage updates and EOF are expected.
    Finished,
    /// An error chunk or the end of the stream was emitted; nothing more is.
    Stopped,
}

/// What one content part contributes.
enum PartKind<'a> {
    Text(&'a str),
    Thought(&'a str),
    Call(&'a Map<String, Value>),
    /// No visible content (empty text, a bare `thoughtSignature`, …); `thought` says whether it
    /// was flagged as a thought, so it does not close an open thought.
    Empty {
        thought: bool,
    },
}

pub struct Decoder {
    options: DecodeOptions,
    open: Open,
    phase: Phase,
    /// Every part of `candidates[0].content`, verbatim, for the raw message.
    parts: Vec<RawPart>,
    /// The last cumulative counters seen, to turn the next ones into a delta.
    totals: Totals,
    usage_seen: bool,
    /// The web search count last reported, so an unchanged count is not repeated.
    web_searches: usize,
    /// The last non-empty `groundingMetadata` of the candidate (Google Search grounding).
    grounding: Option<Value>,
}

impl Decoder {
    #[must_use]
    pub fn new(options: DecodeOptions) -> Self {
        Self {
            options,
            open: Open::Nothing,
            phase: Phase::Streaming,
            parts: Vec::new(),
            totals: Totals::default(),
            usage_seen: false,
            web_searches: 0,
            grounding: None,
        }
    }

    /// Decodes one event; `Err` holds the error chunk that ends the stream.
    fn handle(
        &mut self,
        event: &Event,
        identity: &mut ResponseIdentity,
        out: &mut Vec<Chunk>,
    ) -> Result<(), Chunk> {
        if event.event != "message" {
            // Gemini sends data-only events; a named one is something new: keep it visible.
            let value = serde_json::from_str(&event.data)
                .unwrap_or_else(|_| Value::String(event.data.clone()));
            out.push(Chunk::RawEvent(value));
            return Ok(());
        }
        let response = self.parse(event, out)?;
        if identity.should_look() {
            if let Ok(Identity {
                response_id,
                model_version,
            }) = serde_json::from_str::<Identity>(&event.data)
            {
                identity.record(
                    response_id.as_ref().and_then(Value::as_str),
                    model_version.as_ref().and_then(Value::as_str),
                );
            }
        }
        if let Some(error) = &response.error {
            return Err(Chunk::Error(in_stream_error(error)));
        }
        let mut candidates = response.candidates.unwrap_or_default().into_iter();
        let mut candidate = candidates.next();
        let web_searches = self.grounded(candidate.as_mut());
        if self.phase == Phase::Streaming {
            if let Some(candidate) = candidate {
                self.candidate(candidate, out)?;
            } else if response.prompt_feedback.is_some_and(|f| f.is_block()) {
                // docs/spec.md Δ13: a blocked prompt is a refusal rather than an empty normal answer.
                self.finish(Some(FinishReason::Refusal), out);
            }
        }
        self.usage(response.usage_metadata.as_ref(), web_searches, out);
        Ok(())
    }

    /// Takes the candidate's grounding metadata (kept when non-empty) and returns its number
    /// of web search queries (one search each, as Mirascope counts them).
    fn grounded(&mut self, candidate: Option<&mut Candidate>) -> usize {
        let Some(Value::Object(grounding)) = candidate.and_then(|c| c.grounding_metadata.take())
        else {
            return 0;
        };
        let searches = grounding
            .get("webSearchQueries")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if !grounding.is_empty() {
            self.grounding = Some(Value::Object(grounding));
        }
        searches
    }

    /// Parses the event's JSON once; with raw events on, as a `Value` kept for the raw event
    /// chunk and read back into the typed view.
    fn parse(&self, event: &Event, out: &mut Vec<Chunk>) -> Result<Response, Chunk> {
        if !self.options.raw_events {
            return serde_json::from_str(&event.data).map_err(|err| match err.classify() {
                Category::Data => wrong_shape(event, &err),
                _ => malformed_event(event, &err),
            });
        }
        let value: Value =
            serde_json::from_str(&event.data).map_err(|err| malformed_event(event, &err))?;
        let response = Response::deserialize(&value).map_err(|err| wrong_shape(event, &err))?;
        out.push(Chunk::RawEvent(value));
        Ok(response)
    }

    fn candidate(&mut self, candidate: Candidate, out: &mut Vec<Chunk>) -> Result<(), Chunk> {
        let parts = candidate.content.and_then(|c| c.parts).unwrap_or_default();
        for part in parts {
            self.part(&part, out)?;
            self.parts.push(part);
        }
        if let Some(reason) = candidate.finish_reason.filter(|r| !r.is_empty()) {
            self.finish(finish_reason(&reason), out);
        }
        Ok(())
    }

    fn part(&mut self, part: &RawPart, out: &mut Vec<Chunk>) -> Result<(), Chunk> {
        match classify(part)? {
            PartKind::Text(text) => {
                if self.open != Open::Text {
                    self.close(out);
                    out.push(Chunk::TextStart);
                    self.open = Open::Text;
                }
                out.push(Chunk::Text(text.to_owned()));
            }
            PartKind::Thought(text) => {
                if self.open != Open::Thought {
                    self.close(out);
                    if self.options.include_thoughts {
                        out.push(Chunk::ThoughtStart);
                    }
                    self.open = Open::Thought;
                }
                if self.options.include_thoughts {
                    out.push(Chunk::Thought(text.to_owned()));
                }
            }
            PartKind::Call(call) => {
                self.close(out);
                push_call(call, out)?;
            }
            // An empty thought-flagged part continues the open thought; any other empty part
            // ends the open part, as the reference does (it cuts text around a bare
            // `thoughtSignature`).
            PartKind::Empty { thought: true } if self.open == Open::Thought => {}
            PartKind::Empty { .. } => self.close(out),
        }
        Ok(())
    }

    /// Ends the open text or thought part.
    fn close(&mut self, out: &mut Vec<Chunk>) {
        match self.open {
            Open::Nothing => {}
            Open::Text => out.push(Chunk::TextEnd),
            Open::Thought => {
                if self.options.include_thoughts {
                    out.push(Chunk::ThoughtEnd);
                }
            }
        }
        self.open = Open::Nothing;
    }

    fn finish(&mut self, reason: Option<FinishReason>, out: &mut Vec<Chunk>) {
        self.close(out);
        if let Some(reason) = reason {
            out.push(Chunk::Finish(reason));
        }
        self.phase = Phase::Finished;
    }

    /// Emits the change of the cumulative counters (always for the first report, so a response
    /// whose counters are all zero still has usage) and a changed web search count.
    fn usage(&mut self, meta: Option<&UsageMetadata>, web_searches: usize, out: &mut Vec<Chunk>) {
        let mut usage = Usage::default();
        if let Some(meta) = meta {
            let now = meta.totals();
            usage = now.since(self.totals);
            self.totals = now;
        }
        if web_searches > 0 && web_searches != self.web_searches {
            self.web_searches = web_searches;
            usage.provider_tool_usage = Some(web_search_usage(
                i64::try_from(web_searches).unwrap_or(i64::MAX),
            ));
        }
        let first = meta.is_some() && !self.usage_seen;
        if first || usage != Usage::default() {
            self.usage_seen |= meta.is_some();
            out.push(Chunk::Usage(usage));
        }
    }

    fn raw_message(&mut self) -> Value {
        let mut message = Map::new();
        message.insert("role".to_owned(), Value::from("model"));
        message.insert(
            "parts".to_owned(),
            std::mem::take(&mut self.parts)
                .into_iter()
                .map(RawPart::into_value)
                .collect(),
        );
        if let Some(grounding) = self.grounding.take() {
            message.insert("groundingMetadata".to_owned(), grounding);
        }
        Value::Object(message)
    }
}

impl EventDecoder for Decoder {
    fn event(&mut self, event: &Event, identity: &mut ResponseIdentity, out: &mut Vec<Chunk>) {
        if self.phase == Phase::Stopped {
            return;
        }
        if let Err(error) = self.handle(event, identity, out) {
            self.phase = Phase::Stopped;
            out.push(error);
        }
    }

    fn eof(&mut self, out: &mut Vec<Chunk>) {
        match self.phase {
            Phase::Stopped => {}
            Phase::Finished => {
                let message = self.raw_message();
                out.push(Chunk::RawMessage(message));
            }
            Phase::Streaming => out.push(Chunk::Error(StreamError::new(
                ErrorKind::Connection,
                "the Gemini stream ended before a candidate with a finishReason",
            ))),
        }
        self.phase = Phase::Stopped;
    }

    fn complete(&self) -> bool {
        // Gemini has no end marker: the finish reason is the last thing it means to send.
        !matches!(self.phase, Phase::Streaming)
    }
}

/// Mirascope's mapping; STOP and unknown reasons are a normal end.
fn finish_reason(reason: &str) -> Option<FinishReason> {
    match reason {
        "MAX_TOKENS" => Some(FinishReason::MaxTokens),
        "SAFETY"
        | "RECITATION"
        | "BLOCKLIST"
        | "PROHIBITED_CONTENT"
        | "SPII"
        | "IMAGE_SAFETY"
        | "IMAGE_PROHIBITED_CONTENT"
        | "IMAGE_RECITATION" => Some(FinishReason::Refusal),
        _ => None,
    }
}

/// Sorts a part the way the reference does: thought text, then text, then a function call
/// (a part with non-empty text is shown as text even if it also holds a call).
fn classify(part: &RawPart) -> Result<PartKind<'_>, Chunk> {
    let text = match part.get("text") {
        None | Some(Value::Null) => "",
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(invalid(format!(
                "Gemini part text is not a string: {other}"
            )))
        }
    };
    let thought = matches!(part.get("thought"), Some(Value::Bool(true)));
    if !text.is_empty() {
        return Ok(if thought {
            PartKind::Thought(text)
        } else {
            PartKind::Text(text)
        });
    }
    match part.get("functionCall") {
        None | Some(Value::Null) => Ok(PartKind::Empty { thought }),
        Some(Value::Object(call)) => Ok(PartKind::Call(call)),
        Some(other) => Err(invalid(format!(
            "Gemini functionCall is not an object: {other}"
        ))),
    }
}

/// A Gemini call arrives whole: start, the args as one delta, end.
fn push_call(call: &Map<String, Value>, out: &mut Vec<Chunk>) -> Result<(), Chunk> {
    let Some(name) = call
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Err(invalid(format!(
            "Gemini functionCall without a name: {}",
            Value::Object(call.clone())
        )));
    };
    let id = call
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .unwrap_or(UNKNOWN_TOOL_ID);
    let delta = match call.get("args") {
        Some(args) if !is_falsy(args) => python_json_dumps(args),
        _ => "{}".to_owned(),
    };
    out.push(Chunk::ToolCallStart {
        id: id.to_owned(),
        name: name.to_owned(),
    });
    out.push(Chunk::ToolCall {
        id: id.to_owned(),
        delta,
    });
    out.push(Chunk::ToolCallEnd { id: id.to_owned() });
    Ok(())
}

/// Python truthiness: the reference writes `json.dumps(args) if args else "{}"`.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// Maps a top-level `error` object by its `status` name, else its numeric `code` (docs/spec.md §9).
fn in_stream_error(error: &Value) -> StreamError {
    let status = error.get("status").and_then(Value::as_str);
    let code = error.get("code").and_then(Value::as_i64);
    let message = match error {
        Value::String(message) => Some(message.as_str()),
        _ => error.get("message").and_then(Value::as_str),
    }
    .filter(|m| !m.is_empty());
    let kind = status
        .and_then(ErrorKind::from_provider_name)
        .or_else(|| code.map(ErrorKind::from_status))
        .unwrap_or(ErrorKind::Api)
        .with_message(message.unwrap_or_default());
    StreamError {
        kind,
        message: message.map_or_else(|| format!("Gemini stream error: {error}"), str::to_owned),
        status_code: code,
    }
}

fn invalid(message: String) -> Chunk {
    Chunk::Error(StreamError::new(ErrorKind::ResponseValidation, message))
}

/// The error chunk for valid JSON that is not a `GenerateContentResponse`.
fn wrong_shape(event: &Event, err: &serde_json::Error) -> Chunk {
    invalid(format!(
        "Gemini event is not a GenerateContentResponse: {err}; data: {}",
        data_preview(event)
    ))
}

#[cfg(test)]
mod tests;

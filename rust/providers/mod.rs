//! Per-provider event decoders: SSE events of one wire format → the one chunk model.
//!
//! `StreamDecoder` is what a response owns: raw socket bytes go in (any split), the SSE layer
//! cuts them into events, and the wire format's `EventDecoder` keeps the provider's state
//! machine and appends chunks. After an error chunk nothing more is emitted.

pub mod anthropic;
pub mod common;
pub mod contract;
pub mod google;
pub mod openai_completions;
pub mod openai_responses;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod test_support;

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, StreamError};
use crate::sse::{Event, SseDecoder};

/// The provider wire formats ferriscope speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireFormat {
    OpenAiCompletions,
    OpenAiResponses,
    Anthropic,
    Google,
}

impl WireFormat {
    /// Parses the names used in fixtures and by the Python layer.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "openai-completions" => Self::OpenAiCompletions,
            "openai-responses" => Self::OpenAiResponses,
            "anthropic" => Self::Anthropic,
            "google" => Self::Google,
            _ => return None,
        })
    }
}

/// One wire format's state machine over SSE events.
pub trait EventDecoder: Send + Sync {
    /// Handles one SSE event, appending the chunks it produces. An event that names the
    /// response or its model is recorded in `identity`, which the stream keeps.
    fn event(&mut self, event: &Event, identity: &mut ResponseIdentity, out: &mut Vec<Chunk>);
    /// The body ended. Closes what is open, emits the raw message, or reports a stream that
    /// ended before its terminal event as an error.
    fn eof(&mut self, out: &mut Vec<Chunk>);
    /// The provider's terminal event has been seen (`[DONE]`, `message_stop`,
    /// `response.completed`, a Gemini finish reason): nothing the provider meant to send is
    /// missing, so a connection dropped now lost nothing.
    fn complete(&self) -> bool;
}

/// How many data payloads the wire formats that repeat the id and model on every chunk
/// (Chat Completions, Gemini) are searched for them. The first one normally has both; a
/// proxy may lead with a chunk whose fields are empty (Azure's prompt filter results), and
/// a server that never sends them must not cost a second parse on every chunk.
pub const IDENTITY_LOOKS: u8 = 3;

/// The response id and model name a provider reported, for telemetry
/// (`gen_ai.response.id`, `gen_ai.response.model`). The first non-empty value of each wins.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResponseIdentity {
    id: Option<String>,
    model: Option<String>,
    looks: u8,
}

impl ResponseIdentity {
    /// Both values are known, so the events that carry them need not be read again.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.id.is_some() && self.model.is_some()
    }

    /// For wire formats that repeat the values on every chunk: true while the next payload
    /// should be searched, counting it as searched.
    pub fn should_look(&mut self) -> bool {
        if self.is_known() || self.looks >= IDENTITY_LOOKS {
            return false;
        }
        self.looks += 1;
        true
    }

    /// Records each value that is not yet known and is a non-empty string.
    pub fn record(&mut self, id: Option<&str>, model: Option<&str>) {
        fn keep(slot: &mut Option<String>, value: Option<&str>) {
            if slot.is_none() {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    *slot = Some(value.to_owned());
                }
            }
        }
        keep(&mut self.id, id);
        keep(&mut self.model, model);
    }

    /// Records the string fields `id_key` and `model_key` of a JSON object.
    pub fn record_from(&mut self, object: &serde_json::Value, id_key: &str, model_key: &str) {
        if !self.is_known() {
            let field = |key: &str| object.get(key).and_then(serde_json::Value::as_str);
            self.record(field(id_key), field(model_key));
        }
    }

    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    #[must_use]
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
}

/// Builds the event decoder for a wire format.
#[must_use]
pub fn event_decoder(format: WireFormat, options: DecodeOptions) -> Box<dyn EventDecoder> {
    match format {
        WireFormat::OpenAiCompletions => Box::new(openai_completions::Decoder::new(options)),
        WireFormat::OpenAiResponses => Box::new(openai_responses::Decoder::new(options)),
        WireFormat::Anthropic => Box::new(anthropic::Decoder::new(options)),
        WireFormat::Google => Box::new(google::Decoder::new(options)),
    }
}

/// Raw response bytes of one streamed call → chunks.
pub struct StreamDecoder {
    sse: SseDecoder,
    events: Vec<Event>,
    inner: Box<dyn EventDecoder>,
    /// The provider's id for this response and the model that served it, as first reported.
    identity: ResponseIdentity,
    stopped: bool,
}

impl StreamDecoder {
    #[must_use]
    pub fn new(format: WireFormat, options: DecodeOptions) -> Self {
        Self::with_sse(format, options, SseDecoder::default())
    }

    #[must_use]
    pub fn with_sse(format: WireFormat, options: DecodeOptions, sse: SseDecoder) -> Self {
        Self {
            sse,
            events: Vec::new(),
            inner: event_decoder(format, options),
            identity: ResponseIdentity::default(),
            stopped: false,
        }
    }

    /// True once an error chunk or the end of the stream has been emitted.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// True once the provider's terminal event has been decoded (see `EventDecoder::complete`).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.inner.complete()
    }

    /// The provider's id for this response, once an event carrying it was decoded.
    #[must_use]
    pub fn response_id(&self) -> Option<&str> {
        self.identity.id()
    }

    /// The model the provider says served this response (often a dated version of the
    /// requested name), once an event carrying it was decoded.
    #[must_use]
    pub fn response_model(&self) -> Option<&str> {
        self.identity.model()
    }

    /// Stops the decoder without emitting anything (after a failure outside it).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Decodes one network read.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Chunk>) {
        if self.stopped {
            return;
        }
        if let Err(err) = self.sse.feed(bytes, &mut self.events) {
            self.stopped = true;
            out.push(Chunk::Error(StreamError::new(
                ErrorKind::ResponseValidation,
                err.to_string(),
            )));
            return;
        }
        self.drain_events(out);
    }

    /// Ends the stream.
    pub fn finish(&mut self, out: &mut Vec<Chunk>) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        // `finish` on the SSE layer only discards an unterminated block; it cannot fail here
        // because a failed feed already stopped this decoder.
        let _ = self.sse.finish(&mut self.events);
        self.inner.eof(out);
    }

    /// Hands each event to the wire format's decoder, then back to the SSE layer, whose next
    /// events reuse its strings.
    fn drain_events(&mut self, out: &mut Vec<Chunk>) {
        let mut events = std::mem::take(&mut self.events);
        for event in events.drain(..) {
            let before = out.len();
            self.inner.event(&event, &mut self.identity, out);
            self.sse.recycle(event);
            if out[before..].iter().any(|c| matches!(c, Chunk::Error(_))) {
                self.stopped = true;
                break;
            }
        }
        self.events = events;
    }
}

/// Decodes a whole body in one go (tests, tools).
#[must_use]
pub fn decode_all(format: WireFormat, options: DecodeOptions, body: &[u8]) -> Vec<Chunk> {
    decode_pieces(format, options, &[body])
}

/// Decodes a body that arrives in `pieces`, one network read each (tests, fuzzing).
#[must_use]
pub fn decode_pieces(format: WireFormat, options: DecodeOptions, pieces: &[&[u8]]) -> Vec<Chunk> {
    let mut decoder = StreamDecoder::new(format, options);
    let mut out = Vec::new();
    for piece in pieces {
        decoder.feed(piece, &mut out);
    }
    decoder.finish(&mut out);
    out
}

#[cfg(test)]
mod identity_tests {
    use super::*;

    fn identity(format: WireFormat, body: &str) -> (Option<String>, Option<String>) {
        let mut decoder = StreamDecoder::new(format, DecodeOptions::default());
        let mut out = Vec::new();
        decoder.feed(body.as_bytes(), &mut out);
        (
            decoder.response_id().map(str::to_owned),
            decoder.response_model().map(str::to_owned),
        )
    }

    fn known(id: &str, model: &str) -> (Option<String>, Option<String>) {
        (Some(id.to_owned()), Some(model.to_owned()))
    }

    #[test]
    fn completions_skips_a_leading_chunk_with_empty_fields() {
        // Azure leads with a prompt-filter chunk whose id and model are empty.
        let body = concat!(
            "data: {\"id\":\"\",\"model\":\"\",\"choices\":[],\"prompt_filter_results\":[]}\n\n",
            "data: {\"id\":\"c1\",\"model\":\"m1\",\"choices\":[]}\n\n",
            "data: {\"id\":\"c2\",\"model\":\"m2\",\"choices\":[]}\n\n",
        );
        assert_eq!(
            identity(WireFormat::OpenAiCompletions, body),
            known("c1", "m1")
        );
    }

    #[test]
    fn completions_stops_looking_after_the_first_payloads() {
        let mut body = String::new();
        for _ in 0..IDENTITY_LOOKS {
            body.push_str("data: {\"choices\":[]}\n\n");
        }
        body.push_str("data: {\"id\":\"late\",\"model\":\"late\",\"choices\":[]}\n\n");
        assert_eq!(identity(WireFormat::OpenAiCompletions, &body), (None, None));
    }

    #[test]
    fn a_field_of_another_type_is_skipped_without_failing_the_stream() {
        let body = "data: {\"id\":7,\"model\":\"m\",\"choices\":[]}\n\n";
        let mut decoder =
            StreamDecoder::new(WireFormat::OpenAiCompletions, DecodeOptions::default());
        let mut out = Vec::new();
        decoder.feed(body.as_bytes(), &mut out);
        assert!(out.iter().all(|c| !matches!(c, Chunk::Error(_))), "{out:?}");
        assert_eq!(decoder.response_id(), None);
        assert_eq!(decoder.response_model(), Some("m"));
    }

    #[test]
    fn responses_reads_the_lifecycle_response_object() {
        let body = concat!(
            "data: {\"type\":\"response.created\",\"response\":{\"id\":\"r1\",\"model\":\"m1\"}}\n\n",
            "data: {\"type\":\"response.in_progress\",\"response\":{\"id\":\"r2\",\"model\":\"m2\"}}\n\n",
        );
        assert_eq!(
            identity(WireFormat::OpenAiResponses, body),
            known("r1", "m1")
        );
    }

    #[test]
    fn responses_falls_back_to_the_completed_event() {
        let body = concat!(
            "data: {\"type\":\"response.created\",\"response\":{}}\n\n",
            "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"model\":\"m\"}}\n\n",
        );
        assert_eq!(identity(WireFormat::OpenAiResponses, body), known("r", "m"));
    }

    #[test]
    fn anthropic_reads_message_start_only() {
        let start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":\
            {\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":1}}}\n\n";
        assert_eq!(
            identity(WireFormat::Anthropic, start),
            known("msg_1", "claude-x")
        );
        let no_start = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
        assert_eq!(identity(WireFormat::Anthropic, no_start), (None, None));
    }

    #[test]
    fn google_reads_response_id_and_model_version() {
        let body = "data: {\"candidates\":[],\"responseId\":\"g1\",\"modelVersion\":\"gem\"}\n\n";
        assert_eq!(identity(WireFormat::Google, body), known("g1", "gem"));
    }

    #[test]
    fn nothing_is_known_before_an_event_carries_it() {
        for format in [
            WireFormat::OpenAiCompletions,
            WireFormat::OpenAiResponses,
            WireFormat::Anthropic,
            WireFormat::Google,
        ] {
            assert_eq!(identity(format, ""), (None, None), "{format:?}");
        }
    }
}

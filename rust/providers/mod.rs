//! Per-provider event decoders: SSE events of one wire format → the one chunk model.
//!
//! `StreamDecoder` is what a response owns: raw socket bytes go in (any split), the SSE layer
//! cuts them into events, and the wire format's `EventDecoder` keeps the provider's state
//! machine and appends chunks. After an error chunk nothing more is emitted.

pub mod anthropic;
pub mod contract;
pub mod google;
pub mod openai_completions;
pub mod openai_responses;

#[cfg(test)]
mod fixture_tests;

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
    /// Handles one SSE event, appending the chunks it produces.
    fn event(&mut self, event: &Event, out: &mut Vec<Chunk>);
    /// The body ended. Closes what is open, emits the raw message, or reports a stream that
    /// ended before its terminal event as an error.
    fn eof(&mut self, out: &mut Vec<Chunk>);
    /// The provider's terminal event has been seen (`[DONE]`, `message_stop`,
    /// `response.completed`, a Gemini finish reason): nothing the provider meant to send is
    /// missing, so a connection dropped now lost nothing.
    fn complete(&self) -> bool;
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

    fn drain_events(&mut self, out: &mut Vec<Chunk>) {
        for event in self.events.drain(..) {
            let before = out.len();
            self.inner.event(&event, out);
            if out[before..].iter().any(|c| matches!(c, Chunk::Error(_))) {
                self.stopped = true;
                break;
            }
        }
    }
}

/// Decodes a whole body in one go (tests, tools).
#[must_use]
pub fn decode_all(format: WireFormat, options: DecodeOptions, body: &[u8]) -> Vec<Chunk> {
    let mut decoder = StreamDecoder::new(format, options);
    let mut out = Vec::new();
    decoder.feed(body, &mut out);
    decoder.finish(&mut out);
    out
}

/// The error chunk for an event whose data is not the JSON the wire format promises.
#[must_use]
pub fn malformed_event(event: &Event, err: &serde_json::Error) -> Chunk {
    let mut preview: String = event.data.chars().take(200).collect();
    if preview.len() < event.data.len() {
        preview.push('…');
    }
    Chunk::Error(StreamError::new(
        ErrorKind::ResponseValidation,
        format!(
            "malformed JSON in SSE event {:?}: {err}; data: {preview}",
            event.event
        ),
    ))
}

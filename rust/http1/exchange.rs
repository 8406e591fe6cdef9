//! One streamed HTTP exchange: the response parser feeding a provider stream decoder.
//!
//! A 2xx body goes to the decoder, which returns chunks; any other status keeps its body
//! (capped) for the error the caller raises. A failure after the head never escapes as an
//! error: the chunks decoded before it are kept and an error chunk follows, so whatever the
//! response delivered reaches the user.

use crate::chunk::{Chunk, ErrorKind, StreamError};
use crate::providers::StreamDecoder;

use super::error::{HttpError, HttpErrorKind};
use super::response::ResponseParser;

/// The default cap on the body kept for a non-2xx response.
pub const DEFAULT_MAX_ERROR_BODY: usize = 64 * 1024;

/// The error chunk's message for a 2xx body whose framing the close cut short.
pub const CUT_BODY_MESSAGE: &str = "the connection closed before the end of the response body";

/// A response parser and the stream decoder its 2xx body feeds.
pub struct HttpExchange {
    parser: ResponseParser,
    decoder: StreamDecoder,
    error_body: Vec<u8>,
    max_error_body: usize,
    /// The final status is 2xx (set when the head completes).
    success: bool,
}

impl HttpExchange {
    #[must_use]
    pub fn new(decoder: StreamDecoder, max_error_body: usize) -> Self {
        Self {
            parser: ResponseParser::new(),
            decoder,
            error_body: Vec::new(),
            max_error_body,
            success: false,
        }
    }

    #[must_use]
    pub fn parser(&self) -> &ResponseParser {
        &self.parser
    }

    /// The provider stream decoder the 2xx body feeds (its response id and model).
    #[must_use]
    pub fn decoder(&self) -> &StreamDecoder {
        &self.decoder
    }

    /// The provider decoder has seen its terminal event.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.decoder.is_complete()
    }

    /// The body of a non-2xx response, up to the cap.
    #[must_use]
    pub fn error_body(&self) -> &[u8] {
        &self.error_body
    }

    /// Nothing more to read: the body ended or failed, or the decoder finished (its terminal
    /// event, or an error). Every chunk of the exchange has then been returned.
    #[must_use]
    pub fn done(&self) -> bool {
        self.parser.failed()
            || self.parser.body_complete()
            || (self.success && self.decoder.is_stopped())
    }

    /// The connection may carry the next request.
    #[must_use]
    pub fn reusable(&self) -> bool {
        self.parser.is_reusable()
    }

    /// Feeds one network read, appending the chunks it completes.
    ///
    /// # Errors
    /// Only for the head (malformed, too large, unusable framing headers): no chunk can
    /// exist yet. Later failures become an error chunk.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Chunk>) -> Result<(), HttpError> {
        let used = if self.parser.head_complete() {
            0
        } else {
            let used = self.parser.feed_head(data)?;
            let Some(head) = self.parser.head() else {
                return Ok(());
            };
            self.success = (200..300).contains(&head.status);
            used
        };
        let result = self.route(&data[used..], out, false);
        self.settle(result, out);
        Ok(())
    }

    /// The peer closed the connection; appends the last chunks.
    ///
    /// A 2xx body cut before its own end is reported even when the provider decoder accepts
    /// the end there: Chat Completions takes the close after a `finish_reason` as complete
    /// (local servers omit `[DONE]`, and end a close-delimited body that way), but a chunked
    /// or sized body that stops short has lost something (the usage event that follows, at
    /// least). Only a decoder that had seen its terminal event before the close (see
    /// [`Self::complete`]) lost nothing.
    ///
    /// # Errors
    /// [`HttpError::ClosedBeforeHead`] when no complete head had arrived.
    pub fn eof(&mut self, out: &mut Vec<Chunk>) -> Result<(), HttpError> {
        if !self.parser.head_complete() {
            return self.parser.eof(&mut |_| {});
        }
        // A decoder already stopped had reported its end (or its error) before the close.
        let was_open = self.success && !self.decoder.is_stopped() && !self.decoder.is_complete();
        let before = out.len();
        // The body ended one way or another: a cut one is reported by the decoder's finish
        // (unless it had seen its terminal event, and then nothing was lost).
        let _ = self.route(&[], out, true);
        if self.success && !self.decoder.is_stopped() {
            self.decoder.finish(out);
        }
        let reported = matches!(out[before..].last(), Some(Chunk::Error(_)));
        if was_open && !self.parser.body_complete() && !reported {
            out.push(Chunk::Error(StreamError::new(
                ErrorKind::Connection,
                CUT_BODY_MESSAGE,
            )));
        }
        Ok(())
    }

    /// Stops the exchange after an internal failure (a caught panic): reports it as an error
    /// chunk when the body was streaming, and marks the connection unusable.
    pub fn abort(&mut self, message: &str, out: &mut Vec<Chunk>) {
        self.parser.abort();
        if self.success && !self.decoder.is_stopped() {
            out.push(Chunk::Error(StreamError::new(
                ErrorKind::ResponseValidation,
                message,
            )));
        }
        self.decoder.stop();
    }

    /// Passes body bytes (or the close) through the parser to the decoder or the error body.
    fn route(&mut self, body: &[u8], out: &mut Vec<Chunk>, eof: bool) -> Result<(), HttpError> {
        let (decoder, error_body, cap) =
            (&mut self.decoder, &mut self.error_body, self.max_error_body);
        let mut sink = |bytes: &[u8]| {
            if self.success {
                decoder.feed(bytes, out);
            } else if error_body.len() < cap {
                let take = bytes.len().min(cap - error_body.len());
                error_body.extend_from_slice(&bytes[..take]);
            }
        };
        if eof {
            self.parser.eof(&mut sink)
        } else {
            self.parser.feed_body(body, &mut sink)
        }
    }

    /// After a read: finishes the decoder when the body or the provider stream ended, or
    /// reports the failure.
    fn settle(&mut self, result: Result<(), HttpError>, out: &mut Vec<Chunk>) {
        if !self.success || self.decoder.is_stopped() {
            return;
        }
        match result {
            Err(_) if self.decoder.is_complete() => self.decoder.finish(out),
            Err(error) => {
                let kind = match error.kind() {
                    HttpErrorKind::Decompression => ErrorKind::ResponseValidation,
                    _ => ErrorKind::Connection,
                };
                out.push(Chunk::Error(StreamError::new(kind, error.to_string())));
                self.decoder.stop();
            }
            Ok(()) if self.parser.body_complete() || self.decoder.is_complete() => {
                self.decoder.finish(out);
            }
            Ok(()) => {}
        }
    }
}

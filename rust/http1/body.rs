//! Where a response body ends (RFC 9112 §6.3): no body, an exact length, the chunked coding,
//! or the connection's close.

use crate::http_chunked::ChunkedDecoder;

use super::error::HttpError;

/// How the body of one response is delimited.
#[derive(Debug)]
pub enum Framing {
    /// No body (1xx, 204, 304), or the body has ended.
    Ended,
    /// This many more bytes.
    Length { remaining: u64, total: u64 },
    /// The chunked transfer coding; the scratch buffer collects each read's payload.
    Chunked(Box<ChunkedDecoder>, Vec<u8>),
    /// Everything until the connection closes.
    UntilClose,
}

impl Framing {
    /// Whether the framing has reached the end of the body.
    pub fn is_ended(&self) -> bool {
        matches!(self, Self::Ended)
    }

    /// Passes the payload in `input` to `payload` and returns how many bytes of `input` belong
    /// to the body (the rest came after its end). Payload before an error is passed on first.
    ///
    /// # Errors
    /// Broken chunked framing, or whatever `payload` returns.
    pub fn decode(
        &mut self,
        input: &[u8],
        payload: &mut dyn FnMut(&[u8]) -> Result<(), HttpError>,
    ) -> Result<usize, HttpError> {
        match self {
            Self::Ended => Ok(0),
            Self::UntilClose => {
                payload(input)?;
                Ok(input.len())
            }
            Self::Length { remaining, .. } => {
                let take = usize::try_from(*remaining).map_or(input.len(), |r| r.min(input.len()));
                *remaining -= take as u64;
                if *remaining == 0 {
                    *self = Self::Ended;
                }
                payload(&input[..take])?;
                Ok(take)
            }
            Self::Chunked(decoder, scratch) => {
                scratch.clear();
                let result = decoder.decode(input, scratch);
                if !scratch.is_empty() {
                    payload(scratch)?;
                }
                let used = result?;
                if decoder.is_done() {
                    *self = Self::Ended;
                }
                Ok(used)
            }
        }
    }

    /// The connection closed: Ok for a close-delimited body (it has ended), the truncation
    /// otherwise.
    ///
    /// # Errors
    /// When a length or chunked body had not ended.
    pub fn close(&mut self) -> Result<(), HttpError> {
        let result = match self {
            Self::Ended | Self::UntilClose => Ok(()),
            Self::Length { remaining, total } => Err(HttpError::TruncatedBody(format!(
                "{} of {total} bytes (Content-Length) received",
                *total - *remaining
            ))),
            Self::Chunked(..) => Err(HttpError::TruncatedBody(
                "the chunked body had not ended".to_owned(),
            )),
        };
        *self = Self::Ended;
        result
    }
}

//! What can go wrong in an HTTP/1.1 exchange, as one error type with a coarse kind.
//!
//! The kind decides what the caller does with it: a head error means no response was read (the
//! Python binding raises), a body error ends a response that may already have delivered
//! events (the binding appends an error chunk), and a request error is the caller's input.

use crate::http_chunked::ChunkedError;

/// The class of an [`HttpError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpErrorKind {
    /// The request could not be serialised (a header that would break the framing).
    InvalidRequest,
    /// The response head is not HTTP/1.x, or its framing headers are unusable.
    InvalidHead,
    /// The response head is longer than the parser buffers.
    HeadTooLarge,
    /// The connection closed before a complete response head arrived.
    ClosedBeforeHead,
    /// The `Content-Length` is not a number, or several disagree.
    InvalidContentLength,
    /// The chunked transfer coding is broken.
    InvalidChunked,
    /// The connection closed before the body's framing ended.
    TruncatedBody,
    /// The content coding (gzip, deflate) could not be undone.
    Decompression,
}

/// An HTTP/1.1 protocol failure, with a message saying what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("invalid HTTP response head: {0}")]
    InvalidHead(String),
    #[error("HTTP response head longer than {limit} bytes")]
    HeadTooLarge { limit: usize },
    #[error("connection closed before a response ({received} bytes of a response head received)")]
    ClosedBeforeHead { received: usize },
    #[error("invalid Content-Length in the HTTP response: {0}")]
    InvalidContentLength(String),
    #[error("invalid chunked HTTP response body: {0}")]
    InvalidChunked(#[from] ChunkedError),
    #[error("connection closed before the end of the HTTP response body: {0}")]
    TruncatedBody(String),
    #[error("could not decode the {coding}-encoded HTTP response body: {message}")]
    Decompression {
        coding: &'static str,
        message: String,
    },
}

impl HttpError {
    #[must_use]
    pub fn kind(&self) -> HttpErrorKind {
        match self {
            Self::InvalidRequest(_) => HttpErrorKind::InvalidRequest,
            Self::InvalidHead(_) => HttpErrorKind::InvalidHead,
            Self::HeadTooLarge { .. } => HttpErrorKind::HeadTooLarge,
            Self::ClosedBeforeHead { .. } => HttpErrorKind::ClosedBeforeHead,
            Self::InvalidContentLength(_) => HttpErrorKind::InvalidContentLength,
            Self::InvalidChunked(_) => HttpErrorKind::InvalidChunked,
            Self::TruncatedBody(_) => HttpErrorKind::TruncatedBody,
            Self::Decompression { .. } => HttpErrorKind::Decompression,
        }
    }
}

//! HTTP/1.1 client protocol, sans I/O: a request serialised into one buffer, and a response
//! read from whatever each network read returned.
//!
//! The response body goes straight into a provider [`StreamDecoder`](crate::providers::StreamDecoder)
//! ([`HttpExchange`]), so one read costs one call from Python and returns that read's chunks.
//! The head is parsed by `httparse`, content codings are undone by `flate2`, and the chunked
//! coding by [`crate::http_chunked`]; what is ours is the framing rules of RFC 9112 §6.3 and
//! the keep-alive verdict.

mod body;
mod decompress;
mod error;
mod exchange;
mod request;
mod response;

#[cfg(test)]
mod tests;

pub use decompress::ContentCoding;
pub use error::{HttpError, HttpErrorKind};
pub use exchange::{HttpExchange, CUT_BODY_MESSAGE, DEFAULT_MAX_ERROR_BODY};
pub use request::{encode_request, encode_request_with_defaults};
pub use response::{Header, ResponseHead, ResponseParser, MAX_HEADERS, MAX_HEAD_BYTES};

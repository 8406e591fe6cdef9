//! One response read from a connection: its head (parsed by `httparse`), its body framing
//! and content coding, and whether the connection can carry another request afterwards.
//!
//! Sans-I/O: the caller feeds what each read returned and reports the peer's close; the
//! parser never blocks and never sees a socket. A head split over reads is buffered (up to
//! [`MAX_HEAD_BYTES`]); body bytes are passed on from the caller's buffer, copied only by the
//! chunked de-framer and the decompressor.

use super::body::Framing;
use super::decompress::{ContentCoding, ContentDecoder};
use super::error::HttpError;

/// The longest response head accepted, status line and blank line included.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most header fields one response head may have.
pub const MAX_HEADERS: usize = 256;

/// One response header field, its name as sent and its raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

/// The final (non-interim) response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The HTTP/1.x minor version: 0 or 1.
    pub minor_version: u8,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<Header>,
}

impl ResponseHead {
    /// The values of every field called `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    /// Whether a comma-separated field `name` lists `token` (case-insensitive).
    fn lists(&self, name: &str, token: &str) -> bool {
        self.values(name)
            .flat_map(|v| v.split(|&b| b == b','))
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Body,
    Done,
    Failed,
}

/// Reads one HTTP/1.x response from the bytes of a connection.
pub struct ResponseParser {
    state: State,
    /// The part of a head received so far, when it did not arrive in one read.
    head_buf: Vec<u8>,
    head: Option<ResponseHead>,
    framing: Framing,
    content: ContentDecoder,
    /// The head allows another request on the connection (version, `Connection`, framing).
    keep_alive: bool,
    /// The body ended by its framing, not by the connection closing.
    ended_by_framing: bool,
    /// Bytes arrived after the end of the body, or the peer closed: the connection is unusable.
    spoiled: bool,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseParser {
    #[must_use]
    pub fn new() -> Self {
        Self {
            state: State::Head,
            head_buf: Vec::new(),
            head: None,
            framing: Framing::Ended,
            content: ContentDecoder::new(ContentCoding::Identity),
            keep_alive: false,
            ended_by_framing: false,
            spoiled: false,
        }
    }

    /// The final response head, once complete.
    #[must_use]
    pub fn head(&self) -> Option<&ResponseHead> {
        self.head.as_ref()
    }

    #[must_use]
    pub fn head_complete(&self) -> bool {
        self.head.is_some()
    }

    /// Whether the body reached its end (by framing, or by the close of a close-delimited one).
    #[must_use]
    pub fn body_complete(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the exchange failed (a protocol error was returned).
    #[must_use]
    pub fn failed(&self) -> bool {
        self.state == State::Failed
    }

    /// Whether the connection may carry another request: HTTP/1.1 (or 1.0 with
    /// `Connection: keep-alive`) without `Connection: close`, the body ended by its framing,
    /// nothing after it, no error, and the peer has not closed.
    #[must_use]
    pub fn is_reusable(&self) -> bool {
        self.state == State::Done && self.ended_by_framing && self.keep_alive && !self.spoiled
    }

    /// Stops the exchange after a failure outside the parser: the connection is not reused.
    pub fn abort(&mut self) {
        if self.state != State::Done {
            self.state = State::Failed;
        }
        self.spoiled = true;
    }

    /// Feeds one read: the head, then the body. Body payload goes to `sink`.
    ///
    /// # Errors
    /// See [`Self::feed_head`] and [`Self::feed_body`].
    pub fn feed(&mut self, input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), HttpError> {
        let used = self.feed_head(input)?;
        if self.head_complete() {
            self.feed_body(&input[used..], sink)?;
        }
        Ok(())
    }

    /// Reads head bytes from `input` and returns how many it used: all of them while the head
    /// is incomplete, and once the final head is complete (interim 1xx heads are skipped),
    /// the offset of the first body byte. Returns 0 once the head is complete.
    ///
    /// # Errors
    /// A malformed head, one over [`MAX_HEAD_BYTES`], or unusable framing headers; the
    /// parser then ignores further input.
    pub fn feed_head(&mut self, input: &[u8]) -> Result<usize, HttpError> {
        let result = self.read_heads(input);
        if result.is_err() {
            self.state = State::Failed;
            self.spoiled = true;
        }
        result
    }

    fn read_heads(&mut self, input: &[u8]) -> Result<usize, HttpError> {
        let mut pos = 0;
        while self.state == State::Head && pos < input.len() {
            let rest = &input[pos..];
            let old = self.head_buf.len();
            // Never more than one byte past the limit is parsed: enough to know the head is too
            // long, and the same bytes whether the head came in one read or several.
            let parsed = if old == 0 {
                parse_head(&rest[..rest.len().min(MAX_HEAD_BYTES + 1)])?
            } else {
                let take = rest.len().min(MAX_HEAD_BYTES + 1 - old);
                self.head_buf.extend_from_slice(&rest[..take]);
                parse_head(&self.head_buf)?
            };
            let too_large = HttpError::HeadTooLarge {
                limit: MAX_HEAD_BYTES,
            };
            let Some((head, len)) = parsed else {
                // Incomplete: keep what arrived (the whole read when the buffer was empty).
                if old == 0 {
                    if rest.len() > MAX_HEAD_BYTES {
                        return Err(too_large);
                    }
                    self.head_buf.extend_from_slice(rest);
                } else if self.head_buf.len() > MAX_HEAD_BYTES {
                    return Err(too_large);
                }
                return Ok(input.len());
            };
            if len > MAX_HEAD_BYTES {
                return Err(too_large);
            }
            pos += len - old;
            self.head_buf.clear();
            if !(100..200).contains(&head.status) || head.status == 101 {
                self.start_body(head)?;
            }
        }
        Ok(pos)
    }

    /// Chooses the framing, content coding and keep-alive verdict for the final head.
    fn start_body(&mut self, head: ResponseHead) -> Result<(), HttpError> {
        let has_te = head.values("transfer-encoding").next().is_some();
        let lengths = content_length(&head)?;
        let no_body = (100..200).contains(&head.status) || head.status == 204 || head.status == 304;
        self.framing = if no_body {
            Framing::Ended
        } else if has_te {
            let codings: Vec<&[u8]> = head
                .values("transfer-encoding")
                .flat_map(|v| v.split(|&b| b == b','))
                .map(<[u8]>::trim_ascii)
                .filter(|c| !c.is_empty())
                .collect();
            if codings.len() != 1 || !codings[0].eq_ignore_ascii_case(b"chunked") {
                let shown: Vec<String> = head
                    .values("transfer-encoding")
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect();
                return Err(HttpError::InvalidHead(format!(
                    "unsupported Transfer-Encoding {:?} (only chunked is)",
                    shown.join(", ")
                )));
            }
            Framing::Chunked(Box::default(), Vec::new())
        } else if let Some(length) = lengths {
            if length == 0 {
                Framing::Ended
            } else {
                Framing::Length {
                    remaining: length,
                    total: length,
                }
            }
        } else {
            Framing::UntilClose
        };
        let persistent = if head.minor_version >= 1 {
            !head.lists("connection", "close")
        } else {
            head.lists("connection", "keep-alive") && !head.lists("connection", "close")
        };
        // Both framings at once is how request smuggling looks (RFC 9112 §6.3): read the
        // chunked body, then drop the connection. So is chunked in an HTTP/1.0 response.
        let suspicious = has_te && (lengths.is_some() || head.minor_version == 0);
        self.keep_alive = persistent
            && !suspicious
            && head.status != 101
            && !matches!(self.framing, Framing::UntilClose);
        self.content = ContentDecoder::new(ContentCoding::from_header_values(
            head.values("content-encoding"),
        ));
        self.head = Some(head);
        if self.framing.is_ended() {
            self.state = State::Done;
            self.ended_by_framing = true;
        } else {
            self.state = State::Body;
        }
        Ok(())
    }

    /// Feeds body bytes (those after the head). Payload, with the content coding removed,
    /// goes to `sink`; bytes after the body's end only make the connection unusable.
    ///
    /// # Errors
    /// Broken chunked framing or compressed data. The payload before the fault has been
    /// passed to `sink`; the parser then ignores further input.
    pub fn feed_body(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<(), HttpError> {
        match self.state {
            State::Head | State::Failed => return Ok(()),
            State::Done => {
                self.spoiled |= !input.is_empty();
                return Ok(());
            }
            State::Body => {}
        }
        let content = &mut self.content;
        let result = self
            .framing
            .decode(input, &mut |payload| content.feed(payload, sink))
            .and_then(|used| {
                self.spoiled |= used < input.len();
                if self.framing.is_ended() {
                    self.ended_by_framing = true;
                    self.content.finish(sink)?;
                    self.state = State::Done;
                }
                Ok(())
            });
        if result.is_err() {
            self.state = State::Failed;
            self.spoiled = true;
        }
        result
    }

    /// The peer closed the connection. A close-delimited body ends here (what the
    /// decompressor still holds goes to `sink`); any other unfinished body was truncated.
    ///
    /// # Errors
    /// [`HttpError::ClosedBeforeHead`] before a complete head, [`HttpError::TruncatedBody`] for
    /// a body whose framing had not ended, or a decompression error for compressed data
    /// that had not ended.
    pub fn eof(&mut self, sink: &mut dyn FnMut(&[u8])) -> Result<(), HttpError> {
        self.spoiled = true;
        let result = match self.state {
            State::Done | State::Failed => return Ok(()),
            State::Head => Err(HttpError::ClosedBeforeHead {
                received: self.head_buf.len(),
            }),
            State::Body => self
                .framing
                .close()
                .and_then(|()| self.content.finish(sink)),
        };
        self.state = if result.is_ok() {
            State::Done
        } else {
            State::Failed
        };
        result
    }
}

/// The complete head at the start of `buf` and its length, or None while it is incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>, HttpError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::InvalidHead(format!(
                "more than {MAX_HEADERS} header fields"
            )))
        }
        Err(e) => {
            let shown = String::from_utf8_lossy(&buf[..buf.len().min(80)]).into_owned();
            return Err(HttpError::InvalidHead(format!(
                "{e} (the head starts {shown:?})"
            )));
        }
    };
    // A complete parse always sets the version and code.
    let head = ResponseHead {
        minor_version: response.version.unwrap_or(1),
        status: response.code.unwrap_or(0),
        reason: response.reason.unwrap_or("").to_owned(),
        headers: response
            .headers
            .iter()
            .map(|h| Header {
                name: h.name.to_owned(),
                value: h.value.to_vec(),
            })
            .collect(),
    };
    Ok(Some((head, len)))
}

/// The body length given by `Content-Length`, if any: repeated fields and comma lists must
/// all agree (RFC 9110 §8.6) and be plain decimal digits.
fn content_length(head: &ResponseHead) -> Result<Option<u64>, HttpError> {
    let mut length: Option<u64> = None;
    for value in head.values("content-length") {
        for item in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
            let shown = || String::from_utf8_lossy(item).into_owned();
            if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
                return Err(HttpError::InvalidContentLength(format!(
                    "{:?} is not a length",
                    shown()
                )));
            }
            let n: u64 = std::str::from_utf8(item)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    HttpError::InvalidContentLength(format!("{:?} is too large", shown()))
                })?;
            if length.is_some_and(|l| l != n) {
                return Err(HttpError::InvalidContentLength(format!(
                    "conflicting lengths {} and {n}",
                    length.unwrap_or(0)
                )));
            }
            length = Some(n);
        }
    }
    Ok(length)
}

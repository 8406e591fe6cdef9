//! HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), removed incrementally.
//!
//! An SSE response is usually sent as one HTTP chunk per event, so a reader that handles the
//! framing chunk by chunk pays its per-chunk overhead once per event. This decoder takes any
//! number of whole or partial chunks per call and returns their payload as one contiguous run,
//! so the layers above see one piece per network read instead of one per event.
//!
//! The grammar accepted is the one h11 accepts (the Python HTTP stack this replaces on the
//! hot path), so a body either decodes the same way through both or fails in both: a size line
//! is 1–20 hex digits, then optional whitespace or a `;` extension, then CRLF; chunk data must
//! be followed by exactly CRLF; the trailer section is header lines ended by an empty line
//! (LF or CRLF line ends, as h11 allows there). Lines are bounded, so a peer can never make
//! the decoder buffer more than [`MAX_LINE_BYTES`] of framing.

use std::fmt;

/// The longest chunk-size line, and the longest trailer section, the decoder buffers.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// h11's bound on the digits of a chunk size (leading zeros included).
const MAX_SIZE_DIGITS: usize = 20;

/// Why a body is not valid chunked coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkedError {
    /// The chunk-size line is not `hex-digits [ws | ;ext] CRLF`.
    InvalidSizeLine(Vec<u8>),
    /// The chunk size does not fit in 64 bits.
    SizeOverflow,
    /// A chunk-size line or the trailer section is longer than [`MAX_LINE_BYTES`].
    LineTooLong,
    /// The bytes after a chunk's data are not CRLF.
    MissingChunkEnd(u8),
}

impl fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSizeLine(line) => {
                let shown = &line[..line.len().min(64)];
                write!(
                    f,
                    "illegal chunk header: {:?}",
                    String::from_utf8_lossy(shown)
                )
            }
            Self::SizeOverflow => f.write_str("illegal chunk header: chunk size too large"),
            Self::LineTooLong => write!(
                f,
                "chunk header or trailer section longer than {MAX_LINE_BYTES} bytes"
            ),
            Self::MissingChunkEnd(byte) => write!(
                f,
                "malformed chunk footer: expected CRLF after the chunk data, got {:?}",
                char::from(*byte)
            ),
        }
    }
}

impl std::error::Error for ChunkedError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line (buffered in `line` until its LF).
    Size,
    /// Copying this many more payload bytes.
    Data(u64),
    /// Expecting the CR after a chunk's data.
    DataCr,
    /// Expecting the LF after a chunk's data.
    DataLf,
    /// Reading trailer lines after the last chunk (buffered in `line`).
    Trailer,
    /// The last chunk and trailer section have been read.
    Done,
}

/// Incremental de-framing of one chunked body.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// The partial size line or trailer section carried across reads.
    line: Vec<u8>,
    /// The trailer section's lines, without their line ends.
    trailers: Vec<Vec<u8>>,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    #[must_use]
    pub fn new() -> Self {
        Self {
            state: State::Size,
            line: Vec::new(),
            trailers: Vec::new(),
        }
    }

    /// Whether the last chunk and the trailer section have been read.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The trailer lines (`name: value`, line ends removed), complete once [`Self::is_done`].
    #[must_use]
    pub fn trailers(&self) -> &[Vec<u8>] {
        &self.trailers
    }

    /// Appends the payload contained in `input` to `out` and returns how many input bytes
    /// belong to the body: all of them until the body ends, then the body's last byte, so
    /// `input[consumed..]` is whatever the peer sent after it. After an error the decoder
    /// must not be fed again.
    ///
    /// # Errors
    /// When `input` breaks the chunked grammar.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, ChunkedError> {
        let mut pos = 0;
        while pos < input.len() {
            match self.state {
                State::Size => {
                    let Some(line) = self.take_line(input, &mut pos)? else {
                        break;
                    };
                    let size = parse_size_line(&line)?;
                    self.state = if size == 0 {
                        State::Trailer
                    } else {
                        State::Data(size)
                    };
                }
                State::Data(remaining) => {
                    let available = input.len() - pos;
                    let take = usize::try_from(remaining).map_or(available, |r| r.min(available));
                    out.extend_from_slice(&input[pos..pos + take]);
                    pos += take;
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        State::DataCr
                    } else {
                        State::Data(left)
                    };
                }
                State::DataCr | State::DataLf => {
                    let (want, next) = if self.state == State::DataCr {
                        (b'\r', State::DataLf)
                    } else {
                        (b'\n', State::Size)
                    };
                    if input[pos] != want {
                        return Err(ChunkedError::MissingChunkEnd(input[pos]));
                    }
                    pos += 1;
                    self.state = next;
                }
                State::Trailer => {
                    let Some(mut line) = self.take_line(input, &mut pos)? else {
                        break;
                    };
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    if line.is_empty() {
                        self.state = State::Done;
                    } else {
                        let used: usize = self.trailers.iter().map(Vec::len).sum();
                        if used + line.len() > MAX_LINE_BYTES {
                            return Err(ChunkedError::LineTooLong);
                        }
                        self.trailers.push(line);
                    }
                }
                State::Done => break,
            }
        }
        Ok(pos)
    }

    /// The next LF-terminated line (LF removed, CR kept), or None when `input` ends first (the
    /// part read so far is kept in `self.line`).
    fn take_line(
        &mut self,
        input: &[u8],
        pos: &mut usize,
    ) -> Result<Option<Vec<u8>>, ChunkedError> {
        let rest = &input[*pos..];
        if let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if self.line.len() + end > MAX_LINE_BYTES {
                return Err(ChunkedError::LineTooLong);
            }
            *pos += end + 1;
            let mut line = std::mem::take(&mut self.line);
            line.extend_from_slice(&rest[..end]);
            Ok(Some(line))
        } else {
            if self.line.len() + rest.len() > MAX_LINE_BYTES {
                return Err(ChunkedError::LineTooLong);
            }
            self.line.extend_from_slice(rest);
            *pos = input.len();
            Ok(None)
        }
    }
}

/// The size of a chunk-size line (its LF removed): `hex-digits [ws* | ;ext] CR`.
fn parse_size_line(line: &[u8]) -> Result<u64, ChunkedError> {
    let invalid = || ChunkedError::InvalidSizeLine(line.to_vec());
    let Some((b'\r', body)) = line.split_last() else {
        return Err(invalid());
    };
    let digits = body.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > MAX_SIZE_DIGITS {
        return Err(invalid());
    }
    let rest = &body[digits..];
    // After the digits: an extension (anything up to the line end), or only whitespace.
    if rest.first() != Some(&b';') && !rest.iter().all(|&b| b == b' ' || b == b'\t') {
        return Err(invalid());
    }
    body[..digits].iter().try_fold(0u64, |size, &b| {
        let digit = u64::from(char::from(b).to_digit(16).unwrap_or(0));
        size.checked_mul(16)
            .and_then(|s| s.checked_add(digit))
            .ok_or(ChunkedError::SizeOverflow)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(pieces: &[&[u8]]) -> Result<(Vec<u8>, ChunkedDecoder, Vec<u8>), ChunkedError> {
        let mut decoder = ChunkedDecoder::new();
        let mut out = Vec::new();
        let mut leftover = Vec::new();
        for piece in pieces {
            let used = decoder.decode(piece, &mut out)?;
            leftover.extend_from_slice(&piece[used..]);
        }
        Ok((out, decoder, leftover))
    }

    #[test]
    fn decodes_chunks_extensions_and_trailers() {
        let body = b"5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n";
        let (out, decoder, leftover) = decode_all(&[body]).unwrap();
        assert_eq!(out, b"hello world");
        assert!(decoder.is_done());
        assert_eq!(decoder.trailers(), &[b"X-Checksum: 1".to_vec()]);
        assert!(leftover.is_empty());
    }

    #[test]
    fn stops_at_the_end_of_the_body() {
        let (out, decoder, leftover) = decode_all(&[b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200"]).unwrap();
        assert_eq!(out, b"abc");
        assert!(decoder.is_done());
        assert_eq!(leftover, b"HTTP/1.1 200");
    }

    #[test]
    fn accepts_uppercase_hex_whitespace_and_leading_zeros() {
        let body = b"000A \t\r\n0123456789\r\n0\r\n\r\n";
        let (out, decoder, _) = decode_all(&[body]).unwrap();
        assert_eq!(out, b"0123456789");
        assert!(decoder.is_done());
    }

    #[test]
    fn incomplete_body_is_not_done() {
        let (out, decoder, _) = decode_all(&[b"a\r\n01234"]).unwrap();
        assert_eq!(out, b"01234");
        assert!(!decoder.is_done());
    }

    #[test]
    fn rejects_bad_size_lines() {
        for line in [
            &b"\r\n"[..],
            b"x\r\n",
            b" 5\r\n",
            b"5 x\r\n",
            b"5\n",
            b"-1\r\n",
            b"000000000000000000001\r\n",
        ] {
            let err = decode_all(&[line]).unwrap_err();
            assert!(
                matches!(err, ChunkedError::InvalidSizeLine(_)),
                "{line:?}: {err}"
            );
        }
        assert_eq!(
            decode_all(&[b"fffffffffffffffff\r\n"]).unwrap_err(),
            ChunkedError::SizeOverflow
        );
    }

    #[test]
    fn rejects_data_not_followed_by_crlf() {
        assert_eq!(
            decode_all(&[b"3\r\nabcd\r\n"]).unwrap_err(),
            ChunkedError::MissingChunkEnd(b'd')
        );
        assert_eq!(
            decode_all(&[b"3\r\nabc\n"]).unwrap_err(),
            ChunkedError::MissingChunkEnd(b'\n')
        );
    }

    #[test]
    fn bounds_lines_and_trailers() {
        let long = vec![b'1'; MAX_LINE_BYTES + 1];
        assert_eq!(decode_all(&[&long]).unwrap_err(), ChunkedError::LineTooLong);
        let mut trailer = b"0\r\n".to_vec();
        for _ in 0..2000 {
            trailer.extend_from_slice(b"X-Padding: 0123456789\r\n");
        }
        assert_eq!(
            decode_all(&[&trailer]).unwrap_err(),
            ChunkedError::LineTooLong
        );
    }

    #[test]
    fn error_messages_say_what_was_wrong() {
        let err = decode_all(&[b"zz\r\n"]).unwrap_err();
        assert_eq!(err.to_string(), "illegal chunk header: \"zz\\r\"");
        let err = decode_all(&[b"1\r\naXY"]).unwrap_err();
        assert!(err.to_string().contains("expected CRLF"), "{err}");
    }

    /// Encodes `body` with the given chunk sizes (cycled), extensions and trailers.
    fn encode(body: &[u8], sizes: &[usize], ext: bool, trailers: &[String]) -> Vec<u8> {
        let mut wire = Vec::new();
        let mut rest = body;
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].clamp(1, rest.len());
            i += 1;
            wire.extend_from_slice(format!("{n:x}").as_bytes());
            if ext {
                wire.extend_from_slice(b";k=v");
            }
            wire.extend_from_slice(b"\r\n");
            wire.extend_from_slice(&rest[..n]);
            wire.extend_from_slice(b"\r\n");
            rest = &rest[n..];
        }
        wire.extend_from_slice(b"0\r\n");
        for t in trailers {
            wire.extend_from_slice(t.as_bytes());
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"\r\n");
        wire
    }

    proptest! {
        #[test]
        fn any_split_of_any_encoding_gives_the_body(
            body in proptest::collection::vec(any::<u8>(), 0..2000),
            sizes in proptest::collection::vec(1usize..300, 1..8),
            ext in any::<bool>(),
            trailers in proptest::collection::vec("[A-Za-z-]{1,10}: [ -~]{0,20}", 0..3),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
            after in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let mut wire = encode(&body, &sizes, ext, &trailers);
            let body_len = wire.len();
            wire.extend_from_slice(&after);
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
            points.extend([0, wire.len()]);
            points.sort_unstable();
            let pieces: Vec<&[u8]> = points.windows(2).map(|w| &wire[w[0]..w[1]]).collect();
            let (out, decoder, leftover) = decode_all(&pieces).unwrap();
            prop_assert_eq!(out, body);
            prop_assert!(decoder.is_done());
            prop_assert_eq!(leftover, wire[body_len..].to_vec());
            let expected: Vec<Vec<u8>> = trailers.iter().map(|t| t.as_bytes().to_vec()).collect();
            prop_assert_eq!(decoder.trailers(), &expected[..]);
        }

        #[test]
        fn garbage_never_panics(pieces in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
            let mut decoder = ChunkedDecoder::new();
            let mut out = Vec::new();
            for piece in &pieces {
                match decoder.decode(piece, &mut out) {
                    Ok(used) => prop_assert!(used <= piece.len()),
                    Err(_) => break,
                }
            }
        }
    }
}

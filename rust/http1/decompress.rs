//! Undoing the response's `Content-Encoding` incrementally, with `flate2`'s push decoders.
//!
//! Each decoder writes into a `Vec` that is handed to the sink after every `write` (so one
//! read of a highly compressed body is passed on in pieces of about 32 KiB, never inflated
//! whole into memory) and flushed at the end of each read, so every byte a read carries
//! reaches the layer above in that same read.

use std::io::{self, Write};

use flate2::write::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::error::HttpError;

/// The content coding of a body, as named by `Content-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCoding {
    /// No coding, `identity`, or codings this crate does not undo (the bytes pass through).
    Identity,
    Gzip,
    /// zlib-wrapped (RFC 1950) or raw (RFC 1951) deflate: servers send both.
    Deflate,
}

impl ContentCoding {
    /// The coding named by a response's `Content-Encoding` values. A single `gzip`
    /// (`x-gzip`) or `deflate`, ignoring `identity` entries, is undone; anything else (an
    /// unknown coding, or several stacked) passes through unchanged.
    pub fn from_header_values<'a>(values: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut codings = values
            .flat_map(|v| v.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case(b"identity"));
        let (Some(first), None) = (codings.next(), codings.next()) else {
            return Self::Identity;
        };
        if first.eq_ignore_ascii_case(b"gzip") || first.eq_ignore_ascii_case(b"x-gzip") {
            Self::Gzip
        } else if first.eq_ignore_ascii_case(b"deflate") {
            Self::Deflate
        } else {
            Self::Identity
        }
    }
}

/// A `flate2` push decoder writing into a `Vec`.
trait Inflate: Write {
    fn output(&mut self) -> &mut Vec<u8>;
    fn end(&mut self) -> io::Result<()>;
}

macro_rules! inflate_impl {
    ($ty:ident) => {
        impl Inflate for $ty<Vec<u8>> {
            fn output(&mut self) -> &mut Vec<u8> {
                self.get_mut()
            }
            fn end(&mut self) -> io::Result<()> {
                self.try_finish()
            }
        }
    };
}
inflate_impl!(MultiGzDecoder);
inflate_impl!(ZlibDecoder);
inflate_impl!(DeflateDecoder);

enum State {
    Identity,
    /// A deflate body before its first two bytes, which tell zlib from raw deflate.
    Sniffing(Vec<u8>),
    Inflating(Box<dyn Inflate + Send + Sync>),
    Ended,
}

/// Removes one content coding from body bytes fed in any pieces.
pub struct ContentDecoder {
    coding: ContentCoding,
    state: State,
    /// Compressed bytes seen: an empty body (no bytes at all) is an empty payload, not a
    /// truncated compressed stream.
    seen: bool,
}

impl ContentDecoder {
    pub fn new(coding: ContentCoding) -> Self {
        let state = match coding {
            ContentCoding::Identity => State::Identity,
            ContentCoding::Gzip => State::Inflating(Box::new(MultiGzDecoder::new(Vec::new()))),
            ContentCoding::Deflate => State::Sniffing(Vec::with_capacity(2)),
        };
        Self {
            coding,
            state,
            seen: false,
        }
    }

    fn error(&self, message: impl Into<String>) -> HttpError {
        HttpError::Decompression {
            coding: match self.coding {
                ContentCoding::Gzip => "gzip",
                ContentCoding::Deflate => "deflate",
                ContentCoding::Identity => "identity",
            },
            message: message.into(),
        }
    }

    /// Passes the payload of `input` to `sink`, in one or more pieces.
    ///
    /// # Errors
    /// When the bytes are not the coding's format, or follow the end of the compressed data.
    pub fn feed(&mut self, input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), HttpError> {
        if input.is_empty() {
            return Ok(());
        }
        self.seen = true;
        let mut input = input;
        if let State::Sniffing(head) = &mut self.state {
            let take = input.len().min(2 - head.len());
            head.extend_from_slice(&input[..take]);
            input = &input[take..];
            if head.len() < 2 {
                return Ok(());
            }
            let head = std::mem::take(head);
            let mut inflater: Box<dyn Inflate + Send + Sync> = if is_zlib_header(head[0], head[1]) {
                Box::new(ZlibDecoder::new(Vec::new()))
            } else {
                Box::new(DeflateDecoder::new(Vec::new()))
            };
            let result = pump(inflater.as_mut(), &head, sink);
            self.state = State::Inflating(inflater);
            result.map_err(|m| self.error(m))?;
        }
        match &mut self.state {
            State::Identity => sink(input),
            State::Inflating(inflater) => {
                pump(inflater.as_mut(), input, sink).map_err(|m| self.error(m))?;
            }
            State::Sniffing(_) | State::Ended => {}
        }
        Ok(())
    }

    /// The body ended: passes on what the decoder still holds and checks that the compressed
    /// data ended too (gzip: with a matching CRC and length).
    ///
    /// # Errors
    /// When the compressed data is incomplete or its checksum is wrong.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&[u8])) -> Result<(), HttpError> {
        let state = std::mem::replace(&mut self.state, State::Ended);
        match state {
            State::Identity | State::Ended => Ok(()),
            State::Sniffing(head) if head.is_empty() => Ok(()),
            State::Sniffing(_) => Err(self.error("the body ended after one byte")),
            State::Inflating(mut inflater) => {
                let result = inflater.end();
                drain(inflater.as_mut(), sink);
                match result {
                    Ok(()) => Ok(()),
                    Err(_) if !self.seen => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                        Err(self.error("the body ended inside the compressed data"))
                    }
                    Err(e) => Err(self.error(e.to_string())),
                }
            }
        }
    }
}

/// RFC 1950 §2.2: method 8 (deflate) with a window of at most 32 KiB, and a header check
/// that makes the two bytes a multiple of 31. A raw deflate stream starts this way only by
/// accident (a stored block whose length happens to fit), which is how other clients tell
/// the two apart too.
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

fn drain(inflater: &mut dyn Inflate, sink: &mut dyn FnMut(&[u8])) {
    let out = inflater.output();
    if !out.is_empty() {
        sink(out);
        out.clear();
    }
}

/// Writes all of `input` into the decoder, passing output on as it appears.
fn pump(
    inflater: &mut dyn Inflate,
    mut input: &[u8],
    sink: &mut dyn FnMut(&[u8]),
) -> Result<(), String> {
    while !input.is_empty() {
        let written = inflater.write(input);
        drain(inflater, sink);
        match written {
            Ok(0) => return Err("data after the end of the compressed body".to_owned()),
            Ok(n) => input = &input[n..],
            Err(e) => {
                // What was inflated before the fault is still in the decoder's buffer; a
                // flush hands it over, so the payload before a fault does not depend on how
                // the input was split.
                let _ = inflater.flush();
                drain(inflater, sink);
                return Err(e.to_string());
            }
        }
    }
    let flushed = inflater.flush();
    drain(inflater, sink);
    flushed.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use flate2::Compression;

    pub fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    pub fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    pub fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn sample() -> Vec<u8> {
        let mut text = Vec::new();
        for i in 0..300 {
            text.extend_from_slice(
                format!("data: {{\"n\": {i}, \"t\": \"héllo\"}}\n\n").as_bytes(),
            );
        }
        text
    }

    /// Feeds `wire` split at `cut` (and whole when `cut` is None).
    fn run(coding: ContentCoding, pieces: &[&[u8]]) -> (Vec<u8>, Result<(), HttpError>) {
        let mut d = ContentDecoder::new(coding);
        let mut out = Vec::new();
        let mut sink = |b: &[u8]| out.extend_from_slice(b);
        for piece in pieces {
            if let Err(e) = d.feed(piece, &mut sink) {
                return (out, Err(e));
            }
        }
        let result = d.finish(&mut sink);
        (out, result)
    }

    #[test]
    fn names_from_content_encoding() {
        let of =
            |vals: &[&str]| ContentCoding::from_header_values(vals.iter().map(|v| v.as_bytes()));
        assert_eq!(of(&[]), ContentCoding::Identity);
        assert_eq!(of(&["GZIP"]), ContentCoding::Gzip);
        assert_eq!(of(&["x-gzip"]), ContentCoding::Gzip);
        assert_eq!(of(&["identity, deflate"]), ContentCoding::Deflate);
        assert_eq!(of(&["br"]), ContentCoding::Identity);
        assert_eq!(of(&["gzip", "gzip"]), ContentCoding::Identity);
        assert_eq!(of(&["deflate, gzip"]), ContentCoding::Identity);
    }

    #[test]
    fn every_coding_split_at_every_byte_gives_the_text() {
        let text = sample();
        for (coding, wire) in [
            (ContentCoding::Gzip, gzip(&text)),
            (ContentCoding::Deflate, zlib(&text)),
            (ContentCoding::Deflate, raw_deflate(&text)),
            (ContentCoding::Identity, text.clone()),
        ] {
            for cut in 0..=wire.len() {
                let (out, result) = run(coding, &[&wire[..cut], &wire[cut..]]);
                result.unwrap_or_else(|e| panic!("{coding:?} cut {cut}: {e}"));
                assert_eq!(out, text, "{coding:?} cut at {cut}");
            }
            let bytes: Vec<&[u8]> = wire.chunks(1).collect();
            let (out, result) = run(coding, &bytes);
            result.unwrap();
            assert_eq!(out, text, "{coding:?} byte by byte");
        }
    }

    #[test]
    fn output_reaches_the_sink_in_the_read_that_carried_it() {
        let text = sample();
        let wire = gzip(&text);
        let mut d = ContentDecoder::new(ContentCoding::Gzip);
        let mut out = Vec::new();
        // All but the 8-byte trailer: every byte of text is already inflated.
        d.feed(&wire[..wire.len() - 8], &mut |b| out.extend_from_slice(b))
            .unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn concatenated_gzip_members_are_one_body() {
        let mut wire = gzip(b"first ");
        wire.extend(gzip(b"second"));
        let (out, result) = run(ContentCoding::Gzip, &[&wire]);
        result.unwrap();
        assert_eq!(out, b"first second");
    }

    #[test]
    fn truncated_compressed_data_is_an_error() {
        let text = sample();
        for (coding, wire) in [
            (ContentCoding::Gzip, gzip(&text)),
            (ContentCoding::Deflate, zlib(&text)),
            (ContentCoding::Deflate, raw_deflate(&text)),
        ] {
            for cut in [1, 2, 5, 11, wire.len() / 2, wire.len() - 1] {
                let (_, result) = run(coding, &[&wire[..cut]]);
                let err = result.unwrap_err();
                assert_eq!(
                    err.kind(),
                    super::super::HttpErrorKind::Decompression,
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn corrupt_or_trailing_data_is_an_error() {
        let text = sample();
        let mut bad_crc = gzip(&text);
        let n = bad_crc.len();
        bad_crc[n - 6] ^= 1;
        let (_, result) = run(ContentCoding::Gzip, &[&bad_crc]);
        assert!(result.is_err());
        let (_, result) = run(ContentCoding::Gzip, &[b"not gzip at all"]);
        assert!(result
            .unwrap_err()
            .to_string()
            .starts_with("could not decode the gzip"));
        let mut trailing = zlib(&text);
        trailing.extend_from_slice(b"junk");
        let (out, result) = run(ContentCoding::Deflate, &[&trailing]);
        assert_eq!(out, text, "the data before the junk is delivered");
        assert!(result.unwrap_err().to_string().contains("after the end"));
        let mut bad_adler = zlib(&text);
        let n = bad_adler.len();
        bad_adler[n - 1] ^= 1;
        let (_, result) = run(ContentCoding::Deflate, &[&bad_adler]);
        assert!(result.is_err());
    }

    #[test]
    fn the_payload_before_a_fault_does_not_depend_on_the_split() {
        let text = sample();
        for (coding, mut wire) in [
            (ContentCoding::Gzip, gzip(&text)),
            (ContentCoding::Deflate, zlib(&text)),
            (ContentCoding::Deflate, raw_deflate(&text)),
        ] {
            let at = wire.len() / 2;
            wire[at] ^= 0x5a;
            let (whole, result) = run(coding, &[&wire]);
            // Raw deflate has no checksum: a damaged stream may still decode (to other bytes).
            assert!(
                result.is_err() || coding == ContentCoding::Deflate,
                "{coding:?}"
            );
            for cut in (0..=wire.len()).step_by(7) {
                let (out, split_result) = run(coding, &[&wire[..cut], &wire[cut..]]);
                assert_eq!(split_result.is_err(), result.is_err());
                assert_eq!(out, whole, "{coding:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn an_empty_body_is_empty_for_every_coding() {
        for coding in [
            ContentCoding::Gzip,
            ContentCoding::Deflate,
            ContentCoding::Identity,
        ] {
            let (out, result) = run(coding, &[]);
            result.unwrap();
            assert!(out.is_empty());
        }
    }

    #[test]
    fn a_bomb_is_passed_on_in_bounded_pieces() {
        let zeros = vec![0u8; 8 << 20];
        let wire = gzip(&zeros);
        let mut d = ContentDecoder::new(ContentCoding::Gzip);
        let (mut total, mut largest) = (0, 0);
        d.feed(&wire, &mut |b| {
            total += b.len();
            largest = largest.max(b.len());
        })
        .unwrap();
        assert_eq!(total, zeros.len());
        assert!(largest <= 64 * 1024, "{largest}");
    }
}

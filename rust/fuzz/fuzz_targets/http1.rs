//! The HTTP/1.1 response reader (`ferriscope::http1`).
//!
//! Raw mode (control bit 3 clear): the body is a response as it came off the wire. It never
//! panics; the fuzzer's split, and byte by byte (inputs up to 512 bytes) or in 37-byte reads, give the same payload,
//! head, error (kind and whether it came at the close) and verdicts as the whole feed; the
//! payload of a response the parser read without error equals a whole-buffer reference
//! (`httparse` on the whole input, the framing cut out by hand or by the chunked decoder fed
//! whole, `flate2::read` for the content coding); and the exchange over a provider decoder
//! gives the same chunks (error messages blanked) and verdicts for every split.
//!
//! Structured mode (bit 3 set): the body is the payload of a valid response built around it
//! with the framing of bits 4-5 (Content-Length, chunked in chunks of a size taken from the
//! control byte, close-delimited, or both Content-Length and chunked) and the content coding
//! of bits 6-7 (identity, gzip, zlib deflate, raw deflate). The payload must come back
//! exactly, without error, with the reuse verdict its framing implies, for every split.
#![no_main]

use std::io::{Read, Write};

use ferriscope::chunk::{Chunk, DecodeOptions};
use ferriscope::http1::{HttpErrorKind, HttpExchange, ResponseParser};
use ferriscope::http_chunked::ChunkedDecoder;
use ferriscope::providers::{StreamDecoder, WireFormat};
use ferriscope_fuzz::{pieces, FuzzInput};
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
struct Outcome {
    body: Vec<u8>,
    status: Option<u16>,
    headers: usize,
    error: Option<(HttpErrorKind, bool)>,
    complete_before_eof: bool,
    reusable_before_eof: bool,
    complete: bool,
    reusable: bool,
}

fn read(wire: &[u8], cuts: &[usize]) -> Outcome {
    let mut parser = ResponseParser::new();
    let mut body = Vec::new();
    let mut error = None;
    for piece in pieces(wire, cuts) {
        if let Err(e) = parser.feed(piece, &mut |b| body.extend_from_slice(b)) {
            error.get_or_insert((e.kind(), false));
        }
    }
    let (complete_before_eof, reusable_before_eof) = (parser.body_complete(), parser.is_reusable());
    if let Err(e) = parser.eof(&mut |b| body.extend_from_slice(b)) {
        error.get_or_insert((e.kind(), true));
    }
    assert!(!parser.is_reusable(), "reusable after the peer closed");
    Outcome {
        body,
        status: parser.head().map(|h| h.status),
        headers: parser.head().map_or(0, |h| h.headers.len()),
        error,
        complete_before_eof,
        reusable_before_eof,
        complete: parser.body_complete(),
        reusable: parser.is_reusable(),
    }
}

/// The exchange over an Anthropic decoder: chunks (error messages blanked), done before the
/// close, whether it raised, and the reuse verdict before the close.
fn exchange(wire: &[u8], cuts: &[usize]) -> (Vec<Chunk>, bool, bool, bool) {
    let decoder = StreamDecoder::new(WireFormat::Anthropic, DecodeOptions::default());
    let mut ex = HttpExchange::new(decoder, 64);
    let mut out = Vec::new();
    let mut raised = false;
    for piece in pieces(wire, cuts) {
        raised |= ex.feed(piece, &mut out).is_err();
    }
    let (done_before_eof, reusable) = (ex.done(), ex.reusable());
    raised |= ex.eof(&mut out).is_err();
    assert!(!ex.reusable(), "reusable after the peer closed");
    assert!(ex.done(), "not done after eof");
    assert!(ex.error_body().len() <= 64);
    assert!(
        out.iter().filter(|c| matches!(c, Chunk::Error(_))).count() <= 1,
        "more than one error chunk"
    );
    if let Some(at) = out.iter().position(|c| matches!(c, Chunk::Error(_))) {
        assert_eq!(at, out.len() - 1, "a chunk after the error chunk");
    }
    for chunk in &mut out {
        if let Chunk::Error(e) = chunk {
            e.message.clear();
        }
    }
    (out, done_before_eof, raised, reusable)
}

fn inflate(coding: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let ok = if coding.eq_ignore_ascii_case(b"gzip") {
        MultiGzDecoder::new(data).read_to_end(&mut out).is_ok()
    } else if data.len() >= 2
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
        && data[0] & 0x0f == 8
        && data[0] >> 4 <= 7
    {
        ZlibDecoder::new(data).read_to_end(&mut out).is_ok()
    } else {
        DeflateDecoder::new(data).read_to_end(&mut out).is_ok()
    };
    ok.then_some(out)
}

/// The payload of `wire` computed on the whole buffer, when its head is simple enough to say:
/// one non-interim head, and at most one framing header and content coding.
fn reference(wire: &[u8]) -> Option<Vec<u8>> {
    let mut fields = [httparse::EMPTY_HEADER; 256];
    let mut response = httparse::Response::new(&mut fields);
    let httparse::Status::Complete(head_len) = response.parse(wire).ok()? else {
        return None;
    };
    let status = response.code?;
    if (100..200).contains(&status) {
        return None;
    }
    if status == 204 || status == 304 {
        return Some(Vec::new());
    }
    let find = |name: &str| -> Vec<&[u8]> {
        response
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
            .collect()
    };
    let (te, cl, ce) = (
        find("transfer-encoding"),
        find("content-length"),
        find("content-encoding"),
    );
    if te.len() + cl.len() > 1 || ce.len() > 1 {
        return None;
    }
    let rest = &wire[head_len..];
    let framed = if te.len() == 1 {
        let mut out = Vec::new();
        let mut decoder = ChunkedDecoder::new();
        decoder.decode(rest, &mut out).ok()?;
        out
    } else if cl.len() == 1 {
        let n: usize = std::str::from_utf8(cl[0]).ok()?.parse().ok()?;
        rest.get(..n)?.to_vec()
    } else {
        rest.to_vec()
    };
    match ce.first().map(|c| c.trim_ascii()) {
        Some(c) if c.eq_ignore_ascii_case(b"x-gzip") => {
            inflate(b"gzip", &framed).or(framed.is_empty().then_some(framed))
        }
        Some(c) if c.eq_ignore_ascii_case(b"gzip") || c.eq_ignore_ascii_case(b"deflate") => {
            if framed.is_empty() {
                Some(framed)
            } else {
                inflate(c, &framed)
            }
        }
        Some(c) if c.is_empty() || c.eq_ignore_ascii_case(b"identity") || !c.contains(&b',') => {
            Some(framed)
        }
        _ => None,
    }
}

fn compress(coding: u8, data: &[u8]) -> (Vec<u8>, &'static str) {
    fn finish<W: Write>(mut e: W, data: &[u8]) -> W {
        e.write_all(data).unwrap();
        e
    }
    match coding {
        1 => (
            finish(GzEncoder::new(Vec::new(), Compression::fast()), data)
                .finish()
                .unwrap(),
            "gzip",
        ),
        2 => (
            finish(ZlibEncoder::new(Vec::new(), Compression::fast()), data)
                .finish()
                .unwrap(),
            "deflate",
        ),
        3 => (
            finish(DeflateEncoder::new(Vec::new(), Compression::fast()), data)
                .finish()
                .unwrap(),
            "deflate",
        ),
        _ => (data.to_vec(), ""),
    }
}

/// A valid response around `payload`, and whether it leaves the connection reusable.
fn build(payload: &[u8], control: u8) -> (Vec<u8>, bool) {
    let framing = (control >> 4) & 3;
    let (packed, coding) = compress(control >> 6, payload);
    let mut wire = b"HTTP/1.1 200 OK\r\n".to_vec();
    if !coding.is_empty() {
        wire.extend_from_slice(format!("Content-Encoding: {coding}\r\n").as_bytes());
    }
    let size = usize::from(control & 7) * 31 + 1;
    let body = match framing {
        0 => {
            wire.extend_from_slice(format!("Content-Length: {}\r\n", packed.len()).as_bytes());
            packed
        }
        2 => packed,
        _ => {
            if framing == 3 {
                wire.extend_from_slice(b"Content-Length: 1\r\n");
            }
            wire.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
            let mut body = Vec::new();
            for piece in packed.chunks(size) {
                body.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                body.extend_from_slice(piece);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"0\r\n\r\n");
            body
        }
    };
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(&body);
    (wire, framing == 0 || framing == 1)
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = FuzzInput::parse(data) else {
        return;
    };
    let (wire, reusable) = if input.flag(3) {
        build(input.body, input.control)
    } else {
        (input.body.to_vec(), false)
    };
    // The cuts index the body; in structured mode they are scaled onto the built response.
    let cuts: Vec<usize> = if input.flag(3) {
        input
            .cuts
            .iter()
            .map(|c| c * wire.len() / (input.body.len() + 1))
            .collect()
    } else {
        input.cuts.clone()
    };
    let whole = read(&wire, &[]);
    if input.flag(3) {
        assert_eq!(whole.body, input.body, "payload round trip");
        assert_eq!(whole.error, None);
        assert!(whole.complete_before_eof || (input.control >> 4) & 3 == 2);
        assert_eq!(whole.reusable_before_eof, reusable);
    } else if whole.error.is_none() && whole.status.is_some() {
        if let Some(expected) = reference(&wire) {
            assert_eq!(
                whole.body, expected,
                "payload differs from the whole-buffer reference"
            );
        }
    }
    assert_eq!(read(&wire, &cuts), whole, "split at {cuts:?}");
    // Byte by byte for short inputs (a head fed a byte at a time is re-parsed each time, so
    // this is quadratic), in 37-byte reads for the rest.
    let step = if wire.len() <= 512 { 1 } else { 37 };
    let every: Vec<usize> = (step..wire.len()).step_by(step).collect();
    assert_eq!(read(&wire, &every), whole, "split every {step} bytes");
    let ex_whole = exchange(&wire, &[]);
    assert_eq!(
        exchange(&wire, &cuts),
        ex_whole,
        "exchange split at {cuts:?}"
    );
    assert_eq!(
        ex_whole.3, whole.reusable_before_eof,
        "the exchange's reuse verdict is the parser's"
    );
    assert_eq!(
        ex_whole.2,
        whole.status.is_none(),
        "the exchange raises exactly without a head"
    );
});

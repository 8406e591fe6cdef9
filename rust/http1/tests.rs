//! The response rules, each on its own, then split-independence properties over every framing
//! and content coding, and the exchange's chunk semantics on a recorded provider stream.

use std::io::Write;

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;
use proptest::prelude::*;

use super::*;
use crate::chunk::{Chunk, DecodeOptions, ErrorKind};
use crate::providers::{decode_all, StreamDecoder, WireFormat};

/// What a response read in some pieces gave: the payload, the error of each step, verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
struct Outcome {
    body: Vec<u8>,
    head: Option<ResponseHead>,
    /// The kind of the first error, and whether it came from `eof`.
    error: Option<(HttpErrorKind, bool)>,
    body_complete_before_eof: bool,
    reusable_before_eof: bool,
    body_complete: bool,
    reusable: bool,
}

fn read(pieces: &[&[u8]], close: bool) -> Outcome {
    let mut parser = ResponseParser::new();
    let mut body = Vec::new();
    let mut error = None;
    for piece in pieces {
        if let Err(e) = parser.feed(piece, &mut |b| body.extend_from_slice(b)) {
            error.get_or_insert((e.kind(), false));
        }
    }
    let (body_complete_before_eof, reusable_before_eof) =
        (parser.body_complete(), parser.is_reusable());
    if close {
        if let Err(e) = parser.eof(&mut |b| body.extend_from_slice(b)) {
            error.get_or_insert((e.kind(), true));
        }
    }
    Outcome {
        body,
        head: parser.head().cloned(),
        error,
        body_complete_before_eof,
        reusable_before_eof,
        body_complete: parser.body_complete(),
        reusable: parser.is_reusable(),
    }
}

fn whole(wire: &[u8]) -> Outcome {
    read(&[wire], false)
}

/// `wire` split at every byte into two reads, and byte by byte: each must equal the whole.
fn assert_split_independent(wire: &[u8], close: bool) -> Outcome {
    let expected = read(&[wire], close);
    for cut in 0..=wire.len() {
        assert_eq!(
            read(&[&wire[..cut], &wire[cut..]], close),
            expected,
            "cut at {cut}"
        );
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(read(&bytes, close), expected, "byte by byte");
    expected
}

fn response(head: &str, body: &[u8]) -> Vec<u8> {
    let mut wire = head.replace('\n', "\r\n").into_bytes();
    wire.extend_from_slice(body);
    wire
}

fn chunked(payload: &[u8], size: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    for piece in payload.chunks(size.max(1)) {
        wire.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        wire.extend_from_slice(piece);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    wire
}

fn compress(coding: &str, data: &[u8]) -> Vec<u8> {
    match coding {
        "gzip" => {
            let mut e = GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "zlib" => {
            let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "raw" => {
            let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        _ => data.to_vec(),
    }
}

const SSE: &[u8] = b"event: ping\ndata: {\"type\": \"ping\"}\n\ndata: [DONE]\n\n";

// ---- framing selection ----------------------------------------------------------------------

#[test]
fn content_length_body_ends_by_length_and_is_reusable() {
    let wire = response(
        &format!("HTTP/1.1 200 OK\nContent-Length: {}\n\n", SSE.len()),
        SSE,
    );
    let out = assert_split_independent(&wire, false);
    assert_eq!(out.body, SSE);
    assert!(out.body_complete && out.reusable && out.error.is_none());
    let head = out.head.unwrap();
    assert_eq!(
        (head.status, head.reason.as_str(), head.minor_version),
        (200, "OK", 1)
    );
    assert_eq!(head.headers[0].name, "Content-Length");
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let body = b"5;ext=1\r\nhello\r\n6 \r\n world\r\n0;last\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n";
    let wire = response("HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n", body);
    let out = assert_split_independent(&wire, false);
    assert_eq!(out.body, b"hello world");
    assert!(out.body_complete && out.reusable && out.error.is_none());
}

#[test]
fn without_length_or_chunked_the_body_runs_until_close() {
    let wire = response("HTTP/1.1 200 OK\nContent-Type: text/event-stream\n\n", SSE);
    let out = assert_split_independent(&wire, true);
    assert_eq!(out.body, SSE);
    assert!(!out.body_complete_before_eof);
    assert!(out.body_complete && !out.reusable && out.error.is_none());
}

#[test]
fn statuses_without_a_body() {
    for status in [
        "204 No Content",
        "304 Not Modified",
        "101 Switching Protocols",
    ] {
        let wire = response(&format!("HTTP/1.1 {status}\nContent-Length: 5\n\n"), b"");
        let out = whole(&wire);
        assert!(out.body.is_empty() && out.body_complete, "{status}");
        assert_eq!(out.reusable, !status.starts_with("101"), "{status}");
    }
    // Bytes after a body-less response are not its body: the connection is spoiled.
    let out = whole(&response("HTTP/1.1 204 No Content\n\n", b"x"));
    assert!(out.body.is_empty() && out.body_complete && !out.reusable);
}

#[test]
fn zero_content_length_is_an_empty_complete_body() {
    let out = whole(&response("HTTP/1.1 200 OK\nContent-Length: 0\n\n", b""));
    assert!(out.body.is_empty() && out.body_complete && out.reusable);
}

#[test]
fn transfer_encoding_wins_over_content_length_but_spoils_the_connection() {
    let wire = response(
        "HTTP/1.1 200 OK\nContent-Length: 3\nTransfer-Encoding: chunked\n\n",
        &chunked(b"abcdef", 4),
    );
    let out = whole(&wire);
    assert_eq!(out.body, b"abcdef");
    assert!(out.body_complete && !out.reusable);
    let wire = response(
        "HTTP/1.0 200 OK\nConnection: keep-alive\nTransfer-Encoding: chunked\n\n",
        &chunked(b"ab", 4),
    );
    let out = whole(&wire);
    assert_eq!(out.body, b"ab");
    assert!(out.body_complete && !out.reusable);
}

#[test]
fn unsupported_transfer_encodings_are_rejected() {
    for te in [
        "gzip",
        "gzip, chunked",
        "chunked, gzip",
        "chunked, chunked",
        "identity",
    ] {
        let out = whole(&response(
            &format!("HTTP/1.1 200 OK\nTransfer-Encoding: {te}\n\n"),
            b"",
        ));
        assert_eq!(out.error, Some((HttpErrorKind::InvalidHead, false)), "{te}");
    }
}

// ---- interim responses ------------------------------------------------------------------------

#[test]
fn interim_responses_are_skipped() {
    let wire = response(
        "HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </a>\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\n",
        b"ok",
    );
    let out = assert_split_independent(&wire, false);
    assert_eq!(out.head.unwrap().status, 200);
    assert_eq!(out.body, b"ok");
    assert!(out.reusable);
}

// ---- Content-Length ---------------------------------------------------------------------------

#[test]
fn content_length_must_be_digits_and_agree() {
    for value in [
        "abc",
        "-1",
        "+5",
        "5 5",
        "",
        "1,",
        "99999999999999999999999",
    ] {
        let out = whole(&response(
            &format!("HTTP/1.1 200 OK\nContent-Length: {value}\n\n"),
            b"",
        ));
        assert_eq!(
            out.error,
            Some((HttpErrorKind::InvalidContentLength, false)),
            "{value:?}"
        );
    }
    let conflicting = response(
        "HTTP/1.1 200 OK\nContent-Length: 2\nContent-Length: 3\n\n",
        b"abc",
    );
    let out = whole(&conflicting);
    assert_eq!(
        out.error,
        Some((HttpErrorKind::InvalidContentLength, false))
    );
    assert!(
        out.head.is_none(),
        "a rejected head is not reported as the response"
    );
    for same in [
        "Content-Length: 2\nContent-Length: 2",
        "Content-Length: 2, 2",
    ] {
        let out = whole(&response(&format!("HTTP/1.1 200 OK\n{same}\n\n"), b"ab"));
        assert_eq!(out.body, b"ab");
        assert!(out.reusable, "{same}");
    }
}

// ---- truncation and leftovers -----------------------------------------------------------------

#[test]
fn a_short_body_is_truncated_at_close() {
    let out = assert_split_independent(
        &response("HTTP/1.1 200 OK\nContent-Length: 10\n\n", b"abc"),
        true,
    );
    assert_eq!(out.body, b"abc");
    assert_eq!(out.error, Some((HttpErrorKind::TruncatedBody, true)));
    assert!(!out.body_complete && !out.reusable);
    let out = assert_split_independent(
        &response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n",
            b"3\r\nabc\r\n",
        ),
        true,
    );
    assert_eq!(out.body, b"abc");
    assert_eq!(out.error, Some((HttpErrorKind::TruncatedBody, true)));
}

#[test]
fn bytes_after_the_body_make_the_connection_unusable() {
    for wire in [
        response(
            "HTTP/1.1 200 OK\nContent-Length: 2\n\n",
            b"abHTTP/1.1 200 OK\r\n",
        ),
        response(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n",
            b"2\r\nab\r\n0\r\n\r\n\r\n",
        ),
    ] {
        let out = assert_split_independent(&wire, false);
        assert_eq!(out.body, b"ab");
        assert!(out.body_complete && !out.reusable && out.error.is_none());
    }
}

#[test]
fn the_peer_closing_after_the_body_makes_it_unusable() {
    let out = read(
        &[&response("HTTP/1.1 200 OK\nContent-Length: 2\n\n", b"ab")],
        true,
    );
    assert!(out.reusable_before_eof && !out.reusable && out.error.is_none());
}

#[test]
fn broken_chunked_framing_keeps_the_payload_before_it() {
    let wire = response(
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n",
        b"3\r\nabc\r\nzz\r\n",
    );
    let out = assert_split_independent(&wire, true);
    assert_eq!(out.body, b"abc");
    assert_eq!(out.error, Some((HttpErrorKind::InvalidChunked, false)));
    assert!(!out.body_complete && !out.reusable);
}

// ---- keep-alive -------------------------------------------------------------------------------

#[test]
fn connection_header_and_version_decide_reuse() {
    for (head, reusable) in [
        ("HTTP/1.1 200 OK\nConnection: close", false),
        ("HTTP/1.1 200 OK\nConnection: Keep-Alive, Close", false),
        ("HTTP/1.1 200 OK\nConnection: keep-alive", true),
        ("HTTP/1.1 200 OK\nConnection: upgrade", true),
        ("HTTP/1.0 200 OK", false),
        ("HTTP/1.0 200 OK\nConnection: keep-alive", true),
        (
            "HTTP/1.0 200 OK\nConnection: keep-alive\nConnection: close",
            false,
        ),
    ] {
        let out = whole(&response(&format!("{head}\nContent-Length: 1\n\n"), b"x"));
        assert_eq!(out.body, b"x");
        assert_eq!(out.reusable, reusable, "{head}");
    }
}

// ---- the head -----------------------------------------------------------------------------

#[test]
fn malformed_heads_are_rejected() {
    for wire in [
        &b"garbage\r\n\r\n"[..],
        b"HTTP/2 200\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n",
    ] {
        let out = whole(wire);
        assert_eq!(
            out.error,
            Some((HttpErrorKind::InvalidHead, false)),
            "{wire:?}"
        );
        assert!(!out.reusable);
    }
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let err = ResponseParser::new().feed_head(&many).unwrap_err();
    assert!(err.to_string().contains("header fields"), "{err}");
}

#[test]
fn the_head_is_bounded() {
    let head_with = |len: usize| {
        let fixed = "HTTP/1.1 200 OK\r\nX: \r\nContent-Length: 0\r\n\r\n".len();
        let pad = "a".repeat(len - fixed);
        format!("HTTP/1.1 200 OK\r\nX: {pad}\r\nContent-Length: 0\r\n\r\n").into_bytes()
    };
    for (len, ok) in [(MAX_HEAD_BYTES, true), (MAX_HEAD_BYTES + 1, false)] {
        let wire = head_with(len);
        assert_eq!(wire.len(), len);
        for pieces in [
            vec![&wire[..]],
            vec![&wire[..100], &wire[100..]],
            wire.chunks(7000).collect(),
        ] {
            let out = read(&pieces, false);
            if ok {
                assert!(out.body_complete && out.error.is_none());
            } else {
                assert_eq!(out.error, Some((HttpErrorKind::HeadTooLarge, false)));
            }
        }
    }
    // An endless head is refused once it passes the limit, without waiting for its end.
    let mut parser = ResponseParser::new();
    let line = [b'a'; 1000];
    let mut result = parser.feed_head(b"HTTP/1.1 200 OK\r\nX-Padding: ");
    let mut fed = 0;
    while result.is_ok() {
        result = parser.feed_head(&line);
        fed += line.len();
        assert!(fed < MAX_HEAD_BYTES + 2 * line.len());
    }
    assert_eq!(result.unwrap_err().kind(), HttpErrorKind::HeadTooLarge);
}

#[test]
fn close_before_the_head_is_an_error() {
    let out = read(&[b"HTTP/1.1 200"], true);
    assert_eq!(out.error, Some((HttpErrorKind::ClosedBeforeHead, true)));
    let err = ResponseParser::new().eof(&mut |_| {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "connection closed before a response (0 bytes of a response head received)"
    );
}

#[test]
fn header_names_and_values_are_kept_as_sent() {
    let out = whole(&response("HTTP/1.1 429 Too Many Requests\nRetry-After: 7\nx-Request-ID:  abc \nContent-Length: 0\n\n", b""));
    let head = out.head.unwrap();
    let fields: Vec<(&str, &[u8])> = head
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.as_slice()))
        .collect();
    assert_eq!(
        fields,
        [
            ("Retry-After", &b"7"[..]),
            ("x-Request-ID", b"abc"),
            ("Content-Length", b"0")
        ]
    );
    assert_eq!(head.reason, "Too Many Requests");
}

// ---- content codings ----------------------------------------------------------------------

#[test]
fn compressed_bodies_split_at_every_byte() {
    let text: Vec<u8> = SSE.repeat(20);
    for (coding, header) in [("gzip", "gzip"), ("zlib", "deflate"), ("raw", "deflate")] {
        let packed = compress(coding, &text);
        for framing in ["length", "chunked", "close"] {
            let (head, body) = match framing {
                "length" => (
                    format!("Content-Length: {}\n", packed.len()),
                    packed.clone(),
                ),
                "chunked" => (
                    "Transfer-Encoding: chunked\n".to_owned(),
                    chunked(&packed, 17),
                ),
                _ => (String::new(), packed.clone()),
            };
            let wire = response(
                &format!("HTTP/1.1 200 OK\nContent-Encoding: {header}\n{head}\n"),
                &body,
            );
            let out = assert_split_independent(&wire, true);
            assert_eq!(out.body, text, "{coding} {framing}");
            assert!(out.error.is_none(), "{coding} {framing}: {:?}", out.error);
            assert_eq!(
                out.reusable_before_eof,
                framing != "close",
                "{coding} {framing}"
            );
        }
    }
}

#[test]
fn unknown_codings_pass_through_and_bad_data_is_a_decompression_error() {
    let wire = response(
        "HTTP/1.1 200 OK\nContent-Encoding: br\nContent-Length: 3\n\n",
        b"abc",
    );
    assert_eq!(whole(&wire).body, b"abc");
    let wire = response(
        "HTTP/1.1 200 OK\nContent-Encoding: gzip\nContent-Length: 3\n\n",
        b"abc",
    );
    assert_eq!(
        whole(&wire).error,
        Some((HttpErrorKind::Decompression, false))
    );
    let packed = compress("gzip", SSE);
    let cut = &packed[..packed.len() - 3];
    let wire = response(
        &format!(
            "HTTP/1.1 200 OK\nContent-Encoding: gzip\nContent-Length: {}\n\n",
            cut.len()
        ),
        cut,
    );
    let out = whole(&wire);
    assert_eq!(
        out.body, SSE,
        "everything inflated before the fault is delivered"
    );
    assert_eq!(out.error, Some((HttpErrorKind::Decompression, false)));
    let wire = response("HTTP/1.1 200 OK\nContent-Encoding: gzip\n\n", cut);
    assert_eq!(
        read(&[&wire], true).error,
        Some((HttpErrorKind::Decompression, true))
    );
}

// ---- properties ---------------------------------------------------------------------------

fn pieces_at<'a>(wire: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
    points.extend([0, wire.len()]);
    points.sort_unstable();
    points.windows(2).map(|w| &wire[w[0]..w[1]]).collect()
}

/// Builds a response carrying `payload` with the chosen framing and coding.
fn build(payload: &[u8], framing: u8, coding: u8, chunk: usize, keep_alive: bool) -> Vec<u8> {
    let (name, header) = [
        ("none", ""),
        ("gzip", "gzip"),
        ("zlib", "deflate"),
        ("raw", "deflate"),
    ][usize::from(coding % 4)];
    let packed = compress(name, payload);
    let mut head = String::from("HTTP/1.1 200 OK\n");
    if !header.is_empty() {
        head = head + "Content-Encoding: " + header + "\n";
    }
    if !keep_alive {
        head.push_str("Connection: close\n");
    }
    let body = match framing % 3 {
        0 => {
            head = format!("{head}Content-Length: {}\n", packed.len());
            packed
        }
        1 => {
            head.push_str("Transfer-Encoding: chunked\n");
            chunked(&packed, chunk)
        }
        _ => packed,
    };
    response(&format!("{head}\n"), &body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_split_of_any_response_gives_the_payload_and_the_same_verdicts(
        payload in proptest::collection::vec(any::<u8>(), 0..3000),
        framing in 0u8..3,
        coding in 0u8..4,
        chunk in 1usize..400,
        keep_alive in any::<bool>(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..16),
    ) {
        let wire = build(&payload, framing, coding, chunk, keep_alive);
        let expected = read(&[&wire], true);
        prop_assert_eq!(&expected.body, &payload);
        prop_assert!(expected.error.is_none());
        prop_assert_eq!(expected.reusable_before_eof, keep_alive && framing % 3 != 2);
        prop_assert!(expected.body_complete);
        prop_assert_eq!(read(&pieces_at(&wire, &cuts), true), expected);
    }

    #[test]
    fn any_split_of_a_damaged_response_gives_the_same_outcome(
        payload in proptest::collection::vec(any::<u8>(), 0..600),
        framing in 0u8..3,
        coding in 0u8..4,
        chunk in 1usize..100,
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        truncate in any::<prop::sample::Index>(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..16),
    ) {
        let mut wire = build(&payload, framing, coding, chunk, true);
        for (at, byte) in &damage {
            let at = at.index(wire.len());
            wire[at] = *byte;
        }
        wire.truncate(truncate.index(wire.len() + 1));
        let expected = read(&[&wire], true);
        prop_assert_eq!(read(&pieces_at(&wire, &cuts), true), expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_split_the_same(
        wire in proptest::collection::vec(any::<u8>(), 0..400),
        prefix in 0usize..4,
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..16),
    ) {
        let heads: [&[u8]; 4] = [
            b"",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
        ];
        let mut full = heads[prefix].to_vec();
        full.extend_from_slice(&wire);
        let expected = read(&[&full], true);
        prop_assert_eq!(read(&pieces_at(&full, &cuts), true), expected);
    }
}

// ---- the exchange -------------------------------------------------------------------------

fn fixture_body() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/streams/call/anthropic_claude_sonnet_4_0.json"
    );
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    case["interactions"][0]["response"]["body"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn exchange() -> HttpExchange {
    HttpExchange::new(
        StreamDecoder::new(WireFormat::Anthropic, DecodeOptions::default()),
        100,
    )
}

fn run_exchange(pieces: &[&[u8]], close: bool) -> (HttpExchange, Vec<Chunk>, Vec<bool>) {
    let mut ex = exchange();
    let mut out = Vec::new();
    let mut done = Vec::new();
    for piece in pieces {
        ex.feed(piece, &mut out).unwrap();
        done.push(ex.done());
    }
    if close {
        ex.eof(&mut out).unwrap();
    }
    (ex, out, done)
}

#[test]
fn the_exchange_decodes_every_framing_like_the_plain_body() {
    let body = fixture_body();
    let expected = decode_all(WireFormat::Anthropic, DecodeOptions::default(), &body);
    assert!(matches!(expected.last(), Some(Chunk::RawMessage(_))));
    for framing in 0..3 {
        for coding in 0..4 {
            let wire = build(&body, framing, coding, 97, true);
            for max in [1, 7, 300, wire.len()] {
                let pieces: Vec<&[u8]> = wire.chunks(max).collect();
                let (ex, out, done) = run_exchange(&pieces, false);
                assert_eq!(
                    out, expected,
                    "framing {framing} coding {coding} pieces {max}"
                );
                assert!(ex.done() && ex.complete());
                // Done once the terminal event is in, which may be before the framing's end.
                assert!(
                    done.windows(2).all(|w| w[0] <= w[1]),
                    "done never goes back"
                );
                assert!(!done[0] || pieces.len() == 1);
                assert_eq!(ex.reusable(), framing != 2);
            }
        }
    }
}

#[test]
fn a_terminal_event_ends_the_exchange_while_the_body_is_open() {
    let body = fixture_body();
    let expected = decode_all(WireFormat::Anthropic, DecodeOptions::default(), &body);
    let mut wire = response("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", b"");
    wire.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
    wire.extend_from_slice(&body);
    wire.extend_from_slice(b"\r\n");
    let (ex, out, _) = run_exchange(&[&wire], false);
    assert_eq!(out, expected);
    assert!(ex.done() && ex.complete() && !ex.parser().body_complete() && !ex.reusable());
    // The peer closing now loses nothing: no error is added.
    let (ex, out, _) = run_exchange(&[&wire], true);
    assert_eq!(out, expected);
    assert!(!ex.reusable());
}

#[test]
fn a_framing_error_after_events_keeps_them_then_reports_it() {
    let body = fixture_body();
    let cut = body.len() / 2;
    let mut wire = response("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", b"");
    wire.extend_from_slice(format!("{cut:x}\r\n").as_bytes());
    wire.extend_from_slice(&body[..cut]);
    wire.extend_from_slice(b"\r\nnot a size\r\n");
    let (ex, out, _) = run_exchange(&[&wire], false);
    let mut plain = StreamDecoder::new(WireFormat::Anthropic, DecodeOptions::default());
    let mut expected = Vec::new();
    plain.feed(&body[..cut], &mut expected);
    assert!(!expected.is_empty());
    assert_eq!(out[..expected.len()], expected[..]);
    let [Chunk::Error(error)] = &out[expected.len()..] else {
        panic!("{:?}", &out[expected.len()..]);
    };
    assert_eq!(error.kind, ErrorKind::Connection);
    assert!(error.message.contains("chunk"), "{}", error.message);
    assert!(ex.done() && !ex.reusable());
}

#[test]
fn a_decompression_error_is_a_validation_error_chunk() {
    let wire = response(
        "HTTP/1.1 200 OK\nContent-Encoding: gzip\nContent-Length: 4\n\n",
        b"nope",
    );
    let (ex, out, _) = run_exchange(&[&wire], false);
    let [Chunk::Error(error)] = &out[..] else {
        panic!("{out:?}")
    };
    assert_eq!(error.kind, ErrorKind::ResponseValidation);
    assert!(ex.done());
}

#[test]
fn a_cut_stream_is_reported_by_the_decoder_at_close() {
    let body = fixture_body();
    let wire = build(&body[..body.len() / 2], 0, 0, 1, true);
    let wire = &wire[..wire.len() - 10];
    let (ex, out, done) = run_exchange(&[wire], true);
    assert_eq!(done, [false]);
    let Some(Chunk::Error(error)) = out.last() else {
        panic!("{out:?}")
    };
    assert_eq!(error.kind, ErrorKind::Connection);
    assert_eq!(
        out.iter().filter(|c| matches!(c, Chunk::Error(_))).count(),
        1
    );
    assert!(ex.done() && !ex.reusable());
}

#[test]
fn a_non_2xx_body_is_kept_capped_and_returns_no_chunks() {
    let body =
        br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.repeat(3);
    for coding in 0..4 {
        let mut wire = build(&body, 1, coding, 10, true);
        let at = wire.windows(6).position(|w| w == b"200 OK").unwrap();
        wire.splice(at..at + 6, b"529 Overloaded".iter().copied());
        let pieces: Vec<&[u8]> = wire.chunks(5).collect();
        let (ex, out, _) = run_exchange(&pieces, false);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(ex.error_body(), &body[..100]);
        assert_eq!(ex.parser().head().unwrap().status, 529);
        assert!(ex.done() && ex.reusable());
    }
}

#[test]
fn the_exchange_raises_only_for_the_head() {
    let mut ex = exchange();
    let mut out = Vec::new();
    assert_eq!(ex.feed(b"HTTP/1.1 200 OK\r\nX", &mut out), Ok(()));
    assert!(!ex.done());
    assert_eq!(ex.feed(b"-A: y\r\n\r", &mut out), Ok(()));
    let err = ex.feed(b"garbage\r\n\r\n", &mut out).unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::InvalidHead);
    assert!(ex.done() && !ex.reusable() && out.is_empty());
    let mut ex = exchange();
    assert_eq!(
        ex.eof(&mut out).unwrap_err().kind(),
        HttpErrorKind::ClosedBeforeHead
    );
}

// ---- the close after a finish_reason (Chat Completions) -----------------------------------

/// A Chat Completions stream up to its `finish_reason`, without the usage event and `[DONE]`
/// that follow it: a decoder that accepts the end there (local servers omit `[DONE]`).
const COMPLETIONS_TO_FINISH: &[u8] =
    b"data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\
\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n\
data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\
\"finish_reason\":\"stop\"}]}\n\n";

fn completions_close(wire: &[u8]) -> (HttpExchange, Vec<Chunk>) {
    let mut ex = HttpExchange::new(
        StreamDecoder::new(WireFormat::OpenAiCompletions, DecodeOptions::default()),
        100,
    );
    let mut out = Vec::new();
    ex.feed(wire, &mut out).unwrap();
    assert!(!ex.done() && !ex.complete());
    ex.eof(&mut out).unwrap();
    (ex, out)
}

#[test]
fn a_framed_body_cut_after_a_finish_reason_is_a_connection_error() {
    let mut chunked = response("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", b"");
    chunked.extend_from_slice(format!("{:x}\r\n", COMPLETIONS_TO_FINISH.len()).as_bytes());
    chunked.extend_from_slice(COMPLETIONS_TO_FINISH);
    chunked.extend_from_slice(b"\r\n");
    let sized = response(
        &format!(
            "HTTP/1.1 200 OK\nContent-Length: {}\n\n",
            COMPLETIONS_TO_FINISH.len() + 40
        ),
        COMPLETIONS_TO_FINISH,
    );
    for wire in [chunked, sized] {
        let (ex, out) = completions_close(&wire);
        let accepted = decode_all(
            WireFormat::OpenAiCompletions,
            DecodeOptions::default(),
            COMPLETIONS_TO_FINISH,
        );
        assert!(!accepted.iter().any(|c| matches!(c, Chunk::Error(_))));
        assert_eq!(out[..accepted.len()], accepted[..]);
        let [Chunk::Error(error)] = &out[accepted.len()..] else {
            panic!("{out:?}")
        };
        assert_eq!(error.kind, ErrorKind::Connection);
        assert_eq!(error.message, CUT_BODY_MESSAGE);
        assert_eq!(error.status_code, None);
        assert!(ex.done() && !ex.reusable());
    }
}

#[test]
fn a_close_delimited_body_may_end_after_a_finish_reason() {
    let wire = response(
        "HTTP/1.1 200 OK\nConnection: close\n\n",
        COMPLETIONS_TO_FINISH,
    );
    let (ex, out) = completions_close(&wire);
    let accepted = decode_all(
        WireFormat::OpenAiCompletions,
        DecodeOptions::default(),
        COMPLETIONS_TO_FINISH,
    );
    assert_eq!(out, accepted);
    assert!(ex.done() && ex.parser().body_complete());
}

#[test]
fn a_cut_body_reported_by_the_decoder_gets_no_second_error() {
    // Cut before any finish_reason: the decoder's own report is the only error.
    let half = &COMPLETIONS_TO_FINISH[..COMPLETIONS_TO_FINISH.len() / 2];
    let mut wire = response("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", b"");
    wire.extend_from_slice(format!("{:x}\r\n", COMPLETIONS_TO_FINISH.len()).as_bytes());
    wire.extend_from_slice(half);
    let (_, out) = completions_close(&wire);
    let errors: Vec<_> = out
        .iter()
        .filter_map(|c| match c {
            Chunk::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{out:?}");
    assert_ne!(errors[0].message, CUT_BODY_MESSAGE);
}

#[test]
fn bytes_fed_after_done_only_drain_the_framing() {
    // A pool drains the framing of an exchange its terminal event finished: the decoder
    // returns nothing more, and the connection becomes reusable once the body ends.
    let body = fixture_body();
    let wire = build(&body, 1, 0, body.len(), true);
    let tail = b"0\r\n\r\n".len();
    let (head_and_body, framing_end) = wire.split_at(wire.len() - tail);
    let (mut ex, mut out, _) = run_exchange(&[head_and_body], false);
    assert!(ex.done() && ex.complete() && !ex.parser().body_complete() && !ex.reusable());
    let decoded = out.len();
    for byte in framing_end.chunks(1) {
        ex.feed(byte, &mut out).unwrap();
    }
    assert_eq!(out.len(), decoded);
    assert!(ex.parser().body_complete() && ex.reusable());
}

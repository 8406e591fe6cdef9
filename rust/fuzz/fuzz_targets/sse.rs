//! `SseDecoder`: arbitrary bytes never panic; any split (the fuzzer's cut points, and byte by
//! byte for inputs up to 4 KiB) gives the events of the whole feed; and the events, the error
//! and the decoder's `last_event_id`/`retry` equal those of a straightforward whole-stream
//! reference decoder written from the WHATWG rules below.
//!
//! Control byte (see `ferriscope_fuzz::FuzzInput`): bit 3 selects a small `max_line_bytes`
//! (`8 << (control >> 5)`, so 8..=1024) to exercise the limit errors; otherwise the default
//! 64 MiB limit applies and no error is possible.
#![no_main]

use ferriscope::sse::{Event, SseDecoder, SseError, DEFAULT_MAX_LINE_BYTES};
use ferriscope_fuzz::{pieces, FuzzInput};
use libfuzzer_sys::fuzz_target;

/// The outcome of decoding one stream: the events dispatched, and the error if the stream was
/// refused (only its variant is compared: the length it reports depends on where the read
/// that crossed the limit ended).
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<Event>,
    error: Option<std::mem::Discriminant<SseError>>,
    last_event_id: String,
    retry: Option<u64>,
}

fn decode(body: &[u8], cuts: &[usize], limit: usize) -> Outcome {
    let mut decoder = SseDecoder::new(limit);
    let mut events = Vec::new();
    let mut error = None;
    for piece in pieces(body, cuts) {
        if let Err(e) = decoder.feed(piece, &mut events) {
            error = Some(std::mem::discriminant(&e));
            // The error is sticky.
            assert_eq!(decoder.feed(b"\n\n", &mut events), Err(e.clone()));
            assert_eq!(decoder.finish(&mut events), Err(e));
            break;
        }
    }
    let last_event_id = decoder.last_event_id().to_owned();
    let retry = decoder.retry();
    if error.is_none() {
        let before = events.len();
        decoder
            .finish(&mut events)
            .expect("finish after good feeds");
        assert_eq!(events.len(), before, "finish never dispatches");
    }
    Outcome {
        events,
        error,
        last_event_id,
        retry,
    }
}

/// Whether the WHATWG rules ignore a (decoded, BOM-free) line: a comment or a field other than
/// `data`, `event`, `id` and `retry`.
fn ignored(line: &str) -> bool {
    let name = line.split_once(':').map_or(line, |(name, _)| name);
    !line.is_empty() && !matches!(name, "data" | "event" | "id" | "retry")
}

/// The reference: the WHATWG "event stream interpretation" applied to the whole stream at
/// once.
///
/// - The stream is decoded as UTF-8 with replacement (U+FFFD per maximal invalid subpart) and
///   one leading U+FEFF (a BOM) is dropped.
/// - Lines end at CRLF, LF or CR. A trailing unterminated line, and any event not yet dispatched
///   when the stream ends, are discarded.
/// - A blank line dispatches: the last event ID string takes the last event ID buffer; then if
///   the data buffer is empty, the data and event type buffers are reset and nothing is
///   dispatched; otherwise one trailing LF is removed from the data and an event is
///   dispatched with the type buffer (or `message` if empty) and the last event ID string.
/// - A line starting with `:` is a comment. Otherwise the field name runs to the first `:` and
///   the value follows with one leading space removed (no `:` → the whole line is the name and
///   the value is empty).
/// - `data`: append value + LF to the data buffer. `event`: set the type buffer. `id`: set the
///   last event ID buffer unless the value contains U+0000 (the decoder's `last_event_id` is
///   the string, so an `id` in a block that never ends is never reported). `retry`: if the value is non-empty ASCII
///   digits, set the reconnection time (saturating at `u64::MAX`) and remember it for the
///   event this block dispatches. Other fields are ignored.
///
/// Plus ferriscope's bound: a raw line (terminator excluded, BOM included) longer than `limit`
/// bytes is `LineTooLong`, also while it is still unterminated, unless it is a comment or an
/// unknown field (`ignored`: it is skipped; with `limit` >= 8 the name of an over-long line is
/// always known, even unterminated); a `data` line that would make
/// the event data (decoded, without the trailing LF) plus the raw value plus one exceed `limit`
/// is `DataTooLong`. Either stops the stream; events dispatched before it stand.
fn reference(body: &[u8], limit: usize) -> Outcome {
    // Raw line extents (for the byte limits) and decoded lines, which correspond one to one
    // because every line terminator is ASCII and UTF-8 decoding never swallows an ASCII byte.
    let mut raw_lines: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\n' => {
                raw_lines.push((start, i));
                i += 1;
                start = i;
            }
            b'\r' => {
                raw_lines.push((start, i));
                i += if body.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    let tail_len = body.len() - start;

    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut lines: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(['\r', '\n']) {
        lines.push(&rest[..pos]);
        rest = if rest[pos..].starts_with("\r\n") {
            &rest[pos + 2..]
        } else {
            &rest[pos + 1..]
        };
    }
    assert_eq!(lines.len(), raw_lines.len(), "reference line split");

    let mut events = Vec::new();
    let mut data = String::new();
    let mut event_type = String::new();
    let mut id_buffer = String::new();
    let mut last_event_id = String::new();
    let mut retry = None;
    let mut block_retry = None;
    let mut error = None;
    for (line, &(raw_start, raw_end)) in lines.iter().zip(&raw_lines) {
        if raw_end - raw_start > limit && !ignored(line) {
            error = Some(SseError::LineTooLong { len: 0, limit });
            break;
        }
        if line.is_empty() {
            last_event_id.clone_from(&id_buffer);
            let retry_of_block = block_retry.take();
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            data.pop(); // the trailing LF
            events.push(Event {
                event: if event_type.is_empty() {
                    "message".to_owned()
                } else {
                    std::mem::take(&mut event_type)
                },
                data: std::mem::take(&mut data),
                id: last_event_id.clone(),
                retry: retry_of_block,
            });
            event_type.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (*line, ""),
        };
        match name {
            "data" => {
                let raw_line = &body[raw_start..raw_end];
                let colon = raw_line.iter().position(|&b| b == b':');
                let raw_value_len = colon.map_or(0, |c| {
                    let v = &raw_line[c + 1..];
                    v.strip_prefix(b" ").unwrap_or(v).len()
                });
                // `data` holds the decoded data plus one LF per line; the decoder's count has
                // no trailing LF.
                let decoded_len = data.len().saturating_sub(1);
                if decoded_len + raw_value_len + 1 > limit {
                    error = Some(SseError::DataTooLong { len: 0, limit });
                    break;
                }
                data.push_str(value);
                data.push('\n');
            }
            "event" => event_type = value.to_owned(),
            "id" if !value.contains('\0') => id_buffer = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let ms = value.parse::<u64>().unwrap_or(u64::MAX);
                retry = Some(ms);
                block_retry = Some(ms);
            }
            _ => {}
        }
    }
    if error.is_none() && tail_len > limit && !ignored(rest) {
        error = Some(SseError::LineTooLong { len: 0, limit });
    }
    Outcome {
        events,
        error: error.as_ref().map(std::mem::discriminant),
        last_event_id,
        retry,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = FuzzInput::parse(data) else {
        return;
    };
    let body = input.body;
    let limit = if input.flag(3) {
        8usize << (input.control >> 5)
    } else {
        DEFAULT_MAX_LINE_BYTES
    };
    let whole = decode(body, &[], limit);
    let expected = reference(body, limit);
    assert_eq!(whole, expected, "decoder differs from the WHATWG reference");
    let split = decode(body, &input.cuts, limit);
    assert_eq!(split, whole, "split at {:?} differs from whole", input.cuts);
    if body.len() <= 4096 {
        let every: Vec<usize> = (1..body.len()).collect();
        assert_eq!(
            decode(body, &every, limit),
            whole,
            "bytewise differs from whole"
        );
    }
});

//! Incremental Server-Sent Events decoder following the WHATWG "event stream" interpretation.
//!
//! Bytes arrive in arbitrary pieces; events come out as soon as their terminating blank line
//! has been seen. Lines are split on raw bytes (CR, LF and CRLF are ASCII and never occur inside
//! a UTF-8 sequence), and only complete lines are decoded to text, so a code point cut across two
//! reads is decoded whole and invalid bytes become U+FFFD exactly as a whole-stream decode would.
//! Each byte is scanned once; a pending partial line is the only thing buffered between feeds,
//! and it is bounded by `max_line_bytes`.

use std::borrow::Cow;

/// The default bound on one pending line (and on one event's data), 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many strings of handed-back events (`SseDecoder::recycle`) are kept for reuse, and the
/// largest capacity kept: enough for the events of one network read, without holding on to
/// the memory of an occasional huge event.
const MAX_SPARE: usize = 32;
const MAX_SPARE_CAPACITY: usize = 4096;

/// The field names the WHATWG rules act on; a line naming another is ignored.
const FIELDS: [&[u8]; 4] = [b"data", b"event", b"id", b"retry"];

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event type; `"message"` when the block had no (or an empty) `event` field.
    pub event: String,
    /// The `data` lines of the block joined with `"\n"`.
    pub data: String,
    /// The last event ID when the event was dispatched: the `id` of this block or, without
    /// one, of an earlier block (it persists across events), `""` if none.
    pub id: String,
    /// The value of a valid `retry` field inside this event's block.
    pub retry: Option<u64>,
}

/// Why the decoder refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error(
        "SSE line of {len} bytes (so far) exceeds the limit of {limit} bytes (max_line_bytes)"
    )]
    LineTooLong { len: usize, limit: usize },
    #[error("SSE event data of {len} bytes (so far) exceeds the limit of {limit} bytes (max_line_bytes)")]
    DataTooLong { len: usize, limit: usize },
}

/// The decoder state between feeds.
// Four independent flags of the line scanner and the event being built; an enum of their
// combinations would be harder to read.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct SseDecoder {
    max_line_bytes: usize,
    /// Bytes of a line whose end has not arrived yet.
    pending: Vec<u8>,
    /// The previous feed ended with CR: a LF starting the next feed belongs to that line end.
    after_cr: bool,
    /// No line has been completed yet, so a leading BOM is still to be stripped.
    at_stream_start: bool,
    /// The current line passed `max_line_bytes` but is a comment or an unknown field, which
    /// change nothing: the rest of it is dropped unread instead of refused.
    skipping: bool,
    event_type: String,
    data: String,
    has_data: bool,
    /// The spec's "last event ID buffer": set by each `id` line, as the line arrives.
    id_buffer: String,
    /// The spec's "last event ID string" of the event source: the buffer as of the last
    /// dispatched block (a blank line), so an `id` in a block that never ended — a stream cut
    /// mid-event — never becomes the id to resume from. It survives `finish`, and the next
    /// stream's buffer starts from it (as browsers resume after a reconnection; docs/spec.md §12.1).
    last_event_id: String,
    block_retry: Option<u64>,
    retry: Option<u64>,
    failed: Option<SseError>,
    /// Emptied strings of events the caller handed back, which the next events' type and data
    /// are built in: a stream of many small events then costs no allocation per event.
    spare: Vec<String>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE_BYTES)
    }
}

impl SseDecoder {
    #[must_use]
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            max_line_bytes,
            pending: Vec::new(),
            after_cr: false,
            at_stream_start: true,
            skipping: false,
            event_type: String::new(),
            data: String::new(),
            has_data: false,
            id_buffer: String::new(),
            last_event_id: String::new(),
            block_retry: None,
            retry: None,
            failed: None,
            spare: Vec::new(),
        }
    }

    /// The id of the last dispatched block, or of an earlier one (it persists across events
    /// and streams), `""` if none: the `Last-Event-ID` to resume from. An `id` line counts
    /// once its block's blank line has arrived, whether or not the block had data.
    #[must_use]
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The last valid `retry` value seen in the stream.
    #[must_use]
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    #[must_use]
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    /// Decodes one piece of the stream, appending every event it completes to `out`.
    ///
    /// # Errors
    /// A line (or one event's data) longer than `max_line_bytes`, unless the line is a comment
    /// or an unknown field (it is then skipped without being stored). The decoder is then
    /// failed and every later call returns the same error.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<Event>) -> Result<(), SseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if self.after_cr && !input.is_empty() {
            self.after_cr = false;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }
        while let Some(pos) = memchr::memchr2(b'\n', b'\r', input) {
            let line_end = input[pos];
            let rest = &input[pos + 1..];
            if self.skipping {
                self.skipping = false; // the end of the skipped line
            } else if self.pending.is_empty() {
                if self.line_fits(&input[..pos], true)? {
                    self.process_line(&input[..pos], out)?;
                }
            } else if self.line_fits(&input[..pos], true)? {
                let mut line = std::mem::take(&mut self.pending);
                line.extend_from_slice(&input[..pos]);
                self.process_line(&line, out)?;
                line.clear();
                self.pending = line; // keep the allocation for the next long line
            } else {
                self.pending.clear();
            }
            input = rest;
            if line_end == b'\r' {
                match input.first() {
                    Some(b'\n') => input = &input[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        if !input.is_empty() && !self.skipping {
            if self.line_fits(input, false)? {
                self.pending.extend_from_slice(input);
            } else {
                self.pending = Vec::new();
                self.skipping = true;
            }
        }
        Ok(())
    }

    /// Takes back an event the caller is done with, so that its strings' memory holds a later
    /// event's type and data instead of being freed and allocated again. Optional: a caller
    /// that keeps its events loses nothing but the reuse.
    pub fn recycle(&mut self, event: Event) {
        for mut s in [event.data, event.event] {
            if self.spare.len() < MAX_SPARE && (1..=MAX_SPARE_CAPACITY).contains(&s.capacity()) {
                s.clear();
                self.spare.push(s);
            }
        }
    }

    /// An empty string for a new event's field, reusing a recycled one when there is one.
    fn spare_string(&mut self) -> String {
        self.spare.pop().unwrap_or_default()
    }

    /// Ends the stream. An unterminated last line or event is discarded, as the WHATWG rules
    /// say, so this never produces events of its own; it exists so that callers have one place
    /// to flush and so that the decoder can be reused for a new stream.
    ///
    /// # Errors
    /// The error a previous `feed` failed with.
    pub fn finish(&mut self, _out: &mut Vec<Event>) -> Result<(), SseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        self.pending.clear();
        self.after_cr = false;
        self.at_stream_start = true;
        self.skipping = false;
        self.event_type.clear();
        self.data.clear();
        self.has_data = false;
        self.block_retry = None;
        // An `id` of the discarded, unfinished block never took effect.
        self.id_buffer.clone_from(&self.last_event_id);
        Ok(())
    }

    /// Whether the line made of `pending` and `piece` (all of it when `complete`, else its
    /// start) is within `max_line_bytes`. Over the limit, `Ok(false)` means it can be skipped
    /// (see `skippable`), anything else fails the decoder.
    #[inline]
    fn line_fits(&mut self, piece: &[u8], complete: bool) -> Result<bool, SseError> {
        let len = self.pending.len() + piece.len();
        if len <= self.max_line_bytes {
            return Ok(true);
        }
        self.over_limit(piece, complete, len)
    }

    #[cold]
    fn over_limit(&mut self, piece: &[u8], complete: bool, len: usize) -> Result<bool, SseError> {
        if self.skippable(piece, complete) {
            self.at_stream_start = false; // this line was the first, BOM or not
            return Ok(false);
        }
        let err = SseError::LineTooLong {
            len,
            limit: self.max_line_bytes,
        };
        self.pending = Vec::new();
        self.failed = Some(err.clone());
        Err(err)
    }

    /// Whether the line (as in `line_fits`) is certainly a comment or a field other than
    /// `data`, `event`, `id` and `retry`, which the WHATWG rules ignore, so that nothing in
    /// it can matter. Only its first bytes are looked at: a field name is at most 5 bytes.
    fn skippable(&self, piece: &[u8], complete: bool) -> bool {
        const HEAD: usize = 16; // > BOM + the longest field name + the colon
        let head: Vec<u8> = self
            .pending
            .iter()
            .chain(piece)
            .take(HEAD)
            .copied()
            .collect();
        let whole = self.pending.len() + piece.len() <= HEAD;
        let mut line = &head[..];
        if self.at_stream_start {
            if !complete && whole && BOM.starts_with(line) {
                return false; // may still be a BOM before a field
            }
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        match line.first() {
            None => return false, // a blank line after a BOM: it dispatches
            Some(b':') => return true,
            Some(_) => {}
        }
        match memchr::memchr(b':', line) {
            Some(colon) => !FIELDS.contains(&&line[..colon]),
            // No colon in the first bytes: a name longer than any field's.
            None if !whole => true,
            None if complete => !FIELDS.contains(&line),
            // The name may still grow into a field's.
            None => !FIELDS.iter().any(|field| field.starts_with(line)),
        }
    }

    fn process_line(&mut self, mut line: &[u8], out: &mut Vec<Event>) -> Result<(), SseError> {
        if self.at_stream_start {
            self.at_stream_start = false;
            if line.starts_with(BOM) {
                line = &line[BOM.len()..];
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                let new_len = self.data.len() + value.len() + 1;
                if new_len > self.max_line_bytes {
                    let err = SseError::DataTooLong {
                        len: new_len,
                        limit: self.max_line_bytes,
                    };
                    self.data = String::new();
                    self.failed = Some(err.clone());
                    return Err(err);
                }
                if self.has_data {
                    self.data.push('\n');
                }
                push_lossy(&mut self.data, value);
                self.has_data = true;
            }
            b"event" => {
                self.event_type.clear();
                push_lossy(&mut self.event_type, value);
            }
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id_buffer = lossy_owned(value);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // All digits but too large for u64: the field is valid, saturate.
                let ms = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                self.block_retry = Some(ms);
                self.retry = Some(ms);
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<Event>) {
        // Step 1 of the spec's dispatch, even for a block without data.
        self.last_event_id.clone_from(&self.id_buffer);
        let retry = self.block_retry.take();
        if !self.has_data {
            self.event_type.clear();
            return;
        }
        self.has_data = false;
        let event = if self.event_type.is_empty() {
            let mut event = self.spare_string();
            event.push_str("message");
            event
        } else {
            let spare = self.spare_string();
            std::mem::replace(&mut self.event_type, spare)
        };
        let spare = self.spare_string();
        out.push(Event {
            event,
            data: std::mem::replace(&mut self.data, spare),
            id: self.last_event_id.clone(),
            retry,
        });
    }
}

/// Appends `bytes` decoded as UTF-8 with U+FFFD for invalid sequences. Valid input (nearly
/// all of it) takes the fast validation path; only invalid input pays for the lossy decoder.
fn push_lossy(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

fn lossy_owned(bytes: &[u8]) -> String {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(pieces: &[&[u8]]) -> Vec<Event> {
        let mut dec = SseDecoder::default();
        let mut out = Vec::new();
        for p in pieces {
            dec.feed(p, &mut out).unwrap();
        }
        dec.finish(&mut out).unwrap();
        out
    }

    fn ev(event: &str, data: &str) -> Event {
        Event {
            event: event.into(),
            data: data.into(),
            id: String::new(),
            retry: None,
        }
    }

    #[test]
    fn basic_events_and_line_ends() {
        let out = decode_all(&[b"data: a\n\nevent: x\ndata: b\r\n\r\ndata: c\r\rdata:d\n"]);
        assert_eq!(
            out,
            vec![ev("message", "a"), ev("x", "b"), ev("message", "c")]
        );
    }

    #[test]
    fn cr_lf_split_across_feeds_is_one_line_end() {
        let out = decode_all(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(out, vec![ev("message", "a\nb")]);
    }

    #[test]
    fn multi_line_data_comments_and_unknown_fields() {
        let out = decode_all(&[b": hi\ndata\ndata:  two\nfoo: bar\ndata: three\n\n"]);
        assert_eq!(out, vec![ev("message", "\n two\nthree")]);
    }

    #[test]
    fn empty_data_buffer_dispatches_nothing() {
        let out = decode_all(&[b"event: x\n\nid: 5\n\ndata:\n\n"]);
        let mut expected = ev("message", "");
        expected.id = "5".into();
        assert_eq!(out, vec![expected]);
    }

    #[test]
    fn bom_stripped_once_even_when_split() {
        let out = decode_all(&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n"]);
        assert_eq!(out, vec![ev("message", "a")]);
    }

    #[test]
    fn id_persists_and_nul_ids_are_ignored() {
        let out =
            decode_all(&[b"id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n"]);
        let ids: Vec<_> = out.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1", "1", "1", ""]);
    }

    #[test]
    fn an_id_takes_effect_when_its_block_ends() {
        let mut dec = SseDecoder::default();
        let mut out = Vec::new();
        dec.feed(b"id: 1\ndata: a\n\nid: 2\n", &mut out).unwrap();
        // The block with id 2 has not ended: resuming from it would skip that event.
        assert_eq!(dec.last_event_id(), "1");
        // A block without data dispatches no event but still sets the id.
        dec.feed(b"\r", &mut out).unwrap();
        assert_eq!(dec.last_event_id(), "2");
        dec.feed(b"\ndata: b\n\n", &mut out).unwrap();
        let ids: Vec<_> = out.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
    }

    #[test]
    fn an_id_in_a_cut_block_never_reaches_the_next_stream() {
        let mut dec = SseDecoder::default();
        let mut out = Vec::new();
        dec.feed(b"id: 1\ndata: a\n\nid: 2\ndata: cut", &mut out)
            .unwrap();
        dec.finish(&mut out).unwrap();
        assert_eq!(dec.last_event_id(), "1");
        // The next stream (a reconnection) starts from the last dispatched id.
        dec.feed(b"data: b\n\nid\ndata: c\n\n", &mut out).unwrap();
        let ids: Vec<_> = out.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1", "1", ""]);
        assert_eq!(dec.last_event_id(), "");
    }

    #[test]
    fn retry_only_when_all_digits_and_only_on_its_block() {
        let mut dec = SseDecoder::default();
        let mut out = Vec::new();
        dec.feed(
            b"retry: 10\ndata: a\n\nretry: 1x\ndata: b\n\nretry:\ndata: c\n\n",
            &mut out,
        )
        .unwrap();
        let retries: Vec<_> = out.iter().map(|e| e.retry).collect();
        assert_eq!(retries, [Some(10), None, None]);
        assert_eq!(dec.retry(), Some(10));
    }

    #[test]
    fn utf8_split_across_feeds_and_invalid_bytes() {
        let text = "data: é世🎉\n\n".as_bytes();
        let pieces: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(decode_all(&pieces), vec![ev("message", "é世🎉")]);
        assert_eq!(
            decode_all(&[b"data: a\xFFb\xE2\x82\n\n"]),
            vec![ev("message", "a\u{FFFD}b\u{FFFD}")]
        );
    }

    #[test]
    fn unterminated_last_block_is_discarded() {
        assert_eq!(
            decode_all(&[b"data: a\n\ndata: b\n"]),
            vec![ev("message", "a")]
        );
        assert_eq!(
            decode_all(&[b"data: a\n\ndata: b"]),
            vec![ev("message", "a")]
        );
    }

    #[test]
    fn over_long_pending_line_is_an_error_with_bounded_memory() {
        let mut dec = SseDecoder::new(16);
        let mut out = Vec::new();
        dec.feed(b"data: 0123456", &mut out).unwrap();
        let err = dec.feed(b"789abcdef", &mut out).unwrap_err();
        assert_eq!(err, SseError::LineTooLong { len: 22, limit: 16 });
        assert!(dec.pending.capacity() == 0);
        assert!(dec.feed(b"\n\n", &mut out).is_err());
    }

    #[test]
    fn over_long_comments_and_unknown_fields_are_skipped_not_refused() {
        let body: &[u8] = b"\xEF\xBB\xBF: a long comment line\r\ndata: a\r\
            \nx-padding: aaaaaaaaaaaaaaaa\rdata: b\n\nsomefieldnamewithoutacolon\n\
            :\n\ndata:c\n\n";
        let expected = vec![ev("message", "a\nb"), ev("message", "c")];
        for piece_len in [1, 2, 3, 7, body.len()] {
            let mut dec = SseDecoder::new(10);
            let mut out = Vec::new();
            for piece in body.chunks(piece_len) {
                dec.feed(piece, &mut out).unwrap();
            }
            dec.finish(&mut out).unwrap();
            assert_eq!(out, expected, "{piece_len}-byte reads");
            assert!(dec.pending.capacity() <= 64);
        }
    }

    #[test]
    fn over_long_known_fields_are_still_refused() {
        for line in [
            &b"data: 0123456789"[..],
            b"event: 0123456789",
            b"id: 0123456789",
            b"retry: 0123456789",
            b"\xEF\xBB\xBFid:0123456789",
        ] {
            for piece_len in [1, 3, line.len()] {
                let mut dec = SseDecoder::new(10);
                let mut out = Vec::new();
                let result: Result<(), SseError> = line
                    .chunks(piece_len)
                    .try_for_each(|p| dec.feed(p, &mut out));
                assert!(
                    matches!(result, Err(SseError::LineTooLong { .. })),
                    "{line:?} in {piece_len}-byte reads"
                );
            }
        }
        // With a tiny limit a name that may still become a field's is refused too.
        let mut dec = SseDecoder::new(2);
        assert!(dec.feed(b"ret", &mut Vec::new()).is_err());
        let mut dec = SseDecoder::new(1);
        assert!(dec.feed(b"\xEF\xBB", &mut Vec::new()).is_err());
        let mut dec = SseDecoder::new(2);
        assert!(dec.feed(b"\xEF\xBB\xBF\n", &mut Vec::new()).is_err());
        // ... but not one that cannot.
        let mut dec = SseDecoder::new(2);
        dec.feed(b"rex\ndata\n\n", &mut Vec::new()).unwrap_err(); // `data` is 4 bytes
        let mut dec = SseDecoder::new(2);
        let mut out = Vec::new();
        dec.feed(b"rex\nid\n\n", &mut out).unwrap();
        assert_eq!(out, vec![]);
    }

    #[test]
    fn long_lines_are_fine_below_the_limit() {
        let big = "x".repeat(100_000);
        let body = format!("data: {big}\n\n");
        let pieces: Vec<&[u8]> = body.as_bytes().chunks(4096).collect();
        assert_eq!(decode_all(&pieces), vec![ev("message", &big)]);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn decode_split(input: &[u8], cuts: &[usize]) -> Result<Vec<Event>, SseError> {
        let mut dec = SseDecoder::new(1 << 20);
        let mut out = Vec::new();
        let mut start = 0;
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        for c in cuts {
            dec.feed(&input[start..c], &mut out)?;
            start = c;
        }
        dec.feed(&input[start..], &mut out)?;
        dec.finish(&mut out)?;
        Ok(out)
    }

    fn sse_like() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"data: ".to_vec()),
            Just(b"data:".to_vec()),
            Just(b"event: e".to_vec()),
            Just(b"id: 7".to_vec()),
            Just(b"id".to_vec()),
            Just(b"\0".to_vec()),
            Just(b"retry: 1x".to_vec()),
            Just(b"retry: 12".to_vec()),
            Just(b": a comment longer than some limits".to_vec()),
            Just(b"x-unknown-field: with a long value".to_vec()),
            Just(b": c".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\r\n".to_vec()),
            Just("é🎉".as_bytes().to_vec()),
            Just(b"\xEF\xBB\xBF".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..4),
            "[a-z ]{0,6}".prop_map(String::into_bytes),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    /// The WHATWG rules read literally over whole streams (no limits): decode with U+FFFD and
    /// one leading BOM dropped, split at CRLF/LF/CR, drop the unterminated tail, then the field
    /// rules and dispatch steps; the last event ID string carries over to the next stream.
    /// Returns the events and the final last event ID and reconnection time.
    fn reference(streams: &[&[u8]]) -> (Vec<Event>, String, Option<u64>) {
        let (mut events, mut last_id, mut retry) = (Vec::new(), String::new(), None);
        for body in streams {
            let text = String::from_utf8_lossy(body);
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            let mut lines: Vec<&str> = text.split('\n').collect();
            lines.pop(); // unterminated (or empty) tail
            let (mut data, mut kind, mut id_buffer) =
                (String::new(), String::new(), last_id.clone());
            let mut block_retry = None;
            for line in lines {
                if line.is_empty() {
                    last_id.clone_from(&id_buffer);
                    if !data.is_empty() {
                        data.pop();
                        events.push(Event {
                            event: if kind.is_empty() {
                                "message".into()
                            } else {
                                kind.clone()
                            },
                            data: std::mem::take(&mut data),
                            id: last_id.clone(),
                            retry: block_retry,
                        });
                    }
                    (data, kind, block_retry) = (String::new(), String::new(), None);
                    continue;
                }
                let (name, value) = match line.split_once(':') {
                    Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
                    None => (line, ""),
                };
                // A comment has the empty name, which no arm matches.
                match name {
                    "data" => {
                        data.push_str(value);
                        data.push('\n');
                    }
                    "event" => kind = value.to_owned(),
                    "id" if !value.contains('\0') => id_buffer = value.to_owned(),
                    "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                        block_retry = Some(value.parse().unwrap_or(u64::MAX));
                        retry = block_retry;
                    }
                    _ => {}
                }
            }
        }
        (events, last_id, retry)
    }

    proptest! {
        #[test]
        fn two_streams_in_a_row_follow_the_whatwg_rules(
            first in sse_like(),
            second in sse_like(),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let mut dec = SseDecoder::default();
            let mut out = Vec::new();
            for body in [&first, &second] {
                let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
                cuts.sort_unstable();
                let mut start = 0;
                for c in cuts.into_iter().chain([body.len()]) {
                    dec.feed(&body[start..c], &mut out).unwrap();
                    start = c;
                }
                dec.finish(&mut out).unwrap();
            }
            let got = (out, dec.last_event_id().to_owned(), dec.retry());
            prop_assert_eq!(got, reference(&[&first, &second]));
        }

        #[test]
        fn any_split_gives_the_same_events(input in sse_like(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            prop_assert_eq!(decode_split(&input, &cuts), decode_split(&input, &[]));
        }

        #[test]
        fn any_split_gives_the_same_outcome_under_a_small_limit(
            input in sse_like(),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
            limit in 8usize..40,
        ) {
            let run = |cuts: &[usize]| {
                let mut dec = SseDecoder::new(limit);
                let mut out = Vec::new();
                let mut start = 0;
                let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
                cuts.sort_unstable();
                let mut error = None;
                for c in cuts.into_iter().chain([input.len()]) {
                    if let Err(e) = dec.feed(&input[start..c], &mut out) {
                        error = Some(std::mem::discriminant(&e));
                        break;
                    }
                    start = c;
                }
                (out, error)
            };
            prop_assert_eq!(run(&cuts), run(&[]));
        }

        #[test]
        fn recycled_events_change_no_later_event(input in sse_like(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            // Every event is handed back once read, as the stream decoder does, so later events
            // are built in reused strings.
            let mut dec = SseDecoder::new(1 << 20);
            let (mut batch, mut seen) = (Vec::new(), Vec::new());
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
            cuts.sort_unstable();
            let mut start = 0;
            for c in cuts.into_iter().chain([input.len()]) {
                dec.feed(&input[start..c], &mut batch).unwrap();
                start = c;
                for event in batch.drain(..) {
                    seen.push(event.clone());
                    dec.recycle(event);
                }
            }
            dec.finish(&mut batch).unwrap();
            prop_assert_eq!(Ok(seen), decode_split(&input, &[]));
        }

        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..512), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            let _ = decode_split(&input, &cuts);
        }
    }
}

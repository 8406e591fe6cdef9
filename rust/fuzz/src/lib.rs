//! Shared pieces of the fuzz targets: the input layout, the chunk-contract checks (re-exported
//! from `ferriscope::providers::contract`) and the provider harness used by the four
//! wire-format targets.
//!
//! Every target reads its input the same way (see [`FuzzInput`]): one control byte, up to seven
//! fuzzer-chosen cut points, then the body. A recorded stream prefixed with `\0` is therefore a
//! valid input fed whole, which is how `seed_corpus.py` seeds the corpora.

use std::collections::HashSet;

use ferriscope::chunk::{Chunk, DecodeOptions};
use ferriscope::partial_json::{Abort, Input, PartialJsonParser, Sink};
pub use ferriscope::providers::decode_pieces;
use ferriscope::providers::WireFormat;
use ferriscope::sse::SseDecoder;

/// The decoded fuzz input.
#[derive(Debug)]
pub struct FuzzInput<'a> {
    /// Bits 0-2 give the number of cuts; bits 3-7 are for the target (options, modes).
    pub control: u8,
    /// Cut points into `body`: sorted, each in `0..=body.len()`.
    pub cuts: Vec<usize>,
    pub body: &'a [u8],
}

impl<'a> FuzzInput<'a> {
    /// `[control][cut: u16 LE] * (control & 7)][body]`; cuts are taken modulo `body.len() + 1`.
    /// Short inputs simply have fewer cuts.
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let (&control, mut rest) = data.split_first()?;
        let mut raw_cuts = Vec::new();
        for _ in 0..(control & 7) {
            if rest.len() < 2 {
                break;
            }
            raw_cuts.push(usize::from(u16::from_le_bytes([rest[0], rest[1]])));
            rest = &rest[2..];
        }
        let body = rest;
        let mut cuts: Vec<usize> = raw_cuts.iter().map(|c| c % (body.len() + 1)).collect();
        cuts.sort_unstable();
        Some(Self {
            control,
            cuts,
            body,
        })
    }

    /// Whether control bit `bit` (3..=7) is set.
    pub fn flag(&self, bit: u8) -> bool {
        self.control & (1 << bit) != 0
    }
}

/// Splits `body` at `cuts` (sorted, in range): the pieces of one simulated network read each.
pub fn pieces<'b>(body: &'b [u8], cuts: &[usize]) -> Vec<&'b [u8]> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &cut in cuts {
        let cut = cut.clamp(start, body.len());
        out.push(&body[start..cut]);
        start = cut;
    }
    out.push(&body[start..]);
    out
}

// ---------------------------------------------------------------------------------------------
// The chunk contract (docs/spec.md §4): `ferriscope::providers::contract`, the one copy.
// ---------------------------------------------------------------------------------------------

pub use ferriscope::providers::contract::{check as check_contract, fold, Folded};

// ---------------------------------------------------------------------------------------------
// The provider harness.
// ---------------------------------------------------------------------------------------------

/// Control bit: decode with `include_thoughts`.
pub const BIT_THOUGHTS: u8 = 3;
/// Control bit: the structure-aware variant (every body line becomes one `data:` event).
pub const BIT_EVENTS: u8 = 4;
/// Control bit (structure-aware variant only): a line `NAME\tJSON` becomes
/// `event: NAME\ndata: JSON`, so named events are reached too.
pub const BIT_NAMED: u8 = 5;

/// The structure-aware variant: each line of the fuzzer's bytes is the data of one SSE event.
/// Lines are split on LF; a CR (which would end the SSE line) is dropped.
pub fn wrap_events(body: &[u8], named: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    for line in body.split(|&b| b == b'\n') {
        let line: Vec<u8> = line.iter().copied().filter(|&b| b != b'\r').collect();
        let (name, data) = match line.iter().position(|&b| b == b'\t') {
            Some(tab) if named => (Some(&line[..tab]), &line[tab + 1..]),
            _ => (None, &line[..]),
        };
        if let Some(name) = name {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name);
            out.push(b'\n');
        }
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\n\n");
    }
    out
}

/// `chunks` without raw events and with error messages blanked: what must not depend on
/// `raw_events`. (With raw events the event JSON is parsed as a `Value` first, so for invalid
/// data serde may name a different first problem; the error and its class must not change.)
fn without_raw_events(chunks: &[Chunk]) -> Vec<Chunk> {
    chunks
        .iter()
        .filter(|c| !matches!(c, Chunk::RawEvent(_)))
        .map(|c| match c {
            Chunk::Error(e) => {
                let mut e = e.clone();
                e.message.clear();
                Chunk::Error(e)
            }
            other => other.clone(),
        })
        .collect()
}

/// The provider targets: arbitrary bytes (or, with `BIT_EVENTS`, fuzzer lines wrapped as SSE
/// events) must decode without panicking to a stream that keeps the contract, the same for any
/// split, and `raw_events` may only add raw event chunks (unless an event's JSON has a repeated
/// key or an out-of-range number: see [`some_event_is_not_value_shaped`]).
pub fn check_provider(format: WireFormat, data: &[u8]) {
    let Some(input) = FuzzInput::parse(data) else {
        return;
    };
    let wrapped;
    let body: &[u8] = if input.flag(BIT_EVENTS) {
        wrapped = wrap_events(input.body, input.flag(BIT_NAMED));
        &wrapped
    } else {
        input.body
    };
    let cuts: Vec<usize> = if input.flag(BIT_EVENTS) {
        // The cuts index the fuzzer's bytes; scale them onto the wrapped body.
        input
            .cuts
            .iter()
            .map(|&c| c * body.len() / input.body.len().max(1))
            .collect()
    } else {
        input.cuts.clone()
    };
    let options = DecodeOptions {
        include_thoughts: input.flag(BIT_THOUGHTS),
        raw_events: false,
    };
    let whole = decode_pieces(format, options, &[body]);
    if let Err(e) = check_contract(format, options, &whole) {
        panic!("contract violated: {e}\nchunks: {whole:#?}");
    }
    let split = decode_pieces(format, options, &pieces(body, &cuts));
    assert_eq!(split, whole, "split at {cuts:?} differs from whole");

    let raw_options = DecodeOptions {
        raw_events: true,
        ..options
    };
    let raw = decode_pieces(format, raw_options, &pieces(body, &cuts));
    if let Err(e) = check_contract(format, raw_options, &raw) {
        panic!("contract violated with raw_events: {e}\nchunks: {raw:#?}");
    }
    let (raw, whole) = (without_raw_events(&raw), without_raw_events(&whole));
    if raw != whole && !some_event_is_not_value_shaped(body) {
        assert_eq!(raw, whole, "raw_events changes the other chunks");
    }
}

/// The Chat Completions target's extra check: the skim (the decoder's fast path for
/// `chat.completion.chunk` payloads) reads every payload exactly as serde does, or leaves it to
/// serde (`openai_completions::check_skim`), and so does its reader of the common `choices`
/// shapes on a `choices` value (`openai_completions::check_choices`). Run on the data of every
/// SSE event of the input as the provider harness frames it, and on the whole body as one
/// payload and as one `choices` value, so that mutated JSON reaches both without SSE framing
/// in the way.
pub fn check_completions_skim(data: &[u8]) {
    use ferriscope::providers::openai_completions::{check_choices, check_skim};
    let Some(input) = FuzzInput::parse(data) else {
        return;
    };
    let whole = String::from_utf8_lossy(input.body);
    if let Err(e) = check_skim(&whole).and_then(|()| check_choices(&whole)) {
        panic!("{e}");
    }
    let body = if input.flag(BIT_EVENTS) {
        wrap_events(input.body, input.flag(BIT_NAMED))
    } else {
        input.body.to_vec()
    };
    let mut events = Vec::new();
    let _ = SseDecoder::default().feed(&body, &mut events);
    for event in &events {
        if let Err(e) = check_skim(&event.data).and_then(|()| check_choices(&event.data)) {
            panic!("{e}");
        }
    }
}

/// Whether the data of some SSE event of `body` is JSON that `serde_json::Value` cannot hold
/// as written: an object that repeats a key, a number outside the `f64` range, or a string with
/// a lone surrogate escape (`\ud800`).
///
/// Such events are the known ways `raw_events` changes what a decoder emits, by design of
/// serde rather than of the decoders. The typed path (`raw_events` off) reads the event into a
/// struct: it refuses a repeated known field (`duplicate field`) and skips an unknown field's
/// number without converting it. The raw path reads a `serde_json::Value` first, whose map
/// keeps the last of repeated keys (as `json.loads` does) and which refuses `1e400` (`number
/// out of range`; `json.loads` reads `inf`). A skipped string is not decoded either, so a lone
/// surrogate escape in it passes the typed path and the `Value` refuses it (`json.loads` keeps
/// it). RFC 8259 leaves all three undefined and no provider sends them.
pub fn some_event_is_not_value_shaped(body: &[u8]) -> bool {
    let mut sse = SseDecoder::default();
    let mut events = Vec::new();
    let _ = sse.feed(body, &mut events);
    events.iter().any(|event| {
        let mut sink = NotValueShaped::default();
        let mut parser = PartialJsonParser::default().ignore_trailing(true);
        let _ = parser.feed(event.data.as_bytes(), Input::Bytes, &mut sink);
        let _ = parser.finish(&mut sink);
        sink.found || skipped_but_not_a_value(&event.data)
    })
}

/// JSON serde steps over without complaint (`IgnoredAny`) but does not read into a `Value`.
fn skipped_but_not_a_value(data: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(data).is_ok()
        && serde_json::from_str::<serde_json::Value>(data).is_err()
}

/// A `Sink` that only notes a repeated key or a number outside the `f64` range.
#[derive(Default)]
struct NotValueShaped {
    keys: Vec<Option<HashSet<Vec<u8>>>>,
    found: bool,
}

impl Sink for NotValueShaped {
    fn begin_object(&mut self) -> Result<(), Abort> {
        self.keys.push(Some(HashSet::new()));
        Ok(())
    }
    fn begin_array(&mut self) -> Result<(), Abort> {
        self.keys.push(None);
        Ok(())
    }
    fn end_object(&mut self) -> Result<(), Abort> {
        self.keys.pop();
        Ok(())
    }
    fn end_array(&mut self) -> Result<(), Abort> {
        self.keys.pop();
        Ok(())
    }
    fn key(&mut self, key: &[u8]) -> Result<(), Abort> {
        if let Some(Some(keys)) = self.keys.last_mut() {
            self.found |= !keys.insert(key.to_vec());
        }
        Ok(())
    }
    fn begin_string(&mut self) -> Result<(), Abort> {
        Ok(())
    }
    fn string(&mut self, _: &[u8]) -> Result<(), Abort> {
        Ok(())
    }
    fn number(&mut self, raw: &str, _: bool) -> Result<(), Abort> {
        self.found |= !raw.parse::<f64>().is_ok_and(f64::is_finite);
        Ok(())
    }
    fn boolean(&mut self, _: bool) -> Result<(), Abort> {
        Ok(())
    }
    fn null(&mut self) -> Result<(), Abort> {
        Ok(())
    }
}

//! `PartialJsonParser` with the `ValueBuilder` sink, on arbitrary bytes:
//!
//! - never panics, and `parser.depth()` never exceeds `max_depth`;
//! - a split (the fuzzer's cuts plus sampled prefix points: every byte up to 256 bytes) gives
//!   the result of the whole feed (the same value, or an error of the same kind at the same
//!   offset), and so does `Input::Text` for UTF-8 input cut on character boundaries;
//! - differential against `serde_json`: whatever serde accepts we accept with an equal value
//!   (or refuse as `TooDeep` exactly when it nests deeper than `max_depth`); whatever we accept
//!   that serde refuses is one of the documented differences (a lone surrogate escape, which we
//!   keep like `json.loads`; a leading UTF-8 BOM; serde's own recursion limit of 128);
//! - every prefix's partial value is consistent: a shown value never disappears and only grows
//!   (scalars never change, strings only get longer, containers only get more items), it is a
//!   partial of the final value, and equals it once the parser says the value is complete. A
//!   document that repeats an object key is exempt from the point where it does (the later
//!   value replaces the earlier one, as `json.loads` does), and its partial values are not
//!   compared with the final value;
//! - `parse_partial` of a complete container or string document is that value.
//!
//! Control byte (see `ferriscope_fuzz::FuzzInput`): bits 5-7 choose `max_depth` from
//! `DEPTHS`.
#![no_main]

use std::collections::HashSet;

use ferriscope::partial_json::{
    parse_partial, Abort, ErrorKind, Input, ParseError, PartialJsonParser, Sink, ValueBuilder,
    DEFAULT_MAX_DEPTH,
};
use ferriscope_fuzz::{pieces, FuzzInput};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const DEPTHS: [usize; 8] = [DEFAULT_MAX_DEPTH, 1, 2, 3, 4, 8, 32, 200];
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `ValueBuilder` plus a record of whether an object repeated a key.
#[derive(Default)]
struct Tracking {
    builder: ValueBuilder,
    keys: Vec<Option<HashSet<Vec<u8>>>>,
    duplicate_key: bool,
}

impl Sink for Tracking {
    fn begin_object(&mut self) -> Result<(), Abort> {
        self.keys.push(Some(HashSet::new()));
        self.builder.begin_object()
    }
    fn begin_array(&mut self) -> Result<(), Abort> {
        self.keys.push(None);
        self.builder.begin_array()
    }
    fn end_object(&mut self) -> Result<(), Abort> {
        self.keys.pop();
        self.builder.end_object()
    }
    fn end_array(&mut self) -> Result<(), Abort> {
        self.keys.pop();
        self.builder.end_array()
    }
    fn key(&mut self, key: &[u8]) -> Result<(), Abort> {
        if let Some(Some(keys)) = self.keys.last_mut() {
            if !keys.insert(key.to_vec()) {
                self.duplicate_key = true;
            }
        }
        self.builder.key(key)
    }
    fn begin_string(&mut self) -> Result<(), Abort> {
        self.builder.begin_string()
    }
    fn string(&mut self, value: &[u8]) -> Result<(), Abort> {
        self.builder.string(value)
    }
    fn number(&mut self, raw: &str, is_int: bool) -> Result<(), Abort> {
        self.builder.number(raw, is_int)
    }
    fn boolean(&mut self, value: bool) -> Result<(), Abort> {
        self.builder.boolean(value)
    }
    fn null(&mut self) -> Result<(), Abort> {
        self.builder.null()
    }
}

/// The result of a parse, comparable across splits: the value, or the error's kind (its
/// variant: the character an error message shows can differ when a multi-byte character is
/// cut by a feed boundary) and offset.
#[derive(Debug, PartialEq)]
enum Outcome {
    Value(Value),
    Error(std::mem::Discriminant<ErrorKind>, u64),
}

fn outcome(result: Result<Value, ParseError>) -> Outcome {
    match result {
        Ok(v) => Outcome::Value(v),
        Err(e) => Outcome::Error(std::mem::discriminant(&e.kind), e.offset),
    }
}

fn parse_pieces(
    body: &[u8],
    cuts: &[usize],
    kind: Input,
    max_depth: usize,
) -> Result<Value, ParseError> {
    let mut parser = PartialJsonParser::new(max_depth);
    let mut builder = ValueBuilder::new();
    for piece in pieces(body, cuts) {
        parser.feed(piece, kind, &mut builder)?;
        assert!(parser.depth() <= max_depth);
    }
    parser.finish(&mut builder)?;
    Ok(builder.into_value().unwrap_or(Value::Null))
}

/// Nesting depth of a value (a scalar is 0).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether partial value `a` can grow into `b` (as in rust/partial_json/tests.rs): equal,
/// except that the last element/member may itself be a partial of the corresponding one and a
/// string may be a prefix.
fn grows_into(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => y.starts_with(x.as_str()),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() <= ys.len()
                && xs.split_last().is_none_or(|(last, init)| {
                    init == &ys[..init.len()] && grows_into(last, &ys[init.len()])
                })
        }
        (Value::Object(xm), Value::Object(ym)) => {
            let xs: Vec<_> = xm.iter().collect();
            let ys: Vec<_> = ym.iter().collect();
            xs.len() <= ys.len()
                && xs.split_last().is_none_or(|(last, init)| {
                    init == &ys[..init.len()]
                        && last.0 == ys[init.len()].0
                        && grows_into(last.1, ys[init.len()].1)
                })
        }
        _ => a == b,
    }
}

/// Any `\uXXXX` escape of a surrogate (conservative: pairs count too).
fn has_surrogate_escape(doc: &[u8]) -> bool {
    doc.windows(6).any(|w| {
        w[0] == b'\\'
            && w[1] == b'u'
            && std::str::from_utf8(&w[2..])
                .ok()
                .and_then(|h| u16::from_str_radix(h, 16).ok())
                .is_some_and(|u| (0xD800..0xE000).contains(&u))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = FuzzInput::parse(data) else {
        return;
    };
    let body = input.body;
    let max_depth = DEPTHS[usize::from(input.control >> 5)];

    // Whole.
    let whole = parse_pieces(body, &[], Input::Bytes, max_depth);
    // Whether the document repeats an object key anywhere: then an earlier partial value may
    // show the replaced value, which is not a partial of the final one.
    let repeats_a_key = {
        let mut parser = PartialJsonParser::new(max_depth);
        let mut sink = Tracking::default();
        let _ = parser.feed(body, Input::Bytes, &mut sink);
        sink.duplicate_key
    };
    if let Err(e) = &whole {
        assert!(
            e.offset <= body.len() as u64,
            "error offset past the input: {e}"
        );
    }

    // Differential against serde_json.
    let theirs = serde_json::from_slice::<Value>(body);
    match (&theirs, &whole) {
        (Ok(v), Ok(ours)) => {
            assert!(
                depth(v) <= max_depth,
                "accepted nesting deeper than {max_depth}"
            );
            assert_eq!(ours, v, "value differs from serde_json");
        }
        (Ok(v), Err(e)) => assert!(
            depth(v) > max_depth && matches!(e.kind, ErrorKind::TooDeep(_)),
            "rejected what serde_json accepts: {e}"
        ),
        (Err(se), Ok(ours)) => {
            assert!(depth(ours) <= max_depth);
            assert!(
                has_surrogate_escape(body)
                    || body.starts_with(BOM)
                    || se.to_string().contains("recursion limit"),
                "accepted what serde_json rejects ({se}): {ours}"
            );
        }
        (Err(_), Err(_)) => {}
    }
    if let Ok(v @ (Value::Array(_) | Value::Object(_) | Value::String(_))) = &whole {
        if max_depth == DEFAULT_MAX_DEPTH {
            assert_eq!(
                parse_partial(body).ok().flatten().as_ref(),
                Some(v),
                "parse_partial"
            );
        }
    } else if max_depth == DEFAULT_MAX_DEPTH {
        let _ = parse_partial(body);
    }

    // Text input on character boundaries gives the same result (no BOM skipping for text).
    if let Ok(text) = std::str::from_utf8(body) {
        if !body.starts_with(BOM) {
            let cuts: Vec<usize> = input
                .cuts
                .iter()
                .map(|&c| {
                    (0..=c)
                        .rev()
                        .find(|&c| text.is_char_boundary(c))
                        .unwrap_or(0)
                })
                .collect();
            assert_eq!(
                outcome(parse_pieces(body, &cuts, Input::Text, max_depth)),
                outcome(whole.clone()),
                "text input differs"
            );
        }
    }

    // Split at the fuzzer's cuts and at sampled prefix points, checking every partial value.
    let mut cuts = input.cuts.clone();
    let stride = if body.len() <= 256 {
        1
    } else {
        body.len() / 128 + 1
    };
    cuts.extend((1..body.len()).step_by(stride));
    cuts.sort_unstable();
    cuts.dedup();
    let final_value = whole.as_ref().ok().filter(|_| !repeats_a_key);
    let mut parser = PartialJsonParser::new(max_depth);
    let mut sink = Tracking::default();
    let mut previous: Option<Value> = None;
    let mut split_result = None;
    for piece in pieces(body, &cuts) {
        if let Err(e) = parser.feed(piece, Input::Bytes, &mut sink) {
            // Errors are sticky.
            assert_eq!(parser.feed(b" ", Input::Bytes, &mut sink), Err(e.clone()));
            assert_eq!(parser.finish(&mut sink), Err(e.clone()));
            split_result = Some(Err(e));
            break;
        }
        assert!(parser.depth() <= max_depth);
        if sink.duplicate_key {
            continue;
        }
        let now = sink.builder.snapshot(parser.open_string());
        if let Some(prev) = &previous {
            let now = now.as_ref().expect("a shown value never disappears");
            assert!(grows_into(prev, now), "partial {prev} then {now}");
        }
        if let (Some(now), Some(full)) = (&now, final_value) {
            assert!(
                grows_into(now, full),
                "partial {now} is not a partial of {full}"
            );
            if parser.is_complete() {
                assert_eq!(now, full, "complete but not the final value");
            }
        }
        previous = now;
    }
    let split_result = match split_result {
        Some(result) => result,
        None => parser
            .finish(&mut sink)
            .map(|()| sink.builder.into_value().unwrap_or(Value::Null)),
    };
    assert_eq!(
        outcome(split_result),
        outcome(whole),
        "split at {cuts:?} differs from whole"
    );
});

//! Property tests: split invariance, prefix monotonicity, no panics on arbitrary bytes, and
//! differential checks against `serde_json` (on generated valid documents and on token soup).

use std::fmt::Write as _;

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-1e6..1e6f64).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z\"\\\\/\n\té😀\u{7f}\u{1}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zé😀\"]{0,4}", inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A tiny deterministic generator, so one proptest seed drives all formatting choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
    fn whitespace(&mut self, out: &mut String) {
        while self.chance(3) {
            out.push([' ', '\t', '\n', '\r'][(self.next() % 4) as usize]);
        }
    }
}

/// Serialises with random whitespace and random `\uXXXX` escapes (pairs for astral characters),
/// which `serde_json::to_string` never produces.
fn write_json(value: &Value, rng: &mut Rng, out: &mut String) {
    rng.whitespace(out);
    match value {
        Value::Array(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_json(item, rng, out);
            }
            rng.whitespace(out);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (k, (key, item)) in map.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                rng.whitespace(out);
                write_string(key, rng, out);
                rng.whitespace(out);
                out.push(':');
                write_json(item, rng, out);
            }
            rng.whitespace(out);
            out.push('}');
        }
        Value::String(s) => write_string(s, rng, out),
        other => out.push_str(&other.to_string()),
    }
    rng.whitespace(out);
}

fn write_string(s: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 || rng.chance(4) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    if rng.chance(2) {
                        write!(out, "\\u{unit:04x}").unwrap();
                    } else {
                        write!(out, "\\u{unit:04X}").unwrap();
                    }
                }
            }
            '/' if rng.chance(2) => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Feeds `doc` cut at `cuts` (sorted, deduplicated by the caller) and finishes.
fn parse_split(doc: &[u8], cuts: &[usize], kind: Input) -> Result<Value, ParseError> {
    let mut parser = PartialJsonParser::new(DEFAULT_MAX_DEPTH);
    let mut builder = ValueBuilder::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&doc.len())) {
        let cut = cut.clamp(start, doc.len());
        parser.feed(&doc[start..cut], kind, &mut builder)?;
        start = cut;
    }
    parser.finish(&mut builder)?;
    Ok(builder.into_value().unwrap_or(Value::Null))
}

/// Cut points of `doc` on character boundaries (for text input).
fn char_cuts(doc: &str, cuts: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = cuts
        .iter()
        .map(|&c| {
            let mut c = c % (doc.len() + 1);
            while !doc.is_char_boundary(c) {
                c -= 1;
            }
            c
        })
        .collect();
    out.sort_unstable();
    out
}

/// Whether partial value `a` can grow into `b`: equal, except that the last element/member may
/// itself be a partial of the corresponding one and a string may be a prefix.
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

/// Feeds `doc` one piece at a time and checks every partial value against the previous one and
/// the final one.
fn check_prefixes(doc: &[u8], piece: usize, kind: Input, full: &Value) {
    let mut parser = PartialJsonParser::new(DEFAULT_MAX_DEPTH);
    let mut builder = ValueBuilder::new();
    let mut previous: Option<Value> = None;
    for chunk in doc.chunks(piece.max(1)) {
        parser.feed(chunk, kind, &mut builder).unwrap();
        let now = builder.snapshot(parser.open_string());
        if let Some(prev) = &previous {
            let now = now.as_ref().expect("a shown value never disappears");
            assert!(grows_into(prev, now), "{prev} then {now}");
        }
        if let Some(now) = &now {
            assert!(grows_into(now, full), "{now} is not a partial of {full}");
        }
        if parser.is_complete() {
            assert_eq!(now.as_ref(), Some(full));
        }
        previous = now;
    }
    parser.finish(&mut builder).unwrap();
    assert_eq!(builder.value(), Some(full));
}

/// JSON-ish fragments: random sequences of these hit most parser states and error paths.
const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\"a\"", "\\", "\\u", "d83d", "de00", "d800",
    "00e9", "\\n", "\\x", "0", "1", "-", ".", "e", "E", "+", "12", "true", "fals", "e", "null",
    "nul", "é", "😀", "\u{1}", "\u{7f}", "\"k\":", "0.5", "1e400", "-0", "NaN", "tr", "ue", "x",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.concat())
}

/// Lone surrogate escapes are the one deliberate difference from `serde_json` (which rejects
/// them; `json.loads` keeps them).
fn has_lone_surrogate_escape(doc: &str) -> bool {
    let units: Vec<u16> = doc
        .match_indices("\\u")
        .filter_map(|(i, _)| doc.get(i + 2..i + 6))
        .filter_map(|h| u16::from_str_radix(h, 16).ok())
        .collect();
    units.iter().any(|u| (0xD800..0xE000).contains(u))
}

proptest! {
    // PROPTEST_CASES=100000 turns these into a longer fuzz run.
    #![proptest_config(ProptestConfig {
        // Failures are reported with their minimal input; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_split_matches_serde_json(
        value in arb_value(),
        seed in 1..u64::MAX,
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut doc = String::new();
        write_json(&value, &mut Rng(seed), &mut doc);
        let expected: Value = serde_json::from_str(&doc).unwrap();
        prop_assert_eq!(&expected, &value);
        // Byte input may be cut anywhere, even inside a code point.
        let mut byte_cuts: Vec<usize> = cuts.iter().map(|c| c % (doc.len() + 1)).collect();
        byte_cuts.sort_unstable();
        prop_assert_eq!(&parse_split(doc.as_bytes(), &byte_cuts, Input::Bytes).unwrap(), &expected);
        let text_cuts = char_cuts(&doc, &cuts);
        prop_assert_eq!(&parse_split(doc.as_bytes(), &text_cuts, Input::Text).unwrap(), &expected);
        prop_assert_eq!(&parse(doc.as_bytes()).unwrap(), &expected);
    }

    #[test]
    fn compact_serde_output_matches(value in arb_value()) {
        for doc in [serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()] {
            prop_assert_eq!(&parse(doc.as_bytes()).unwrap(), &value);
        }
    }

    #[test]
    fn every_prefix_is_consistent(value in arb_value(), seed in 1..u64::MAX, piece in 1..4usize) {
        let mut doc = String::new();
        write_json(&value, &mut Rng(seed), &mut doc);
        check_prefixes(doc.as_bytes(), piece, Input::Bytes, &value);
        // Text pieces: whole characters.
        let mut parser = PartialJsonParser::new(DEFAULT_MAX_DEPTH);
        let mut builder = ValueBuilder::new();
        let mut previous: Option<Value> = None;
        for (i, c) in doc.char_indices() {
            parser.feed(&doc.as_bytes()[i..i + c.len_utf8()], Input::Text, &mut builder).unwrap();
            let now = builder.snapshot(parser.open_string());
            if let (Some(prev), Some(now)) = (&previous, &now) {
                prop_assert!(grows_into(prev, now));
            }
            previous = now;
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        doc in prop::collection::vec(any::<u8>(), 0..64),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        text in any::<bool>(),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (doc.len() + 1)).collect();
        cuts.sort_unstable();
        let kind = if text { Input::Text } else { Input::Bytes };
        let mut parser = PartialJsonParser::new(4);
        let mut builder = ValueBuilder::new();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&doc.len())) {
            let _ = parser.feed(&doc[start..cut], kind, &mut builder);
            let _ = builder.snapshot(parser.open_string());
            start = cut;
        }
        let _ = parser.finish(&mut builder);
    }

    #[test]
    fn token_soup_agrees_with_serde_json(doc in token_soup(), cut in any::<usize>()) {
        let theirs = serde_json::from_str::<Value>(&doc);
        let cut = char_cuts(&doc, &[cut]);
        let ours = parse_split(doc.as_bytes(), &cut, Input::Bytes);
        match (&theirs, &ours) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            (Err(_), Ok(_)) => prop_assert!(has_lone_surrogate_escape(&doc), "we accept {doc:?}"),
            (Ok(_), Err(e)) => prop_assert!(false, "we reject {doc:?}: {e}"),
        }
        // Whatever the verdict, every prefix either errors or gives a partial value that
        // grows into the next one.
        let mut parser = PartialJsonParser::new(DEFAULT_MAX_DEPTH);
        let mut builder = ValueBuilder::new();
        let mut previous: Option<Value> = None;
        for b in doc.as_bytes().chunks(1) {
            if parser.feed(b, Input::Bytes, &mut builder).is_err() {
                break;
            }
            let now = builder.snapshot(parser.open_string());
            if let Some(prev) = &previous {
                prop_assert!(now.as_ref().is_some_and(|now| grows_into(prev, now)));
            }
            previous = now;
        }
    }
}

#[test]
fn serde_agrees_on_edge_numbers() {
    for doc in [
        "-0",
        "-0.0",
        "0e0",
        "1E+2",
        "1e-400",
        "18446744073709551615",
        "-9223372036854775808",
        "123456789012345678901234567890",
        "0.1e1",
        "2.2250738585072011e-308",
        "9007199254740993",
    ] {
        let ours = parse(doc.as_bytes()).unwrap();
        let theirs: Value = serde_json::from_str(doc).unwrap();
        assert_eq!(ours, theirs, "{doc}");
    }
    assert!(parse(b"1e400").is_err());
}

#[test]
fn partial_values_follow_the_semantics() {
    let cases: &[(&str, Option<&str>)] = &[
        ("", None),
        ("  ", None),
        ("[", Some("[]")),
        ("{", Some("{}")),
        ("\"ab", Some("\"ab\"")),
        ("\"ab\\", Some("\"ab\"")),
        ("\"ab\\u00", Some("\"ab\"")),
        ("\"ab\\ud83d", Some("\"ab\"")),
        ("\"ab\\ud83d\\ude00", Some("\"ab😀\"")),
        ("12", None),
        ("12 ", Some("12")),
        ("tru", None),
        ("true", Some("true")),
        ("[tru", Some("[]")),
        ("[true", Some("[true]")),
        ("{\"a\": fals", Some("{}")),
        ("{\"a\": false", Some("{\"a\": false}")),
        ("[true,", Some("[true]")),
        ("[1, 2", Some("[1]")),
        ("[1, 2]", Some("[1, 2]")),
        ("[-", Some("[]")),
        ("[1.", Some("[]")),
        ("[1.5e", Some("[]")),
        ("{\"a", Some("{}")),
        ("{\"a\"", Some("{}")),
        ("{\"a\":", Some("{}")),
        ("{\"a\": 1", Some("{}")),
        ("{\"a\": 1}", Some("{\"a\": 1}")),
        ("{\"a\": \"", Some("{\"a\": \"\"}")),
        ("{\"a\": \"x", Some("{\"a\": \"x\"}")),
        ("{\"a\": [", Some("{\"a\": []}")),
        (
            "{\"a\": {\"b\": [1, {\"c\": \"d",
            Some("{\"a\": {\"b\": [1, {\"c\": \"d\"}]}}"),
        ),
        ("{\"a\": 1, \"b", Some("{\"a\": 1}")),
        ("{\"a\": nul", Some("{}")),
        ("{\"a\": null", Some("{\"a\": null}")),
        ("[[], [[]], {}", Some("[[], [[]], {}]")),
        ("{\"a\": 1, \"a\": [2", Some("{\"a\": []}")),
        (
            "{\"a\": 1, \"b\": 2, \"a\": \"z",
            Some("{\"a\": \"z\", \"b\": 2}"),
        ),
        ("[1] tail", Some("[1]")),
    ];
    for (prefix, expected) in cases {
        let got = parse_partial(prefix.as_bytes()).unwrap();
        let expected = expected.map(|e| serde_json::from_str::<Value>(e).unwrap());
        assert_eq!(got, expected, "{prefix:?}");
        if let (Some(got), Some(expected)) = (&got, &expected) {
            // The key order of duplicates is the first occurrence's.
            assert_eq!(got.to_string(), expected.to_string(), "{prefix:?}");
        }
    }
}

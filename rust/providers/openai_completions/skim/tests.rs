//! The skim against serde: each reason to fall back, the payloads it must read itself, and
//! properties over generated and damaged payloads (the skim reads a payload only as serde
//! would, and a decoder with the skim emits exactly the chunks of one without it).

use proptest::prelude::*;
use serde_json::Value;

use super::super::{Decoder, EventDecoder};
use super::*;
use crate::chunk::{Chunk, DecodeOptions};
use crate::providers::test_support::{recorded_cases, PLAIN, THOUGHTS};
use crate::providers::ResponseIdentity;
use crate::sse::{Event, SseDecoder};
use std::borrow::Cow;
use std::fmt::Write;

/// A chunk as the live API sends it (`ferriscope.testing.synth`'s realistic envelope).
const LIVE: &str = r#"{"id":"chatcmpl-0UAqFzWsDK4FrUMp48Y3tT3QDgAL4","object":"chat.completion.chunk","created":1766579363,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_7d4c80b6da","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"gIRHYH7LKBKxJsl"}"#;

/// The data events of an SSE body.
fn data_events(body: &str) -> Vec<Event> {
    let mut events = Vec::new();
    SseDecoder::default()
        .feed(body.as_bytes(), &mut events)
        .unwrap();
    events
}

fn message(data: &str) -> Event {
    Event {
        event: "message".to_owned(),
        data: data.to_owned(),
        id: String::new(),
        retry: None,
    }
}

/// The chunks and identity a decoder gives for `events`, then the end of the body.
fn run(mut decoder: Decoder, events: &[Event]) -> (Vec<Chunk>, ResponseIdentity) {
    let (mut out, mut identity) = (Vec::new(), ResponseIdentity::default());
    for event in events {
        decoder.event(event, &mut identity, &mut out);
    }
    decoder.eof(&mut out);
    (out, identity)
}

/// The skim agrees with serde on `data`, alone and as the events of a stream.
fn same(options: DecodeOptions, payloads: &[&str]) -> Result<(), TestCaseError> {
    for data in payloads {
        check_skim(data).map_err(TestCaseError::fail)?;
    }
    let events: Vec<Event> = payloads.iter().map(|d| message(d)).collect();
    let skimmed = run(Decoder::new(options), &events);
    let serde = run(Decoder::without_skim(options), &events);
    prop_assert_eq!(skimmed, serde);
    Ok(())
}

fn assert_same(payloads: &[&str]) {
    for options in [PLAIN, THOUGHTS] {
        same(options, payloads).unwrap();
    }
}

#[test]
fn the_live_shape_is_skimmed_and_read_as_serde_reads_it() {
    let skimmed = skim(LIVE).expect("the live chunk is skimmed");
    let serde: Payload = serde_json::from_str(LIVE).unwrap();
    assert_eq!(skimmed.payload, serde);
    assert_eq!(
        skimmed.identity,
        Some((
            Some("chatcmpl-0UAqFzWsDK4FrUMp48Y3tT3QDgAL4"),
            Some("gpt-4o-2024-08-06")
        ))
    );
    assert_eq!(
        skimmed.payload.object.as_deref(),
        Some("chat.completion.chunk")
    );
    assert_same(&[LIVE]);
}

#[test]
fn simple_shapes_are_skimmed() {
    for data in [
        "{}",
        " \t\r\n{ } \n",
        r#"{"choices":[]}"#,
        r#"{"choices":null,"usage":null,"error":null,"object":null}"#,
        r#"{ "choices" : [ { "index" : 1 } , { "delta" : { "content" : "a" } } ] , "x" : -0.5e+7 }"#,
        "{\"a\":\"é😀\u{7f}\",\"a\":true,\"b\":false,\"c\":null,\"d\":0,\"e\":-12.25E-3,\"f\":\"\"}",
        r#"{"id":null,"model":true}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"x\":1}"}}]}}]}"#,
    ] {
        assert!(skim(data).is_some(), "not skimmed: {data}");
        assert_same(&[data]);
    }
}

#[test]
fn unusual_payloads_fall_back_to_serde() {
    let deep_choices = format!(
        r#"{{"choices":[{{"index":0,"x":{}1{}}}]}}"#,
        "[".repeat(NESTING_SURE),
        "]".repeat(NESTING_SURE)
    );
    let too_deep = format!(
        r#"{{"choices":[{{"index":0,"x":{}1{}}}]}}"#,
        "[".repeat(125),
        "]".repeat(125)
    );
    for data in [
        // An escape in a skipped or compared string, or in a key.
        r#"{"id":"a\"b","choices":[]}"#,
        r#"{"system_fingerprint":"fp_\u0041","choices":[]}"#,
        r#"{"choi\u0063es":[]}"#,
        r#"{"object":"chat.completion.chunk\n"}"#,
        // A raw control character in a string (refused by JSON).
        "{\"obfuscation\":\"a\tb\"}",
        "{\"obfu\u{1}\":1}",
        // Nested values outside `choices`.
        r#"{"prompt_filter_results":[{"prompt_index":0}],"choices":[]}"#,
        r#"{"x":{},"choices":[]}"#,
        // Non-null usage or error, `object` of another type.
        r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#,
        r#"{"error":{"message":"boom","code":500}}"#,
        r#"{"error":"boom"}"#,
        r#"{"object":1}"#,
        r#"{"object":true}"#,
        r#"{"usage":false}"#,
        // Repeated fields the decoder reads.
        r#"{"choices":[],"choices":[]}"#,
        r#"{"usage":null,"usage":null}"#,
        r#"{"error":null,"error":null}"#,
        r#"{"object":"a","object":"b"}"#,
        // Trailing or leading garbage, other top-level values.
        r#"{"choices":[]} x"#,
        r#"{"choices":[]}}"#,
        r#"{"choices":[],}"#,
        "\u{c}{}",
        "\u{a0}{}",
        "[[], null, null, null]",
        "5",
        "\"x\"",
        // Broken numbers and literals.
        r#"{"created":01}"#,
        r#"{"created":-}"#,
        r#"{"created":1.}"#,
        r#"{"created":1e}"#,
        r#"{"created":+1}"#,
        r#"{"created":.5}"#,
        r#"{"created":1x}"#,
        r#"{"x":nul}"#,
        r#"{"x":nulll}"#,
        r#"{"x":True}"#,
        // Truncation.
        r#"{"id":"chatcmpl-1","choices":[{"index":0,"#,
        r#"{"id":"chat"#,
        r#"{"id""#,
        "{",
        // `choices` serde refuses, and one nested deeper than the skim is sure of.
        r#"{"choices":{}}"#,
        r#"{"choices":[{"index":"0"}]}"#,
        r#"{"choices":[{"index":0,"index":0}]}"#,
        r#"{"choices":nullx}"#,
        &deep_choices,
        &too_deep,
    ] {
        assert!(skim(data).is_none(), "skimmed: {data}");
        assert_same(&[data]);
    }
}

#[test]
fn identity_is_left_to_serde_when_id_or_model_repeats_or_is_a_number() {
    for (data, identity) in [
        (r#"{"id":"a","model":"m"}"#, Some((Some("a"), Some("m")))),
        (r#"{"id":null,"model":false}"#, Some((None, None))),
        (r#"{"model":"m"}"#, Some((None, Some("m")))),
        (r#"{"id":"a","id":"b","model":"m"}"#, None),
        (r#"{"id":"a","model":1e400}"#, None),
        (r#"{"id":7,"model":"m"}"#, None),
    ] {
        assert_eq!(skim(data).unwrap().identity, identity, "{data}");
        assert_same(&[data, LIVE]);
    }
}

#[test]
fn recorded_streams_decode_the_same_and_are_mostly_skimmed() {
    let (mut payloads, mut skimmed) = (0, 0);
    for (name, case) in recorded_cases("openai-completions") {
        for interaction in case["interactions"].as_array().unwrap() {
            let Some(body) = interaction["response"]["body"].as_str() else {
                continue;
            };
            let events = data_events(body);
            for event in &events {
                if event.data.starts_with('{') {
                    payloads += 1;
                    skimmed += usize::from(skim(&event.data).is_some());
                    check_skim(&event.data).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
            }
            for options in [PLAIN, THOUGHTS] {
                let with = run(Decoder::new(options), &events);
                assert_eq!(with, run(Decoder::without_skim(options), &events), "{name}");
            }
        }
    }
    assert!(payloads > 50, "{payloads} recorded payloads");
    // Every chunk but the usage chunk at the end of each stream is skimmed.
    assert!(
        skimmed * 10 > payloads * 8,
        "{skimmed} of {payloads} skimmed"
    );
}

// ---- properties -------------------------------------------------------------------

/// A key: the decoder's own fields and the identity's most of the time, else any name
/// (unicode, an escape, a control character).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(
            &["choices", "usage", "error", "object", "id", "model", "created",
              "system_fingerprint", "obfuscation"][..]
        )
        .prop_map(|k| format!("\"{k}\"")),
        1 => "[a-zé😀]{0,6}".prop_map(|k| format!("\"{k}\"")),
        1 => proptest::sample::select(&[r#""choi\u0063es""#, r#""a\"b""#, "\"a\u{1}\"", r#""\/""#][..])
            .prop_map(str::to_owned),
    ]
}

/// JSON whitespace mostly, sometimes none, sometimes a character JSON does not allow there.
fn ws() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just(""),
        4 => proptest::sample::select(&[" ", "\n", "\t", "\r", " \r\n\t"][..]),
        1 => proptest::sample::select(&["\u{c}", "\u{a0}", "\u{b}"][..]),
    ]
}

/// A string literal: plain, unicode, escapes (valid or not), or raw control characters.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[ -!#-\\[\\]-~é😀]{0,24}".prop_map(|s| format!("\"{s}\"")),
        2 => proptest::sample::select(
            &[r#""a\nb""#, r#""\u00e9""#, r#""\ud83d\ude00""#, r#""\ud800""#, r#""\"""#,
              r#""\\""#, r#""\x""#, r#""\u12""#, "\"a\u{7}b\"", "\"\t\"", "\"\u{7f}\"",
              "\"chat.completion.chunk\"", "\"error\""][..]
        )
        .prop_map(str::to_owned),
    ]
}

/// A number literal: strict JSON mostly, sometimes a form JSON refuses.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<i64>().prop_map(|n| n.to_string()),
        2 => any::<f64>().prop_map(|f| if f.is_finite() { f.to_string() } else { "1e400".to_owned() }),
        2 => proptest::sample::select(
            &["0", "-0", "1e400", "-1.5E+3", "2e-7", "01", "-", "1.", ".5", "+1", "1e", "0x1",
              "1.5.3", "1_000", "NaN", "-Infinity"][..]
        )
        .prop_map(str::to_owned),
    ]
}

/// A value of any JSON type, nested a little.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        string(),
        number(),
        proptest::sample::select(&["null", "true", "false", "nul", "True"][..])
            .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec((key(), inner), 0..4).prop_map(|kv| {
                let fields: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

/// A `choices` value: the shapes servers send, and some they should not.
fn choices() -> impl Strategy<Value = String> {
    let delta = prop_oneof![
        Just(r#"{"content":"Hello"}"#.to_owned()),
        Just(r#"{"role":"assistant","content":"","refusal":null}"#.to_owned()),
        Just("{}".to_owned()),
        string().prop_map(|s| format!(r#"{{"content":{s}}}"#)),
        string().prop_map(|s| format!(r#"{{"reasoning_content":{s}}}"#)),
        string().prop_map(|s| format!(r#"{{"refusal":{s}}}"#)),
        Just(r#"{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}"#.to_owned()),
        Just(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}"#.to_owned()),
        value(),
    ];
    let finish = prop_oneof![
        Just("null".to_owned()),
        proptest::sample::select(
            &[
                "\"stop\"",
                "\"length\"",
                "\"tool_calls\"",
                "\"content_filter\""
            ][..]
        )
        .prop_map(str::to_owned),
        value(),
    ];
    let choice = (0i64..3, delta, finish, ws()).prop_map(|(index, delta, finish, w)| {
        format!(
            r#"{{"index":{index},{w}"delta":{delta},"logprobs":null,"finish_reason":{finish}}}"#
        )
    });
    prop_oneof![
        6 => proptest::collection::vec(choice, 0..3).prop_map(|c| format!("[{}]", c.join(","))),
        1 => Just("null".to_owned()),
        1 => value(),
    ]
}

/// The value of one top-level field, by its key.
fn field(key: &str) -> BoxedStrategy<String> {
    match key {
        "\"choices\"" => choices().boxed(),
        "\"usage\"" | "\"error\"" => prop_oneof![
            4 => Just("null".to_owned()),
            1 => Just(r#"{"prompt_tokens":3,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":1}}"#.to_owned()),
            1 => Just(r#"{"message":"m","code":429}"#.to_owned()),
            1 => value(),
        ]
        .boxed(),
        "\"object\"" | "\"id\"" | "\"model\"" => prop_oneof![
            4 => string(),
            2 => proptest::sample::select(&["null", "true", "false"][..]).prop_map(str::to_owned),
            1 => number(),
            1 => value(),
        ]
        .boxed(),
        _ => prop_oneof![3 => string(), 1 => number(), 1 => value()].boxed(),
    }
}

/// A payload: its fields in any order, any repeated, whitespace between the tokens.
fn payload() -> impl Strategy<Value = String> {
    let fields = proptest::collection::vec(
        key().prop_flat_map(|k| {
            let v = field(&k);
            (Just(k), v, ws(), ws())
        }),
        0..12,
    );
    (ws(), fields, ws()).prop_map(|(lead, fields, trail)| {
        let body: Vec<String> = fields
            .into_iter()
            .map(|(k, v, w1, w2)| format!("{w1}{k}{w2}:{w2}{v}{w1}"))
            .collect();
        format!("{lead}{{{}}}{trail}", body.join(","))
    })
}

/// A payload, damaged sometimes: cut, a byte changed, a field repeated, garbage appended.
fn damaged() -> impl Strategy<Value = String> {
    (payload(), any::<usize>(), any::<u8>(), 0u8..8).prop_map(|(p, at, byte, how)| {
        let at = if p.is_empty() { 0 } else { at % p.len() };
        let mut bytes = p.clone().into_bytes();
        match how {
            0 => bytes.truncate(at),
            1 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = byte;
                }
            }
            2 => bytes.insert(at, byte),
            3 => bytes.extend_from_slice(b",\"choices\":[]}"),
            4 => {
                // Repeat the first field.
                if let (Some(open), Some(comma)) = (p.find('{'), p.find(',')) {
                    let first = &p[open + 1..=comma];
                    bytes = format!("{{{first}{}", &p[open + 1..]).into_bytes();
                }
            }
            _ => {}
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_skim_reads_every_payload_as_serde_does(payloads in proptest::collection::vec(damaged(), 1..6)) {
        let payloads: Vec<&str> = payloads.iter().map(String::as_str).collect();
        same(PLAIN, &payloads)?;
        same(THOUGHTS, &payloads)?;
    }

    #[test]
    fn the_live_shape_with_any_field_order_is_skimmed(
        order in Just((0..9).collect::<Vec<usize>>()).prop_shuffle(),
        text in "[ -!#-\\[\\]-~é😀]{0,12}",
    ) {
        let value: Value = serde_json::from_str(LIVE).unwrap();
        let object = value.as_object().unwrap();
        let fields: Vec<String> = object.iter().map(|(k, v)| {
            let v = if k == "choices" {
                serde_json::json!([{"index": 0, "delta": {"content": text}, "logprobs": null, "finish_reason": null}])
            } else {
                v.clone()
            };
            format!("{}:{v}", Value::String(k.clone()))
        }).collect();
        let data = format!("{{{}}}", order.iter().map(|&i| fields[i].as_str()).collect::<Vec<_>>().join(","));
        prop_assert!(skim(&data).is_some(), "not skimmed: {}", data);
        same(PLAIN, &[&data])?;
    }
}

// ---- the common `choices` shapes ---------------------------------------------------

/// `choices` values the common-shape reader answers for, with what serde reads from them.
#[test]
fn common_choices_are_read_without_serde_as_serde_reads_them() {
    for value in [
        "[]",
        "[ \n]",
        r#"[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]"#,
        r#"[{"finish_reason":"stop","logprobs":null,"delta":{},"index":0}]"#,
        r#"[ { "delta" : { "role" : "assistant" , "content" : "" , "refusal" : null } , "index" : null } ]"#,
        r#"[{"delta":{"reasoning_content":"think","reasoning":null,"tool_calls":null}}]"#,
        r#"[{"index":0,"delta":{"reasoning":"r","tool_calls":[ ]},"finish_reason":"tool_calls"}]"#,
        r#"[{"index":0,"delta":null,"finish_reason":"length","x":-1.5e3,"y":true,"z":"w"}]"#,
        r#"[{"index":0,"delta":{"content":"a\nb\"c\\d\/e\bf\fg\rh\ti"}}]"#,
        r#"[{"index":0,"delta":{"content":"\u00e9\u00E9\u20ac\ud83d\ude00\uD83D\uDE00\u0000\u001f"}}]"#,
        r#"[{"index":0,"delta":{"refusal":"é😀\u0041"},"finish_reason":"\u0073top"}]"#,
        "[{\"delta\":{\"content\":\"\u{7f}é😀\"}}]",
    ] {
        assert!(common_choices(value, 0).is_some(), "not read: {value}");
        check_choices(value).unwrap();
        assert_same(&[&format!(r#"{{"choices":{value}}}"#)]);
    }
    let (choice, _) =
        common_choices(r#"[{"delta":{"content":"a\u00e9\ud83d\ude00\n"}}]"#, 0).unwrap();
    let content = choice.unwrap().delta.unwrap().content.unwrap();
    assert!(matches!(content, Cow::Owned(_)));
    assert_eq!(content, "aé😀\n");
    let (choice, _) = common_choices(r#"[{"delta":{"content":"plain"}}]"#, 0).unwrap();
    assert!(matches!(
        choice.unwrap().delta.unwrap().content,
        Some(Cow::Borrowed("plain"))
    ));
}

/// `choices` values left to serde: it refuses some, and reads the rest unlike the common shapes.
#[test]
fn other_choices_are_left_to_serde() {
    for value in [
        "null",
        "{}",
        "[1]",
        r#"[{"index":0},{"index":1}]"#,
        r#"[{"index":1,"delta":{"content":"other"}}]"#,
        r#"[{"index":-0}]"#,
        r#"[{"index":0.0}]"#,
        r#"[{"index":0e0}]"#,
        r#"[{"index":01}]"#,
        r#"[{"index":"0"}]"#,
        r#"[{"index":0,"index":0}]"#,
        r#"[{"index":null,"index":null}]"#,
        r#"[{"delta":{},"delta":{}}]"#,
        r#"[{"delta":null,"delta":null}]"#,
        r#"[{"finish_reason":null,"finish_reason":null}]"#,
        r#"[{"delta":{"content":null,"content":null}}]"#,
        r#"[{"delta":{"tool_calls":null,"tool_calls":[]}}]"#,
        r#"[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}}]}}]"#,
        r#"[{"delta":{"content":1}}]"#,
        r#"[{"delta":{"content":true}}]"#,
        r#"[{"delta":[]}]"#,
        r#"[{"finish_reason":0}]"#,
        r#"[{"logprobs":{"content":[]}}]"#,
        r#"[{"ind\u0065x":1}]"#,
        r#"[{"delta":{"cont\u0065nt":"x"}}]"#,
        // Escapes serde refuses in a string it reads.
        r#"[{"delta":{"content":"\x"}}]"#,
        r#"[{"delta":{"content":"\U00e9"}}]"#,
        r#"[{"delta":{"content":"\u00e"}}]"#,
        r#"[{"delta":{"content":"\u00eg"}}]"#,
        r#"[{"delta":{"content":"\ud800"}}]"#,
        r#"[{"delta":{"content":"\udc00"}}]"#,
        r#"[{"delta":{"content":"\ud800\u0041"}}]"#,
        r#"[{"delta":{"content":"\ud800\ud800"}}]"#,
        r#"[{"delta":{"content":"\ud800\n"}}]"#,
        r#"[{"delta":{"content":"\ud800x"}}]"#,
        "[{\"delta\":{\"content\":\"a\u{1}\"}}]",
        "[{\"delta\":{\"content\":\"a\\n\u{1f}\"}}]",
        // Truncation and broken structure.
        r#"[{"delta":{"content":"a\"#,
        r#"[{"delta":{"content":"a\u00"#,
        r#"[{"delta":{"content":"a"}"#,
        r#"[{"delta":{"content":"a"}}"#,
        r#"[{"delta":{"content":"a"},}]"#,
        r#"[{"delta":{"content" "a"}}]"#,
        "[",
    ] {
        assert!(common_choices(value, 0).is_none(), "read: {value}");
        assert_same(&[&format!(r#"{{"choices":{value}}}"#)]);
    }
}

/// How one character of a generated string is written.
#[derive(Clone, Copy, Debug)]
enum Spelling {
    Raw,
    /// `\u` with lower-case hex digits (a surrogate pair beyond the BMP).
    Lower,
    Upper,
    /// `\n`, `\"`, … where JSON has one, else raw.
    Short,
}

/// `text` as the content of a JSON string literal, each character spelled as `how` says
/// (characters JSON forbids raw are always escaped).
fn spell(text: &[(char, Spelling)]) -> String {
    let mut out = String::new();
    for &(c, how) in text {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '/' => Some("\\/"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            _ => None,
        };
        let must_escape = c == '"' || c == '\\' || c < ' ';
        match (how, short) {
            (Spelling::Short, Some(s)) => out.push_str(s),
            (Spelling::Raw | Spelling::Short, _) if !must_escape => out.push(c),
            (Spelling::Upper, _) => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(out, "\\u{unit:04X}").unwrap();
                }
            }
            _ => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(out, "\\u{unit:04x}").unwrap();
                }
            }
        }
    }
    out
}

/// A character: ASCII and JSON's specials mostly, sometimes any.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => proptest::sample::select(
            &['"', '\\', '/', '\u{8}', '\u{c}', '\n', '\r', '\t', '\0', '\u{1f}', '\u{7f}',
              'é', '€', '\u{ffff}', '\u{d7ff}', '\u{e000}', '😀', '\u{10000}', '\u{10ffff}'][..]
        ),
        1 => any::<char>(),
    ]
}

/// A string's text and its literal with every kind of spelling mixed.
fn spelled() -> impl Strategy<Value = (String, String)> {
    let spelling = proptest::sample::select(
        &[
            Spelling::Raw,
            Spelling::Raw,
            Spelling::Lower,
            Spelling::Upper,
            Spelling::Short,
        ][..],
    );
    proptest::collection::vec((character(), spelling), 0..12).prop_map(|text| {
        let plain: String = text.iter().map(|&(c, _)| c).collect();
        (plain, format!("\"{}\"", spell(&text)))
    })
}

/// A string literal for the common-shape reader: well spelled mostly (its decoded text is
/// known), sometimes with an escape or character serde refuses at some place in it.
fn common_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => spelled().prop_map(|(_, literal)| literal),
        1 => (spelled(), any::<usize>(), proptest::sample::select(
            &["\\x", "\\U00e9", "\\u12", "\\u12g4", "\\ud800", "\\udc00", "\\ud800\\u0041",
              "\\ud800\\ud800", "\\ud83d\\n", "\\ud83dx", "\\", "\u{1}", "\u{1f}", "\\'", "\\0"][..]
        ))
            .prop_map(|((_, literal), at, bad)| {
                let inner = &literal[1..literal.len() - 1];
                let mut cut = at % (inner.len() + 1);
                while !inner.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("\"{}{bad}{}\"", &inner[..cut], &inner[cut..])
            }),
    ]
}

/// A string-or-null value, sometimes of another type.
fn common_opt_string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => common_string(),
        2 => Just("null".to_owned()),
        1 => proptest::sample::select(&["0", "true", "[]", "{}", "nul", "\"a\"x"][..]).prop_map(str::to_owned),
    ]
}

/// An object with `members` in any order, some left out, sometimes one repeated.
fn object_of(members: Vec<BoxedStrategy<String>>) -> impl Strategy<Value = String> {
    let n = members.len();
    let kept = (
        members,
        proptest::collection::vec(any::<bool>(), n),
        0..n * 8,
    )
        .prop_map(|(members, keep, repeat)| {
            let mut kept: Vec<String> = members
                .into_iter()
                .zip(keep)
                .filter_map(|(m, k)| k.then_some(m))
                .collect();
            if let Some(again) = kept.get(repeat).cloned() {
                kept.push(again);
            }
            kept
        })
        .prop_shuffle();
    (kept, ws()).prop_map(|(kept, w)| format!("{{{w}{}{w}}}", kept.join(&format!(",{w}"))))
}

/// A delta of the common shape, its keys in any order, and the odd member that is not.
fn common_delta() -> impl Strategy<Value = String> {
    let member = |key: &'static str, value: BoxedStrategy<String>| {
        value.prop_map(move |v| format!("\"{key}\":{v}")).boxed()
    };
    object_of(vec![
        member(
            "role",
            prop_oneof![3 => Just("\"assistant\"".to_owned()), 1 => common_opt_string()].boxed(),
        ),
        member("content", common_opt_string().boxed()),
        member("refusal", common_opt_string().boxed()),
        member("reasoning_content", common_opt_string().boxed()),
        member("reasoning", common_opt_string().boxed()),
        member(
            "tool_calls",
            proptest::sample::select(
                &[
                    "null",
                    "[]",
                    "[ ]",
                    r#"[{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}]"#,
                    "{}",
                    "0",
                ][..],
            )
            .prop_map(str::to_owned)
            .boxed(),
        ),
        member(
            "x",
            prop_oneof![3 => string(), 2 => number(), 1 => value()].boxed(),
        ),
    ])
}

/// A `choices` value of the common shapes, and now and then one that is not.
fn common_choices_value() -> impl Strategy<Value = String> {
    let member = |key: &'static str, value: BoxedStrategy<String>| {
        value.prop_map(move |v| format!("\"{key}\":{v}")).boxed()
    };
    let choice = object_of(vec![
        member(
            "index",
            prop_oneof![
                6 => Just("0".to_owned()),
                1 => Just("null".to_owned()),
                1 => proptest::sample::select(&["1", "-0", "0.0", "0e0", "01", "\"0\"", "00"][..]).prop_map(str::to_owned),
            ]
            .boxed(),
        ),
        member("delta", prop_oneof![8 => common_delta(), 1 => Just("null".to_owned()), 1 => value()].boxed()),
        member("logprobs", prop_oneof![6 => Just("null".to_owned()), 1 => value()].boxed()),
        member(
            "finish_reason",
            prop_oneof![
                4 => Just("null".to_owned()),
                2 => proptest::sample::select(&["\"stop\"", "\"length\"", "\"tool_calls\"", "\"content_filter\""][..]).prop_map(str::to_owned),
                1 => common_opt_string(),
            ]
            .boxed(),
        ),
        member("y", prop_oneof![string(), number()].boxed()),
    ]);
    prop_oneof![
        8 => (choice, ws()).prop_map(|(c, w)| format!("[{w}{c}{w}]")),
        1 => Just("[]".to_owned()),
        1 => proptest::collection::vec(common_delta(), 2..3).prop_map(|d| {
            format!(r#"[{{"index":1,"delta":{}}},{{"index":0,"delta":{}}}]"#, d[0], d[1])
        }),
    ]
}

/// A `choices` value, damaged sometimes: cut, a byte changed or inserted.
fn damaged_choices() -> impl Strategy<Value = String> {
    (common_choices_value(), any::<usize>(), any::<u8>(), 0u8..8).prop_map(|(v, at, byte, how)| {
        let at = at % (v.len() + 1);
        let mut bytes = v.into_bytes();
        match how {
            0 => bytes.truncate(at),
            1 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = byte;
                }
            }
            2 => bytes.insert(at, byte),
            _ => {}
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn common_choices_are_read_as_serde_reads_them(
        value in damaged_choices(),
        before in payload(),
        after in payload(),
    ) {
        check_choices(&value).map_err(TestCaseError::fail)?;
        // Within a payload, between the fields of two others.
        let inner = |p: &str| p.trim().trim_start_matches('{').trim_end_matches('}').trim().to_owned();
        let (before, after) = (inner(&before), inner(&after));
        let sep = |s: &str| if s.is_empty() { String::new() } else { ",".to_owned() };
        let data = format!("{{{before}{}\"choices\":{value}{}{after}}}", sep(&before), sep(&after));
        same(PLAIN, &[&data, &format!(r#"{{"choices":{value}}}"#)])?;
        same(THOUGHTS, &[&format!(r#"{{"choices":{value}}}"#)])?;
    }

    #[test]
    fn strings_with_escapes_of_every_kind_are_decoded((text, literal) in spelled()) {
        let value = format!(r#"[{{"index":0,"delta":{{"content":{literal}}}}}]"#);
        let (choice, end) = common_choices(&value, 0).expect("a well-spelled content is read");
        prop_assert_eq!(end, value.len());
        let content = choice.and_then(|c| c.delta).and_then(|d| d.content);
        prop_assert_eq!(content.as_deref(), Some(text.as_str()));
        check_choices(&value).map_err(TestCaseError::fail)?;
        same(PLAIN, &[&format!(r#"{{"choices":{value}}}"#)])?;
    }

    #[test]
    fn strings_serde_refuses_are_left_to_it(literal in common_string(), field in 0..5usize) {
        let field = ["content", "refusal", "reasoning_content", "reasoning", "finish_reason"][field];
        let value = if field == "finish_reason" {
            format!(r#"[{{"index":0,"finish_reason":{literal}}}]"#)
        } else {
            format!(r#"[{{"index":0,"delta":{{"{field}":{literal}}}}}]"#)
        };
        check_choices(&value).map_err(TestCaseError::fail)?;
        same(PLAIN, &[&format!(r#"{{"choices":{value}}}"#)])?;
    }

    #[test]
    fn undamaged_common_shapes_are_read_without_serde(
        order in Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
        delta_order in Just((0..5).collect::<Vec<usize>>()).prop_shuffle(),
        texts in proptest::collection::vec(spelled(), 5),
        finish in proptest::sample::select(&["null", "\"stop\"", "\"length\""][..]),
        w in proptest::sample::select(&["", " ", "\n", "\t", "\r", " \r\n\t"][..]),
    ) {
        // `role` is stepped over, not decoded: only its escape-free values are read here.
        let keys = ["role", "content", "refusal", "reasoning_content", "reasoning"];
        let delta: Vec<String> = delta_order
            .iter()
            .map(|&i| {
                let value = if i == 0 { "\"assistant\"" } else { texts[i].1.as_str() };
                format!("\"{}\":{w}{value}", keys[i])
            })
            .collect();
        let members = [
            "\"index\":0".to_owned(),
            format!("\"delta\":{{{}}}", delta.join(",")),
            "\"logprobs\":null".to_owned(),
            format!("\"finish_reason\":{finish}"),
        ];
        let choice: Vec<&str> = order.iter().map(|&i| members[i].as_str()).collect();
        let value = format!("[{w}{{{}}}{w}]", choice.join(&format!("{w},")));
        prop_assert!(common_choices(&value, 0).is_some(), "not read: {}", value);
        check_choices(&value).map_err(TestCaseError::fail)?;
        let data = format!(r#"{{"id":"x","choices":{value},"usage":null}}"#);
        prop_assert!(skim(&data).is_some());
        same(THOUGHTS, &[&data])?;
    }
}

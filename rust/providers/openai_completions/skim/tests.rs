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

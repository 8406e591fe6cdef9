//! Unit and property tests of the Gemini decoder.

use std::fmt::Write as _;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::chunk::ToolUsage;
use crate::providers::common::web_search_usage;
use crate::providers::contract::fold;
use crate::providers::test_support::{
    call_delta, call_end, call_start, check_contract as contract, decode_by, decode_cut, error_of,
    first_tool_usage, options, text, thought, validation_error, PLAIN, THOUGHTS,
};
use crate::providers::{decode_all, WireFormat};

fn body(events: &[Value]) -> String {
    let mut out = String::new();
    for event in events {
        let _ = write!(out, "data: {event}\r\n\r\n");
    }
    out
}

fn decode(options: DecodeOptions, events: &[Value]) -> Vec<Chunk> {
    decode_all(WireFormat::Google, options, body(events).as_bytes())
}

fn parts(parts: Value) -> Value {
    json!({"candidates": [{"content": {"parts": parts, "role": "model"}, "index": 0}]})
}

fn finished(parts: Value, reason: &str) -> Value {
    json!({"candidates": [{"content": {"parts": parts, "role": "model"},
        "finishReason": reason, "index": 0}]})
}

fn call(id: &str, name: &str, args: &str) -> [Chunk; 3] {
    [call_start(id, name), call_delta(id, args), call_end(id)]
}

fn raw_message(parts: Value) -> Chunk {
    Chunk::RawMessage(json!({"role": "model", "parts": parts}))
}

#[test]
fn two_calls_in_one_event_and_calls_split_across_events() {
    let a = json!({"functionCall": {"name": "f", "args": {"x": 1}}, "thoughtSignature": "s"});
    let b = json!({"functionCall": {"name": "g", "args": {"y": [true, null]}}});
    let c = json!({"functionCall": {"id": "call-3", "name": "f"}});
    let d = json!({"functionCall": {"name": "h", "args": {}}});
    let chunks = decode(
        PLAIN,
        &[
            parts(json!([a, b])),
            parts(json!([c])),
            finished(json!([d]), "STOP"),
        ],
    );
    let mut want = Vec::new();
    want.extend(call(UNKNOWN_TOOL_ID, "f", r#"{"x": 1}"#));
    want.extend(call(UNKNOWN_TOOL_ID, "g", r#"{"y": [true, null]}"#));
    want.extend(call("call-3", "f", "{}"));
    want.extend(call(UNKNOWN_TOOL_ID, "h", "{}"));
    want.push(raw_message(json!([a, b, c, d])));
    assert_eq!(chunks, want);
    assert_eq!(fold(&chunks).unwrap().content.len(), 4);
}

#[test]
fn text_then_call_closes_the_text() {
    let chunks = decode(
        PLAIN,
        &[
            parts(json!([{"text": "Let me check."}])),
            finished(
                json!([{"functionCall": {"name": "f", "args": {"a": "b"}}}]),
                "STOP",
            ),
        ],
    );
    let mut want = vec![Chunk::TextStart, text("Let me check."), Chunk::TextEnd];
    want.extend(call(UNKNOWN_TOOL_ID, "f", r#"{"a": "b"}"#));
    assert_eq!(&chunks[..want.len()], want.as_slice());
    assert!(matches!(chunks.last(), Some(Chunk::RawMessage(_))));
}

fn thought_text_thought() -> Vec<Value> {
    vec![
        parts(json!([{"text": "plan ", "thought": true}])),
        parts(json!([{"text": "more", "thought": true}, {"text": "Hello"}])),
        parts(json!([{"text": " world"}, {"text": "again", "thought": true}])),
        finished(json!([{"text": "!", "thought": true}]), "STOP"),
    ]
}

#[test]
fn thought_then_text_then_thought_merge_and_close() {
    let chunks = decode(THOUGHTS, &thought_text_thought());
    let want = vec![
        Chunk::ThoughtStart,
        thought("plan "),
        thought("more"),
        Chunk::ThoughtEnd,
        Chunk::TextStart,
        text("Hello"),
        text(" world"),
        Chunk::TextEnd,
        Chunk::ThoughtStart,
        thought("again"),
        thought("!"),
        Chunk::ThoughtEnd,
        raw_message(json!([
            {"text": "plan ", "thought": true},
            {"text": "more", "thought": true},
            {"text": "Hello"},
            {"text": " world"},
            {"text": "again", "thought": true},
            {"text": "!", "thought": true},
        ])),
    ];
    assert_eq!(chunks, want);
    let folded = fold(&chunks).unwrap();
    assert_eq!(
        folded.content,
        vec![
            json!({"type": "thought", "thought": "plan more"}),
            json!({"type": "text", "text": "Hello world"}),
            json!({"type": "thought", "thought": "again!"}),
        ]
    );
    assert_eq!(folded.n_chunks, 12);
}

#[test]
fn without_include_thoughts_only_text_is_shown_but_raw_keeps_thoughts() {
    let chunks = decode(PLAIN, &thought_text_thought());
    assert_eq!(
        &chunks[..4],
        &[
            Chunk::TextStart,
            text("Hello"),
            text(" world"),
            Chunk::TextEnd
        ]
    );
    let Some(Chunk::RawMessage(raw)) = chunks.get(4) else {
        panic!("{chunks:?}");
    };
    assert_eq!(raw["parts"].as_array().map(Vec::len), Some(6));
    assert_eq!(chunks.len(), 5);
}

#[test]
fn empty_text_parts_close_text_without_starting_a_part() {
    let signature = json!({"text": "", "thoughtSignature": "sig"});
    let chunks = decode(
        PLAIN,
        &[
            parts(json!([{"text": "a"}, signature])),
            parts(json!([{"text": "b"}, {"thoughtSignature": "only"}])),
            finished(json!([{"text": ""}]), "STOP"),
        ],
    );
    assert_eq!(
        chunks[..6],
        [
            Chunk::TextStart,
            text("a"),
            Chunk::TextEnd,
            Chunk::TextStart,
            text("b"),
            Chunk::TextEnd
        ]
    );
    assert_eq!(
        chunks[6],
        raw_message(json!([
            {"text": "a"}, signature, {"text": "b"}, {"thoughtSignature": "only"}, {"text": ""}
        ]))
    );
    assert_eq!(chunks.len(), 7);
}

#[test]
fn empty_parts_and_open_thoughts() {
    // A thought-flagged empty part keeps the thought open; an unflagged one ends it.
    let chunks = decode(
        THOUGHTS,
        &[
            parts(json!([{"text": "a", "thought": true}, {"thought": true, "text": ""}])),
            parts(json!([{"text": "b", "thought": true}, {"text": "", "thoughtSignature": "s"}])),
            finished(json!([{"text": "c", "thought": true}]), "STOP"),
        ],
    );
    let folded = fold(&chunks).unwrap();
    assert_eq!(
        folded.content,
        vec![
            json!({"type": "thought", "thought": "ab"}),
            json!({"type": "thought", "thought": "c"}),
        ]
    );
}

#[test]
fn tool_call_args_are_python_json() {
    let args = json!({"name": "José 世界 🎉", "nested": {"x": 0.1, "y": [1e16, 1.5e-7]},
        "price": 100.0, "zero": -0.0, "big": 12_345_678_901_234_567_u64});
    let chunks = decode(
        PLAIN,
        &[finished(
            json!([{"functionCall": {"name": "f", "args": args}}]),
            "STOP",
        )],
    );
    let want = r#"{"name": "Jos\u00e9 \u4e16\u754c \ud83c\udf89", "nested": {"x": 0.1, "y": [1e+16, 1.5e-07]}, "price": 100.0, "zero": -0.0, "big": 12345678901234567}"#;
    assert_eq!(
        chunks[1],
        Chunk::ToolCall {
            id: UNKNOWN_TOOL_ID.into(),
            delta: want.into()
        }
    );
}

#[test]
fn cumulative_usage_becomes_deltas() {
    let usage = |p: i64, c: i64, t: i64| {
        json!({"promptTokenCount": p, "candidatesTokenCount": c, "thoughtsTokenCount": t,
            "cachedContentTokenCount": 4, "toolUsePromptTokenCount": 2, "totalTokenCount": 999})
    };
    let mut e1 = parts(json!([{"text": "a"}]));
    e1["usageMetadata"] = usage(10, 1, 7);
    let mut e2 = parts(json!([{"text": "b"}]));
    e2["usageMetadata"] = usage(10, 1, 7);
    let mut e3 = finished(json!([{"text": "c"}]), "STOP");
    e3["usageMetadata"] = usage(10, 6, 9);
    let chunks = decode(PLAIN, &[e1, e2, e3]);
    let deltas: Vec<&Usage> = chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::Usage(u) => Some(u),
            _ => None,
        })
        .collect();
    let first = Usage {
        input_tokens: 12,
        output_tokens: 1,
        cache_read_tokens: 4,
        reasoning_tokens: 7,
        ..Usage::default()
    };
    let last = Usage {
        output_tokens: 5,
        reasoning_tokens: 2,
        ..Usage::default()
    };
    // The repeated, unchanged report adds nothing.
    assert_eq!(deltas, vec![&first, &last]);
    assert_eq!(fold(&chunks).unwrap().usage, Some([12, 6, 4, 0, 9]));
}

#[test]
fn all_zero_usage_is_still_reported_once() {
    let mut event = finished(json!([{"text": "a"}]), "STOP");
    event["usageMetadata"] = json!({"promptTokenCount": 0});
    let chunks = decode(PLAIN, &[event]);
    assert_eq!(fold(&chunks).unwrap().usage, Some([0; 5]));
}

#[test]
fn web_search_queries_are_provider_tool_usage() {
    let mut event = finished(json!([{"text": "a"}]), "STOP");
    event["candidates"][0]["groundingMetadata"] = json!({"webSearchQueries": ["q1", "q2"]});
    event["usageMetadata"] = json!({"promptTokenCount": 3, "candidatesTokenCount": 1});
    let chunks = decode(PLAIN, &[event]);
    let want = Usage {
        input_tokens: 3,
        output_tokens: 1,
        provider_tool_usage: Some(vec![ToolUsage {
            name: "web_search".into(),
            call_count: 2,
        }]),
        ..Usage::default()
    };
    assert!(chunks.contains(&Chunk::Usage(want)), "{chunks:?}");
}

#[test]
fn the_last_non_empty_grounding_metadata_rides_on_the_raw_message() {
    let grounding = json!({"webSearchQueries": ["q"],
        "groundingChunks": [{"web": {"uri": "https://a", "title": "a.com"}}],
        "groundingSupports": [{"segment": {"endIndex": 1, "text": "a"}, "groundingChunkIndices": [0]}]});
    let mut first = parts(json!([{"text": "a"}]));
    first["candidates"][0]["groundingMetadata"] = json!({});
    let mut last = finished(json!([{"text": "b"}]), "STOP");
    last["candidates"][0]["groundingMetadata"] = grounding.clone();
    let mut late = parts(json!([]));
    late["candidates"][0]["groundingMetadata"] = json!({});
    let chunks = decode(PLAIN, &[first, last, late]);
    assert_eq!(
        chunks.last(),
        Some(&Chunk::RawMessage(json!({"role": "model",
            "parts": [{"text": "a"}, {"text": "b"}], "groundingMetadata": grounding})))
    );
    let plain = decode(PLAIN, &[finished(json!([{"text": "a"}]), "STOP")]);
    assert_eq!(
        plain.last(),
        Some(&Chunk::RawMessage(
            json!({"role": "model", "parts": [{"text": "a"}]})
        ))
    );
}

#[test]
fn finish_reasons_map_like_mirascope() {
    for (reason, want) in [
        ("STOP", None),
        ("MAX_TOKENS", Some(FinishReason::MaxTokens)),
        ("SAFETY", Some(FinishReason::Refusal)),
        ("RECITATION", Some(FinishReason::Refusal)),
        ("BLOCKLIST", Some(FinishReason::Refusal)),
        ("PROHIBITED_CONTENT", Some(FinishReason::Refusal)),
        ("SPII", Some(FinishReason::Refusal)),
        ("IMAGE_SAFETY", Some(FinishReason::Refusal)),
        ("IMAGE_PROHIBITED_CONTENT", Some(FinishReason::Refusal)),
        ("IMAGE_RECITATION", Some(FinishReason::Refusal)),
        ("MALFORMED_FUNCTION_CALL", None),
        ("OTHER", None),
    ] {
        let chunks = decode(PLAIN, &[finished(json!([{"text": "x"}]), reason)]);
        let mut expected = vec![Chunk::TextStart, text("x"), Chunk::TextEnd];
        expected.extend(want.map(Chunk::Finish));
        expected.push(raw_message(json!([{"text": "x"}])));
        assert_eq!(chunks, expected, "{reason}");
    }
}

#[test]
fn finish_without_content_parts() {
    // MAX_TOKENS spent on thinking: no parts at all, only the finish.
    let event = json!({"candidates": [{"finishReason": "MAX_TOKENS", "index": 0}],
        "usageMetadata": {"promptTokenCount": 5, "thoughtsTokenCount": 50}});
    let chunks = decode(THOUGHTS, &[event]);
    assert_eq!(chunks[0], Chunk::Finish(FinishReason::MaxTokens));
    assert_eq!(chunks[2], raw_message(json!([])));
}

#[test]
fn prompt_block_is_a_refusal() {
    let event = json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7}});
    let chunks = decode(PLAIN, &[event]);
    assert_eq!(
        chunks,
        vec![
            Chunk::Finish(FinishReason::Refusal),
            Chunk::Usage(Usage {
                input_tokens: 7,
                ..Usage::default()
            }),
            raw_message(json!([])),
        ]
    );
}

#[test]
fn prompt_feedback_without_block_is_not_a_finish() {
    let event = json!({"promptFeedback": {"safetyRatings": []}});
    let chunks = decode(PLAIN, &[event]);
    assert_eq!(error_of(&chunks).kind, ErrorKind::Connection);
}

#[test]
fn events_after_the_finish_only_update_usage() {
    let mut late = parts(json!([{"text": "late"}]));
    late["usageMetadata"] = json!({"promptTokenCount": 5, "candidatesTokenCount": 9});
    let mut first = finished(json!([{"text": "a"}]), "STOP");
    first["usageMetadata"] = json!({"promptTokenCount": 5, "candidatesTokenCount": 2});
    let chunks = decode(PLAIN, &[first, late]);
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.content, vec![json!({"type": "text", "text": "a"})]);
    assert_eq!(folded.usage, Some([5, 9, 0, 0, 0]));
    assert_eq!(chunks.last(), Some(&raw_message(json!([{"text": "a"}]))));
}

#[test]
fn error_object_after_text_keeps_the_text() {
    let error = json!({"error": {"code": 429, "message": "Resource has been exhausted",
        "status": "RESOURCE_EXHAUSTED"}});
    let chunks = decode(PLAIN, &[parts(json!([{"text": "partial"}])), error]);
    assert_eq!(
        chunks,
        vec![
            Chunk::TextStart,
            text("partial"),
            Chunk::Error(StreamError {
                kind: ErrorKind::RateLimit,
                message: "Resource has been exhausted".into(),
                status_code: Some(429),
            }),
        ]
    );
    let folded = fold(&chunks).unwrap();
    assert!(folded.error.is_some());
}

#[test]
fn error_kinds_follow_status_then_code() {
    let cases = [
        (
            json!({"code": 503, "message": "m", "status": "UNAVAILABLE"}),
            ErrorKind::Server,
        ),
        (
            json!({"code": 500, "message": "m", "status": "INTERNAL"}),
            ErrorKind::Server,
        ),
        (
            json!({"code": 400, "message": "m", "status": "INVALID_ARGUMENT"}),
            ErrorKind::BadRequest,
        ),
        (
            json!({"code": 403, "message": "m", "status": "PERMISSION_DENIED"}),
            ErrorKind::Permission,
        ),
        (
            json!({"code": 404, "message": "m", "status": "SOMETHING_NEW"}),
            ErrorKind::NotFound,
        ),
        (
            json!({"code": 400, "message": "API key not valid. Please pass a valid API key."}),
            ErrorKind::Authentication,
        ),
        (json!({"message": "m"}), ErrorKind::Api),
        (json!("plain text"), ErrorKind::Api),
    ];
    for (error, kind) in cases {
        let chunks = decode(PLAIN, &[json!({ "error": error })]);
        assert_eq!(chunks.len(), 1, "{chunks:?}");
        assert_eq!(error_of(&chunks).kind, kind, "{error}");
    }
    let chunks = decode(PLAIN, &[json!({"error": {"code": 418}})]);
    assert!(error_of(&chunks).message.contains("418"));
}

#[test]
fn eof_without_finish_reason_is_a_connection_error() {
    let chunks = decode(
        THOUGHTS,
        &[parts(
            json!([{"text": "t", "thought": true}, {"text": "cut"}]),
        )],
    );
    assert_eq!(
        chunks[..5],
        [
            Chunk::ThoughtStart,
            thought("t"),
            Chunk::ThoughtEnd,
            Chunk::TextStart,
            text("cut")
        ]
    );
    let error = error_of(&chunks);
    assert_eq!(error.kind, ErrorKind::Connection);
    assert!(error.message.contains("finishReason"));
    assert_eq!(chunks.len(), 6);
    assert_eq!(
        decode_all(WireFormat::Google, PLAIN, b""),
        vec![Chunk::Error(error.clone())]
    );
}

#[test]
fn malformed_json_is_a_validation_error() {
    let body = b"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"a\"}]}}]}\r\n\r\ndata: {\"candidates\": [\r\n\r\ndata: {\"candidates\": []}\r\n\r\n";
    let chunks = decode_all(WireFormat::Google, PLAIN, body);
    assert_eq!(chunks[..2], [Chunk::TextStart, text("a")]);
    validation_error(&chunks, "malformed JSON");
    assert_eq!(chunks.len(), 3);
}

#[test]
fn wrong_shapes_are_validation_errors() {
    for event in [
        json!([1, 2]),
        json!("text"),
        json!({"candidates": {"not": "a list"}}),
        json!({"usageMetadata": {"promptTokenCount": "many"}}),
        parts(json!(["not a part"])),
        parts(json!([{"text": 5}])),
        parts(json!([{"functionCall": "f"}])),
        parts(json!([{"functionCall": {"args": {}}}])),
    ] {
        for options in [
            PLAIN,
            DecodeOptions {
                raw_events: true,
                ..PLAIN
            },
        ] {
            let chunks = decode(options, std::slice::from_ref(&event));
            let error = error_of(&chunks);
            assert_eq!(error.kind, ErrorKind::ResponseValidation, "{event}");
            assert!(error.message.contains("Gemini"), "{}", error.message);
        }
    }
}

#[test]
fn a_40_kb_data_line_decodes_whole() {
    let long: String = "Gemini 世界 ".repeat(4000);
    let events = [finished(json!([{"text": long}]), "STOP")];
    let bytes = body(&events);
    assert!(bytes.len() > 40_000);
    let chunks = decode(PLAIN, &events);
    assert_eq!(chunks[1], text(&long));
    let pieces = decode_split(bytes.as_bytes(), 17);
    assert_eq!(pieces, chunks);
}

#[test]
fn raw_events_come_before_their_content() {
    let first = parts(json!([{"text": "a"}]));
    let last = finished(json!([{"text": "b"}]), "STOP");
    let options = DecodeOptions {
        raw_events: true,
        ..PLAIN
    };
    let chunks = decode(options, &[first.clone(), last.clone()]);
    assert_eq!(
        chunks,
        vec![
            Chunk::RawEvent(first),
            Chunk::TextStart,
            text("a"),
            Chunk::RawEvent(last),
            text("b"),
            Chunk::TextEnd,
            raw_message(json!([{"text": "a"}, {"text": "b"}])),
        ]
    );
}

#[test]
fn unknown_event_types_are_kept_as_raw_events() {
    let body = "event: notice\r\ndata: {\"x\": 1}\r\n\r\nevent: other\r\ndata: not json\r\n\r\n";
    let chunks = decode_all(WireFormat::Google, PLAIN, body.as_bytes());
    assert_eq!(
        chunks[..2],
        [
            Chunk::RawEvent(json!({"x": 1})),
            Chunk::RawEvent(json!("not json"))
        ]
    );
    assert_eq!(error_of(&chunks).kind, ErrorKind::Connection);
}

#[test]
fn raw_message_keeps_parts_verbatim() {
    let part = json!({"thoughtSignature": "sig", "functionCall": {"name": "f", "id": "i",
        "args": {"b": 1, "a": 2}}, "extra": {"z": null}});
    let chunks = decode(PLAIN, &[finished(json!([part]), "STOP")]);
    let Some(Chunk::RawMessage(raw)) = chunks.last() else {
        panic!("{chunks:?}");
    };
    assert_eq!(
        raw.to_string(),
        r#"{"role":"model","parts":[{"thoughtSignature":"sig","functionCall":{"name":"f","id":"i","args":{"b":1,"a":2}},"extra":{"z":null}}]}"#
    );
    assert_eq!(chunks[1], call("i", "f", r#"{"b": 1, "a": 2}"#)[1]);
}

#[test]
fn decoder_is_inert_after_an_error_or_the_end() {
    let mut decoder = Decoder::new(PLAIN);
    let event = |data: &str| Event {
        event: "message".into(),
        data: data.into(),
        id: String::new(),
        retry: None,
    };
    let mut out = Vec::new();
    let identity = &mut ResponseIdentity::default();
    decoder.event(&event("{"), identity, &mut out);
    decoder.event(
        &event(r#"{"candidates": [{"finishReason": "STOP"}]}"#),
        identity,
        &mut out,
    );
    decoder.eof(&mut out);
    decoder.eof(&mut out);
    assert_eq!(out.len(), 1);
    assert!(matches!(out[0], Chunk::Error(_)));
}

fn decode_split(bytes: &[u8], size: usize) -> Vec<Chunk> {
    decode_by(WireFormat::Google, PLAIN, bytes, size)
}

fn decode_at(options: DecodeOptions, bytes: &[u8], cuts: &[usize]) -> Vec<Chunk> {
    decode_cut(WireFormat::Google, options, bytes, cuts)
}

fn check_contract(options: DecodeOptions, chunks: &[Chunk]) -> Result<(), TestCaseError> {
    contract(WireFormat::Google, options, chunks)
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,6}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(("[a-zé]{0,3}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn part() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".{0,8}".prop_map(|t| json!({"text": t})),
        ".{0,8}".prop_map(|t| json!({"text": t, "thought": true})),
        Just(json!({"text": "", "thoughtSignature": "sig"})),
        Just(json!({"thoughtSignature": "sig"})),
        (json_value(), prop::option::of("[a-c]{1,2}")).prop_map(|(args, id)| {
            json!({"functionCall": {"name": "f", "id": id, "args": args}})
        }),
        json_value(),
    ]
}

/// None, the empty object Gemini sends mid-answer, a full one, or an odd shape.
fn grounding() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(Value::Null),
        2 => Just(json!({})),
        2 => (0..3usize).prop_map(|n| full_grounding(n, "a")),
        1 => json_value(),
    ]
}

fn full_grounding(queries: usize, cited: &str) -> Value {
    json!({"webSearchQueries": vec!["q"; queries],
        "groundingChunks": [{"web": {"uri": "https://t.example", "title": "t.example"}}],
        "groundingSupports": [{"segment": {"endIndex": cited.len(), "text": cited},
                               "groundingChunkIndices": [0]}],
        "searchEntryPoint": {"renderedContent": "<div></div>"}})
}

fn payload() -> impl Strategy<Value = String> {
    let reason = prop_oneof![
        Just(Value::Null),
        Just(json!("STOP")),
        Just(json!("MAX_TOKENS")),
        Just(json!("SAFETY")),
        Just(json!("")),
    ];
    let usage = prop::option::of(
        (0..50i64, 0..50i64, 0..5i64)
            .prop_map(|(p, c, t)| json!({"promptTokenCount": p, "candidatesTokenCount": c, "thoughtsTokenCount": t})),
    );
    let event = (
        prop::collection::vec(part(), 0..4),
        reason,
        usage,
        grounding(),
    )
        .prop_map(|(parts, reason, usage, grounding)| {
            json!({"candidates": [{"content": {"parts": parts}, "finishReason": reason,
                "groundingMetadata": grounding}], "usageMetadata": usage})
            .to_string()
        });
    prop_oneof![
        6 => event,
        1 => Just(r#"{"promptFeedback": {"blockReason": "SAFETY"}}"#.to_owned()),
        1 => Just(r#"{"error": {"code": 500, "message": "boom", "status": "INTERNAL"}}"#.to_owned()),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => "[^\r\n]{0,12}",
        1 => Just(r#"{"candidates": [{"content": {"parts": [{"text": "cut"#.to_owned()),
    ]
}

fn sse_body() -> impl Strategy<Value = Vec<u8>> {
    let line_end = prop_oneof![Just("\r\n"), Just("\n"), Just("\r")];
    (
        prop::collection::vec((payload(), line_end), 0..8),
        any::<bool>(),
    )
        .prop_map(|(events, truncate)| {
            let mut body: Vec<u8> = events
                .into_iter()
                .flat_map(|(data, end)| format!("data: {data}{end}{end}").into_bytes())
                .collect();
            if truncate {
                body.truncate(body.len() * 2 / 3);
            }
            body
        })
}

proptest! {
    #[test]
    fn grounded_answers_keep_their_text_and_their_grounding(
        options in options(),
        pieces in prop::collection::vec(".{1,8}", 1..6),
        queries in 0..3usize,
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        // As Gemini sends a grounded answer: `{}` on every event, the metadata with the
        // finish reason, then usage only.
        let text = pieces.concat();
        let mut events: Vec<Value> = pieces.iter().map(|p| {
            let mut event = parts(json!([{"text": p}]));
            event["candidates"][0]["groundingMetadata"] = json!({});
            event
        }).collect();
        let grounding = full_grounding(queries, &text);
        let mut last = finished(json!([]), "STOP");
        last["candidates"][0]["groundingMetadata"] = grounding.clone();
        last["usageMetadata"] = json!({"promptTokenCount": 3, "candidatesTokenCount": 2,
            "toolUsePromptTokenCount": 5});
        events.push(last);
        let body = body(&events);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        cuts.sort_unstable();
        let chunks = decode_at(options, body.as_bytes(), &cuts);
        check_contract(options, &chunks)?;
        let folded = fold(&chunks).map_err(TestCaseError::fail)?;
        prop_assert_eq!(folded.content, vec![json!({"type": "text", "text": text})]);
        prop_assert_eq!(folded.usage, Some([8, 2, 0, 0, 0]));
        let want = (queries > 0).then(|| web_search_usage(i64::try_from(queries).unwrap()));
        prop_assert_eq!(first_tool_usage(&chunks), want);
        let raw_parts: Vec<Value> = pieces.iter().map(|p| json!({"text": p})).collect();
        prop_assert_eq!(chunks.last(), Some(&Chunk::RawMessage(json!({"role": "model",
            "parts": raw_parts, "groundingMetadata": grounding}))));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        options in options(),
        prefix in prop_oneof![
            Just(""),
            Just("data: "),
            Just("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \""),
        ],
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        end in prop_oneof![Just(""), Just("\n\n")],
    ) {
        let body = [prefix.as_bytes(), &bytes, end.as_bytes()].concat();
        let chunks = decode_all(WireFormat::Google, options, &body);
        check_contract(options, &chunks)?;
    }

    #[test]
    fn arbitrary_event_sequences_keep_the_contract(
        options in options(),
        body in sse_body(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let whole = decode_all(WireFormat::Google, options, &body);
        check_contract(options, &whole)?;
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(decode_at(options, &body, &cuts), whole);
    }
}

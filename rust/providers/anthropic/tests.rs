//! Unit and property tests of the Anthropic Messages decoder.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, ToolUsage, Usage};
use crate::providers::common::FORMAT_TOOL_NAME;
use crate::providers::contract::fold;
use crate::providers::test_support::{
    call_delta as tool_chunk, check_contract, decode_by, decode_cut, error_of, options,
    recorded_cases, text as text_chunk, validation_error, PLAIN, THOUGHTS,
};
use crate::providers::{decode_all, WireFormat};

/// One SSE event the way Anthropic sends it: an `event:` line equal to the JSON type.
fn ev(data: &Value) -> String {
    sse_event(data["type"].as_str(), data)
}

fn sse_event(name: Option<&str>, data: impl std::fmt::Display) -> String {
    match name {
        Some(name) => format!("event: {name}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

fn body(events: &[Value]) -> String {
    events.iter().map(ev).collect()
}

fn decode(options: DecodeOptions, body: &str) -> Vec<Chunk> {
    decode_all(WireFormat::Anthropic, options, body.as_bytes())
}

fn message_start(input: i64, output: i64) -> Value {
    json!({"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": [],
        "usage": {"input_tokens": input, "output_tokens": output}}})
}

fn start(index: u64, block: &Value) -> Value {
    json!({"type": "content_block_start", "index": index, "content_block": block})
}

fn text_start(index: u64) -> Value {
    start(index, &json!({"type": "text", "text": ""}))
}

fn thinking_start(index: u64) -> Value {
    start(
        index,
        &json!({"type": "thinking", "thinking": "", "signature": ""}),
    )
}

fn tool_start(index: u64, id: &str, name: &str) -> Value {
    start(
        index,
        &json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
    )
}

fn delta(index: u64, delta: &Value) -> Value {
    json!({"type": "content_block_delta", "index": index, "delta": delta})
}

fn text(index: u64, text: &str) -> Value {
    delta(index, &json!({"type": "text_delta", "text": text}))
}

fn thinking(index: u64, thinking: &str) -> Value {
    delta(
        index,
        &json!({"type": "thinking_delta", "thinking": thinking}),
    )
}

fn signature(index: u64, signature: &str) -> Value {
    delta(
        index,
        &json!({"type": "signature_delta", "signature": signature}),
    )
}

fn args(index: u64, partial: &str) -> Value {
    delta(
        index,
        &json!({"type": "input_json_delta", "partial_json": partial}),
    )
}

fn stop(index: u64) -> Value {
    json!({"type": "content_block_stop", "index": index})
}

fn message_delta(stop_reason: &str, usage: &Value) -> Value {
    json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": usage})
}

fn message_stop() -> Value {
    json!({"type": "message_stop"})
}

fn usage(input: i64, output: i64) -> Chunk {
    Chunk::Usage(Usage {
        input_tokens: input,
        output_tokens: output,
        ..Usage::default()
    })
}

fn raw_message(chunks: &[Chunk]) -> &Value {
    match chunks.last() {
        Some(Chunk::RawMessage(message)) => message,
        other => panic!("expected a raw message last, got {other:?}"),
    }
}

/// A whole message: start, `blocks`, a normal end.
fn message(blocks: &[Value]) -> String {
    let mut events = vec![message_start(5, 1)];
    events.extend_from_slice(blocks);
    events.push(message_delta("end_turn", &json!({"output_tokens": 9})));
    events.push(message_stop());
    body(&events)
}

#[test]
fn interleaved_tool_calls_keep_their_ids() {
    let chunks = decode(
        PLAIN,
        &message(&[
            tool_start(0, "toolu_a", "lookup"),
            tool_start(1, "toolu_b", "lookup"),
            args(0, ""),
            args(1, ""),
            args(1, "{\"q\": "),
            args(0, "{\"q\": \"x"),
            args(1, "\"y\"}"),
            args(0, "\"}"),
            stop(1),
            stop(0),
        ]),
    );
    assert_eq!(
        chunks,
        vec![
            usage(5, 1),
            Chunk::ToolCallStart {
                id: "toolu_a".into(),
                name: "lookup".into()
            },
            Chunk::ToolCallStart {
                id: "toolu_b".into(),
                name: "lookup".into()
            },
            tool_chunk("toolu_a", ""),
            tool_chunk("toolu_b", ""),
            tool_chunk("toolu_b", "{\"q\": "),
            tool_chunk("toolu_a", "{\"q\": \"x"),
            tool_chunk("toolu_b", "\"y\"}"),
            tool_chunk("toolu_a", "\"}"),
            Chunk::ToolCallEnd {
                id: "toolu_b".into()
            },
            Chunk::ToolCallEnd {
                id: "toolu_a".into()
            },
            usage(0, 8),
            Chunk::RawMessage(json!({"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_a", "name": "lookup", "input": {"q": "x"}},
                {"type": "tool_use", "id": "toolu_b", "name": "lookup", "input": {"q": "y"}},
            ]})),
        ]
    );
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.n_chunks, 10);
    assert_eq!(
        folded.content,
        vec![
            json!({"type": "tool_call", "id": "toolu_b", "name": "lookup", "args": "{\"q\": \"y\"}"}),
            json!({"type": "tool_call", "id": "toolu_a", "name": "lookup", "args": "{\"q\": \"x\"}"}),
        ]
    );
}

#[test]
fn signature_deltas_are_concatenated_in_the_raw_message() {
    let chunks = decode(
        THOUGHTS,
        &message(&[
            thinking_start(0),
            thinking(0, "Let me "),
            thinking(0, "think."),
            signature(0, "sig-1/"),
            signature(0, "sig-2/"),
            signature(0, "sig-3"),
            stop(0),
            text_start(1),
            text(1, "Done."),
            stop(1),
        ]),
    );
    assert_eq!(
        chunks.get(1..10),
        Some(
            &[
                Chunk::ThoughtStart,
                Chunk::Thought("Let me ".into()),
                Chunk::Thought("think.".into()),
                Chunk::ThoughtEnd,
                Chunk::TextStart,
                text_chunk("Done."),
                Chunk::TextEnd,
                usage(0, 8),
                Chunk::RawMessage(json!({"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "Let me think.", "signature": "sig-1/sig-2/sig-3"},
                    {"type": "text", "text": "Done."},
                ]})),
            ][..]
        )
    );
}

#[test]
fn hidden_thoughts_stay_in_the_raw_message() {
    let chunks = decode(
        PLAIN,
        &message(&[
            thinking_start(0),
            thinking(0, "secret"),
            signature(0, "sig"),
            stop(0),
            text_start(1),
            text(1, "Hi"),
            stop(1),
        ]),
    );
    assert!(!chunks.iter().any(|c| matches!(
        c,
        Chunk::ThoughtStart | Chunk::Thought(_) | Chunk::ThoughtEnd
    )));
    assert_eq!(
        raw_message(&chunks)["content"],
        json!([
            {"type": "thinking", "thinking": "secret", "signature": "sig"},
            {"type": "text", "text": "Hi"},
        ])
    );
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.content, vec![json!({"type": "text", "text": "Hi"})]);
    assert_eq!(folded.n_chunks, 3);
}

#[test]
fn redacted_thinking_is_raw_only() {
    let redacted = json!({"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"});
    for options in [THOUGHTS, PLAIN] {
        let chunks = decode(
            options,
            &message(&[
                start(0, &redacted),
                stop(0),
                text_start(1),
                text(1, "ok"),
                stop(1),
            ]),
        );
        assert_eq!(
            chunks.get(1..4),
            Some(&[Chunk::TextStart, text_chunk("ok"), Chunk::TextEnd][..])
        );
        assert_eq!(
            raw_message(&chunks)["content"],
            json!([redacted, {"type": "text", "text": "ok"}])
        );
    }
}

#[test]
fn cumulative_usage_across_two_message_deltas() {
    let chunks = decode(
        PLAIN,
        &body(&[
            json!({"type": "message_start", "message": {"usage": {"input_tokens": 10,
                "cache_read_input_tokens": 5, "cache_creation_input_tokens": 2, "output_tokens": 1}}}),
            message_delta("end_turn", &json!({"output_tokens": 20})),
            message_delta(
                "max_tokens",
                &json!({"input_tokens": null, "cache_read_input_tokens": 7, "output_tokens": 30,
                    "server_tool_use": {"web_search_requests": 2}}),
            ),
            message_stop(),
        ]),
    );
    let cached = |input, output, read, write| Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: read,
        cache_write_tokens: write,
        ..Usage::default()
    };
    assert_eq!(
        chunks,
        vec![
            Chunk::Usage(cached(17, 1, 5, 2)),
            Chunk::Usage(cached(0, 19, 0, 0)),
            Chunk::Usage(Usage {
                provider_tool_usage: Some(vec![ToolUsage {
                    name: "web_search".into(),
                    call_count: 2
                }]),
                ..cached(2, 10, 2, 0)
            }),
            Chunk::Finish(FinishReason::MaxTokens),
            Chunk::RawMessage(json!({"role": "assistant", "content": []})),
        ]
    );
    assert_eq!(fold(&chunks).unwrap().usage, Some([19, 30, 7, 2, 0]));
}

#[test]
fn overloaded_error_after_text_keeps_the_text() {
    let mut input = body(&[message_start(5, 1), text_start(0), text(0, "Hel")]);
    input.push_str(
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}   }\n\n",
    );
    input.push_str(&body(&[text(0, "lo"), stop(0), message_stop()]));
    let chunks = decode(PLAIN, &input);
    assert_eq!(chunks.len(), 4);
    assert_eq!(
        chunks.get(..3),
        Some(&[usage(5, 1), Chunk::TextStart, text_chunk("Hel")][..])
    );
    let err = error_of(&chunks);
    assert_eq!(err.kind, ErrorKind::Server);
    assert_eq!(err.status_code, Some(529));
    assert!(err.message.contains("Overloaded"), "{}", err.message);
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.content, vec![json!({"type": "text", "text": "Hel"})]);
}

#[test]
fn error_types_map_to_classes_and_statuses() {
    let cases = [
        ("overloaded_error", ErrorKind::Server, Some(529)),
        ("rate_limit_error", ErrorKind::RateLimit, Some(429)),
        ("api_error", ErrorKind::Server, Some(500)),
        ("invalid_request_error", ErrorKind::BadRequest, Some(400)),
        ("authentication_error", ErrorKind::Authentication, Some(401)),
        ("permission_error", ErrorKind::Permission, Some(403)),
        ("not_found_error", ErrorKind::NotFound, Some(404)),
        ("request_too_large", ErrorKind::BadRequest, Some(413)),
        ("timeout_error", ErrorKind::Server, Some(504)),
        ("billing_error", ErrorKind::Api, Some(402)),
        ("brand_new_error", ErrorKind::Api, None),
    ];
    for (name, kind, status) in cases {
        let input = ev(&json!({"type": "error", "error": {"type": name, "message": "m"}}));
        let chunks = decode(PLAIN, &input);
        assert_eq!(chunks.len(), 1, "{name}");
        let err = error_of(&chunks);
        assert_eq!((err.kind, err.status_code), (kind, status), "{name}");
    }
    // An error body without type or message is still an API error, not a panic.
    let chunks = decode(PLAIN, "event: error\ndata: {}\n\n");
    assert_eq!(error_of(&chunks).kind, ErrorKind::Api);
}

#[test]
fn eof_before_message_stop_is_a_connection_error() {
    let input = body(&[message_start(5, 1), text_start(0), text(0, "partial")]);
    let chunks = decode(PLAIN, &input);
    assert_eq!(
        chunks.get(..3),
        Some(&[usage(5, 1), Chunk::TextStart, text_chunk("partial")][..])
    );
    assert_eq!(chunks.len(), 4);
    let err = error_of(&chunks);
    assert_eq!(err.kind, ErrorKind::Connection);
    assert!(err.message.contains("message_stop"), "{}", err.message);
    // Also after a message_delta, and for an empty body.
    let input = body(&[message_start(5, 1), message_delta("end_turn", &json!({}))]);
    assert_eq!(error_of(&decode(PLAIN, &input)).kind, ErrorKind::Connection);
    assert_eq!(error_of(&decode(PLAIN, "")).kind, ErrorKind::Connection);
}

#[test]
fn malformed_json_is_a_validation_error_naming_the_event() {
    let mut input = body(&[message_start(5, 1), text_start(0)]);
    input.push_str(
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\n\n",
    );
    input.push_str(&body(&[stop(0), message_stop()]));
    for options in [
        PLAIN,
        DecodeOptions {
            raw_events: true,
            ..PLAIN
        },
    ] {
        let chunks = decode(options, &input);
        validation_error(&chunks, "content_block_delta");
        assert_eq!(
            chunks
                .iter()
                .filter(|c| matches!(c, Chunk::Error(_)))
                .count(),
            1
        );
    }
}

#[test]
fn wrong_shapes_are_validation_errors() {
    let cases = [
        // index as a string
        json!({"type": "content_block_delta", "index": "0", "delta": {"type": "text_delta", "text": "x"}}),
        // text_delta without text
        delta(0, &json!({"type": "text_delta"})),
        // a delta of the wrong kind for the block
        args(0, "{}"),
        // a delta for a block that was never started
        text(3, "x"),
        // a stop for a block that was never started
        stop(4),
        // a second block on an index already used
        text_start(0),
        // content_block that is not an object
        json!({"type": "content_block_start", "index": 1, "content_block": "text"}),
        // a tool_use block without an id
        start(1, &json!({"type": "tool_use", "name": "t"})),
        // message_start without a message
        json!({"type": "message_start"}),
    ];
    for case in cases {
        for raw_events in [false, true] {
            let input = body(&[text_start(0), case.clone(), stop(0), message_stop()]);
            let options = DecodeOptions {
                raw_events,
                ..PLAIN
            };
            let chunks = decode(options, &input);
            let err = error_of(&chunks);
            assert_eq!(err.kind, ErrorKind::ResponseValidation, "{case}");
            assert!(fold(&chunks).is_ok(), "{case}");
        }
    }
}

#[test]
fn overlapping_text_parts_are_refused() {
    let input = message(&[text_start(0), text_start(1), stop(1), stop(0)]);
    validation_error(&decode(PLAIN, &input), "still open");
    // Text and an ordinary tool call may overlap: they accumulate apart.
    let input = message(&[
        text_start(0),
        tool_start(1, "toolu_1", "t"),
        text(0, "a"),
        args(1, "{}"),
        stop(0),
        stop(1),
    ]);
    assert!(fold(&decode(PLAIN, &input)).unwrap().error.is_none());
}

#[test]
fn invalid_tool_input_is_a_validation_error() {
    let input = message(&[tool_start(0, "toolu_1", "t"), args(0, "{\"a\": "), stop(0)]);
    let chunks = decode(PLAIN, &input);
    validation_error(&chunks, "toolu_1");
    assert!(!chunks
        .iter()
        .any(|c| matches!(c, Chunk::ToolCallEnd { .. })));
}

#[test]
fn blank_tool_input_is_an_empty_object() {
    let input = message(&[
        tool_start(0, "toolu_1", "t"),
        args(0, ""),
        args(0, " "),
        stop(0),
    ]);
    let chunks = decode(PLAIN, &input);
    assert_eq!(
        raw_message(&chunks)["content"],
        json!([{"type": "tool_use", "id": "toolu_1", "name": "t", "input": {}}])
    );
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.n_chunks, 4);
    assert_eq!(folded.content[0]["args"], "{}");
}

#[test]
fn unknown_events_and_deltas_become_raw_events() {
    let unknown = json!({"type": "message_annotation", "note": "new"});
    let odd_delta = delta(0, &json!({"type": "future_delta", "x": 1}));
    let input = message(&[
        text_start(0),
        unknown.clone(),
        odd_delta.clone(),
        text(0, "a"),
        stop(0),
    ]);
    let chunks = decode(PLAIN, &input);
    assert_eq!(
        chunks.get(1..6),
        Some(
            &[
                Chunk::TextStart,
                Chunk::RawEvent(unknown),
                Chunk::RawEvent(odd_delta),
                text_chunk("a"),
                Chunk::TextEnd,
            ][..]
        )
    );
    assert!(fold(&chunks).unwrap().error.is_none());
}

#[test]
fn raw_events_come_before_their_chunks_and_pings_are_dropped() {
    let events = [
        message_start(5, 1),
        text_start(0),
        text(0, "a"),
        stop(0),
        message_delta("refusal", &json!({"output_tokens": 2})),
        message_stop(),
    ];
    let mut input = ev(&events[0]);
    input.push_str("event: ping\ndata: {\"type\": \"ping\"}\n\n");
    input.push_str(&body(&events[1..]));
    let options = DecodeOptions {
        raw_events: true,
        ..PLAIN
    };
    let chunks = decode(options, &input);
    let raw = |i: usize| Chunk::RawEvent(events[i].clone());
    assert_eq!(
        chunks,
        vec![
            raw(0),
            usage(5, 1),
            raw(1),
            Chunk::TextStart,
            raw(2),
            text_chunk("a"),
            raw(3),
            Chunk::TextEnd,
            raw(4),
            usage(0, 1),
            raw(5),
            Chunk::Finish(FinishReason::Refusal),
            Chunk::RawMessage(
                json!({"role": "assistant", "content": [{"type": "text", "text": "a"}]})
            ),
        ]
    );
}

#[test]
fn stop_reasons_map_to_finish_reasons() {
    let cases = [
        ("max_tokens", Some(FinishReason::MaxTokens)),
        ("refusal", Some(FinishReason::Refusal)),
        (
            "model_context_window_exceeded",
            Some(FinishReason::ContextLengthExceeded),
        ),
        ("end_turn", None),
        ("tool_use", None),
        ("stop_sequence", None),
    ];
    for (reason, want) in cases {
        let input = body(&[
            message_start(1, 1),
            text_start(0),
            text(0, "a"),
            message_delta(reason, &json!({"output_tokens": 2})),
            // Out of order on purpose: the finish chunk still follows all content.
            stop(0),
            message_stop(),
        ]);
        let chunks = decode(PLAIN, &input);
        let finishes: Vec<usize> = chunks
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Chunk::Finish(_)))
            .map(|(i, _)| i)
            .collect();
        match want {
            Some(reason) => {
                assert_eq!(finishes, vec![chunks.len() - 2]);
                assert_eq!(chunks[chunks.len() - 2], Chunk::Finish(reason));
            }
            None => assert!(finishes.is_empty(), "{reason}"),
        }
    }
}

#[test]
fn server_tool_blocks_are_raw_only_and_web_searches_are_counted() {
    let search =
        json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}});
    let result = json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1",
        "content": [{"type": "web_search_result", "url": "https://example.com", "encrypted_content": "abc"}]});
    let cited = json!({"type": "char_location", "cited_text": "x"});
    let input = message(&[
        start(0, &search),
        args(0, ""),
        args(0, "{\"query\": \"rust"),
        args(0, "\"}"),
        stop(0),
        start(1, &result),
        stop(1),
        text_start(2),
        text(2, "See"),
        delta(2, &json!({"type": "citations_delta", "citation": cited})),
        stop(2),
        message_delta(
            "end_turn",
            &json!({"output_tokens": 40, "server_tool_use": {"web_search_requests": 1}}),
        ),
    ]);
    let chunks = decode(THOUGHTS, &input);
    assert_eq!(
        chunks.get(1..4),
        Some(&[Chunk::TextStart, text_chunk("See"), Chunk::TextEnd][..])
    );
    let mut filled = search.clone();
    filled["input"] = json!({"query": "rust"});
    assert_eq!(
        raw_message(&chunks)["content"],
        json!([filled, result, {"type": "text", "text": "See", "citations": [cited]}])
    );
    let searches: Vec<_> = chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::Usage(u) => u.provider_tool_usage.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(
        searches,
        vec![vec![ToolUsage {
            name: "web_search".into(),
            call_count: 1
        }]]
    );
}

#[test]
fn long_single_data_line() {
    let long: String = "0123456789\"\\é".repeat(4_000);
    let input = message(&[text_start(0), text(0, &long), stop(0)]);
    assert!(input.lines().any(|l| l.len() > 40 * 1024));
    let whole = decode(PLAIN, &input);
    assert_eq!(whole.get(2), Some(&Chunk::Text(long)));
    let pieces = decode_by(WireFormat::Anthropic, PLAIN, input.as_bytes(), 997);
    assert_eq!(pieces, whole);
}

#[test]
fn escaped_strings_decode_in_both_paths() {
    let input = message(&[
        text_start(0),
        text(0, "line\n\"quoted\" \u{e9}\u{1f600}"),
        stop(0),
    ]);
    for raw_events in [false, true] {
        let chunks = decode(
            DecodeOptions {
                raw_events,
                ..PLAIN
            },
            &input,
        );
        assert!(chunks.contains(&text_chunk("line\n\"quoted\" \u{e9}\u{1f600}")));
    }
}

#[test]
fn events_without_an_event_line_dispatch_on_their_type() {
    let events = [
        message_start(3, 1),
        text_start(0),
        text(0, "x"),
        stop(0),
        message_stop(),
    ];
    let input: String = events.iter().map(|e| sse_event(None, e)).collect();
    let chunks = decode(PLAIN, &input);
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.content, vec![json!({"type": "text", "text": "x"})]);
    assert_eq!(folded.raw_messages, 1);
}

#[test]
fn events_after_message_stop_are_ignored() {
    let mut input = message(&[text_start(0), text(0, "x"), stop(0)]);
    input.push_str(&body(&[text_start(1), text(1, "late")]));
    input.push_str("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"}}\n\nevent: x\ndata: nonsense\n\n");
    let chunks = decode(PLAIN, &input);
    assert_eq!(raw_message(&chunks)["content"][0]["text"], "x");
}

#[test]
fn message_stop_closes_blocks_left_open() {
    let input = message(&[
        text_start(0),
        text(0, "x"),
        tool_start(1, "toolu_1", "t"),
        args(1, "{}"),
    ]);
    let chunks = decode(PLAIN, &input);
    let folded = fold(&chunks).unwrap();
    assert!(folded.error.is_none());
    assert_eq!(folded.content.len(), 2);
}

#[test]
fn format_tool_is_an_ordinary_tool_call() {
    let input = message(&[
        tool_start(0, "toolu_f", FORMAT_TOOL_NAME),
        args(0, ""),
        args(0, "{\"a\": 1}"),
        stop(0),
    ]);
    let chunks = decode(PLAIN, &input);
    assert_eq!(
        chunks.get(1..5),
        Some(
            &[
                Chunk::ToolCallStart {
                    id: "toolu_f".into(),
                    name: FORMAT_TOOL_NAME.into()
                },
                tool_chunk("toolu_f", ""),
                tool_chunk("toolu_f", "{\"a\": 1}"),
                Chunk::ToolCallEnd {
                    id: "toolu_f".into()
                },
            ][..]
        )
    );
    assert_eq!(
        fold(&chunks).unwrap().content,
        vec![json!({"type": "text", "text": "{\"a\": 1}"})]
    );
}

/// Every recorded Anthropic body, with raw events on: one raw event per non-ping event,
/// each before its chunks, and the other chunks exactly as with raw events off.
#[test]
fn raw_events_leave_the_recorded_streams_unchanged() {
    let all: Vec<String> = recorded_cases("anthropic")
        .iter()
        .flat_map(|(_, case)| case["interactions"].as_array().cloned().unwrap_or_default())
        .filter(|turn| turn["response"]["status"] == 200)
        .map(|turn| {
            turn["response"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(all.len() > 40);
    for input in all {
        let plain = decode(THOUGHTS, &input);
        let with_raw = decode(
            DecodeOptions {
                raw_events: true,
                ..THOUGHTS
            },
            &input,
        );
        let (raw, rest): (Vec<_>, Vec<_>) = with_raw
            .into_iter()
            .partition(|c| matches!(c, Chunk::RawEvent(_)));
        assert_eq!(rest, plain);
        let events = input.matches("\ndata: ").count() + usize::from(input.starts_with("data: "));
        let pings = input.matches("event: ping\n").count();
        assert_eq!(raw.len(), events - pings);
    }
}

// -----------------------------------------------------------------------------------------
// Properties
// -----------------------------------------------------------------------------------------

fn decode_split(options: DecodeOptions, input: &[u8], cuts: &[usize]) -> Vec<Chunk> {
    decode_cut(WireFormat::Anthropic, options, input, cuts)
}

fn check(chunks: &[Chunk], options: DecodeOptions) -> Result<(), TestCaseError> {
    check_contract(WireFormat::Anthropic, options, chunks)
}

fn piece() -> impl Strategy<Value = String> {
    "[a-z\"\\\\{}:é ]{0,6}"
}

/// One plausible (or deliberately odd) event, as `(event line, data)`.
fn event() -> impl Strategy<Value = (String, String)> {
    let index = 0u64..3;
    let named = |v: Value| {
        let name = v["type"].as_str().unwrap_or("message").to_owned();
        (name, v.to_string())
    };
    prop_oneof![
        1 => (0i64..50, 0i64..5).prop_map(move |(i, o)| named(message_start(i, o))),
        2 => (index.clone(), 0..7u8, any::<bool>()).prop_map(move |(i, kind, format)| {
            let name = if format { FORMAT_TOOL_NAME } else { "tool" };
            named(match kind {
                0 => text_start(i),
                1 => thinking_start(i),
                2 => tool_start(i, &format!("toolu_{i}"), name),
                3 => start(i, &json!({"type": "redacted_thinking", "data": "x"})),
                4 => start(i, &json!({"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}})),
                5 => start(i, &search_result("s")),
                _ => start(i, &json!({"type": "mystery"})),
            })
        }),
        4 => (index.clone(), 0..7u8, piece()).prop_map(move |(i, kind, s)| {
            named(match kind {
                0 => text(i, &s),
                1 => thinking(i, &s),
                2 => args(i, &s),
                3 => signature(i, &s),
                4 => args(i, if s.len() % 2 == 0 { "{}" } else { "" }),
                5 => delta(i, &json!({"type": "citations_delta", "citation": {"n": s}})),
                _ => delta(i, &json!({"type": "citations_delta", "citation": citation(&s)})),
            })
        }),
        2 => index.prop_map(move |i| named(stop(i))),
        1 => (prop::sample::select(vec!["end_turn", "max_tokens", "refusal", "tool_use"]), 0i64..100)
            .prop_map(move |(r, o)| named(message_delta(r, &json!({"output_tokens": o})))),
        1 => (0i64..4).prop_map(move |n| named(message_delta("end_turn",
            &json!({"output_tokens": 3, "server_tool_use": {"web_search_requests": n}})))),
        1 => Just(named(message_stop())),
        1 => Just(("ping".to_owned(), "{\"type\": \"ping\"}".to_owned())),
        1 => Just(named(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))),
        1 => Just(named(json!({"type": "something_new", "x": [1, 2]}))),
        // Malformed or truncated data under a known name.
        1 => (prop::sample::select(vec!["content_block_delta", "message_start", "message", "error"]), piece())
            .prop_map(|(name, s)| (name.to_owned(), s)),
    ]
}

fn sse_body(events: &[(String, String)], tail_stop: bool) -> String {
    let mut out: String = events
        .iter()
        .map(|(name, data)| sse_event(Some(name), data))
        .collect();
    if tail_stop {
        out.push_str(&ev(&message_stop()));
    }
    out
}

fn search_result(id: &str) -> Value {
    json!({"type": "web_search_tool_result", "tool_use_id": id, "content": [
        {"type": "web_search_result", "title": "T", "url": "https://t.example",
         "encrypted_content": "RW5j", "page_age": null}]})
}

fn citation(cited: &str) -> Value {
    json!({"type": "web_search_result_location", "cited_text": cited,
           "url": "https://t.example", "title": "T", "encrypted_index": "aQ=="})
}

/// A block of a well-formed message, for the round-trip property.
#[derive(Debug, Clone)]
enum Spec {
    Text(Vec<String>),
    Thinking(Vec<String>),
    /// A tool call whose argument JSON is cut at the given (char-boundary) points.
    Tool(String, Vec<usize>),
    /// A web search the API runs: a `server_tool_use` block whose query streams as
    /// `input_json_delta`s cut at these points, then its `web_search_tool_result`.
    Search(String, Vec<usize>),
    /// A text block whose pieces are followed by this many `citations_delta`s.
    Cited(Vec<String>, usize),
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        proptest::collection::vec(piece(), 0..5).prop_map(Spec::Text),
        proptest::collection::vec(piece(), 0..5).prop_map(Spec::Thinking),
        (piece(), proptest::collection::vec(any::<usize>(), 0..4))
            .prop_map(|(value, cuts)| Spec::Tool(value, cuts)),
        (piece(), proptest::collection::vec(any::<usize>(), 0..4))
            .prop_map(|(query, cuts)| Spec::Search(query, cuts)),
        (proptest::collection::vec(piece(), 0..4), 0..3usize)
            .prop_map(|(pieces, n)| Spec::Cited(pieces, n)),
    ]
}

fn cut_str(s: &str, cuts: &[usize]) -> Vec<String> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| c % (s.len() + 1))
        .filter(|&c| s.is_char_boundary(c))
        .chain([0, s.len()])
        .collect();
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| s[w[0]..w[1]].to_owned())
        .collect()
}

/// A well-formed message of `specs`.
struct WellFormed {
    body: String,
    /// What a response must fold it into.
    content: Vec<Value>,
    n_chunks: usize,
    /// The blocks of its raw message, as the API would return them non-streamed.
    raw: Vec<Value>,
    searches: i64,
}

fn well_formed(specs: &[Spec], show_thoughts: bool) -> WellFormed {
    let mut events = vec![message_start(7, 1)];
    let (mut content, mut raw) = (Vec::new(), Vec::new());
    let (mut n_chunks, mut searches, mut i) = (0, 0, 0u64);
    for spec in specs {
        match spec {
            Spec::Text(pieces) => {
                events.push(text_start(i));
                events.extend(pieces.iter().map(|p| text(i, p)));
                content.push(json!({"type": "text", "text": pieces.concat()}));
                raw.push(json!({"type": "text", "text": pieces.concat()}));
                n_chunks += pieces.len() + 2;
            }
            Spec::Thinking(pieces) => {
                events.push(thinking_start(i));
                events.extend(pieces.iter().map(|p| thinking(i, p)));
                events.push(signature(i, "sig"));
                raw.push(
                    json!({"type": "thinking", "thinking": pieces.concat(), "signature": "sig"}),
                );
                if show_thoughts {
                    content.push(json!({"type": "thought", "thought": pieces.concat()}));
                    n_chunks += pieces.len() + 2;
                }
            }
            Spec::Tool(value, cuts) => {
                let id = format!("toolu_{i}");
                let arguments = json!({"v": value}).to_string();
                let pieces = cut_str(&arguments, cuts);
                events.push(tool_start(i, &id, "tool"));
                events.push(args(i, ""));
                events.extend(pieces.iter().map(|p| args(i, p)));
                content.push(
                    json!({"type": "tool_call", "id": id, "name": "tool", "args": arguments}),
                );
                raw.push(
                    json!({"type": "tool_use", "id": id, "name": "tool", "input": {"v": value}}),
                );
                n_chunks += pieces.len() + 3;
            }
            Spec::Search(query, cuts) => {
                let id = format!("srvtoolu_{i}");
                let input = json!({"query": query});
                let server =
                    json!({"type": "server_tool_use", "id": id, "name": "web_search", "input": {}});
                events.push(start(i, &server));
                events.push(args(i, ""));
                events.extend(cut_str(&input.to_string(), cuts).iter().map(|p| args(i, p)));
                events.push(stop(i));
                i += 1;
                events.push(start(i, &search_result(&id)));
                raw.push(json!({"type": "server_tool_use", "id": id, "name": "web_search", "input": input}));
                raw.push(search_result(&id));
                searches += 1;
            }
            Spec::Cited(pieces, n) => {
                events.push(start(
                    i,
                    &json!({"citations": [], "type": "text", "text": ""}),
                ));
                let cites: Vec<Value> = (0..*n).map(|k| citation(&k.to_string())).collect();
                events.extend(
                    cites
                        .iter()
                        .map(|c| delta(i, &json!({"type": "citations_delta", "citation": c}))),
                );
                events.extend(pieces.iter().map(|p| text(i, p)));
                content.push(json!({"type": "text", "text": pieces.concat()}));
                let mut block = json!({"type": "text", "text": pieces.concat()});
                if *n > 0 {
                    block["citations"] = Value::Array(cites);
                }
                raw.push(block);
                n_chunks += pieces.len() + 2;
            }
        }
        events.push(stop(i));
        i += 1;
    }
    let mut usage = json!({"output_tokens": 10});
    if searches > 0 {
        usage["server_tool_use"] = json!({"web_search_requests": searches});
    }
    events.push(message_delta("end_turn", &usage));
    events.push(message_stop());
    WellFormed {
        body: body(&events),
        content,
        n_chunks,
        raw,
        searches,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..512), options in options()) {
        check(&decode_all(WireFormat::Anthropic, options, &input), options)?;
    }

    #[test]
    fn event_sequences_keep_the_contract(
        events in proptest::collection::vec(event(), 0..24),
        tail_stop in any::<bool>(),
        options in options(),
    ) {
        let input = sse_body(&events, tail_stop);
        check(&decode(options, &input), options)?;
    }

    #[test]
    fn any_split_gives_the_same_chunks(
        events in proptest::collection::vec(event(), 0..16),
        tail_stop in any::<bool>(),
        options in options(),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let input = sse_body(&events, tail_stop);
        let whole = decode(options, &input);
        prop_assert_eq!(decode_split(options, input.as_bytes(), &cuts), whole);
    }

    #[test]
    fn well_formed_messages_round_trip(
        specs in proptest::collection::vec(spec(), 0..6),
        options in options(),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let want = well_formed(&specs, options.include_thoughts);
        let chunks = decode_split(options, want.body.as_bytes(), &cuts);
        check(&chunks, options)?;
        let folded = fold(&chunks).map_err(TestCaseError::fail)?;
        prop_assert_eq!(folded.error, None);
        prop_assert_eq!(folded.content, want.content);
        prop_assert_eq!(folded.n_chunks, want.n_chunks);
        prop_assert_eq!(folded.usage, Some([7, 10, 0, 0, 0]));
        prop_assert_eq!(folded.raw_messages, 1);
        prop_assert_eq!(raw_message(&chunks), &json!({"role": "assistant", "content": want.raw}));
        let tool_usage = chunks.iter().rev().find_map(|c| match c {
            Chunk::Usage(u) => u.provider_tool_usage.clone(),
            _ => None,
        });
        let searches = (want.searches > 0).then(|| vec![ToolUsage {
            name: "web_search".into(),
            call_count: want.searches,
        }]);
        prop_assert_eq!(tool_usage, searches);
    }
}

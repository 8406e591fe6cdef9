//! Unit and property tests of the Responses decoder.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::chunk::ToolUsage;
use crate::providers::common::web_search_usage;
use crate::providers::common::FORMAT_TOOL_NAME;
use crate::providers::contract::fold;
use crate::providers::test_support::{
    call_delta as delta, call_end as end, call_start as start, check_contract as contract,
    decode_cut, error_of, first_tool_usage, options, text, validation_error, PLAIN, RAW, THOUGHTS,
};
use crate::providers::{decode_all, WireFormat};

fn sse(events: &[Value]) -> String {
    let mut body = String::new();
    for event in events {
        let name = event["type"].as_str().unwrap_or("message");
        for piece in ["event: ", name, "\ndata: ", &event.to_string(), "\n\n"] {
            body.push_str(piece);
        }
    }
    body
}

fn decode(options: DecodeOptions, events: &[Value]) -> Vec<Chunk> {
    decode_all(WireFormat::OpenAiResponses, options, sse(events).as_bytes())
}

fn part_added(item: &str, part_type: &str) -> Value {
    json!({"type": "response.content_part.added", "item_id": item, "output_index": 0,
           "content_index": 0, "part": {"type": part_type, "text": ""}})
}

fn text_delta(item: &str, delta: &str) -> Value {
    json!({"type": "response.output_text.delta", "item_id": item, "output_index": 0,
           "content_index": 0, "delta": delta, "logprobs": [], "obfuscation": "xyz"})
}

fn text_done(item: &str) -> Value {
    json!({"type": "response.output_text.done", "item_id": item, "content_index": 0,
           "text": "whole"})
}

fn call_added(item: &str, call_id: &str, name: &str) -> Value {
    json!({"type": "response.output_item.added", "output_index": 0,
           "item": {"id": item, "type": "function_call", "status": "in_progress",
                    "arguments": "", "call_id": call_id, "name": name}})
}

fn call_item(item: &str, call_id: &str, name: &str, arguments: &str) -> Value {
    json!({"id": item, "type": "function_call", "status": "completed",
           "arguments": arguments, "call_id": call_id, "name": name})
}

fn args_delta(item: &str, delta: &str) -> Value {
    json!({"type": "response.function_call_arguments.delta", "item_id": item,
           "output_index": 0, "delta": delta})
}

fn args_done(item: &str, arguments: &str) -> Value {
    json!({"type": "response.function_call_arguments.done", "item_id": item,
           "output_index": 0, "arguments": arguments})
}

fn summary_delta(item: &str, index: u64, delta: &str) -> Value {
    json!({"type": "response.reasoning_summary_text.delta", "item_id": item,
           "output_index": 0, "summary_index": index, "delta": delta})
}

fn summary_done(item: &str, index: u64) -> Value {
    json!({"type": "response.reasoning_summary_text.done", "item_id": item,
           "output_index": 0, "summary_index": index, "text": "whole"})
}

fn response(kind: &str, output: &Value, extra: &Value) -> Value {
    let mut response = json!({"id": "resp_1", "status": "completed", "error": null,
        "incomplete_details": null, "output": output,
        "usage": {"input_tokens": 11, "input_tokens_details": {"cached_tokens": 3},
                  "output_tokens": 7, "output_tokens_details": {"reasoning_tokens": 2},
                  "total_tokens": 18}});
    if let (Some(fields), Some(extra)) = (response.as_object_mut(), extra.as_object()) {
        fields.extend(extra.clone());
    }
    json!({"type": kind, "response": response})
}

fn completed(output: &Value) -> Value {
    response("response.completed", output, &json!({}))
}

fn usage_chunk() -> Chunk {
    Chunk::Usage(Usage {
        input_tokens: 11,
        output_tokens: 7,
        cache_read_tokens: 3,
        cache_write_tokens: 0,
        reasoning_tokens: 2,
        provider_tool_usage: None,
    })
}

/// Found by `rust/fuzz` (openai_responses): a text delta arriving while a format-tool call
/// was open (its `.done` events lost) started a text part overlapping the call, which the
/// Python layer shows as text too ("Received a text/thought start while another part is
/// open"); a second format-tool call overlapped the first the same way.
#[test]
fn a_format_tool_call_never_overlaps_a_part_or_another_one() {
    let tool = FORMAT_TOOL_NAME;
    let chunks = decode(
        THOUGHTS,
        &[
            call_added("fc_1", "call_1", tool),
            args_delta("fc_1", "{\"a\":"),
            text_delta("msg_1", "hi"),
            // The ended call takes no more deltas.
            args_delta("fc_1", "1}"),
            call_added("fc_2", "call_2", tool),
            call_added("fc_3", "call_3", tool),
            summary_delta("rs_1", 0, "hm"),
            completed(&json!([])),
        ],
    );
    assert_eq!(
        chunks,
        [
            start("call_1", tool),
            delta("call_1", "{\"a\":"),
            end("call_1"),
            Chunk::TextStart,
            text("hi"),
            Chunk::TextEnd,
            start("call_2", tool),
            end("call_2"),
            start("call_3", tool),
            end("call_3"),
            Chunk::ThoughtStart,
            Chunk::Thought("hm".into()),
            Chunk::ThoughtEnd,
            usage_chunk(),
            Chunk::RawMessage(json!([])),
        ]
    );
    assert!(fold(&chunks).is_ok_and(|f| f.error.is_none()));
}

#[test]
fn interleaved_argument_deltas_keep_their_call_ids() {
    let output = json!([
        call_item("fc_a", "call_a", "get_weather", r#"{"city":"Oslo"}"#),
        call_item("fc_b", "call_b", "get_time", r#"{"tz":"CET"}"#),
    ]);
    let chunks = decode(
        PLAIN,
        &[
            call_added("fc_a", "call_a", "get_weather"),
            call_added("fc_b", "call_b", "get_time"),
            args_delta("fc_a", r#"{"city":"#),
            args_delta("fc_b", r#"{"tz":"#),
            args_delta("fc_a", r#""Oslo"}"#),
            args_delta("fc_b", r#""CET"}"#),
            args_done("fc_b", r#"{"tz":"CET"}"#),
            args_done("fc_a", r#"{"city":"Oslo"}"#),
            completed(&output),
        ],
    );
    assert_eq!(
        chunks,
        vec![
            start("call_a", "get_weather"),
            start("call_b", "get_time"),
            delta("call_a", r#"{"city":"#),
            delta("call_b", r#"{"tz":"#),
            delta("call_a", r#""Oslo"}"#),
            delta("call_b", r#""CET"}"#),
            end("call_b"),
            end("call_a"),
            usage_chunk(),
            Chunk::RawMessage(output),
        ]
    );
    let folded = fold(&chunks).unwrap();
    assert_eq!(folded.content[0]["args"], r#"{"tz":"CET"}"#);
    assert_eq!(folded.content[1]["args"], r#"{"city":"Oslo"}"#);
}

#[test]
fn a_call_without_arguments_done_is_closed_by_its_output_item_done() {
    let item = call_item("fc_a", "call_a", "f", r#"{"x":1}"#);
    let chunks = decode(
        PLAIN,
        &[
            call_added("fc_a", "call_a", "f"),
            args_delta("fc_a", r#"{"x":1}"#),
            json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
            completed(&json!([item])),
        ],
    );
    assert_eq!(
        chunks[..3],
        [
            start("call_a", "f"),
            delta("call_a", r#"{"x":1}"#),
            end("call_a")
        ]
    );
    assert_eq!(chunks.len(), 5);
}

#[test]
fn a_call_that_got_no_deltas_takes_its_arguments_from_the_closing_event() {
    let item = call_item("fc_a", "call_a", "f", r#"{"x":1}"#);
    let from_item_done = decode(
        PLAIN,
        &[
            call_added("fc_a", "call_a", "f"),
            json!({"type": "response.output_item.done", "item": item}),
            completed(&json!([item])),
        ],
    );
    let from_arguments_done = decode(
        PLAIN,
        &[
            call_added("fc_a", "call_a", "f"),
            args_done("fc_a", r#"{"x":1}"#),
            completed(&json!([item])),
        ],
    );
    for chunks in [from_item_done, from_arguments_done] {
        assert_eq!(
            chunks[..3],
            [
                start("call_a", "f"),
                delta("call_a", r#"{"x":1}"#),
                end("call_a")
            ]
        );
    }
}

#[test]
fn the_terminal_event_closes_what_the_stream_left_open() {
    let chunks = decode(
        PLAIN,
        &[
            part_added("msg_1", "output_text"),
            text_delta("msg_1", "hi"),
            call_added("fc_a", "call_a", "f"),
            args_delta("fc_a", "{}"),
            completed(&json!([])),
        ],
    );
    assert_eq!(
        chunks[..6],
        [
            Chunk::TextStart,
            text("hi"),
            Chunk::TextEnd,
            start("call_a", "f"),
            delta("call_a", "{}"),
            end("call_a"),
        ]
    );
    fold(&chunks).unwrap();
}

fn reasoning_stream() -> Vec<Value> {
    vec![
        json!({"type": "response.created", "response": {"id": "resp_1", "output": []}}),
        json!({"type": "response.output_item.added",
               "item": {"id": "rs_1", "type": "reasoning", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1",
               "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
        summary_delta("rs_1", 0, "**Plan**"),
        summary_delta("rs_1", 0, " add"),
        summary_done("rs_1", 0),
        json!({"type": "response.reasoning_summary_part.done", "item_id": "rs_1",
               "summary_index": 0, "part": {"type": "summary_text", "text": "x"}}),
        summary_delta("rs_1", 1, "**Check**"),
        summary_done("rs_1", 1),
        part_added("msg_1", "output_text"),
        text_delta("msg_1", "4"),
        text_done("msg_1"),
        completed(&json!([])),
    ]
}

#[test]
fn each_reasoning_summary_part_is_its_own_thought() {
    let chunks = decode(THOUGHTS, &reasoning_stream());
    assert_eq!(
        chunks,
        vec![
            Chunk::ThoughtStart,
            Chunk::Thought("**Plan**".into()),
            Chunk::Thought(" add".into()),
            Chunk::ThoughtEnd,
            Chunk::ThoughtStart,
            Chunk::Thought("**Check**".into()),
            Chunk::ThoughtEnd,
            Chunk::TextStart,
            text("4"),
            Chunk::TextEnd,
            usage_chunk(),
            Chunk::RawMessage(json!([])),
        ]
    );
}

#[test]
fn reasoning_summaries_make_no_chunks_without_include_thoughts() {
    let chunks = decode(PLAIN, &reasoning_stream());
    assert_eq!(
        chunks,
        vec![
            Chunk::TextStart,
            text("4"),
            Chunk::TextEnd,
            usage_chunk(),
            Chunk::RawMessage(json!([])),
        ]
    );
}

#[test]
fn reasoning_text_deltas_are_thoughts_too() {
    let event = |kind: &str, delta: &str| json!({"type": kind, "item_id": "rs_1", "content_index": 0, "delta": delta});
    let events = [
        event("response.reasoning_text.delta", "think"),
        event("response.reasoning_text.done", ""),
        completed(&json!([])),
    ];
    let chunks = decode(THOUGHTS, &events);
    assert_eq!(
        chunks[..3],
        [
            Chunk::ThoughtStart,
            Chunk::Thought("think".into()),
            Chunk::ThoughtEnd
        ]
    );
    assert_eq!(decode(PLAIN, &events).len(), 2);
}

#[test]
fn text_and_thought_parts_never_overlap() {
    let chunks = decode(
        THOUGHTS,
        &[
            text_delta("msg_1", "a"),
            summary_delta("rs_1", 0, "b"),
            text_delta("msg_1", "c"),
            completed(&json!([])),
        ],
    );
    assert_eq!(
        chunks[..9],
        [
            Chunk::TextStart,
            text("a"),
            Chunk::TextEnd,
            Chunk::ThoughtStart,
            Chunk::Thought("b".into()),
            Chunk::ThoughtEnd,
            Chunk::TextStart,
            text("c"),
            Chunk::TextEnd,
        ]
    );
}

#[test]
fn refusal_is_text_with_a_refusal_finish() {
    let refusal = |kind: &str, field: &str, value: &str| json!({"type": kind, "item_id": "msg_1", "content_index": 0, field: value});
    let output = json!([{"id": "msg_1", "type": "message", "role": "assistant",
                         "content": [{"type": "refusal", "refusal": "No."}]}]);
    let chunks = decode(
        PLAIN,
        &[
            part_added("msg_1", "refusal"),
            refusal("response.refusal.delta", "delta", "No"),
            refusal("response.refusal.delta", "delta", "."),
            refusal("response.refusal.done", "refusal", "No."),
            completed(&output),
        ],
    );
    assert_eq!(
        chunks,
        vec![
            Chunk::TextStart,
            text("No"),
            text("."),
            Chunk::TextEnd,
            Chunk::Finish(FinishReason::Refusal),
            usage_chunk(),
            Chunk::RawMessage(output),
        ]
    );
}

#[test]
fn incomplete_maps_its_reason_and_reports_usage() {
    for (reason, finish) in [
        ("max_output_tokens", Some(FinishReason::MaxTokens)),
        ("content_filter", Some(FinishReason::Refusal)),
        ("something_new", None),
    ] {
        let extra = json!({"status": "incomplete", "incomplete_details": {"reason": reason}});
        let chunks = decode(
            PLAIN,
            &[
                text_delta("msg_1", "Sure"),
                response("response.incomplete", &json!([]), &extra),
            ],
        );
        let mut expected = vec![Chunk::TextStart, text("Sure"), Chunk::TextEnd];
        expected.extend(finish.map(Chunk::Finish));
        expected.extend([usage_chunk(), Chunk::RawMessage(json!([]))]);
        assert_eq!(chunks, expected, "{reason}");
    }
}

#[test]
fn web_search_items_become_provider_tool_usage() {
    let search = json!({"id": "ws_1", "type": "web_search_call", "status": "completed",
                        "action": {"type": "search", "query": "rust"}});
    let chunks = decode(PLAIN, &[completed(&json!([search, search]))]);
    let Some(Chunk::Usage(usage)) = chunks.first() else {
        panic!("no usage: {chunks:?}");
    };
    assert_eq!(
        usage.provider_tool_usage,
        Some(vec![ToolUsage {
            name: "web_search".into(),
            call_count: 2
        }])
    );
}

#[test]
fn web_search_actions_carry_sources_as_the_sdk_dumps_them() {
    let search = json!({"id": "ws_1", "type": "web_search_call", "status": "completed",
                        "action": {"type": "search", "query": "rust"}});
    let listed = json!({"id": "ws_2", "type": "web_search_call", "status": "completed",
                        "action": {"type": "search", "query": "rust", "sources": [{"type": "url", "url": "u"}]}});
    let opened = json!({"id": "ws_3", "type": "web_search_call", "status": "completed",
                        "action": {"type": "open_page", "url": "u"}});
    let chunks = decode(PLAIN, &[completed(&json!([search, listed, opened]))]);
    let mut filled = search.clone();
    filled["action"]["sources"] = Value::Null;
    assert_eq!(
        chunks.last(),
        Some(&Chunk::RawMessage(json!([filled, listed, opened])))
    );
}

#[test]
fn the_raw_message_drops_top_level_nulls_only() {
    let item = json!({"id": "fc_a", "type": "function_call", "status": null,
                      "arguments": "{}", "call_id": "call_a", "name": "f",
                      "extra": {"kept": null}});
    let chunks = decode(PLAIN, &[completed(&json!([item]))]);
    assert_eq!(
        chunks.last(),
        Some(&Chunk::RawMessage(
            json!([{"id": "fc_a", "type": "function_call",
            "arguments": "{}", "call_id": "call_a", "name": "f",
            "extra": {"kept": null}}])
        ))
    );
}

#[test]
fn response_failed_after_text_keeps_the_text_and_ends_in_one_error() {
    let failed = json!({"type": "response.failed", "response": {"id": "resp_1",
        "status": "failed", "error": {"code": "server_error", "message": "boom"}}});
    let chunks = decode(
        PLAIN,
        &[
            text_delta("msg_1", "Hel"),
            failed,
            text_delta("msg_1", "lo"),
        ],
    );
    assert_eq!(
        chunks,
        vec![
            Chunk::TextStart,
            text("Hel"),
            Chunk::Error(StreamError::new(
                ErrorKind::Server,
                "response failed: server_error: boom"
            )),
        ]
    );
    fold(&chunks).unwrap();
}

#[test]
fn response_failed_without_details_is_a_plain_api_error() {
    let failed = json!({"type": "response.failed", "response": {"error": null}});
    let chunks = decode(PLAIN, &[failed]);
    assert_eq!(
        error_of(&chunks),
        &StreamError::new(
            ErrorKind::Api,
            "response failed: unknown_error: no error message"
        )
    );
}

#[test]
fn error_events_map_by_code_or_type() {
    let cases = [
        (
            json!({"type": "error", "code": "rate_limit_exceeded", "message": "slow down",
                   "param": null}),
            ErrorKind::RateLimit,
            None,
            "response failed: rate_limit_exceeded: slow down",
        ),
        (
            json!({"type": "error", "error": {"type": "invalid_request_error",
                   "code": null, "message": "bad input"}}),
            ErrorKind::BadRequest,
            None,
            "response failed: invalid_request_error: bad input",
        ),
        (
            json!({"type": "error", "code": "503", "message": "unavailable"}),
            ErrorKind::Server,
            Some(503),
            "response failed: 503: unavailable",
        ),
        (
            json!({"type": "error", "code": 404, "message": "gone"}),
            ErrorKind::NotFound,
            Some(404),
            "response failed: 404: gone",
        ),
        (
            json!({"type": "error", "code": "weird", "message": "?"}),
            ErrorKind::Api,
            None,
            "response failed: weird: ?",
        ),
    ];
    for (event, kind, status_code, message) in cases {
        let chunks = decode(PLAIN, &[text_delta("msg_1", "partial"), event]);
        assert_eq!(chunks[..2], [Chunk::TextStart, text("partial")]);
        assert_eq!(chunks.len(), 3);
        assert_eq!(
            error_of(&chunks),
            &StreamError {
                kind,
                message: message.into(),
                status_code
            }
        );
    }
}

#[test]
fn eof_before_the_terminal_event_is_a_connection_error() {
    let chunks = decode(
        PLAIN,
        &[
            part_added("msg_1", "output_text"),
            text_delta("msg_1", "cut"),
        ],
    );
    assert_eq!(chunks[..2], [Chunk::TextStart, text("cut")]);
    assert_eq!(chunks.len(), 3);
    let error = error_of(&chunks);
    assert_eq!(error.kind, ErrorKind::Connection);
    assert!(error.message.contains("response.completed"), "{error:?}");
}

#[test]
fn malformed_json_is_a_response_validation_error_naming_the_event() {
    let body = "event: response.output_text.delta\ndata: {\"type\": \"response.out\n\n";
    let chunks = decode_all(WireFormat::OpenAiResponses, PLAIN, body.as_bytes());
    assert_eq!(chunks.len(), 1);
    validation_error(&chunks, "response.output_text.delta");
}

#[test]
fn known_events_of_the_wrong_shape_are_validation_errors() {
    let bad = [
        json!({"type": "response.output_text.delta", "item_id": "m", "delta": 5}),
        json!({"type": "response.output_text.delta", "item_id": "m"}),
        json!({"type": "response.output_item.added"}),
        json!({"type": "response.output_item.added",
               "item": {"id": "fc", "type": "function_call", "name": "f"}}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "nope",
               "delta": "{}"}),
        json!({"type": "response.completed", "response": null}),
        json!(["response.output_text.delta", "m", "x"]),
        json!("response.output_text.delta"),
    ];
    for options in [PLAIN, RAW] {
        for event in &bad {
            let chunks = decode(options, std::slice::from_ref(event));
            let errors = &chunks[usize::from(options.raw_events)..];
            assert_eq!(errors.len(), 1, "{event}");
            assert_eq!(error_of(errors).kind, ErrorKind::ResponseValidation);
        }
    }
}

#[test]
fn ignored_events_stay_ignored_even_when_oddly_shaped() {
    let chunks = decode(
        PLAIN,
        &[
            json!({"type": "response.created", "delta": 5}),
            json!({"type": "response.in_progress", "response": {}}),
            json!({"type": "response.web_search_call.searching", "item_id": "ws"}),
            json!({"type": "response.output_text.annotation.added", "annotation": {}}),
            completed(&json!([])),
        ],
    );
    assert_eq!(chunks, vec![usage_chunk(), Chunk::RawMessage(json!([]))]);
}

#[test]
fn unknown_event_types_become_raw_events() {
    let audio = json!({"type": "response.audio.delta", "delta": "AAAA"});
    let mcp = json!({"type": "response.mcp_call_arguments.delta", "delta": {"a": 1}});
    let chunks = decode(
        PLAIN,
        &[
            audio.clone(),
            text_delta("msg_1", "x"),
            mcp.clone(),
            completed(&json!([])),
        ],
    );
    assert_eq!(
        chunks,
        vec![
            Chunk::RawEvent(audio),
            Chunk::TextStart,
            text("x"),
            Chunk::RawEvent(mcp),
            Chunk::TextEnd,
            usage_chunk(),
            Chunk::RawMessage(json!([])),
        ]
    );
}

#[test]
fn raw_events_come_first_for_every_event() {
    let events = reasoning_stream();
    let chunks = decode(RAW, &events);
    let raw: Vec<&Chunk> = chunks
        .iter()
        .filter(|c| matches!(c, Chunk::RawEvent(_)))
        .collect();
    assert_eq!(raw.len(), events.len());
    assert_eq!(chunks[0], Chunk::RawEvent(events[0].clone()));
    let text_at = chunks.iter().position(|c| *c == Chunk::TextStart).unwrap();
    assert_eq!(chunks[text_at - 1], Chunk::RawEvent(events[9].clone()));
    let without_raw: Vec<Chunk> = chunks
        .into_iter()
        .filter(|c| !matches!(c, Chunk::RawEvent(_)))
        .collect();
    assert_eq!(without_raw, decode(PLAIN, &events));
}

#[test]
fn a_data_line_over_40_kb_is_one_delta() {
    let long: String = "lorem ipsum \u{e9}\\\"".repeat(3_000);
    assert!(long.len() > 40_000);
    let chunks = decode(PLAIN, &[text_delta("msg_1", &long), completed(&json!([]))]);
    assert_eq!(chunks[1], Chunk::Text(long));
}

#[test]
fn empty_deltas_are_dropped_but_an_added_part_still_shows() {
    let chunks = decode(
        PLAIN,
        &[
            part_added("msg_1", "output_text"),
            text_delta("msg_1", ""),
            text_done("msg_1"),
            completed(&json!([])),
        ],
    );
    assert_eq!(chunks[..2], [Chunk::TextStart, Chunk::TextEnd]);
    assert_eq!(
        fold(&chunks).unwrap().content,
        vec![json!({"type": "text", "text": ""})]
    );
}

#[test]
fn events_after_the_terminal_event_are_ignored() {
    let mut decoder = Decoder::new(PLAIN);
    let mut out = Vec::new();
    for event in [completed(&json!([])), text_delta("msg_1", "late")] {
        let event = Event {
            event: "message".into(),
            data: event.to_string(),
            id: String::new(),
            retry: None,
        };
        decoder.event(&event, &mut ResponseIdentity::default(), &mut out);
    }
    decoder.eof(&mut out);
    assert_eq!(out, vec![usage_chunk(), Chunk::RawMessage(json!([]))]);
}

#[test]
fn a_done_marker_is_ignored() {
    let mut body = sse(&[text_delta("msg_1", "a"), completed(&json!([]))]);
    body.insert_str(0, "data: [DONE]\n\n");
    body.push_str("data: [DONE]\n\n");
    let chunks = decode_all(WireFormat::OpenAiResponses, PLAIN, body.as_bytes());
    assert_eq!(fold(&chunks).unwrap().content.len(), 1);
    assert!(chunks.iter().all(|c| !matches!(c, Chunk::Error(_))));
}

#[test]
fn deltas_borrow_from_the_event_text() {
    let data = text_delta("msg_1", "plain").to_string();
    let envelope: Envelope = serde_json::from_str(&data).unwrap();
    assert!(matches!(envelope.delta, Some(Cow::Borrowed("plain"))));
    assert!(matches!(envelope.item_id, Some(Cow::Borrowed("msg_1"))));
    let escaped = text_delta("msg_1", "a\"b").to_string();
    let envelope: Envelope = serde_json::from_str(&escaped).unwrap();
    assert!(matches!(envelope.delta, Some(Cow::Owned(ref s)) if s == "a\"b"));
}

// --- fuzzing -------------------------------------------------------------------------

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z \"{}:,\\\\]{1,6}", "\\PC{1,4}",]
}

fn arb_content_event() -> impl Strategy<Value = Value> {
    let item = || prop::sample::select(vec!["msg_1", "msg_2", "rs_1", "fc_1"]);
    let call_item = || prop::sample::select(vec!["fc_1", "fc_2"]);
    let index = || 0u64..2;
    prop_oneof![
        1 => (item(), index(), arb_text(), any::<bool>()).prop_map(|(i, c, d, refusal)| {
            let kind = if refusal { "response.refusal.delta" } else { "response.output_text.delta" };
            json!({"type": kind, "item_id": i, "content_index": c, "delta": d})
        }),
        1 => (item(), index(), any::<bool>()).prop_map(|(i, c, refusal)| {
            let kind = if refusal { "response.refusal.done" } else { "response.output_text.done" };
            json!({"type": kind, "item_id": i, "content_index": c})
        }),
        1 => (item(), index(), prop::sample::select(vec!["output_text", "refusal", "other"]))
            .prop_map(|(i, c, t)| json!({"type": "response.content_part.added",
                "item_id": i, "content_index": c, "part": {"type": t}})),
        1 => (item(), index()).prop_map(|(i, c)| json!({"type": "response.content_part.done",
            "item_id": i, "content_index": c})),
        2 => (call_item(), prop::sample::select(vec!["call_1", "call_2"]))
            .prop_map(|(i, c)| call_added(i, c, "f")),
        1 => (item(), arb_text()).prop_map(|(i, a)| json!({"type": "response.output_item.done",
            "item": {"id": i, "type": "function_call", "arguments": a}})),
        1 => (call_item(), arb_text()).prop_map(|(i, d)| args_delta(i, &d)),
        1 => (call_item(), arb_text()).prop_map(|(i, a)| args_done(i, &a)),
        1 => (item(), index(), arb_text()).prop_map(|(i, s, d)| summary_delta(i, s, &d)),
        1 => (item(), index()).prop_map(|(i, s)| summary_done(i, s)),
        1 => (item(), index(), arb_text()).prop_map(|(i, c, d)| json!({
            "type": "response.reasoning_text.delta", "item_id": i, "content_index": c,
            "delta": d})),
        1 => (0..5u8).prop_map(|step| search_event("ws_1", step)),
        1 => (item(), index(), arb_text()).prop_map(|(i, c, t)| annotation(i, c, 0, 1, &t)),
    ]
}

fn arb_other_event() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => arb_content_event().prop_map(|e| e.to_string()),
        1 => Just(completed(&json!([])).to_string()),
        1 => Just(completed(&json!([search_item("ws_1", "q")])).to_string()),
        1 => prop::sample::select(vec!["max_output_tokens", "content_filter"]).prop_map(
            |r| response("response.incomplete", &json!([]),
                         &json!({"incomplete_details": {"reason": r}})).to_string()),
        1 => Just(json!({"type": "response.failed", "response": {"error":
            {"code": "server_error", "message": "x"}}}).to_string()),
        1 => Just(json!({"type": "error", "code": 429, "message": "x"}).to_string()),
        1 => Just(json!({"type": "response.created", "response": {}}).to_string()),
        1 => "[a-z.]{1,12}".prop_map(|t| json!({"type": t, "delta": 1}).to_string()),
        1 => Just("[DONE]".to_owned()),
        1 => "\\PC{0,12}",
        1 => arb_content_event().prop_map(|e| {
            let s = e.to_string();
            s[..s.len() / 2].to_owned()
        }),
    ]
}

/// Event sequences, mostly well-formed so that streams get far; calls are often announced
/// up front so that their (interleaving) argument events have somewhere to go.
fn arb_body() -> impl Strategy<Value = Vec<u8>> {
    let event = prop_oneof![
        6 => arb_content_event().prop_map(|e| e.to_string()),
        1 => arb_other_event(),
    ];
    (
        any::<bool>(),
        prop::collection::vec(event, 0..30),
        any::<bool>(),
    )
        .prop_map(|(announce, events, finish)| {
            let announced = [
                call_added("fc_1", "call_1", "f"),
                call_added("fc_2", "call_2", "g"),
            ]
            .map(|e| e.to_string());
            let mut body = String::new();
            for data in announced
                .iter()
                .filter(|_| announce)
                .chain(&events)
                .map(String::as_str)
                .chain(finish.then_some(r#"{"type":"response.completed","response":{}}"#))
            {
                body.push_str("event: x\ndata: ");
                body.push_str(data);
                body.push_str("\n\n");
            }
            body.into_bytes()
        })
}

fn decode_pieces(options: DecodeOptions, body: &[u8], cuts: &[usize]) -> Vec<Chunk> {
    decode_cut(WireFormat::OpenAiResponses, options, body, cuts)
}

fn check_contract(options: DecodeOptions, chunks: &[Chunk]) -> Result<(), TestCaseError> {
    contract(WireFormat::OpenAiResponses, options, chunks)
}

fn search_item(id: &str, query: &str) -> Value {
    json!({"id": id, "type": "web_search_call", "status": "completed",
           "action": {"type": "search", "query": query, "queries": [query]}})
}

/// One of the five events of a web search call, in the order the API sends them.
fn search_event(id: &str, step: u8) -> Value {
    match step {
        0 => json!({"type": "response.output_item.added", "output_index": 0,
            "item": {"id": id, "type": "web_search_call", "status": "in_progress",
                     "action": {"type": "search"}}}),
        1 => {
            json!({"type": "response.web_search_call.in_progress", "item_id": id, "output_index": 0})
        }
        2 => {
            json!({"type": "response.web_search_call.searching", "item_id": id, "output_index": 0})
        }
        3 => {
            json!({"type": "response.web_search_call.completed", "item_id": id, "output_index": 0})
        }
        _ => json!({"type": "response.output_item.done", "output_index": 0,
            "item": search_item(id, "q")}),
    }
}

fn annotation(item: &str, content: u64, start: usize, end: usize, title: &str) -> Value {
    json!({"type": "response.output_text.annotation.added", "item_id": item,
           "output_index": 1, "content_index": content, "annotation_index": 0,
           "annotation": {"type": "url_citation", "start_index": start, "end_index": end,
                          "title": title, "url": "https://t.example"}})
}

/// A searched answer as the API streams it: `searches` web search calls, then one message
/// whose text arrives in `pieces` with a `url_citation` annotation event after each piece
/// listed in `cited`, then `response.completed` holding every item.
fn searched_answer(searches: usize, pieces: &[String], cited: &[usize]) -> (Vec<Value>, Value) {
    let mut events = Vec::new();
    let mut output = Vec::new();
    for n in 0..searches {
        let id = format!("ws_{n}");
        events.extend((0..5).map(|step| search_event(&id, step)));
        output.push(search_item(&id, "q"));
    }
    events.push(json!({"type": "response.output_item.added", "output_index": searches,
        "item": {"id": "msg_1", "type": "message", "status": "in_progress", "content": [], "role": "assistant"}}));
    events.push(part_added("msg_1", "output_text"));
    let text = pieces.concat();
    let (mut annotations, mut seen) = (Vec::new(), 0);
    for (k, piece) in pieces.iter().enumerate() {
        events.push(text_delta("msg_1", piece));
        let before = seen;
        seen += piece.chars().count();
        if cited.contains(&k) {
            let note = annotation("msg_1", 0, before, seen, &k.to_string());
            annotations.push(note["annotation"].clone());
            events.push(note);
        }
    }
    events.push(text_done("msg_1"));
    events.push(json!({"type": "response.content_part.done", "item_id": "msg_1", "output_index": searches,
        "content_index": 0, "part": {"type": "output_text", "text": text, "annotations": annotations}}));
    output.push(json!({"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}]}));
    events.push(completed(&Value::Array(output.clone())));
    (events, Value::Array(output))
}

proptest! {
    #[test]
    fn searched_answers_keep_their_text_count_their_searches_and_keep_every_item(
        searches in 0..3usize,
        pieces in prop::collection::vec(arb_text(), 1..6),
        cited in prop::collection::vec(0..6usize, 0..4),
        options in options(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let (events, output) = searched_answer(searches, &pieces, &cited);
        let body = sse(&events);
        let chunks = decode_pieces(options, body.as_bytes(), &cuts);
        check_contract(options, &chunks)?;
        let folded = fold(&chunks).map_err(TestCaseError::fail)?;
        prop_assert_eq!(folded.content, vec![json!({"type": "text", "text": pieces.concat()})]);
        let shown = pieces.iter().filter(|p| !p.is_empty()).count();
        prop_assert_eq!(folded.n_chunks, shown + 2);
        let want = (searches > 0).then(|| web_search_usage(i64::try_from(searches).unwrap()));
        prop_assert_eq!(first_tool_usage(&chunks), want);
        let mut resent = output;
        for item in resent.as_array_mut().into_iter().flatten() {
            if item["type"] == "web_search_call" {
                item["action"]["sources"] = Value::Null;
            }
        }
        prop_assert_eq!(chunks.last(), Some(&Chunk::RawMessage(resent)));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_end_cleanly(
        body in prop::collection::vec(any::<u8>(), 0..512),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let whole = decode_all(WireFormat::OpenAiResponses, THOUGHTS, &body);
        check_contract(THOUGHTS, &whole)?;
        prop_assert_eq!(decode_pieces(THOUGHTS, &body, &cuts), whole);
    }

    #[test]
    fn arbitrary_event_sequences_keep_the_contract(
        body in arb_body(),
        include_thoughts in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let options = DecodeOptions { include_thoughts, raw_events: false };
        let whole = decode_all(WireFormat::OpenAiResponses, options, &body);
        check_contract(options, &whole)?;
        prop_assert_eq!(decode_pieces(options, &body, &cuts), whole.clone());
        let raw_options = DecodeOptions { include_thoughts, raw_events: true };
        let raw = decode_all(WireFormat::OpenAiResponses, raw_options, &body);
        check_contract(raw_options, &raw)?;
        let strip = |chunks: Vec<Chunk>| -> Vec<Chunk> {
            chunks.into_iter().filter(|c| !matches!(c, Chunk::RawEvent(_))).collect()
        };
        prop_assert_eq!(strip(raw), strip(whole));
    }
}

//! Unit and property tests of the Chat Completions decoder.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, FinishReason, Usage};
use crate::providers::common::FORMAT_TOOL_NAME;
use crate::providers::contract::fold;
use crate::providers::test_support::{
    call_delta as args, call_end as end, call_start as start, check_contract, decode_cut, error_of,
    options, text, validation_error, PLAIN, RAW, THOUGHTS,
};
use crate::providers::{decode_all, WireFormat};

fn sse(payloads: &[Value]) -> String {
    payloads
        .iter()
        .flat_map(|p| ["data: ".to_owned(), p.to_string(), "\n\n".to_owned()])
        .collect()
}

fn done(payloads: &[Value]) -> String {
    sse(payloads) + "data: [DONE]\n\n"
}

fn delta(delta: Value) -> Value {
    json!({
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": null}],
    })
}

fn content(text: &str) -> Value {
    delta(json!({ "content": text }))
}

/// One tool-call fragment; `None` fields are left out.
fn frag(index: Option<i64>, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
    let mut call = json!({"type": "function", "function": {"arguments": args}});
    if let Some(i) = index {
        call["index"] = json!(i);
    }
    if let Some(id) = id {
        call["id"] = json!(id);
    }
    if let Some(name) = name {
        call["function"]["name"] = json!(name);
    }
    delta(json!({ "tool_calls": [call] }))
}

fn finish(reason: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
}

fn usage(input: i64, output: i64) -> Value {
    json!({"choices": [], "usage": {"prompt_tokens": input, "completion_tokens": output,
        "prompt_tokens_details": {"cached_tokens": 2},
        "completion_tokens_details": {"reasoning_tokens": 1}}})
}

fn decode(options: DecodeOptions, body: &str) -> Vec<Chunk> {
    decode_all(WireFormat::OpenAiCompletions, options, body.as_bytes())
}

/// The folded tool calls as (id, name, args).
fn calls(chunks: &[Chunk]) -> Vec<(String, String, String)> {
    let folded = fold(chunks).unwrap();
    folded
        .content
        .iter()
        .filter(|p| p["type"] == "tool_call")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (s("id"), s("name"), s("args"))
        })
        .collect()
}

fn owned(calls: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    calls
        .iter()
        .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
        .collect()
}

#[test]
fn two_interleaved_parallel_calls() {
    let body = done(&[
        delta(json!({"role": "assistant", "content": null})),
        frag(Some(0), Some("a"), Some("f"), ""),
        frag(Some(1), Some("b"), Some("g"), ""),
        frag(Some(0), None, None, "{\"x\":"),
        frag(Some(1), None, None, "{\"y\":"),
        frag(Some(0), None, None, "1}"),
        frag(Some(1), None, None, "2}"),
        finish("tool_calls"),
    ]);
    assert_eq!(
        decode(PLAIN, &body),
        [
            start("a", "f"),
            start("b", "g"),
            args("a", "{\"x\":"),
            args("b", "{\"y\":"),
            args("a", "1}"),
            args("b", "2}"),
            end("a"),
            end("b"),
        ]
    );
}

#[test]
fn three_interleaved_parallel_calls() {
    let mut events = vec![
        frag(Some(0), Some("a"), Some("f"), ""),
        frag(Some(1), Some("b"), Some("g"), "["),
        frag(Some(2), Some("c"), Some("h"), "{"),
    ];
    for round in 0..3 {
        for (i, piece) in [(2, "\"k\""), (0, "1"), (1, "2")] {
            let piece = if round == 0 { piece } else { "," };
            events.push(frag(Some(i), None, None, piece));
        }
    }
    events.push(finish("tool_calls"));
    let chunks = decode(PLAIN, &done(&events));
    assert_eq!(
        calls(&chunks),
        owned(&[
            ("a", "f", "1,,"),
            ("b", "g", "[2,,"),
            ("c", "h", "{\"k\",,")
        ])
    );
    let ends: Vec<_> = chunks
        .iter()
        .filter(|c| matches!(c, Chunk::ToolCallEnd { .. }))
        .collect();
    assert_eq!(ends, [&end("a"), &end("b"), &end("c")]);
}

#[test]
fn every_call_at_index_zero_with_distinct_ids() {
    let body = done(&[
        frag(Some(0), Some("a"), Some("f"), "{\"x\""),
        frag(Some(0), None, None, ":1}"),
        frag(Some(0), Some("b"), Some("g"), "{}"),
        frag(Some(0), Some("b"), None, ""),
        frag(Some(0), Some("c"), Some("f"), "{\"x\":3}"),
        finish("tool_calls"),
    ]);
    assert_eq!(
        decode(PLAIN, &body),
        [
            start("a", "f"),
            args("a", "{\"x\""),
            args("a", ":1}"),
            start("b", "g"),
            args("b", "{}"),
            start("c", "f"),
            args("c", "{\"x\":3}"),
            end("a"),
            end("b"),
            end("c"),
        ]
    );
}

#[test]
fn one_chunk_per_call() {
    // Ollama: whole calls, either one per chunk or several in one delta.
    let both = delta(json!({"tool_calls": [
        {"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{\"a\":1}"}},
        {"index": 1, "id": "c2", "function": {"name": "g", "arguments": "{\"b\":2}"}},
    ]}));
    let separate = [
        frag(Some(0), Some("c1"), Some("f"), "{\"a\":1}"),
        frag(Some(1), Some("c2"), Some("g"), "{\"b\":2}"),
    ];
    let expected = owned(&[("c1", "f", "{\"a\":1}"), ("c2", "g", "{\"b\":2}")]);
    for events in [vec![both], separate.to_vec()] {
        let mut events = events;
        events.push(finish("tool_calls"));
        assert_eq!(calls(&decode(PLAIN, &done(&events))), expected);
    }
}

#[test]
fn missing_ids_are_synthesised_per_slot() {
    let body = done(&[
        frag(Some(0), None, Some("f"), "{"),
        frag(Some(1), None, Some("g"), "["),
        frag(Some(0), None, None, "}"),
        frag(Some(1), None, None, "]"),
        finish("tool_calls"),
    ]);
    assert_eq!(
        calls(&decode(PLAIN, &body)),
        owned(&[("call_0", "f", "{}"), ("call_1", "g", "[]")])
    );
}

#[test]
fn synthesised_ids_never_collide_with_real_ones() {
    let body = done(&[
        frag(Some(0), Some("call_1"), Some("f"), "{}"),
        frag(Some(1), None, Some("g"), "{}"),
        finish("tool_calls"),
    ]);
    assert_eq!(
        calls(&decode(PLAIN, &body)),
        owned(&[("call_1", "f", "{}"), ("call_1_2", "g", "{}")])
    );
}

#[test]
fn a_repeated_real_id_still_gives_distinct_calls() {
    let body = done(&[
        frag(Some(0), Some("x"), Some("f"), "1"),
        frag(Some(1), Some("x"), Some("g"), "2"),
        frag(Some(2), Some("x"), Some("h"), "3"),
        frag(Some(1), None, None, "2"),
        finish("tool_calls"),
    ]);
    assert_eq!(
        calls(&decode(PLAIN, &body)),
        owned(&[("x", "f", "1"), ("x_2", "g", "22"), ("x_3", "h", "3")])
    );
}

#[test]
fn missing_index_continues_the_latest_call_unless_the_id_differs() {
    let body = done(&[
        frag(None, Some("a"), Some("f"), "{\"x\""),
        frag(None, None, None, ":1}"),
        frag(None, Some("b"), Some("g"), "{\"y\""),
        frag(None, Some("b"), None, ":2}"),
        frag(None, None, None, ""),
        finish("tool_calls"),
    ]);
    assert_eq!(
        calls(&decode(PLAIN, &body)),
        owned(&[("a", "f", "{\"x\":1}"), ("b", "g", "{\"y\":2}")])
    );
}

#[test]
fn id_less_calls_at_one_index_are_split_by_name_or_complete_args() {
    let body = [
        frag(Some(0), None, Some("f"), "{\"a\":"),
        frag(Some(0), None, None, "1}"),
        frag(Some(0), None, Some("g"), "{}"),
        frag(Some(0), None, Some("g"), "{\"b\":2}"),
    ];
    let mut payloads = body.to_vec();
    payloads.push(finish("tool_calls"));
    assert_eq!(
        calls(&decode(PLAIN, &done(&payloads))),
        vec![
            ("call_0".into(), "f".into(), "{\"a\":1}".into()),
            ("call_1".into(), "g".into(), "{}".into()),
            ("call_2".into(), "g".into(), "{\"b\":2}".into()),
        ]
    );
}

#[test]
fn call_without_a_name_is_a_validation_error() {
    for first in [
        frag(Some(0), Some("a"), None, "{}"),
        frag(Some(0), Some("a"), Some(""), "{}"),
        delta(json!({"tool_calls": [{"index": 0, "id": "a"}]})),
    ] {
        let body = done(&[content("hi"), first, finish("tool_calls")]);
        let chunks = decode(PLAIN, &body);
        assert_eq!(chunks[..3], [Chunk::TextStart, text("hi"), Chunk::TextEnd]);
        assert_eq!(chunks.len(), 4, "{chunks:?}");
        validation_error(&chunks, "no function name");
    }
}

#[test]
fn text_then_tool_calls() {
    let body = done(&[
        delta(json!({"role": "assistant", "content": "", "refusal": null})),
        content("Let me"),
        content(" check."),
        frag(Some(0), Some("a"), Some("f"), "{}"),
        finish("tool_calls"),
        usage(10, 5),
    ]);
    assert_eq!(
        decode(PLAIN, &body),
        [
            Chunk::TextStart,
            text("Let me"),
            text(" check."),
            Chunk::TextEnd,
            start("a", "f"),
            args("a", "{}"),
            end("a"),
            Chunk::Usage(Usage {
                input_tokens: 10,
                output_tokens: 5,
                cache_read_tokens: 2,
                reasoning_tokens: 1,
                ..Usage::default()
            }),
        ]
    );
}

/// Found by `rust/fuzz` (openai_completions): a second format-tool call (another id at
/// index 0) started while the first was open, so two text parts overlapped and the Python
/// layer raised "Received a text/thought start while another part is open".
#[test]
fn a_format_tool_call_ends_the_open_one() {
    let tool = FORMAT_TOOL_NAME;
    let body = done(&[
        frag(Some(0), Some("a"), Some(tool), "{\"x\":"),
        frag(Some(1), Some("f"), Some("f"), "{}"),
        frag(Some(0), Some("b"), Some(tool), "{\""),
        frag(Some(0), None, None, "y\":2}"),
        frag(Some(2), Some("c"), Some(tool), "{}"),
        finish("tool_calls"),
    ]);
    let chunks = decode(PLAIN, &body);
    assert_eq!(
        chunks,
        [
            start("a", tool),
            args("a", "{\"x\":"),
            start("f", "f"),
            args("f", "{}"),
            end("a"),
            start("b", tool),
            args("b", "{\""),
            args("b", "y\":2}"),
            end("b"),
            start("c", tool),
            args("c", "{}"),
            end("f"),
            end("c"),
        ]
    );
    assert!(fold(&chunks).is_ok_and(|f| f.error.is_none()));
}

#[test]
fn text_after_a_tool_call_ends_the_open_calls() {
    // A format-tool call must not overlap a text part; a later named fragment at the
    // reused index starts a new call instead of continuing the ended one.
    let body = done(&[
        frag(Some(0), None, Some(FORMAT_TOOL_NAME), "{}"),
        content("and"),
        frag(Some(0), None, Some("f"), "{}"),
        finish("tool_calls"),
    ]);
    let tool = FORMAT_TOOL_NAME;
    assert_eq!(
        decode(PLAIN, &body),
        [
            start("call_0", tool),
            args("call_0", "{}"),
            end("call_0"),
            Chunk::TextStart,
            text("and"),
            Chunk::TextEnd,
            start("call_1", "f"),
            args("call_1", "{}"),
            end("call_1"),
        ]
    );
}

#[test]
fn reasoning_with_and_without_include_thoughts() {
    let body = done(&[
        delta(json!({"role": "assistant", "reasoning_content": "Hm"})),
        delta(json!({"reasoning_content": ", six"})),
        // vLLM may send both spellings with the same text: shown once.
        delta(json!({"reasoning_content": ".", "reasoning": "."})),
        content("42"),
        delta(json!({"reasoning": "again"})),
        finish("stop"),
    ]);
    assert_eq!(
        decode(THOUGHTS, &body),
        [
            Chunk::ThoughtStart,
            Chunk::Thought("Hm".into()),
            Chunk::Thought(", six".into()),
            Chunk::Thought(".".into()),
            Chunk::ThoughtEnd,
            Chunk::TextStart,
            text("42"),
            Chunk::TextEnd,
            Chunk::ThoughtStart,
            Chunk::Thought("again".into()),
            Chunk::ThoughtEnd,
        ]
    );
    assert_eq!(
        decode(PLAIN, &body),
        [Chunk::TextStart, text("42"), Chunk::TextEnd]
    );
}

#[test]
fn ollama_reasoning_field_and_thought_before_tool_call() {
    let body = done(&[
        delta(json!({"reasoning": "need a tool"})),
        frag(Some(0), Some("a"), Some("f"), "{}"),
        finish("tool_calls"),
    ]);
    assert_eq!(
        decode(THOUGHTS, &body),
        [
            Chunk::ThoughtStart,
            Chunk::Thought("need a tool".into()),
            Chunk::ThoughtEnd,
            start("a", "f"),
            args("a", "{}"),
            end("a"),
        ]
    );
}

#[test]
fn usage_repeated_cumulatively_sums_to_the_last_totals() {
    let with_usage = |mut v: Value, input: i64, output: i64| {
        v["usage"] = json!({"prompt_tokens": input, "completion_tokens": output,
            "completion_tokens_details": {"reasoning_tokens": output / 2}});
        v
    };
    let body = done(&[
        with_usage(content("a"), 7, 1),
        with_usage(content("b"), 7, 2),
        with_usage(content("c"), 7, 2),
        with_usage(finish("stop"), 7, 4),
        with_usage(json!({"choices": []}), 7, 4),
    ]);
    let chunks = decode(PLAIN, &body);
    assert_eq!(fold(&chunks).unwrap().usage, Some([7, 4, 0, 0, 2]));
    // Unchanged totals add no chunk.
    let usages = chunks
        .iter()
        .filter(|c| matches!(c, Chunk::Usage(_)))
        .count();
    assert_eq!(usages, 3);
    // A single final report is passed through unchanged.
    let once = decode(PLAIN, &done(&[content("a"), finish("stop"), usage(3, 9)]));
    assert_eq!(fold(&once).unwrap().usage, Some([3, 9, 2, 0, 1]));
}

#[test]
fn in_stream_error_after_text_keeps_the_text() {
    let cases = [
        (
            json!({"error": {"message": "upstream died", "code": 502}, "choices": [
                {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]}),
            ErrorKind::Server,
            Some(502),
        ),
        (
            json!({"error": {
                "message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}}),
            ErrorKind::RateLimit,
            None,
        ),
        (
            json!({"error": {"message": "bad", "type": "invalid_request_error", "code": null}}),
            ErrorKind::BadRequest,
            None,
        ),
        (
            json!({"error": {"message": "who knows", "type": "mystery", "code": "odd"}}),
            ErrorKind::Api,
            None,
        ),
        (
            json!({"error": {"message": "gone", "code": "404"}}),
            ErrorKind::NotFound,
            Some(404),
        ),
        // Older vLLM: the error object itself, not wrapped.
        (
            json!({"object": "error", "message": "too long",
                "type": "BadRequestError", "code": 400}),
            ErrorKind::BadRequest,
            Some(400),
        ),
        (json!({"error": "plain text"}), ErrorKind::Api, None),
    ];
    for (error, kind, status) in cases {
        let body = done(&[content("Hel"), content("lo"), error, content("more")]);
        let chunks = decode(PLAIN, &body);
        assert_eq!(chunks[..3], [Chunk::TextStart, text("Hel"), text("lo")]);
        assert_eq!(chunks.len(), 4, "{chunks:?}");
        let err = error_of(&chunks);
        assert_eq!((err.kind, err.status_code), (kind, status), "{err:?}");
        assert!(err.message.starts_with("error in the response stream: "));
    }
    let named = concat!(
        "data: {\"choices\":[]}\n\n",
        "event: error\ndata: {\"error\":{\"message\":\"m\",\"type\":\"server_error\"}}\n\n",
    );
    let err = decode(PLAIN, named);
    assert_eq!(err.len(), 1);
    assert_eq!(error_of(&err).kind, ErrorKind::Server);
    assert_eq!(error_of(&err).message, "error in the response stream: m");
}

#[test]
fn eof_after_finish_reason_without_done_is_a_normal_end() {
    let with_usage = sse(&[content("hi"), finish("length"), usage(1, 2)]);
    let without = sse(&[content("hi"), finish("length")]);
    for body in [with_usage, without] {
        let chunks = decode(PLAIN, &body);
        assert_eq!(
            chunks[..4],
            [
                Chunk::TextStart,
                text("hi"),
                Chunk::TextEnd,
                Chunk::Finish(FinishReason::MaxTokens)
            ]
        );
        assert!(fold(&chunks).unwrap().error.is_none());
    }
}

#[test]
fn eof_before_finish_reason_is_a_connection_error() {
    let chunks = decode(
        PLAIN,
        &sse(&[content("hi"), frag(Some(0), Some("a"), Some("f"), "{")]),
    );
    assert_eq!(
        chunks[..5],
        [
            Chunk::TextStart,
            text("hi"),
            Chunk::TextEnd,
            start("a", "f"),
            args("a", "{")
        ]
    );
    assert_eq!(chunks.len(), 6);
    let err = error_of(&chunks);
    assert_eq!(err.kind, ErrorKind::Connection);
    assert!(err.message.contains("[DONE]"));
    assert_eq!(error_of(&decode(PLAIN, "")).kind, ErrorKind::Connection);
}

#[test]
fn done_without_finish_reason_closes_what_is_open() {
    let body = done(&[delta(json!({"refusal": "no"}))]);
    assert_eq!(
        decode(PLAIN, &body),
        [
            Chunk::TextStart,
            text("no"),
            Chunk::TextEnd,
            Chunk::Finish(FinishReason::Refusal)
        ]
    );
}

#[test]
fn malformed_json_and_wrong_shapes_are_validation_errors() {
    for (data, needle) in [
        ("{\"choices\": [", "malformed JSON"),
        ("{nope}", "malformed JSON"),
        ("5", "unexpected chat.completion.chunk shape"),
        ("{\"choices\": 7}", "unexpected chat.completion.chunk shape"),
        (
            "{\"choices\": [{\"delta\": {\"content\": 3}}]}",
            "unexpected",
        ),
        (
            "{\"choices\": [{\"delta\": {\"tool_calls\": {}}}]}",
            "unexpected",
        ),
        ("{\"usage\": {\"prompt_tokens\": \"x\"}}", "unexpected"),
    ] {
        let body = format!(
            "data: {}\n\ndata: {data}\n\ndata: [DONE]\n\n",
            content("ok")
        );
        for options in [PLAIN, RAW] {
            let chunks = decode(options, &body);
            let err = error_of(&chunks);
            assert_eq!(err.kind, ErrorKind::ResponseValidation);
            assert!(err.message.contains(needle), "{data}: {}", err.message);
            assert!(chunks.contains(&text("ok")));
        }
    }
}

#[test]
fn keepalives_comments_and_events_after_done_are_ignored() {
    let body = format!(
        concat!(
            ": OPENROUTER PROCESSING\n\ndata:\n\ndata: {}\n\ndata: {}\n\n",
            "data: [DONE]\n\ndata: {}\n\ndata: {{oops\n\n",
        ),
        content("a"),
        finish("stop"),
        content("late"),
    );
    assert_eq!(
        decode(PLAIN, &body),
        [Chunk::TextStart, text("a"), Chunk::TextEnd]
    );
}

#[test]
fn deltas_after_finish_reason_are_ignored_but_usage_counts() {
    let body = done(&[
        content("a"),
        finish("stop"),
        content("b"),
        finish("length"),
        usage(1, 1),
    ]);
    let chunks = decode(PLAIN, &body);
    assert_eq!(chunks[..3], [Chunk::TextStart, text("a"), Chunk::TextEnd]);
    assert_eq!(chunks.len(), 4);
    assert!(matches!(chunks[3], Chunk::Usage(_)));
}

#[test]
fn empty_strings_follow_content_or_refusal() {
    // `"" or ""` is "" (forwarded); `"" or None` is None (nothing).
    let body = done(&[
        delta(json!({"content": "", "refusal": null})),
        delta(json!({"content": ""})),
        delta(json!({"content": null, "refusal": ""})),
        delta(json!({"refusal": "No."})),
        finish("stop"),
    ]);
    assert_eq!(
        decode(PLAIN, &body),
        [
            Chunk::TextStart,
            text(""),
            text("No."),
            Chunk::TextEnd,
            Chunk::Finish(FinishReason::Refusal)
        ]
    );
    let filtered = decode(PLAIN, &done(&[content("x"), finish("content_filter")]));
    assert_eq!(filtered.last(), Some(&Chunk::Finish(FinishReason::Refusal)));
}

#[test]
fn only_choice_zero_is_content() {
    let two = |a: &str, b: &str| {
        json!({"choices": [
            {"index": 1, "delta": {"content": b}, "finish_reason": null},
            {"index": 0, "delta": {"content": a}, "finish_reason": null},
        ]})
    };
    let other = json!({"choices": [{"index": 1, "delta": {}, "finish_reason": "length"}]});
    let body = done(&[two("A", "x"), other, two("B", "y"), finish("stop")]);
    assert_eq!(
        decode(PLAIN, &body),
        [Chunk::TextStart, text("A"), text("B"), Chunk::TextEnd]
    );
}

#[test]
fn escaped_and_unicode_strings_decode() {
    let body = done(&[content("é \"q\" \\ \n 😀"), finish("stop")]);
    let chunks = decode(PLAIN, &body);
    assert_eq!(chunks[1], text("é \"q\" \\ \n 😀"));
}

#[test]
fn a_data_line_over_40_kb() {
    let big: String = "ab\"c ".repeat(10_000);
    let body = done(&[
        content(&big),
        frag(Some(0), Some("a"), Some("f"), &big),
        finish("tool_calls"),
    ]);
    assert!(body.lines().any(|l| l.len() > 40_000));
    let chunks = decode(PLAIN, &body);
    assert_eq!(chunks[1], text(&big));
    assert_eq!(chunks[4], args("a", &big));
    assert_eq!(chunks.len(), 6);
}

#[test]
fn raw_events_precede_their_chunks_and_unknown_events_are_kept() {
    let options = RAW;
    let first = content("a");
    let body = format!(
        concat!(
            "data: {}\n\nevent: weird\ndata: {{\"x\":1}}\n\n",
            "event: other\ndata: not json\n\ndata: {}\n\ndata: [DONE]\n\n",
        ),
        first,
        finish("stop")
    );
    assert_eq!(
        decode(options, &body),
        [
            Chunk::RawEvent(first),
            Chunk::TextStart,
            text("a"),
            Chunk::RawEvent(json!({"x": 1})),
            Chunk::RawEvent(json!("not json")),
            Chunk::RawEvent(finish("stop")),
            Chunk::TextEnd,
        ]
    );
    // Without the option, unknown event types are still kept.
    let plain = decode(PLAIN, &body);
    assert_eq!(plain[2], Chunk::RawEvent(json!({"x": 1})));
    assert_eq!(plain.len(), 5);
}

// ---- properties -------------------------------------------------------------------

fn decode_pieces(options: DecodeOptions, body: &[u8], cuts: &[usize]) -> Vec<Chunk> {
    decode_cut(WireFormat::OpenAiCompletions, options, body, cuts)
}

fn opt_str(values: &'static [&'static str]) -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::of(proptest::sample::select(values))
}

/// One SSE event of a plausible (sometimes broken) Completions stream.
fn event() -> impl Strategy<Value = String> {
    let text = (
        opt_str(&["", "hi", "é\"\\n", "😀"]),
        opt_str(&["", "no"]),
        opt_str(&["", "hmm"]),
    )
        .prop_map(|(c, r, t)| {
            delta(json!({"content": c, "refusal": r, "reasoning_content": t})).to_string()
        });
    let call = (
        proptest::option::of(-1i64..3),
        opt_str(&["", "a", "b", "call_1"]),
        // Mostly named: a nameless first fragment ends the stream.
        proptest::option::weighted(0.95, proptest::sample::select(&["f", "g"][..])),
        opt_str(&["", "{", "\"x\"", "}"]),
    )
        .prop_map(|(i, id, name, args)| {
            let mut call = json!({"function": {"name": name, "arguments": args}});
            if let Some(i) = i {
                call["index"] = json!(i);
            }
            if let Some(id) = id {
                call["id"] = json!(id);
            }
            delta(json!({ "tool_calls": [call] })).to_string()
        });
    let fin = proptest::sample::select(&["stop", "length", "tool_calls", "content_filter", ""][..])
        .prop_map(|r| finish(r).to_string());
    let use_ = (0i64..50, 0i64..50).prop_map(|(i, o)| usage(i, o).to_string());
    let benign =
        proptest::sample::select(&["[DONE]", "", "{\"error\": null, \"choices\": null}"][..])
            .prop_map(str::to_owned);
    let broken = proptest::sample::select(
        &[
            "{\"choices\": [",
            "5",
            "{\"choices\": {}}",
            "{\"error\": {\"message\": \"x\", \"code\": 500}}",
            "{\"object\": \"error\", \"message\": \"m\"}",
        ][..],
    )
    .prop_map(str::to_owned);
    prop_oneof![
        30 => text.prop_map(|d| format!("data: {d}\n\n")),
        30 => call.prop_map(|d| format!("data: {d}\n\n")),
        4 => fin.prop_map(|d| format!("data: {d}\n\n")),
        4 => use_.prop_map(|d| format!("data: {d}\n\n")),
        3 => benign.prop_map(|d| format!("data: {d}\n\n")),
        1 => broken.prop_map(|d| format!("data: {d}\n\n")),
        2 => Just(": comment\n\n".to_owned()),
        2 => Just("event: other\ndata: {\"y\":2}\n\n".to_owned()),
        1 => Just("event: error\ndata: {\"message\":\"boom\"}\n\n".to_owned()),
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        options in options(),
    ) {
        let whole = decode_pieces(options, &body, &[]);
        check_contract(WireFormat::OpenAiCompletions, options, &whole)?;
        prop_assert_eq!(decode_pieces(options, &body, &cuts), whole);
    }

    #[test]
    fn event_sequences_keep_the_contract_in_any_split(
        events in proptest::collection::vec(event(), 0..24),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        options in options(),
    ) {
        let body = events.concat();
        let whole = decode_pieces(options, body.as_bytes(), &[]);
        check_contract(WireFormat::OpenAiCompletions, options, &whole)?;
        let ended = body.contains("data: [DONE]") || body.contains("finish_reason\":\"");
        if !ended {
            prop_assert!(matches!(whole.last(), Some(Chunk::Error(_))), "{whole:?}");
        }
        prop_assert_eq!(decode_pieces(options, body.as_bytes(), &cuts), whole);
    }
}

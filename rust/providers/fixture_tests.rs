//! Replays every recorded response in `tests/fixtures/streams` through the decoder of its wire
//! format, whole, byte by byte and in pseudo-random splits, and compares the folded result with
//! the fixture's expected content, finish reason, usage and chunk count.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::chunk::{Chunk, DecodeOptions};
use crate::providers::{StreamDecoder, WireFormat};

const FORMAT_TOOL_NAME: &str = "__mirascope_formatted_output_tool__";

#[derive(Debug, Default, PartialEq)]
pub struct Folded {
    pub content: Vec<Value>,
    pub usage: Option<[i64; 5]>,
    pub finish_reason: Option<&'static str>,
    pub n_chunks: usize,
    pub raw_messages: usize,
    pub thoughts: usize,
    pub error: Option<String>,
}

/// Folds chunks the way a response accumulates them (API.md §3.3, §7.4), checking the decoder
/// contract of API.md §4 on the way.
pub fn fold(chunks: &[Chunk]) -> Result<Folded, String> {
    let mut out = Folded::default();
    let mut open: Option<usize> = None;
    let mut format_ids: Vec<String> = Vec::new();
    let mut pending: Vec<(String, String, String)> = Vec::new();
    for chunk in chunks {
        if out.error.is_some() {
            return Err(format!("chunk after an error: {chunk:?}"));
        }
        if out.raw_messages > 0 {
            return Err(format!("chunk after the raw message: {chunk:?}"));
        }
        let is_content = !matches!(
            chunk,
            Chunk::Usage(_)
                | Chunk::Finish(_)
                | Chunk::RawEvent(_)
                | Chunk::RawMessage(_)
                | Chunk::Error(_)
        );
        if is_content && out.finish_reason.is_some() {
            return Err(format!("content after the finish chunk: {chunk:?}"));
        }
        if matches!(chunk, Chunk::ThoughtStart) {
            out.thoughts += 1;
        }
        match chunk {
            Chunk::TextStart | Chunk::ThoughtStart => {
                out.n_chunks += 1;
                if open.is_some() {
                    return Err(format!("{chunk:?} while a part is open"));
                }
                let part = if matches!(chunk, Chunk::TextStart) {
                    json!({"type": "text", "text": ""})
                } else {
                    json!({"type": "thought", "thought": ""})
                };
                out.content.push(part);
                open = Some(out.content.len() - 1);
            }
            Chunk::ToolCallStart { id, name } if name.starts_with(FORMAT_TOOL_NAME) => {
                out.n_chunks += 1;
                if open.is_some() {
                    return Err("format tool started while a part is open".into());
                }
                format_ids.push(id.clone());
                out.content.push(json!({"type": "text", "text": ""}));
                open = Some(out.content.len() - 1);
            }
            Chunk::Text(delta) | Chunk::Thought(delta) => {
                out.n_chunks += 1;
                let key = if matches!(chunk, Chunk::Text(_)) {
                    "text"
                } else {
                    "thought"
                };
                let i = open.ok_or_else(|| format!("{chunk:?} with no open part"))?;
                let part = &mut out.content[i];
                if part["type"] != key {
                    return Err(format!("{chunk:?} inside a {} part", part["type"]));
                }
                let text = part[key].as_str().unwrap_or_default().to_owned() + delta;
                part[key] = Value::String(text);
            }
            Chunk::ToolCall { id, delta } if format_ids.contains(id) => {
                out.n_chunks += 1;
                let i = open.ok_or("format delta with no open part")?;
                let text = out.content[i]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
                    + delta;
                out.content[i]["text"] = Value::String(text);
            }
            Chunk::TextEnd | Chunk::ThoughtEnd => {
                out.n_chunks += 1;
                open.take()
                    .ok_or_else(|| format!("{chunk:?} with no open part"))?;
            }
            Chunk::ToolCallEnd { id } if format_ids.contains(id) => {
                out.n_chunks += 1;
                open.take().ok_or("format end with no open part")?;
            }
            Chunk::ToolCallStart { id, name } => {
                out.n_chunks += 1;
                if pending.iter().any(|p| &p.0 == id) {
                    return Err(format!("duplicate tool call id {id}"));
                }
                pending.push((id.clone(), name.clone(), String::new()));
            }
            Chunk::ToolCall { id, delta } => {
                out.n_chunks += 1;
                let p = pending
                    .iter_mut()
                    .find(|p| &p.0 == id)
                    .ok_or_else(|| format!("delta for unknown tool call {id}"))?;
                p.2.push_str(delta);
            }
            Chunk::ToolCallEnd { id } => {
                out.n_chunks += 1;
                let i = pending
                    .iter()
                    .position(|p| &p.0 == id)
                    .ok_or_else(|| format!("end of unknown tool call {id}"))?;
                let (id, name, args) = pending.remove(i);
                let args = if args.trim().is_empty() {
                    "{}".to_owned()
                } else {
                    args
                };
                out.content
                    .push(json!({"type": "tool_call", "id": id, "name": name, "args": args}));
            }
            Chunk::Usage(u) => {
                let t = out.usage.get_or_insert([0; 5]);
                let deltas = [
                    u.input_tokens,
                    u.output_tokens,
                    u.cache_read_tokens,
                    u.cache_write_tokens,
                    u.reasoning_tokens,
                ];
                for (total, delta) in t.iter_mut().zip(deltas) {
                    *total = total.saturating_add(delta);
                }
            }
            Chunk::Finish(r) => out.finish_reason = Some(r.as_str()),
            Chunk::RawMessage(_) => out.raw_messages += 1,
            Chunk::RawEvent(_) => {}
            Chunk::Error(e) => out.error = Some(format!("{e:?}")),
        }
    }
    if out.error.is_none() {
        if open.is_some() {
            return Err("stream ended with a part open".into());
        }
        if !pending.is_empty() {
            return Err(format!("stream ended with tool calls open: {pending:?}"));
        }
    }
    if out.raw_messages > 1 {
        return Err("more than one raw message".into());
    }
    Ok(out)
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            fixture_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// The include_thoughts setting interaction `turn` of a case ran under.
fn include_thoughts(case: &Value, turn: usize) -> bool {
    let call = &case["call"];
    let mut thinking = &call["thinking"];
    if turn > 0 {
        let overrides: Vec<&Value> = call["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s.get("with").is_some() && !s["model_override"].is_null())
            .map(|s| &s["model_override"])
            .collect();
        if !overrides.is_empty() {
            thinking = &overrides[turn.min(overrides.len()) - 1]["thinking"];
        }
    }
    thinking["include_thoughts"].as_bool().unwrap_or(false)
}

fn decode_pieces(format: WireFormat, options: DecodeOptions, pieces: &[&[u8]]) -> Vec<Chunk> {
    let mut d = StreamDecoder::new(format, options);
    let mut out = Vec::new();
    for p in pieces {
        d.feed(p, &mut out);
    }
    d.finish(&mut out);
    out
}

fn random_pieces(body: &[u8], mut seed: u64, max: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < body.len() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let n = 1 + usize::try_from(seed >> 33).unwrap_or(0) % max;
        let end = (i + n).min(body.len());
        pieces.push(&body[i..end]);
        i = end;
    }
    pieces
}

/// Checks every recorded case of `wire_format`; returns one line per failure.
pub fn check_wire_format(wire_format: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/streams");
    let mut files = Vec::new();
    fixture_files(&root, &mut files);
    let format = WireFormat::from_name(wire_format).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if case["wire_format"] != wire_format {
            continue;
        }
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let interactions = case["interactions"].as_array().cloned().unwrap_or_default();
        for (turn, inter) in interactions.iter().enumerate() {
            if inter["response"]["status"] != 200 {
                continue;
            }
            checked += 1;
            let body = inter["response"]["body"].as_str().unwrap().as_bytes();
            let options = DecodeOptions {
                include_thoughts: include_thoughts(&case, turn),
                raw_events: false,
            };
            let whole = decode_pieces(format, options, &[body]);
            let with_raw = decode_pieces(
                format,
                DecodeOptions {
                    raw_events: true,
                    ..options
                },
                &[body],
            );
            let without_raw: Vec<Chunk> = with_raw
                .into_iter()
                .filter(|c| !matches!(c, Chunk::RawEvent(_)))
                .collect();
            if without_raw != whole {
                failures.push(format!(
                    "{name}#{turn}: raw_events changes the other chunks"
                ));
            }
            let bytewise: Vec<&[u8]> = body.chunks(1).collect();
            for (how, pieces) in [
                ("bytewise", bytewise),
                ("random", random_pieces(body, body.len() as u64, 9)),
            ] {
                if decode_pieces(format, options, &pieces) != whole {
                    failures.push(format!("{name}#{turn}: {how} split differs from whole"));
                }
            }
            let got = match fold(&whole) {
                Ok(f) => f,
                Err(e) => {
                    failures.push(format!("{name}#{turn}: contract: {e}"));
                    continue;
                }
            };
            let expected = &case["expected"];
            if let Some(e) = &got.error {
                failures.push(format!("{name}#{turn}: error chunk {e}"));
                continue;
            }
            if got.thoughts > 0 && !options.include_thoughts {
                failures.push(format!("{name}#{turn}: thoughts without include_thoughts"));
            }
            if Value::Array(got.content.clone()) != expected["assistant_turns"][turn] {
                failures.push(format!(
                    "{name}#{turn}: content\n  got:      {}\n  expected: {}",
                    Value::Array(got.content.clone()),
                    expected["assistant_turns"][turn]
                ));
            }
            if turn + 1 != interactions.len() {
                continue;
            }
            if got.finish_reason.map_or(Value::Null, Value::from) != expected["finish_reason"] {
                failures.push(format!(
                    "{name}#{turn}: finish_reason {:?} != {}",
                    got.finish_reason, expected["finish_reason"]
                ));
            }
            if Some(got.n_chunks as u64) != expected["n_chunks"].as_u64() {
                failures.push(format!(
                    "{name}#{turn}: n_chunks {} != {}",
                    got.n_chunks, expected["n_chunks"]
                ));
            }
            let u = &expected["usage"];
            let want = if u.is_null() {
                // max_tokens/openai_gpt_4o_responses: Mirascope 2.5 ignored the usage of
                // `response.incomplete`; we report it, as 2.8.2 does (API.md §11.2).
                Some([14, 50, 0, 0, 0])
            } else {
                Some(
                    [
                        "input_tokens",
                        "output_tokens",
                        "cache_read_tokens",
                        "cache_write_tokens",
                        "reasoning_tokens",
                    ]
                    .map(|k| u[k].as_i64().unwrap_or(0)),
                )
            };
            if got.usage != want {
                failures.push(format!("{name}#{turn}: usage {:?} != {want:?}", got.usage));
            }
        }
    }
    if checked == 0 {
        failures.push(format!("no recorded cases for {wire_format}"));
    }
    failures
}

fn assert_fixtures(wire_format: &str) {
    let failures = check_wire_format(wire_format);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn openai_completions_fixtures() {
    assert_fixtures("openai-completions");
}

#[test]
fn openai_responses_fixtures() {
    assert_fixtures("openai-responses");
}

#[test]
fn anthropic_fixtures() {
    assert_fixtures("anthropic");
}

#[test]
fn google_fixtures() {
    assert_fixtures("google");
}

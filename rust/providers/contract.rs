//! The chunk contract every decoder must keep (docs/spec.md §4), as an executable check.
//!
//! `fold` accumulates chunks the way a response does (§3.3, with the §7.4 format-tool
//! conversion) and fails on any breach: overlapping text/thought parts, deltas for unknown
//! calls, content after the finish chunk, anything after an error or the raw message. `check`
//! adds what only a finished stream can show: how it ended, and what the options forbid. The
//! fixture replay tests, the decoders' unit and property tests and the fuzz targets all use
//! this one copy.

use serde_json::{json, Value};

use crate::chunk::{Chunk, DecodeOptions};
use crate::providers::common::is_format_tool;
use crate::providers::WireFormat;

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

/// Folds chunks the way a response accumulates them (docs/spec.md §3.3, §7.4), checking the decoder
/// contract of docs/spec.md §4 on the way.
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
        if chunk.is_content() && out.finish_reason.is_some() {
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
            Chunk::ToolCallStart { id, name } if is_format_tool(name) => {
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

/// The whole contract of a finished stream of `format`: `fold` accepts it; at most one error,
/// and then last; the three formats with a terminal event end with exactly one raw message or
/// with the error (Chat Completions has no raw message); at most one finish chunk and no
/// content after it; no thought chunks unless they were asked for.
pub fn check(format: WireFormat, options: DecodeOptions, chunks: &[Chunk]) -> Result<(), String> {
    let folded = fold(chunks)?;
    let errors = chunks
        .iter()
        .filter(|c| matches!(c, Chunk::Error(_)))
        .count();
    if errors > 1 {
        return Err(format!("{errors} error chunks"));
    }
    if errors == 1 && !matches!(chunks.last(), Some(Chunk::Error(_))) {
        return Err("the error chunk is not last".into());
    }
    if format == WireFormat::OpenAiCompletions {
        if folded.raw_messages != 0 {
            return Err("a Chat Completions stream has no raw message".into());
        }
    } else if errors == 0
        && !(folded.raw_messages == 1 && matches!(chunks.last(), Some(Chunk::RawMessage(_))))
    {
        return Err(format!(
            "stream ended without an error and without the raw message last: {:?}",
            chunks.last()
        ));
    }
    let finishes: Vec<usize> = (0..chunks.len())
        .filter(|&i| matches!(chunks[i], Chunk::Finish(_)))
        .collect();
    if finishes.len() > 1 {
        return Err(format!("{} finish chunks", finishes.len()));
    }
    if let Some(&f) = finishes.first() {
        if chunks[f..].iter().any(Chunk::is_content) {
            return Err("content after the finish chunk".into());
        }
    }
    if !options.include_thoughts
        && chunks.iter().any(|c| {
            matches!(
                c,
                Chunk::ThoughtStart | Chunk::Thought(_) | Chunk::ThoughtEnd
            )
        })
    {
        return Err("thought chunks without include_thoughts".into());
    }
    Ok(())
}

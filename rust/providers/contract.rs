//! The chunk contract every decoder must keep (docs/spec.md §4), as an executable check.
//!
//! `fold` accumulates chunks the way a response does (§3.3, with the §7.4 format-tool
//! conversion) and fails on any breach: overlapping text/thought parts, deltas for unknown
//! calls, content after the finish chunk, anything after an error or the raw message. The
//! fixture replay tests, the decoders' unit tests and the fuzz targets all use this one copy.

use serde_json::{json, Value};

use crate::chunk::Chunk;

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

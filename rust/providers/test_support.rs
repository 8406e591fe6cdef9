//! What the decoders' tests share: the option sets, builders of the chunks every wire format
//! emits, decoding a body in pieces, the recorded cases, and the chunk contract
//! (`contract::check`) as a property-test check. Event builders stay with each provider's
//! tests: they spell that provider's wire format.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, StreamError, ToolUsage};
use crate::providers::{contract, decode_pieces, WireFormat};

/// Thoughts hidden, no raw events: what most calls decode with.
pub const PLAIN: DecodeOptions = DecodeOptions {
    include_thoughts: false,
    raw_events: false,
};

/// Thoughts shown.
pub const THOUGHTS: DecodeOptions = DecodeOptions {
    include_thoughts: true,
    raw_events: false,
};

/// Raw events kept.
pub const RAW: DecodeOptions = DecodeOptions {
    include_thoughts: false,
    raw_events: true,
};

/// Every combination of the decode options.
pub fn options() -> impl Strategy<Value = DecodeOptions> {
    (any::<bool>(), any::<bool>()).prop_map(|(include_thoughts, raw_events)| DecodeOptions {
        include_thoughts,
        raw_events,
    })
}

pub fn text(delta: &str) -> Chunk {
    Chunk::Text(delta.to_owned())
}

pub fn thought(delta: &str) -> Chunk {
    Chunk::Thought(delta.to_owned())
}

pub fn call_start(id: &str, name: &str) -> Chunk {
    Chunk::ToolCallStart {
        id: id.to_owned(),
        name: name.to_owned(),
    }
}

pub fn call_delta(id: &str, delta: &str) -> Chunk {
    Chunk::ToolCall {
        id: id.to_owned(),
        delta: delta.to_owned(),
    }
}

pub fn call_end(id: &str) -> Chunk {
    Chunk::ToolCallEnd { id: id.to_owned() }
}

/// The error a stream ended with; panics when it did not end with one.
#[track_caller]
pub fn error_of(chunks: &[Chunk]) -> &StreamError {
    match chunks.last() {
        Some(Chunk::Error(error)) => error,
        other => panic!("expected a trailing error, got {other:?}"),
    }
}

/// The error a stream ended with, which must be a `ResponseValidation` error whose message
/// contains `needle`.
#[track_caller]
pub fn validation_error<'c>(chunks: &'c [Chunk], needle: &str) -> &'c StreamError {
    let error = error_of(chunks);
    assert_eq!(error.kind, ErrorKind::ResponseValidation, "{error:?}");
    assert!(
        error.message.contains(needle),
        "{:?} does not contain {needle:?}",
        error.message
    );
    error
}

/// The provider tool usage of the first usage chunk; panics when there is no usage chunk.
#[track_caller]
pub fn first_tool_usage(chunks: &[Chunk]) -> Option<Vec<ToolUsage>> {
    let usage = chunks.iter().find_map(|c| match c {
        Chunk::Usage(u) => Some(u.provider_tool_usage.clone()),
        _ => None,
    });
    usage.unwrap_or_else(|| panic!("no usage chunk in {chunks:?}"))
}

/// Decodes `body` cut at `cuts`: any numbers, taken modulo `body.len() + 1` and sorted, so a
/// property test can pass what proptest generates.
pub fn decode_cut(
    format: WireFormat,
    options: DecodeOptions,
    body: &[u8],
    cuts: &[usize],
) -> Vec<Chunk> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for cut in cuts.into_iter().chain([body.len()]) {
        pieces.push(&body[from..cut]);
        from = cut;
    }
    decode_pieces(format, options, &pieces)
}

/// Decodes `body` fed `size` bytes at a time.
pub fn decode_by(
    format: WireFormat,
    options: DecodeOptions,
    body: &[u8],
    size: usize,
) -> Vec<Chunk> {
    let pieces: Vec<&[u8]> = body.chunks(size).collect();
    decode_pieces(format, options, &pieces)
}

/// The chunk contract of a finished stream (`contract::check`), failing the property.
pub fn check_contract(
    format: WireFormat,
    options: DecodeOptions,
    chunks: &[Chunk],
) -> Result<(), TestCaseError> {
    contract::check(format, options, chunks)
        .map_err(|e| TestCaseError::fail(format!("{e}\nchunks: {chunks:?}")))
}

/// The recorded cases of `tests/fixtures/streams` for one wire format (by its fixture name),
/// as (path below that folder, case), in path order.
pub fn recorded_cases(wire_format: &str) -> Vec<(String, Value)> {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::path);
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/streams");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    paths
        .into_iter()
        .filter_map(|path| {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            (case["wire_format"] == wire_format).then_some((name, case))
        })
        .collect()
}

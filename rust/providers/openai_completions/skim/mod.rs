//! The fast path for Chat Completions payloads (docs/spec.md §11.1 "Skimming"): most of a
//! `chat.completion.chunk` is fields the decoder never reads (`id`, `created`, `model`,
//! `system_fingerprint`, `obfuscation`, …), and tokenising them with serde cost most of the
//! time spent per event. The skim walks the top-level object itself, steps over simple values
//! of those fields with a few instructions per byte, reads `object` and the `usage`/`error`
//! nulls itself, and reads `choices` itself when it has one of the common shapes
//! (`choices.rs`), handing any other `choices` value to serde (`choice_zero`).
//!
//! It is an optimisation, never a second JSON reader with its own rules: it answers only when
//! it is sure serde would accept the payload and produce the same `Payload`, and otherwise
//! says `None`, and the caller runs serde on the whole payload (which also gives the error
//! message). Anything it does not fully understand is such a case: an escape in a string it
//! skips or compares, a nested value outside `choices`, a non-null `usage` or `error`, a
//! repeated field the decoder reads, a top-level value that is not an object, trailing
//! characters. The equivalence is checked by `check_skim`, which the property tests and the
//! Completions fuzz target run.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

use super::{choice_zero, Choice, Payload};
use choices::{common_choices, members};
use string::string_end;

mod choices;
mod string;

/// What serde's `Identity` parse of the same payload would give, as `(id, model)` strings.
pub(super) type IdentityFields<'a> = (Option<&'a str>, Option<&'a str>);

/// A payload read by the skim.
pub(super) struct Skimmed<'a> {
    pub payload: Payload<'a>,
    /// What `serde_json::from_str::<Identity>` would record, when the skim can tell without
    /// parsing again: `None` when `id` or `model` repeats or is a number (serde reads the
    /// number into a `Value`, which refuses one outside the `f64` range).
    pub identity: Option<IdentityFields<'a>>,
}

/// One occurrence count and value of `id` or `model` as `Identity` would read it.
#[derive(Clone, Copy)]
enum Seen<'a> {
    Absent,
    /// A string (the skim reads only strings without escapes) or, as `None`, `null`/`true`/`false`.
    Once(Option<&'a str>),
    /// Repeated, or a number: left to serde's `Identity` parse.
    Unsure,
}

impl<'a> Seen<'a> {
    fn add(&mut self, value: Simple<'a>) {
        *self = match (*self, value) {
            (Seen::Absent, Simple::Str(s)) => Seen::Once(Some(s)),
            (Seen::Absent, Simple::Literal) => Seen::Once(None),
            _ => Seen::Unsure,
        };
    }

    /// Whether serde's `Identity` would read this as the skim did.
    fn sure(self) -> bool {
        !matches!(self, Seen::Unsure)
    }

    fn value(self) -> Option<&'a str> {
        match self {
            Seen::Once(value) => value,
            Seen::Absent | Seen::Unsure => None,
        }
    }
}

/// A simple JSON value the skim stepped over.
#[derive(Clone, Copy)]
enum Simple<'a> {
    /// A string without escapes: its content.
    Str(&'a str),
    Number,
    /// `null`, `true` or `false`.
    Literal,
}

/// `choice_zero` as a type, so that a `StreamDeserializer` can read it and say where it ended.
struct ChoiceZero<'a>(Option<Choice<'a>>);

impl<'de> Deserialize<'de> for ChoiceZero<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        choice_zero(d).map(ChoiceZero)
    }
}

/// serde_json refuses a value nested 128 levels deep (`RecursionLimitExceeded`), counting the
/// payload object as one level, so a `choices` value read on its own gets one level more than
/// within the payload. A `choices` value with fewer than this many `[`/`{` bytes in it is well
/// under either limit; one with more is left to the whole-payload parse.
const NESTING_SURE: usize = 100;

/// Reads `data` the way `serde_json::from_str::<Payload>` would, or `None` when unsure.
pub(super) fn skim(data: &str) -> Option<Skimmed<'_>> {
    let b = data.as_bytes();
    let start = whitespace(b, 0);
    if b.get(start) != Some(&b'{') {
        return None;
    }
    let mut choices: Option<Option<Choice>> = None;
    let mut object: Option<Option<Cow<str>>> = None;
    let (mut usage, mut error) = (false, false);
    let (mut id, mut model) = (Seen::Absent, Seen::Absent);
    let at = members(data, start + 1, |key, at| match key {
        b"choices" => {
            if choices.is_some() {
                return None;
            }
            // The common shapes are read here, the rest by serde.
            let (choice, next) = common_choices(data, at).or_else(|| choices_value(data, at))?;
            choices = Some(choice);
            Some(next)
        }
        b"usage" | b"error" => {
            let seen = if key == b"usage" {
                &mut usage
            } else {
                &mut error
            };
            if *seen || !b[at..].starts_with(b"null") {
                return None;
            }
            *seen = true;
            Some(at + 4)
        }
        b"object" => {
            if object.is_some() {
                return None;
            }
            let (value, next) = simple(data, at)?;
            object = Some(match value {
                Simple::Str(s) => Some(Cow::Borrowed(s)),
                Simple::Literal if b[at] == b'n' => None,
                _ => return None,
            });
            Some(next)
        }
        b"id" | b"model" => {
            let (value, next) = simple(data, at)?;
            if key == b"id" { &mut id } else { &mut model }.add(value);
            Some(next)
        }
        _ => skip(b, at),
    })?;
    if whitespace(b, at) != b.len() {
        return None;
    }
    let identity = (id.sure() && model.sure()).then(|| (id.value(), model.value()));
    Some(Skimmed {
        payload: Payload {
            choice: choices.flatten(),
            usage: None,
            error: None,
            object: object.flatten(),
        },
        identity,
    })
}

/// The `choices` value at `at` in `data`, read by serde, and the index after it.
fn choices_value(data: &str, at: usize) -> Option<(Option<Choice<'_>>, usize)> {
    let rest = &data[at..];
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<ChoiceZero>();
    let ChoiceZero(choice) = stream.next()?.ok()?;
    let used = stream.byte_offset();
    // A value nested N levels deep has at least N opening and N closing brackets.
    if used >= 2 * NESTING_SURE && nesting_bound(&rest.as_bytes()[..used]) >= NESTING_SURE {
        return None;
    }
    Some((choice, at + used))
}

/// An upper bound of the nesting depth of the JSON in `bytes`: its opening brackets.
fn nesting_bound(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&c| c == b'[' || c == b'{').count()
}

/// The index of the first byte at or after `at` that is not JSON whitespace (RFC 8259: space,
/// tab, line feed, carriage return), or the length.
#[inline]
fn whitespace(b: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(at) {
        at += 1;
    }
    at
}

/// Steps over the simple value starting at `at`, returning it and the index after it; `None`
/// for anything else (a nested value, a string with an escape, invalid JSON).
fn simple(data: &str, at: usize) -> Option<(Simple<'_>, usize)> {
    let b = data.as_bytes();
    match *b.get(at)? {
        b'"' => {
            let end = string_end(b, at + 1)?;
            Some((Simple::Str(&data[at + 1..end]), end + 1))
        }
        b'-' | b'0'..=b'9' => Some((Simple::Number, number_end(b, at)?)),
        b'n' if b[at..].starts_with(b"null") => Some((Simple::Literal, at + 4)),
        b't' if b[at..].starts_with(b"true") => Some((Simple::Literal, at + 4)),
        b'f' if b[at..].starts_with(b"false") => Some((Simple::Literal, at + 5)),
        _ => None,
    }
}

/// The index after the simple value starting at `at`; `None` for anything else, as `simple`.
#[inline]
fn skip(b: &[u8], at: usize) -> Option<usize> {
    match *b.get(at)? {
        b'"' => string_end(b, at + 1).map(|end| end + 1),
        b'-' | b'0'..=b'9' => number_end(b, at),
        b'n' if b[at..].starts_with(b"null") => Some(at + 4),
        b't' if b[at..].starts_with(b"true") => Some(at + 4),
        b'f' if b[at..].starts_with(b"false") => Some(at + 5),
        _ => None,
    }
}

/// The index after the strict JSON number starting at `at`
/// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), or `None` when it breaks that grammar.
/// Its value is never read: serde skips an ignored number unread too, whatever its size.
fn number_end(b: &[u8], mut at: usize) -> Option<usize> {
    let digits = |mut at: usize| {
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        (at > start).then_some(at)
    };
    if b[at] == b'-' {
        at += 1;
    }
    at = match b.get(at)? {
        b'0' => at + 1,
        b'1'..=b'9' => digits(at)?,
        _ => return None,
    };
    if b.get(at) == Some(&b'.') {
        at = digits(at + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = b.get(at) {
            at += 1;
        }
        at = digits(at)?;
    }
    Some(at)
}

/// Checks the skim against serde on one payload: when the skim answers, serde accepts the
/// payload and gives the same `Payload`, and the identity the skim reports is the one serde's
/// `Identity` parse gives. For the property tests and the Completions fuzz target.
#[doc(hidden)]
pub fn check_skim(data: &str) -> Result<(), String> {
    let Some(skimmed) = skim(data) else {
        return Ok(());
    };
    let serde = serde_json::from_str::<Payload>(data)
        .map_err(|e| format!("the skim read {data:?}, which serde refuses: {e}"))?;
    if skimmed.payload != serde {
        return Err(format!(
            "the skim read {data:?} as {:?}, serde as {serde:?}",
            skimmed.payload
        ));
    }
    if let Some((id, model)) = skimmed.identity {
        let expected = serde_json::from_str::<super::Identity>(data)
            .map_err(|e| format!("the skim read the identity of {data:?}, serde refuses: {e}"))?;
        let str_of =
            |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_str()).map(str::to_owned);
        let want = (str_of(&expected.id), str_of(&expected.model));
        if (id.map(str::to_owned), model.map(str::to_owned)) != want {
            return Err(format!(
                "the skim read the identity of {data:?} as {:?}, serde as {want:?}",
                (id, model)
            ));
        }
    }
    Ok(())
}

/// Checks the reader of the common `choices` shapes against serde on one `choices` value:
/// when it answers, serde's `choice_zero` reads the value the skim would hand it into the same
/// choice and ends at the same byte. For the property tests and the Completions fuzz target.
#[doc(hidden)]
pub fn check_choices(value: &str) -> Result<(), String> {
    let Some((choice, end)) = common_choices(value, 0) else {
        return Ok(());
    };
    let mut stream = serde_json::Deserializer::from_str(value).into_iter::<ChoiceZero>();
    match stream.next() {
        Some(Ok(ChoiceZero(serde))) if serde == choice && stream.byte_offset() == end => Ok(()),
        Some(Ok(ChoiceZero(serde))) => Err(format!(
            "the choices reader read {value:?} as {choice:?} ending at {end}, serde as {serde:?} \
             ending at {}",
            stream.byte_offset()
        )),
        Some(Err(e)) => Err(format!(
            "the choices reader read {value:?}, which serde refuses: {e}"
        )),
        None => Err(format!(
            "the choices reader read {value:?}, in which serde finds no value"
        )),
    }
}

#[cfg(test)]
mod tests;

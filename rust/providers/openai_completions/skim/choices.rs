//! The common `choices` values, read without serde (docs/spec.md §11.1 "Skimming"): `[]`, and
//! one choice of the shape every server streams, `{"index":0,"delta":{…},"logprobs":null,
//! "finish_reason":…}` with its keys in any order. Its delta holds strings or nulls (`content`,
//! `refusal`, `reasoning_content`, `reasoning`, `role`, …) and at most an empty or null
//! `tool_calls`. serde took about 2,080 instructions per event of a live 50-delta answer for
//! them, a third of the decoder's cost per event; this reader takes about 1,030, the boxed
//! delta's allocation included (callgrind, release build).
//!
//! As the skim, it answers only when serde's `choice_zero` would give the same choice and end
//! at the same byte, and says `None` otherwise, and serde reads the value: tool calls, a second
//! choice, an index other than a plain `0` or `null`, a nested or unknown-typed value, a
//! repeated field the decoder reads, an escape in a key, anything serde refuses.

use std::borrow::Cow;

use super::super::{Choice, Delta};
use super::string::{string, string_end};
use super::{skip, whitespace};

/// The `choices` value at `at` in `data` read as `choice_zero` reads it, and the index after
/// it; `None` when it is not one of the common shapes.
pub(super) fn common_choices(data: &str, at: usize) -> Option<(Option<Choice<'_>>, usize)> {
    let b = data.as_bytes();
    if b.get(at) != Some(&b'[') {
        return None;
    }
    let at = whitespace(b, at + 1);
    match b.get(at)? {
        b']' => Some((None, at + 1)),
        b'{' => {
            let (choice, next) = choice(data, at + 1)?;
            let end = whitespace(b, next);
            (b.get(end) == Some(&b']')).then_some((Some(choice), end + 1))
        }
        _ => None,
    }
}

/// Walks the members of the object whose content starts at `at` (after its `{`): `member`
/// gets each key (without escapes, else the walk gives up) and the index of its value, and
/// returns the index after the value. The index after the closing `}`, or `None`.
#[inline]
pub(super) fn members<'a>(
    data: &'a str,
    at: usize,
    mut member: impl FnMut(&'a [u8], usize) -> Option<usize>,
) -> Option<usize> {
    let b = data.as_bytes();
    let mut at = whitespace(b, at);
    if b.get(at) == Some(&b'}') {
        return Some(at + 1);
    }
    loop {
        if b.get(at) != Some(&b'"') {
            return None;
        }
        let end = string_end(b, at + 1)?;
        let key = &b[at + 1..end];
        at = whitespace(b, end + 1);
        if b.get(at) != Some(&b':') {
            return None;
        }
        at = whitespace(b, member(key, whitespace(b, at + 1))?);
        match b.get(at) {
            Some(b',') => at = whitespace(b, at + 1),
            Some(b'}') => return Some(at + 1),
            _ => return None,
        }
    }
}

/// Stores the value of a field the decoder reads; `None` when the field repeats (serde refuses
/// a repeated field of a struct).
#[inline]
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// A `null` at `at`: the index after it.
#[inline]
fn null(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..)?.starts_with(b"null").then_some(at + 4)
}

/// A string-or-null field (`opt_str`) at `at`: its value and the index after it.
#[inline]
fn opt_string(data: &str, at: usize) -> Option<(Option<Cow<'_, str>>, usize)> {
    let b = data.as_bytes();
    match *b.get(at)? {
        b'"' => string(data, at + 1).map(|(s, next)| (Some(s), next)),
        _ => Some((None, null(b, at)?)),
    }
}

/// One choice whose content starts at `at` (after its `{`), when it is choice 0 (`index` 0,
/// `null` or absent): the choice and the index after it.
fn choice(data: &str, at: usize) -> Option<(Choice<'_>, usize)> {
    let b = data.as_bytes();
    let (mut index, mut delta, mut finish_reason) = (None, None, None);
    let end = members(data, at, |key, at| match key {
        b"index" => match b.get(at)? {
            // A `0` followed by more of a number (`01`, `0.0`, `0e0`) is no delimiter: the
            // walk gives up on it.
            b'0' => once(&mut index, Some(0)).map(|()| at + 1),
            _ => once(&mut index, None).and_then(|()| null(b, at)),
        },
        b"delta" => match b.get(at)? {
            b'{' => {
                let (value, next) = self::delta(data, at + 1)?;
                once(&mut delta, Some(Box::new(value))).map(|()| next)
            }
            _ => once(&mut delta, None).and_then(|()| null(b, at)),
        },
        b"finish_reason" => {
            let (value, next) = opt_string(data, at)?;
            once(&mut finish_reason, value).map(|()| next)
        }
        _ => skip(b, at),
    })?;
    let choice = Choice {
        index: index.flatten(),
        delta: delta.flatten(),
        finish_reason: finish_reason.flatten(),
    };
    Some((choice, end))
}

/// One delta whose content starts at `at` (after its `{`): the delta and the index after it.
fn delta(data: &str, at: usize) -> Option<(Delta<'_>, usize)> {
    let b = data.as_bytes();
    let (mut content, mut refusal, mut reasoning_content, mut reasoning) = (None, None, None, None);
    let mut tool_calls = None;
    let end = members(data, at, |key, at| {
        let slot = match key {
            b"content" => &mut content,
            b"refusal" => &mut refusal,
            b"reasoning_content" => &mut reasoning_content,
            b"reasoning" => &mut reasoning,
            b"tool_calls" => {
                // `null` or `[]`; calls themselves are serde's.
                let next = match b.get(at)? {
                    b'[' => {
                        let close = whitespace(b, at + 1);
                        (b.get(close) == Some(&b']')).then_some(close + 1)?
                    }
                    _ => null(b, at)?,
                };
                return once(&mut tool_calls, (b[at] == b'[').then(Vec::new)).map(|()| next);
            }
            _ => return skip(b, at),
        };
        let (value, next) = opt_string(data, at)?;
        once(slot, value).map(|()| next)
    })?;
    let delta = Delta {
        content: content.flatten(),
        refusal: refusal.flatten(),
        reasoning_content: reasoning_content.flatten(),
        reasoning: reasoning.flatten(),
        tool_calls: tool_calls.flatten(),
    };
    Some((delta, end))
}

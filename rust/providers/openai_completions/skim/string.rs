//! JSON strings for the skim: where one ends, and the value of one the decoder reads.
//!
//! A string without a backslash is borrowed from the payload. One with escapes is decoded
//! here into an owned string, byte for byte as serde_json decodes it, because content
//! fragments carry them all the time (`\n`, `\"`, `\u00e9`): leaving those payloads to serde
//! would cost the whole `choices` parse. Anything serde would refuse (an unknown escape, a
//! short or non-hex `\u`, a lone surrogate, a raw control character) is not decoded but left
//! to serde, which refuses it with its own error.

use std::borrow::Cow;

/// The index of the first byte at or after `at` that ends a plain run of string content: a
/// quote, a backslash or a control character (which JSON forbids raw in a string); `None` when
/// the data ends first. Eight bytes per step: of the bytes these borrow tricks flag, the lowest
/// is always a true hit, so its position is exact.
#[inline]
fn special(b: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    // Flags the bytes of `w` equal to `c`.
    let equal = |w: u64, c: u8| {
        let x = w ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x
    };
    while let Some(word) = b.get(at..at + 8) {
        let w = u64::from_le_bytes(word.try_into().ok()?);
        let control = w.wrapping_sub(ONES * 0x20) & !w;
        let hits = (control | equal(w, b'"') | equal(w, b'\\')) & HIGH;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    b[at.min(b.len())..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|i| at + i)
}

/// The index of the closing quote of the string whose content starts at `at`, or `None` when
/// a backslash (an escape), a control character or the end of the data comes first.
#[inline]
pub(super) fn string_end(b: &[u8], at: usize) -> Option<usize> {
    let end = special(b, at)?;
    (b[end] == b'"').then_some(end)
}

/// The value of the string whose content starts at `at` and the index after its closing
/// quote, as serde_json reads it into a `Cow<str>`: borrowed without escapes, decoded into an
/// owned string with them. `None` for a string serde would refuse, and at the end of the data.
#[inline]
pub(super) fn string(data: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = data.as_bytes();
    let end = special(b, at)?;
    match b[end] {
        b'"' => Some((Cow::Borrowed(&data[at..end]), end + 1)),
        b'\\' => escaped(data, at, end),
        _ => None,
    }
}

/// The rest of `string` for a string with an escape at `escape`.
#[cold]
fn escaped(data: &str, start: usize, mut escape: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = data.as_bytes();
    let mut out = String::with_capacity(data.len().min(escape - start + 16));
    out.push_str(&data[start..escape]);
    loop {
        let at = unescape(b, escape + 1, &mut out)?;
        let end = special(b, at)?;
        out.push_str(&data[at..end]);
        match b[end] {
            b'"' => return Some((Cow::Owned(out), end + 1)),
            b'\\' => escape = end,
            _ => return None,
        }
    }
}

/// Decodes the escape whose letter is at `at` (after the backslash) into `out`, returning the
/// index after it, or `None` for one serde_json refuses in a string: a letter other than
/// `" \ / b f n r t u`, a `\u` without four hex digits, a low surrogate first, or a high
/// surrogate not followed by a `\u` low surrogate.
fn unescape(b: &[u8], at: usize, out: &mut String) -> Option<usize> {
    let c = match *b.get(at)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let high = hex4(b, at + 1)?;
            let (code, next) = match high {
                0xD800..=0xDBFF => {
                    if b.get(at + 5..at + 7)? != b"\\u" {
                        return None;
                    }
                    let low = hex4(b, at + 7)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), at + 11)
                }
                _ => (high, at + 5),
            };
            // `from_u32` refuses exactly the lone low surrogates left here.
            out.push(char::from_u32(code)?);
            return Some(next);
        }
        _ => return None,
    };
    out.push(c);
    Some(at + 1)
}

/// The four hex digits (either case) at `at` as a number.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)?.iter().try_fold(0, |n, &c| {
        let digit = char::from(c).to_digit(16)?;
        Some(n << 4 | digit)
    })
}

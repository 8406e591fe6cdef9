//! Python's `json.dumps(value)` with default arguments, reproduced byte for byte.
//!
//! Gemini sends a function call's `args` as a JSON object, not as the argument string the
//! other wire formats stream. Mirascope 2.8.2 turns that object into the tool call's argument
//! text with `json.dumps`, and that text is what users parse, what the chunk cache replays and
//! what a resumed conversation sends back. So the decoder must write exactly the bytes CPython
//! writes: `", "` and `": "` separators, `ensure_ascii` escapes (astral characters as surrogate
//! pairs), and floats as `repr(float)` spells them, ties going to the even digit. serde_json's
//! own writer differs on every one of these points.

use std::fmt::Write as _;

use serde_json::Value;

/// Serialises `value` exactly as Python's `json.dumps(value)` does with default arguments, so
/// tool-call args are byte-identical to Mirascope's (and to what a resume sends back).
pub(super) fn python_json_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_python_json(value, &mut out);
    out
}

fn write_python_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                write_python_float(f, out);
            } else {
                // Integers (i64 or u64) print the same in both languages.
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => write_python_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_str(key, out);
                out.push_str(": ");
                write_python_json(item, out);
            }
            out.push('}');
        }
    }
}

/// `ensure_ascii` escaping: printable ASCII stays, everything else becomes `\uXXXX`
/// (lower-case hex, astral characters as surrogate pairs) except the short escapes.
fn write_python_str(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest round-tripping digits, positional when the decimal
/// exponent is in [-4, 16), else scientific with a signed, at least two-digit exponent.
fn write_python_float(f: f64, out: &mut String) {
    if !f.is_finite() {
        // Not reachable from parsed JSON; `json.dumps` writes these names.
        out.push_str(if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    let (digits, exponent) = shortest_digits(f.abs());
    if f.is_sign_negative() {
        out.push('-');
    }
    // Position of the decimal point relative to the start of `digits`.
    let point = exponent + 1;
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    if !(-3..=16).contains(&point) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.abs());
    } else if point <= 0 {
        out.push_str("0.");
        push_zeros(out, -point);
        out.push_str(&digits);
    } else if point >= len {
        out.push_str(&digits);
        push_zeros(out, point - len);
        out.push_str(".0");
    } else {
        let (whole, fraction) = digits.split_at(usize::try_from(point).unwrap_or(0));
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    }
}

/// The shortest digits that round-trip to `x` (positive, finite) and the decimal exponent of
/// the first one. Rust's `{:e}` finds them, but when two candidates are equally close it does
/// not pick the even one as Python's dtoa does (`2013788578224892.25` → `…892.2`), so a tie is
/// checked against the exact binary value.
fn shortest_digits(x: f64) -> (String, i64) {
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let last = digits.bytes().last().unwrap_or(b'0') - b'0';
    if last % 2 == 1 {
        // An even neighbour ending in 0 would be shorter, so only 1..=8 can tie.
        for alt in [last - 1, last + 1]
            .into_iter()
            .filter(|d| (1..=8).contains(d))
        {
            let mut candidate = digits.clone();
            candidate.pop();
            candidate.push(char::from(b'0' + alt));
            if is_tie(x, &digits, &candidate, exponent) {
                digits = candidate;
                break;
            }
        }
    }
    (digits, exponent)
}

/// Whether `x` lies exactly halfway between the two digit strings (same length and exponent).
fn is_tie(x: f64, a: &str, b: &str, exponent: i64) -> bool {
    let mut midpoint = a.min(b).to_owned();
    midpoint.push('5');
    let as_float = format!("{}.{}e{exponent}", &midpoint[..1], &midpoint[1..]);
    if as_float.parse::<f64>() != Ok(x) {
        return false;
    }
    // Every finite double has at most 767 significant decimal digits, so this is exact.
    let exact = format!("{x:.800e}");
    let (mantissa, exact_exponent) = exact.split_once('e').unwrap_or((&exact, ""));
    let exact_digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    exact_exponent.parse() == Ok(exponent)
        && exact_digits.trim_end_matches('0') == midpoint.trim_end_matches('0')
}

fn push_zeros(out: &mut String, n: i64) {
    for _ in 0..n {
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{python_json_dumps, write_python_float};

    #[test]
    fn python_json_dumps_matches_python() {
        // Expected text produced by CPython 3 `json.dumps(json.loads(src))`.
        let src = r#"{"outer": {"inner": [1, {"deep": null}], "empty": {}, "list": []},
            "s": "é世🎉\"\\\n\t\u0001\u007f/",
            "floats": [0.1, 1e16, 1.5e-7, 100.0, -0.0, 1e15, 0.0001, 0.00001, 123456.789,
                       1e-320, 1.7976931348623157e308, 2.5e+22],
            "ints": [9007199254740993, -9223372036854775808, 18446744073709551615, 0],
            "b": [true, false]}"#;
        let want = r#"{"outer": {"inner": [1, {"deep": null}], "empty": {}, "list": []}, "s": "\u00e9\u4e16\ud83c\udf89\"\\\n\t\u0001\u007f/", "floats": [0.1, 1e+16, 1.5e-07, 100.0, -0.0, 1000000000000000.0, 0.0001, 1e-05, 123456.789, 1e-320, 1.7976931348623157e+308, 2.5e+22], "ints": [9007199254740993, -9223372036854775808, 18446744073709551615, 0], "b": [true, false]}"#;
        let value: Value = serde_json::from_str(src).unwrap();
        assert_eq!(python_json_dumps(&value), want);
    }

    #[test]
    fn python_float_repr_boundaries() {
        let cases = [
            (1e16, "1e+16"),
            (9_999_999_999_999_998.0, "9999999999999998.0"),
            (0.001, "0.001"),
            (0.0001, "0.0001"),
            (0.000_012_5, "1.25e-05"),
            (-2.5, "-2.5"),
            (1.0, "1.0"),
            (5e-324, "5e-324"),
            (1e100, "1e+100"),
            (-1.234_567_890_123_456_7e-200, "-1.2345678901234567e-200"),
            // Ties between two shortest candidates go to the even digit, as in Python.
            (2_013_788_578_224_892.0 + 0.25, "2013788578224892.2"),
            (2_013_788_578_224_892.0 + 0.75, "2013788578224892.8"),
            (16_352_205_074_865.0 + 0.8125, "16352205074865.812"),
            (1.5e-323, "1.5e-323"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (f, want) in cases {
            let mut out = String::new();
            write_python_float(f, &mut out);
            assert_eq!(out, want, "{f:e}");
        }
    }
}

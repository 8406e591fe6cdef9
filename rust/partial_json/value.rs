//! A plain-Rust [`Sink`] building `serde_json::Value`s: the reference consumer for tests and
//! fuzzing (it is compared with `serde_json` itself), and usable from Rust code.
//!
//! Two representational limits of `serde_json::Value` apply: a lone surrogate in a string
//! becomes U+FFFD, and a number outside the `f64` range (`1e400`) is rejected, as `serde_json`
//! rejects it. Dropping a value recurses on its depth, so keep `max_depth` moderate.

use serde_json::{Map, Number, Value};

use super::parser::{Abort, Input, ParseError, PartialJsonParser, Sink, DEFAULT_MAX_DEPTH};

#[derive(Debug)]
enum Frame {
    Array(Vec<Value>),
    /// The object so far and the key whose value is being read.
    Object(Map<String, Value>, Option<String>),
}

/// Builds the value of a document from [`PartialJsonParser`] events.
#[derive(Debug, Default)]
pub struct ValueBuilder {
    root: Option<Value>,
    stack: Vec<Frame>,
    /// Why the last event was refused.
    refusal: Option<&'static str>,
}

/// Decodes string content: UTF-8 except that lone surrogates (3-byte generalised UTF-8) become
/// U+FFFD.
fn decode(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                // A surrogate is 3 bytes; anything else invalid is skipped bytewise.
                let skip = if after.first() == Some(&0xED) && after.len() >= 3 {
                    3
                } else {
                    e.error_len().unwrap_or(after.len()).max(1)
                };
                rest = &after[skip.min(after.len())..];
            }
        }
    }
}

/// Numbers as `serde_json` reads them (`-0` is the float -0.0 there, unlike in Python).
fn number(raw: &str, is_int: bool) -> Option<Value> {
    if is_int && raw != "-0" {
        if let Ok(v) = raw.parse::<i64>() {
            return Some(Value::Number(v.into()));
        }
        if let Ok(v) = raw.parse::<u64>() {
            return Some(Value::Number(v.into()));
        }
    }
    let v: f64 = raw.parse().ok()?;
    Number::from_f64(v).map(Value::Number)
}

impl ValueBuilder {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The complete top-level value, once there is one.
    #[must_use]
    pub fn value(&self) -> Option<&Value> {
        self.root.as_ref()
    }

    #[must_use]
    pub fn into_value(self) -> Option<Value> {
        self.root
    }

    /// Why the builder refused a value (the parser then reported `ErrorKind::Rejected`).
    #[must_use]
    pub fn refusal(&self) -> Option<&'static str> {
        self.refusal
    }

    /// The partial value: open containers closed, the open string (`parser.open_string()`)
    /// included. Clones the open path, so it costs the size of the value.
    #[must_use]
    pub fn snapshot(&self, open_string: Option<&[u8]>) -> Option<Value> {
        let mut child = open_string.map(|s| Value::String(decode(s)));
        if self.stack.is_empty() {
            return child.or_else(|| self.root.clone());
        }
        for frame in self.stack.iter().rev() {
            child = Some(match frame {
                Frame::Array(items) => {
                    let mut items = items.clone();
                    items.extend(child);
                    Value::Array(items)
                }
                Frame::Object(map, key) => {
                    let mut map = map.clone();
                    if let (Some(key), Some(child)) = (key, child) {
                        map.insert(key.clone(), child);
                    }
                    Value::Object(map)
                }
            });
        }
        child
    }

    fn insert(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Array(items)) => items.push(value),
            Some(Frame::Object(map, key)) => {
                map.insert(key.take().unwrap_or_default(), value);
            }
        }
    }

    fn end(&mut self) {
        let value = match self.stack.pop() {
            Some(Frame::Array(items)) => Value::Array(items),
            Some(Frame::Object(map, _)) => Value::Object(map),
            None => return,
        };
        self.insert(value);
    }
}

impl Sink for ValueBuilder {
    fn begin_object(&mut self) -> Result<(), Abort> {
        self.stack.push(Frame::Object(Map::new(), None));
        Ok(())
    }

    fn begin_array(&mut self) -> Result<(), Abort> {
        self.stack.push(Frame::Array(Vec::new()));
        Ok(())
    }

    fn end_object(&mut self) -> Result<(), Abort> {
        self.end();
        Ok(())
    }

    fn end_array(&mut self) -> Result<(), Abort> {
        self.end();
        Ok(())
    }

    fn key(&mut self, key: &[u8]) -> Result<(), Abort> {
        if let Some(Frame::Object(_, pending)) = self.stack.last_mut() {
            *pending = Some(decode(key));
        }
        Ok(())
    }

    fn begin_string(&mut self) -> Result<(), Abort> {
        Ok(())
    }

    fn string(&mut self, value: &[u8]) -> Result<(), Abort> {
        self.insert(Value::String(decode(value)));
        Ok(())
    }

    fn number(&mut self, raw: &str, is_int: bool) -> Result<(), Abort> {
        let Some(value) = number(raw, is_int) else {
            self.refusal = Some("number out of range");
            return Err(Abort);
        };
        self.insert(value);
        Ok(())
    }

    fn boolean(&mut self, value: bool) -> Result<(), Abort> {
        self.insert(Value::Bool(value));
        Ok(())
    }

    fn null(&mut self) -> Result<(), Abort> {
        self.insert(Value::Null);
        Ok(())
    }
}

/// Parses a complete document (UTF-8 bytes, `DEFAULT_MAX_DEPTH`).
///
/// # Errors
/// Invalid or incomplete JSON, or a number outside the `f64` range.
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    let mut parser = PartialJsonParser::new(DEFAULT_MAX_DEPTH);
    let mut builder = ValueBuilder::new();
    parser.feed(input, Input::Bytes, &mut builder)?;
    parser.finish(&mut builder)?;
    Ok(builder.into_value().unwrap_or(Value::Null))
}

/// The partial value of a prefix of a document (`None` if no value has started to show);
/// text after a complete top-level value is ignored.
///
/// # Errors
/// The prefix cannot start any JSON document.
pub fn parse_partial(input: &[u8]) -> Result<Option<Value>, ParseError> {
    let mut parser = PartialJsonParser::new(DEFAULT_MAX_DEPTH).ignore_trailing(true);
    let mut builder = ValueBuilder::new();
    parser.feed(input, Input::Bytes, &mut builder)?;
    Ok(builder.snapshot(parser.open_string()))
}

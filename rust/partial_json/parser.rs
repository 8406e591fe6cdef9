//! The resumable tokenizer/validator behind [`PartialJsonParser`].
//!
//! The whole parse state lives in a few small fields (the container stack, one `State`, the
//! text of the unfinished token and at most three bytes of a cut UTF-8 code point), so a feed can
//! stop after any byte and the next one continues exactly there. Nothing recurses on document
//! depth.

use std::fmt;

/// The default bound on nesting (arrays and objects inside each other).
pub const DEFAULT_MAX_DEPTH: usize = 512;

/// What a piece of input is, because text and bytes differ in what has to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Raw bytes that must be UTF-8. They may be cut anywhere, including inside a code point;
    /// a UTF-8 byte order mark at the very start of the document is skipped (as `json.loads`
    /// does for bytes).
    Bytes,
    /// The UTF-8 encoding of whole code points, as Python's "surrogatepass" codec produces it
    /// from a `str` (so lone surrogates may occur and are kept). Not validated again.
    Text,
}

/// The offending input in an error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Char(char),
    /// A byte that does not start a valid character.
    Byte(u8),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Found::Char(c) if c.is_control() || c == '\u{feff}' => {
                write!(f, "U+{:04X}", u32::from(c))
            }
            Found::Char(c) => write!(f, "{c:?}"),
            Found::Byte(b) => write!(f, "byte 0x{b:02X}"),
        }
    }
}

/// Why the input is not (the beginning of) a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("expected a JSON value, found {0}")]
    ExpectedValue(Found),
    #[error("trailing comma before {0}")]
    TrailingComma(Found),
    #[error("expected ',' or ']' after an array element, found {0}")]
    ExpectedCommaOrBracket(Found),
    #[error("expected ',' or '}}' after an object member, found {0}")]
    ExpectedCommaOrBrace(Found),
    #[error("expected an object key in double quotes, found {0}")]
    ExpectedKey(Found),
    #[error("expected ':' after an object key, found {0}")]
    ExpectedColon(Found),
    #[error("invalid literal (expected `{expected}`), found {found}")]
    InvalidLiteral {
        expected: &'static str,
        found: Found,
    },
    #[error("invalid number: expected a digit, found {0}")]
    ExpectedDigit(Found),
    #[error("invalid number: leading zero")]
    LeadingZero,
    #[error("invalid escape sequence in a string: backslash followed by {0}")]
    InvalidEscape(Found),
    #[error("invalid \\uXXXX escape: expected a hex digit, found {0}")]
    InvalidUnicodeEscape(Found),
    #[error("invalid control character {0} in a string (it must be escaped)")]
    ControlCharacter(Found),
    #[error("invalid UTF-8")]
    InvalidUtf8,
    #[error("nesting deeper than max_depth ({0})")]
    TooDeep(usize),
    #[error("extra data after the JSON value: {0}")]
    TrailingData(Found),
    #[error("incomplete JSON document: {0}")]
    Incomplete(&'static str),
    #[error("the value was rejected while building it")]
    Rejected,
}

/// A parse error and the byte offset (from the start of the whole document) where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    pub kind: ErrorKind,
    pub offset: u64,
}

/// Returned by a [`Sink`] that cannot take an event (say, an integer too large for its target
/// type); the sink keeps the details itself and the parser stops with [`ErrorKind::Rejected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort;

/// Receives the semantic events of a document, in document order.
///
/// String contents (`key`, `string`, and [`PartialJsonParser::open_string`]) are UTF-8, except
/// that a lone surrogate escape appears as its 3-byte generalised UTF-8 form (what Python's
/// "surrogatepass" codec reads back as that surrogate).
pub trait Sink {
    fn begin_object(&mut self) -> Result<(), Abort>;
    fn begin_array(&mut self) -> Result<(), Abort>;
    fn end_object(&mut self) -> Result<(), Abort>;
    fn end_array(&mut self) -> Result<(), Abort>;
    /// A complete object key; its value follows.
    fn key(&mut self, key: &[u8]) -> Result<(), Abort>;
    /// A string value has opened; until `string`, its content so far is `open_string()`.
    fn begin_string(&mut self) -> Result<(), Abort>;
    /// The string value opened by the last `begin_string` is complete.
    fn string(&mut self, value: &[u8]) -> Result<(), Abort>;
    /// A complete number, as its JSON text; `is_int` when it has no fraction or exponent.
    fn number(&mut self, raw: &str, is_int: bool) -> Result<(), Abort>;
    fn boolean(&mut self, value: bool) -> Result<(), Abort>;
    fn null(&mut self) -> Result<(), Abort>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Array,
    Object,
}

/// Where a value is expected, which decides what else may appear instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// The document's value (a BOM may precede it).
    Top,
    /// Right after `[`: `]` may close the array.
    FirstElement,
    /// After `,` in an array: `]` would be a trailing comma.
    Element,
    /// After `:` in an object.
    Member,
}

/// Progress inside a number, following the RFC 8259 grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Start,
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

impl Num {
    /// Whether the number text so far is a whole number (a delimiter may end it).
    fn is_complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lit {
    True,
    False,
    Null,
}

impl Lit {
    fn text(self) -> &'static str {
        match self {
            Lit::True => "true",
            Lit::False => "false",
            Lit::Null => "null",
        }
    }
}

/// Progress inside an escape sequence of a string (`None` between escapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// After `\`.
    Backslash,
    /// After `\u` and `digits` hex digits.
    Unicode {
        digits: u8,
        unit: u16,
    },
    /// A high surrogate escape was read; a `\uXXXX` low surrogate may follow to complete it.
    High {
        high: u16,
    },
    /// ... and a `\` followed.
    HighBackslash {
        high: u16,
    },
    /// ... and `\u` and `digits` hex digits followed.
    HighUnicode {
        high: u16,
        digits: u8,
        unit: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Value(Slot),
    /// Inside a UTF-8 BOM at the start of byte input; the argument counts bytes matched.
    Bom(u8),
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object.
    Key,
    Colon,
    /// After a value inside a container: `,` or the closing bracket.
    AfterValue,
    /// The top-level value is complete; only whitespace may follow.
    Done,
    Str {
        key: bool,
        esc: Esc,
    },
    Number(Num),
    /// `matched` bytes of the literal read (fewer than all: a whole literal is complete at once).
    Literal {
        lit: Lit,
        matched: u8,
    },
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Bytes that end a plain run inside a string: the quote, the backslash and control characters.
static STRING_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn hex_value(b: u8) -> Option<u16> {
    match b {
        b'0'..=b'9' => Some(u16::from(b - b'0')),
        b'a'..=b'f' => Some(u16::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(b - b'A' + 10)),
        _ => None,
    }
}

fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..0xDC00).contains(&unit)
}

fn is_low_surrogate(unit: u16) -> bool {
    (0xDC00..0xE000).contains(&unit)
}

/// Appends a code point (a surrogate too) in generalised UTF-8.
#[allow(clippy::cast_possible_truncation)] // every shifted value is masked to a byte first
fn push_code_point(buf: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        buf.push(cp as u8);
    } else if cp < 0x800 {
        buf.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x1_0000 {
        buf.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        buf.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

/// The character starting at `input[i]` for an error message (a cut or invalid sequence shows
/// as its first byte).
fn found_at(input: &[u8], i: usize) -> Found {
    let b = input[i];
    if b.is_ascii() {
        return Found::Char(char::from(b));
    }
    let end = input.len().min(i + 4);
    let decoded = match std::str::from_utf8(&input[i..end]) {
        Ok(s) => s.chars().next(),
        Err(e) => std::str::from_utf8(&input[i..i + e.valid_up_to()])
            .ok()
            .and_then(|s| s.chars().next()),
    };
    decoded.map_or(Found::Byte(b), Found::Char)
}

/// Byte length of the UTF-8 sequence a (valid) lead byte starts.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// A resumable JSON parser: feed it pieces, read the partial state between feeds.
///
/// After an error every later `feed` and `finish` returns the same error; an error from
/// `finish` on an incomplete (but so far valid) document is the exception, since more input
/// may still complete it.
#[derive(Debug, Clone)]
pub struct PartialJsonParser {
    max_depth: usize,
    ignore_trailing: bool,
    stack: Vec<Container>,
    state: State,
    /// Bytes consumed by earlier feeds: the document offset of the current feed's first byte.
    offset: u64,
    /// The unfinished token: a string's decoded content so far, or a number's text so far.
    buf: Vec<u8>,
    /// The start of a UTF-8 code point cut by the end of the last feed (byte input only).
    cut: [u8; 4],
    cut_len: u8,
    cut_offset: u64,
    failed: Option<ParseError>,
}

impl Default for PartialJsonParser {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_DEPTH)
    }
}

impl PartialJsonParser {
    #[must_use]
    pub fn new(max_depth: usize) -> Self {
        Self {
            max_depth,
            ignore_trailing: false,
            stack: Vec::new(),
            state: State::Value(Slot::Top),
            offset: 0,
            buf: Vec::new(),
            cut: [0; 4],
            cut_len: 0,
            cut_offset: 0,
            failed: None,
        }
    }

    /// Makes anything after the complete top-level value ignored instead of an error (for
    /// text that embeds one JSON value, like a model reply with prose after the JSON).
    #[must_use]
    pub fn ignore_trailing(mut self, ignore: bool) -> Self {
        self.ignore_trailing = ignore;
        self
    }

    #[must_use]
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Bytes fed so far.
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Number of arrays and objects currently open.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Whether the top-level value is complete (so the sink has all of it). A bare top-level
    /// number only completes at the whitespace after it, or at `finish`; a literal completes
    /// with its last letter.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// The error that stopped the parser, if any.
    #[must_use]
    pub fn error(&self) -> Option<&ParseError> {
        self.failed.as_ref()
    }

    /// The content so far of the string value being read, if one is open (keys are not shown).
    /// Held-back parts (a cut escape, a pending high surrogate, a cut code point) are excluded,
    /// so the result only ever grows until the string completes.
    #[must_use]
    pub fn open_string(&self) -> Option<&[u8]> {
        matches!(self.state, State::Str { key: false, .. }).then_some(self.buf.as_slice())
    }

    /// Stops the parser for good: later calls return `error`.
    pub fn fail(&mut self, error: ParseError) {
        self.failed = Some(error);
    }

    /// Parses the next piece of the document, reporting what it completes to `sink`.
    ///
    /// # Errors
    /// The first invalid byte (or a sink's [`Abort`]); the parser then stays failed.
    pub fn feed<S: Sink + ?Sized>(
        &mut self,
        input: &[u8],
        kind: Input,
        sink: &mut S,
    ) -> Result<(), ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        match self.run(input, kind, sink) {
            Ok(()) => {
                self.offset += input.len() as u64;
                Ok(())
            }
            Err(err) => {
                self.failed = Some(err.clone());
                Err(err)
            }
        }
    }

    /// Ends the document: a bare top-level number is completed; anything else still open is an
    /// error.
    ///
    /// # Errors
    /// [`ErrorKind::Incomplete`] (the parser stays usable: more input may complete the
    /// document), or the error that already stopped the parser.
    pub fn finish<S: Sink + ?Sized>(&mut self, sink: &mut S) -> Result<(), ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = match self.state {
            State::Done => return Ok(()),
            State::Number(num) if self.stack.is_empty() && num.is_complete() => {
                let is_int = matches!(num, Num::Zero | Num::Int);
                let raw = std::str::from_utf8(&self.buf).unwrap_or("");
                sink.number(raw, is_int)
            }
            _ => {
                return Err(ParseError {
                    kind: ErrorKind::Incomplete(self.missing()),
                    offset: self.offset,
                })
            }
        };
        if result.is_err() {
            let err = ParseError {
                kind: ErrorKind::Rejected,
                offset: self.offset,
            };
            self.failed = Some(err.clone());
            return Err(err);
        }
        self.state = State::Done;
        Ok(())
    }

    /// What an incomplete document lacks, for the error message.
    fn missing(&self) -> &'static str {
        match self.state {
            State::Value(Slot::Top) | State::Bom(_) => "no JSON value",
            State::Str { key: true, .. } => "unterminated object key",
            State::Str { key: false, .. } => "unterminated string",
            State::Number(num) if !num.is_complete() => "incomplete number",
            State::Literal { .. } if self.stack.is_empty() => "incomplete literal",
            _ => match self.stack.last() {
                Some(Container::Object) => "unclosed object",
                _ => "unclosed array",
            },
        }
    }

    fn error_at(&self, kind: ErrorKind, i: usize) -> ParseError {
        ParseError {
            kind,
            offset: self.offset + i as u64,
        }
    }

    fn check(&self, result: Result<(), Abort>, i: usize) -> Result<(), ParseError> {
        result.map_err(|Abort| self.error_at(ErrorKind::Rejected, i))
    }

    /// Moves on after a complete value.
    fn value_done(&mut self) {
        self.state = if self.stack.is_empty() {
            State::Done
        } else {
            State::AfterValue
        };
    }

    fn run<S: Sink + ?Sized>(
        &mut self,
        input: &[u8],
        kind: Input,
        sink: &mut S,
    ) -> Result<(), ParseError> {
        let n = input.len();
        let mut i = 0;
        while i < n {
            i = match self.state {
                State::Str { key, esc } => self.string(input, i, kind, key, esc, sink)?,
                State::Number(num) => self.number(input, i, num, sink)?,
                State::Literal { lit, matched } => self.literal(input, i, lit, matched, sink)?,
                State::Bom(matched) => {
                    let matched = usize::from(matched);
                    if input[i] != BOM[matched] {
                        // Not a BOM: the document's first character (valid UTF-8 or not)
                        // cannot start a value, exactly as if no BOM had been looked for.
                        let mut first = [0; 4];
                        first[..matched].copy_from_slice(&BOM[..matched]);
                        let rest = (n - i).min(4 - matched);
                        first[matched..matched + rest].copy_from_slice(&input[i..i + rest]);
                        return Err(ParseError {
                            kind: ErrorKind::ExpectedValue(found_at(&first[..matched + rest], 0)),
                            offset: 0,
                        });
                    }
                    self.state = if matched == 2 {
                        State::Value(Slot::Top)
                    } else {
                        State::Bom(2)
                    };
                    i + 1
                }
                _ if is_whitespace(input[i]) => {
                    let mut j = i + 1;
                    while j < n && is_whitespace(input[j]) {
                        j += 1;
                    }
                    j
                }
                State::Value(slot) => self.value_start(input, i, kind, slot, sink)?,
                State::FirstKey | State::Key => {
                    match input[i] {
                        b'"' => {
                            self.buf.clear();
                            self.state = State::Str {
                                key: true,
                                esc: Esc::None,
                            };
                        }
                        b'}' if self.state == State::FirstKey => self.close(i, sink)?,
                        b'}' => {
                            return Err(
                                self.error_at(ErrorKind::TrailingComma(found_at(input, i)), i)
                            )
                        }
                        _ => {
                            return Err(self.error_at(ErrorKind::ExpectedKey(found_at(input, i)), i))
                        }
                    }
                    i + 1
                }
                State::Colon => {
                    if input[i] != b':' {
                        return Err(self.error_at(ErrorKind::ExpectedColon(found_at(input, i)), i));
                    }
                    self.state = State::Value(Slot::Member);
                    i + 1
                }
                State::AfterValue => {
                    match (input[i], self.stack.last()) {
                        (b',', Some(Container::Array)) => self.state = State::Value(Slot::Element),
                        (b',', Some(Container::Object)) => self.state = State::Key,
                        (b']', Some(Container::Array)) | (b'}', Some(Container::Object)) => {
                            self.close(i, sink)?;
                        }
                        (_, Some(Container::Object)) => {
                            return Err(self
                                .error_at(ErrorKind::ExpectedCommaOrBrace(found_at(input, i)), i))
                        }
                        _ => {
                            return Err(self.error_at(
                                ErrorKind::ExpectedCommaOrBracket(found_at(input, i)),
                                i,
                            ))
                        }
                    }
                    i + 1
                }
                State::Done => {
                    if self.ignore_trailing {
                        return Ok(());
                    }
                    return Err(self.error_at(ErrorKind::TrailingData(found_at(input, i)), i));
                }
            };
        }
        Ok(())
    }

    /// The first byte of a value (not whitespace). Returns where to continue.
    fn value_start<S: Sink + ?Sized>(
        &mut self,
        input: &[u8],
        i: usize,
        kind: Input,
        slot: Slot,
        sink: &mut S,
    ) -> Result<usize, ParseError> {
        let literal = |lit| State::Literal { lit, matched: 1 };
        match input[i] {
            b'{' => {
                self.open(Container::Object, i)?;
                self.check(sink.begin_object(), i)?;
                self.state = State::FirstKey;
            }
            b'[' => {
                self.open(Container::Array, i)?;
                self.check(sink.begin_array(), i)?;
                self.state = State::Value(Slot::FirstElement);
            }
            b'"' => {
                self.buf.clear();
                self.check(sink.begin_string(), i)?;
                self.state = State::Str {
                    key: false,
                    esc: Esc::None,
                };
            }
            b'-' | b'0'..=b'9' => {
                // The number scanner consumes this byte itself.
                self.buf.clear();
                self.state = State::Number(Num::Start);
                return Ok(i);
            }
            b't' => self.state = literal(Lit::True),
            b'f' => self.state = literal(Lit::False),
            b'n' => self.state = literal(Lit::Null),
            b']' if slot == Slot::FirstElement => self.close(i, sink)?,
            b']' if slot == Slot::Element => {
                return Err(self.error_at(ErrorKind::TrailingComma(found_at(input, i)), i))
            }
            0xEF if slot == Slot::Top && kind == Input::Bytes && self.offset + i as u64 == 0 => {
                self.state = State::Bom(1);
            }
            _ => return Err(self.error_at(ErrorKind::ExpectedValue(found_at(input, i)), i)),
        }
        Ok(i + 1)
    }

    fn open(&mut self, container: Container, i: usize) -> Result<(), ParseError> {
        if self.stack.len() >= self.max_depth {
            return Err(self.error_at(ErrorKind::TooDeep(self.max_depth), i));
        }
        self.stack.push(container);
        Ok(())
    }

    /// Closes the innermost container (the caller checked the bracket matches it).
    fn close<S: Sink + ?Sized>(&mut self, i: usize, sink: &mut S) -> Result<(), ParseError> {
        let result = match self.stack.pop() {
            Some(Container::Object) => sink.end_object(),
            _ => sink.end_array(),
        };
        self.check(result, i)?;
        self.value_done();
        Ok(())
    }

    fn number<S: Sink + ?Sized>(
        &mut self,
        input: &[u8],
        start: usize,
        mut num: Num,
        sink: &mut S,
    ) -> Result<usize, ParseError> {
        let mut i = start;
        while i < input.len() {
            num = match (num, input[i]) {
                (Num::Start, b'-') => Num::Minus,
                (Num::Start | Num::Minus, b'0') => Num::Zero,
                (Num::Start | Num::Minus | Num::Int, b'1'..=b'9') | (Num::Int, b'0') => Num::Int,
                (Num::Zero, b'0'..=b'9') => return Err(self.error_at(ErrorKind::LeadingZero, i)),
                (Num::Zero | Num::Int, b'.') => Num::Dot,
                (Num::Dot | Num::Frac, b'0'..=b'9') => Num::Frac,
                (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Num::Exp,
                (Num::Exp, b'+' | b'-') => Num::ExpSign,
                (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Num::ExpDigits,
                (num, _) if num.is_complete() => {
                    // A delimiter (or garbage, which the next state rejects) proves the number
                    // complete.
                    let raw = if self.buf.is_empty() {
                        &input[start..i]
                    } else {
                        self.buf.extend_from_slice(&input[start..i]);
                        &self.buf
                    };
                    let raw = std::str::from_utf8(raw).unwrap_or("");
                    let result = sink.number(raw, matches!(num, Num::Zero | Num::Int));
                    self.check(result, i)?;
                    self.value_done();
                    return Ok(i);
                }
                _ => {
                    return Err(self.error_at(ErrorKind::ExpectedDigit(found_at(input, i)), i));
                }
            };
            i += 1;
        }
        self.buf.extend_from_slice(&input[start..]);
        self.state = State::Number(num);
        Ok(i)
    }

    fn literal<S: Sink + ?Sized>(
        &mut self,
        input: &[u8],
        mut i: usize,
        lit: Lit,
        mut matched: u8,
        sink: &mut S,
    ) -> Result<usize, ParseError> {
        let text = lit.text().as_bytes();
        while i < input.len() {
            let m = usize::from(matched);
            if input[i] != text[m] {
                return Err(self.error_at(
                    ErrorKind::InvalidLiteral {
                        expected: lit.text(),
                        found: found_at(input, i),
                    },
                    i,
                ));
            }
            matched += 1;
            i += 1;
            if usize::from(matched) == text.len() {
                // Nothing can extend a whole literal, so it is complete now (as in jiter);
                // whatever follows is judged as what comes after a value.
                self.check(emit_literal(sink, lit), i - 1)?;
                self.value_done();
                return Ok(i);
            }
        }
        self.state = State::Literal { lit, matched };
        Ok(i)
    }

    /// Inside a string: copies plain runs, decodes escapes, validates UTF-8 of byte input.
    fn string<S: Sink + ?Sized>(
        &mut self,
        input: &[u8],
        mut i: usize,
        kind: Input,
        key: bool,
        mut esc: Esc,
        sink: &mut S,
    ) -> Result<usize, ParseError> {
        let n = input.len();
        if self.cut_len > 0 {
            i = self.complete_cut_code_point(input, i, kind)?;
            if self.cut_len > 0 {
                return Ok(n);
            }
        }
        while i < n {
            match esc {
                Esc::None => {
                    let start = i;
                    while i < n && !STRING_SPECIAL[usize::from(input[i])] {
                        i += 1;
                    }
                    let mut run = &input[start..i];
                    if kind == Input::Bytes && !run.is_ascii() {
                        if let Err(e) = std::str::from_utf8(run) {
                            let valid = e.valid_up_to();
                            if e.error_len().is_some() || i < n {
                                return Err(self.error_at(ErrorKind::InvalidUtf8, start + valid));
                            }
                            // A code point cut by the end of this feed: keep its start.
                            let rest = &run[valid..];
                            self.cut[..rest.len()].copy_from_slice(rest);
                            #[allow(clippy::cast_possible_truncation)] // at most 3 bytes
                            {
                                self.cut_len = rest.len() as u8;
                            }
                            self.cut_offset = self.offset + (start + valid) as u64;
                            run = &run[..valid];
                        }
                    }
                    if i == n {
                        self.buf.extend_from_slice(run);
                        break;
                    }
                    match input[i] {
                        b'"' => {
                            // Whole strings inside one feed go to the sink without a copy.
                            let content: &[u8] = if self.buf.is_empty() {
                                run
                            } else {
                                self.buf.extend_from_slice(run);
                                &self.buf
                            };
                            if key {
                                let result = sink.key(content);
                                self.check(result, i)?;
                                self.state = State::Colon;
                            } else {
                                let result = sink.string(content);
                                self.check(result, i)?;
                                self.value_done();
                            }
                            return Ok(i + 1);
                        }
                        b'\\' => {
                            self.buf.extend_from_slice(run);
                            esc = Esc::Backslash;
                            i += 1;
                        }
                        _ => {
                            return Err(
                                self.error_at(ErrorKind::ControlCharacter(found_at(input, i)), i)
                            )
                        }
                    }
                }
                Esc::Backslash => {
                    let decoded = match input[i] {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0C,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            esc = Esc::Unicode { digits: 0, unit: 0 };
                            i += 1;
                            continue;
                        }
                        _ => {
                            return Err(
                                self.error_at(ErrorKind::InvalidEscape(found_at(input, i)), i)
                            )
                        }
                    };
                    self.buf.push(decoded);
                    esc = Esc::None;
                    i += 1;
                }
                Esc::Unicode { digits, unit } => {
                    let unit = (unit << 4) | self.hex_digit(input, i)?;
                    i += 1;
                    esc = if digits < 3 {
                        Esc::Unicode {
                            digits: digits + 1,
                            unit,
                        }
                    } else {
                        self.code_unit(unit)
                    };
                }
                Esc::High { high } => {
                    if input[i] == b'\\' {
                        esc = Esc::HighBackslash { high };
                        i += 1;
                    } else {
                        // Not followed by an escape: the high surrogate stays alone, as
                        // `json.loads` keeps it; this byte is read normally.
                        push_code_point(&mut self.buf, u32::from(high));
                        esc = Esc::None;
                    }
                }
                Esc::HighBackslash { high } => {
                    if input[i] == b'u' {
                        esc = Esc::HighUnicode {
                            high,
                            digits: 0,
                            unit: 0,
                        };
                        i += 1;
                    } else {
                        // Some other escape follows the lone high surrogate.
                        push_code_point(&mut self.buf, u32::from(high));
                        esc = Esc::Backslash;
                    }
                }
                Esc::HighUnicode { high, digits, unit } => {
                    let unit = (unit << 4) | self.hex_digit(input, i)?;
                    i += 1;
                    esc = if digits < 3 {
                        Esc::HighUnicode {
                            high,
                            digits: digits + 1,
                            unit,
                        }
                    } else if is_low_surrogate(unit) {
                        let cp = 0x1_0000
                            + ((u32::from(high) - 0xD800) << 10)
                            + (u32::from(unit) - 0xDC00);
                        push_code_point(&mut self.buf, cp);
                        Esc::None
                    } else {
                        // Not a pair: the first stays alone, the second is read on its own
                        // (it may itself start a pair).
                        push_code_point(&mut self.buf, u32::from(high));
                        self.code_unit(unit)
                    };
                }
            }
        }
        self.state = State::Str { key, esc };
        Ok(n)
    }

    fn hex_digit(&self, input: &[u8], i: usize) -> Result<u16, ParseError> {
        hex_value(input[i])
            .ok_or_else(|| self.error_at(ErrorKind::InvalidUnicodeEscape(found_at(input, i)), i))
    }

    /// A complete `\uXXXX` code unit outside a pair: a high surrogate waits for its partner.
    fn code_unit(&mut self, unit: u16) -> Esc {
        if is_high_surrogate(unit) {
            Esc::High { high: unit }
        } else {
            push_code_point(&mut self.buf, u32::from(unit));
            Esc::None
        }
    }

    /// Continues a code point cut by the end of the previous feed. Returns where to continue;
    /// `cut_len` stays non-zero if this input ended before the code point did.
    fn complete_cut_code_point(
        &mut self,
        input: &[u8],
        mut i: usize,
        kind: Input,
    ) -> Result<usize, ParseError> {
        let invalid = ParseError {
            kind: ErrorKind::InvalidUtf8,
            offset: self.cut_offset,
        };
        if kind == Input::Text {
            // Text input starts on a character boundary: the cut code point never completes.
            return Err(invalid);
        }
        let width = utf8_width(self.cut[0]);
        let mut len = usize::from(self.cut_len);
        while len < width && i < input.len() {
            self.cut[len] = input[i];
            len += 1;
            i += 1;
        }
        match std::str::from_utf8(&self.cut[..len]) {
            Ok(s) => {
                self.buf.extend_from_slice(s.as_bytes());
                self.cut_len = 0;
            }
            Err(e) if e.error_len().is_none() => {
                #[allow(clippy::cast_possible_truncation)] // at most 3 bytes
                {
                    self.cut_len = len as u8;
                }
            }
            Err(_) => return Err(invalid),
        }
        Ok(i)
    }
}

fn emit_literal<S: Sink + ?Sized>(sink: &mut S, lit: Lit) -> Result<(), Abort> {
    match lit {
        Lit::True => sink.boolean(true),
        Lit::False => sink.boolean(false),
        Lit::Null => sink.null(),
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    /// Records events as text, to check the exact event sequence.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn begin_object(&mut self) -> Result<(), Abort> {
            self.0.push("{".into());
            Ok(())
        }
        fn begin_array(&mut self) -> Result<(), Abort> {
            self.0.push("[".into());
            Ok(())
        }
        fn end_object(&mut self) -> Result<(), Abort> {
            self.0.push("}".into());
            Ok(())
        }
        fn end_array(&mut self) -> Result<(), Abort> {
            self.0.push("]".into());
            Ok(())
        }
        fn key(&mut self, key: &[u8]) -> Result<(), Abort> {
            self.0.push(format!("key:{}", String::from_utf8_lossy(key)));
            Ok(())
        }
        fn begin_string(&mut self) -> Result<(), Abort> {
            self.0.push("str<".into());
            Ok(())
        }
        fn string(&mut self, value: &[u8]) -> Result<(), Abort> {
            self.0
                .push(format!("str:{}", String::from_utf8_lossy(value)));
            Ok(())
        }
        fn number(&mut self, raw: &str, is_int: bool) -> Result<(), Abort> {
            self.0
                .push(format!("{}:{raw}", if is_int { "int" } else { "float" }));
            Ok(())
        }
        fn boolean(&mut self, value: bool) -> Result<(), Abort> {
            self.0.push(format!("{value}"));
            Ok(())
        }
        fn null(&mut self) -> Result<(), Abort> {
            self.0.push("null".into());
            Ok(())
        }
    }

    fn events(pieces: &[&[u8]]) -> Result<Vec<String>, ParseError> {
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        for piece in pieces {
            parser.feed(piece, Input::Bytes, &mut log)?;
        }
        parser.finish(&mut log)?;
        Ok(log.0)
    }

    fn error(doc: &[u8]) -> ParseError {
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        match parser.feed(doc, Input::Bytes, &mut log) {
            Err(e) => e,
            Ok(()) => parser
                .finish(&mut log)
                .expect_err("document should be rejected"),
        }
    }

    #[test]
    fn event_sequence() {
        let got = events(&[br#"{"a": [1, 2.5e3, "x\n", true, false, null], "b": {}}"#]).unwrap();
        assert_eq!(
            got,
            [
                "{",
                "key:a",
                "[",
                "int:1",
                "float:2.5e3",
                "str<",
                "str:x\n",
                "true",
                "false",
                "null",
                "]",
                "key:b",
                "{",
                "}",
                "}"
            ]
        );
    }

    #[test]
    fn every_split_gives_the_same_events() {
        let doc =
            r#" {"k\u00e9y": ["v\u00e9\ud83d\ude00 é😀", -0.5E-3, 10, {"n": null}], "t": true} "#;
        let whole = events(&[doc.as_bytes()]).unwrap();
        let bytes = doc.as_bytes();
        for a in 0..=bytes.len() {
            for b in a..=bytes.len() {
                let split = events(&[&bytes[..a], &bytes[a..b], &bytes[b..]]).unwrap();
                assert_eq!(split, whole, "cuts at {a} and {b}");
            }
        }
    }

    #[test]
    fn numbers_wait_for_a_delimiter() {
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        parser.feed(b"[12", Input::Text, &mut log).unwrap();
        assert_eq!(log.0, ["["]);
        parser.feed(b"3", Input::Text, &mut log).unwrap();
        assert_eq!(log.0, ["["]);
        parser.feed(b"]", Input::Text, &mut log).unwrap();
        assert_eq!(log.0, ["[", "int:123", "]"]);
        assert!(parser.is_complete());
    }

    #[test]
    fn top_level_scalars_complete_at_finish() {
        assert_eq!(events(&[b"12"]).unwrap(), ["int:12"]);
        assert_eq!(events(&[b"1", b"2.0"]).unwrap(), ["float:12.0"]);
        assert_eq!(events(&[b"tr", b"ue"]).unwrap(), ["true"]);
        assert_eq!(events(&[b" null "]).unwrap(), ["null"]);
        // Nothing can extend a whole literal: it is complete with its last letter.
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        parser.feed(b"tru", Input::Text, &mut log).unwrap();
        assert!(!parser.is_complete());
        assert!(log.0.is_empty());
        parser.feed(b"e", Input::Text, &mut log).unwrap();
        assert!(parser.is_complete());
        assert_eq!(log.0, ["true"]);
        assert!(parser.feed(b"x", Input::Text, &mut log).is_err());
    }

    #[test]
    fn open_string_holds_back_cut_parts() {
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        let mut shown = Vec::new();
        for piece in [
            &b"[\"a"[..],
            b"\\",
            b"n",
            b"\\u00",
            b"e9",
            b"\\ud83d",
            b"\\",
            b"ude00",
            b"\xc3",
            b"\xa9",
            b"\xf0\x9f",
            b"\x98",
            b"\x80",
        ] {
            parser.feed(piece, Input::Bytes, &mut log).unwrap();
            shown.push(String::from_utf8(parser.open_string().unwrap().to_vec()).unwrap());
        }
        assert_eq!(
            shown,
            [
                "a",
                "a",
                "a\n",
                "a\n",
                "a\né",
                "a\né",
                "a\né",
                "a\né😀",
                "a\né😀",
                "a\né😀é",
                "a\né😀é",
                "a\né😀é",
                "a\né😀é😀"
            ]
        );
        parser.feed(b"\"]", Input::Bytes, &mut log).unwrap();
        assert!(parser.open_string().is_none());
        assert_eq!(log.0, ["[", "str<", "str:a\né😀é😀", "]"]);
    }

    #[test]
    fn lone_surrogates_are_kept_like_json_loads() {
        let lone = |doc: &[u8]| {
            let mut parser = PartialJsonParser::default();
            let mut sink = RawStrings::default();
            parser.feed(doc, Input::Text, &mut sink).unwrap();
            parser.finish(&mut sink).unwrap();
            sink.0
        };
        assert_eq!(lone(br#""\ud800""#), [vec![0xED, 0xA0, 0x80]]);
        assert_eq!(lone(br#""\udc00x""#), [vec![0xED, 0xB0, 0x80, b'x']]);
        assert_eq!(lone(br#""\ud800A""#), [vec![0xED, 0xA0, 0x80, b'A']]);
        assert_eq!(lone(br#""\ud800\u0041""#), [vec![0xED, 0xA0, 0x80, b'A']]);
        assert_eq!(lone(br#""\ud800\n""#), [vec![0xED, 0xA0, 0x80, b'\n']]);
        // Two highs: the first alone, the second pairs with the low after it.
        assert_eq!(
            lone(br#""\ud800\ud83d\ude00""#),
            [[&[0xED, 0xA0, 0x80][..], "😀".as_bytes()].concat()]
        );
        // A raw (text input) surrogate is passed through unchanged.
        assert_eq!(lone(b"\"\xED\xA0\x80\""), [vec![0xED, 0xA0, 0x80]]);
        assert_eq!(
            error(br#""\ud800\x""#).kind,
            ErrorKind::InvalidEscape(Found::Char('x'))
        );
        assert_eq!(
            error(br#""\ud800\u12g4""#).kind,
            ErrorKind::InvalidUnicodeEscape(Found::Char('g'))
        );
    }

    #[derive(Default)]
    struct RawStrings(Vec<Vec<u8>>);

    impl Sink for RawStrings {
        fn begin_object(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn begin_array(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn end_object(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn end_array(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn key(&mut self, key: &[u8]) -> Result<(), Abort> {
            self.0.push(key.to_vec());
            Ok(())
        }
        fn begin_string(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn string(&mut self, value: &[u8]) -> Result<(), Abort> {
            self.0.push(value.to_vec());
            Ok(())
        }
        fn number(&mut self, _: &str, _: bool) -> Result<(), Abort> {
            Ok(())
        }
        fn boolean(&mut self, _: bool) -> Result<(), Abort> {
            Ok(())
        }
        fn null(&mut self) -> Result<(), Abort> {
            Ok(())
        }
    }

    #[test]
    fn errors_and_offsets() {
        let cases: &[(&[u8], ErrorKind, u64)] = &[
            (b"", ErrorKind::Incomplete("no JSON value"), 0),
            (b"  ", ErrorKind::Incomplete("no JSON value"), 2),
            (b"[1,]", ErrorKind::TrailingComma(Found::Char(']')), 3),
            (b"{\"a\":1,}", ErrorKind::TrailingComma(Found::Char('}')), 7),
            (
                b"[1 2]",
                ErrorKind::ExpectedCommaOrBracket(Found::Char('2')),
                3,
            ),
            (b"{\"a\" 1}", ErrorKind::ExpectedColon(Found::Char('1')), 5),
            (
                b"{\"a\":1 \"b\"}",
                ErrorKind::ExpectedCommaOrBrace(Found::Char('"')),
                7,
            ),
            (b"{1:2}", ErrorKind::ExpectedKey(Found::Char('1')), 1),
            (b"{'a':2}", ErrorKind::ExpectedKey(Found::Char('\'')), 1),
            (b"[01]", ErrorKind::LeadingZero, 2),
            (b"-", ErrorKind::Incomplete("incomplete number"), 1),
            (b"[-]", ErrorKind::ExpectedDigit(Found::Char(']')), 2),
            (b"[1.]", ErrorKind::ExpectedDigit(Found::Char(']')), 3),
            (b"[1e]", ErrorKind::ExpectedDigit(Found::Char(']')), 3),
            (b"[.5]", ErrorKind::ExpectedValue(Found::Char('.')), 1),
            (b"[+1]", ErrorKind::ExpectedValue(Found::Char('+')), 1),
            (b"NaN", ErrorKind::ExpectedValue(Found::Char('N')), 0),
            (b"[Infinity]", ErrorKind::ExpectedValue(Found::Char('I')), 1),
            (
                b"[-Infinity]",
                ErrorKind::ExpectedDigit(Found::Char('I')),
                2,
            ),
            (
                b"[tru]",
                ErrorKind::InvalidLiteral {
                    expected: "true",
                    found: Found::Char(']'),
                },
                4,
            ),
            (
                b"[truex]",
                ErrorKind::ExpectedCommaOrBracket(Found::Char('x')),
                5,
            ),
            (
                b"\"a\x01\"",
                ErrorKind::ControlCharacter(Found::Char('\u{1}')),
                2,
            ),
            (b"\"\\a\"", ErrorKind::InvalidEscape(Found::Char('a')), 2),
            (
                b"\"\\u12x4\"",
                ErrorKind::InvalidUnicodeEscape(Found::Char('x')),
                5,
            ),
            (b"\"\xff\"", ErrorKind::InvalidUtf8, 1),
            (b"\"a\xc3(\"", ErrorKind::InvalidUtf8, 2),
            (b"\"\xed\xa0\x80\"", ErrorKind::InvalidUtf8, 1),
            (b"\"abc", ErrorKind::Incomplete("unterminated string"), 4),
            (
                b"{\"abc",
                ErrorKind::Incomplete("unterminated object key"),
                5,
            ),
            (b"[1", ErrorKind::Incomplete("unclosed array"), 2),
            (b"{\"a\":1", ErrorKind::Incomplete("unclosed object"), 6),
            (b"{} x", ErrorKind::TrailingData(Found::Char('x')), 3),
            (b"1 2", ErrorKind::TrailingData(Found::Char('2')), 2),
            (
                b"[1}",
                ErrorKind::ExpectedCommaOrBracket(Found::Char('}')),
                2,
            ),
            (
                b"\xef\xbb[]",
                ErrorKind::ExpectedValue(Found::Byte(0xEF)),
                0,
            ),
            (
                b" \xef\xbb\xbf[]",
                ErrorKind::ExpectedValue(Found::Char('\u{feff}')),
                1,
            ),
            (b"\xef", ErrorKind::Incomplete("no JSON value"), 1),
            (b"[\xff]", ErrorKind::ExpectedValue(Found::Byte(0xFF)), 1),
            (
                b"[\xc3\xa9]",
                ErrorKind::ExpectedValue(Found::Char('\u{e9}')),
                1,
            ),
        ];
        for (doc, kind, offset) in cases {
            let err = error(doc);
            assert_eq!(
                (&err.kind, err.offset),
                (kind, *offset),
                "{:?}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn errors_are_sticky_but_incomplete_is_not() {
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        parser.feed(b"[1", Input::Text, &mut log).unwrap();
        assert!(parser.finish(&mut log).is_err());
        parser.feed(b"]", Input::Text, &mut log).unwrap();
        parser.finish(&mut log).unwrap();
        let err = parser.feed(b"x", Input::Text, &mut log).unwrap_err();
        assert_eq!(parser.feed(b" ", Input::Text, &mut log), Err(err.clone()));
        assert_eq!(parser.finish(&mut log), Err(err));
    }

    #[test]
    fn bom_only_for_bytes_at_the_start() {
        assert_eq!(events(&[b"\xef", b"\xbb", b"\xbf[]"]).unwrap(), ["[", "]"]);
        let mut parser = PartialJsonParser::default();
        let err = parser
            .feed(b"\xef\xbb\xbf[]", Input::Text, &mut Log::default())
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::ExpectedValue(Found::Char('\u{feff}')));
        assert_eq!(
            err.to_string(),
            "expected a JSON value, found U+FEFF at byte 0"
        );
    }

    /// Found by `rust/fuzz` (partial_json): a document starting with a valid character encoded
    /// `EF xx xx` other than the BOM was reported as invalid UTF-8 at byte 1.
    #[test]
    fn non_bom_character_at_the_start_is_an_unexpected_character() {
        let fullwidth_quote = ErrorKind::ExpectedValue(Found::Char('\u{ff02}'));
        for pieces in [
            &[&b"\xef\xbc\x82a\xef\xbc\x82"[..]][..],
            &[b"\xef", b"\xbc\x82a"],
            &[b"\xef\xbc\x82"],
        ] {
            let mut parser = PartialJsonParser::default();
            let mut result = Ok(());
            for piece in pieces {
                result =
                    result.and_then(|()| parser.feed(piece, Input::Bytes, &mut Log::default()));
            }
            let err = result.unwrap_err();
            assert_eq!((&err.kind, err.offset), (&fullwidth_quote, 0), "{pieces:?}");
        }
        // The fuzzer's input, and the same character cut before its last byte.
        assert_eq!(
            error(b"\xef\xb5\x81\0\0\0\0\0\x05").kind,
            ErrorKind::ExpectedValue(Found::Char('\u{fd41}'))
        );
        let mut parser = PartialJsonParser::default();
        parser
            .feed(b"\xef", Input::Bytes, &mut Log::default())
            .unwrap();
        let err = parser
            .feed(b"\xb5", Input::Bytes, &mut Log::default())
            .unwrap_err();
        assert_eq!(
            (err.kind, err.offset),
            (ErrorKind::ExpectedValue(Found::Byte(0xEF)), 0)
        );
        assert_eq!(
            error(b"\xef\xbf").to_string(),
            "expected a JSON value, found byte 0xEF at byte 0"
        );
    }

    #[test]
    fn cut_code_point_then_text_is_invalid() {
        let mut parser = PartialJsonParser::default();
        let mut log = Log::default();
        parser.feed(b"\"\xc3", Input::Bytes, &mut log).unwrap();
        let err = parser.feed(b"\xa9\"", Input::Text, &mut log).unwrap_err();
        assert_eq!((err.kind, err.offset), (ErrorKind::InvalidUtf8, 1));
    }

    #[test]
    fn depth_limit_without_recursion() {
        let mut parser = PartialJsonParser::new(3);
        let err = parser
            .feed(b"[[[[", Input::Text, &mut Log::default())
            .unwrap_err();
        assert_eq!((err.kind, err.offset), (ErrorKind::TooDeep(3), 3));
        let deep = 1_000_000;
        let mut parser = PartialJsonParser::new(deep);
        let doc = [vec![b'['; deep], vec![b']'; deep]].concat();
        let mut sink = RawStrings::default();
        parser.feed(&doc, Input::Bytes, &mut sink).unwrap();
        parser.finish(&mut sink).unwrap();
        let mut parser = PartialJsonParser::new(deep);
        let err = parser
            .feed(&vec![b'['; 1_000_001], Input::Bytes, &mut sink)
            .unwrap_err();
        assert_eq!(err.offset, 1_000_000);
    }

    #[test]
    fn trailing_text_can_be_ignored() {
        let mut parser = PartialJsonParser::default().ignore_trailing(true);
        let mut log = Log::default();
        parser
            .feed(b"{\"a\": 1} and then ```", Input::Text, &mut log)
            .unwrap();
        parser.feed(b"more {[", Input::Text, &mut log).unwrap();
        parser.finish(&mut log).unwrap();
        assert_eq!(log.0, ["{", "key:a", "int:1", "}"]);
        let mut parser = PartialJsonParser::default().ignore_trailing(true);
        parser.feed(b"12abc", Input::Text, &mut log).unwrap();
        assert!(parser.is_complete());
    }

    struct Refuse;

    impl Sink for Refuse {
        fn begin_object(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn begin_array(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn end_object(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn end_array(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn key(&mut self, _: &[u8]) -> Result<(), Abort> {
            Ok(())
        }
        fn begin_string(&mut self) -> Result<(), Abort> {
            Ok(())
        }
        fn string(&mut self, _: &[u8]) -> Result<(), Abort> {
            Ok(())
        }
        fn number(&mut self, _: &str, _: bool) -> Result<(), Abort> {
            Err(Abort)
        }
        fn boolean(&mut self, _: bool) -> Result<(), Abort> {
            Ok(())
        }
        fn null(&mut self) -> Result<(), Abort> {
            Ok(())
        }
    }

    #[test]
    fn sink_abort_stops_the_parser() {
        let mut parser = PartialJsonParser::default();
        let err = parser
            .feed(b"[1, 2]", Input::Text, &mut Refuse)
            .unwrap_err();
        assert_eq!((err.kind, err.offset), (ErrorKind::Rejected, 2));
        let mut parser = PartialJsonParser::default();
        parser.feed(b"7", Input::Text, &mut Refuse).unwrap();
        let err = parser.finish(&mut Refuse).unwrap_err();
        assert_eq!((err.kind, err.offset), (ErrorKind::Rejected, 1));
        assert!(parser.error().is_some());
    }
}

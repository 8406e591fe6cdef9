//! Incremental partial-JSON parsing: JSON text arrives in pieces (an LLM streaming structured
//! output), and after every piece the caller wants the value "so far" without re-parsing
//! everything already seen.
//!
//! [`PartialJsonParser`] is a resumable, non-recursive tokenizer and validator. It keeps an
//! explicit stack of open containers and only the unfinished token between feeds, so a document
//! fed in any number of pieces costs time linear in its length, and nesting depth is bounded by
//! `max_depth` instead of by the machine stack. It does not build values itself: it reports
//! semantic events to a [`Sink`] (begin/end of a container, a complete key, a complete scalar,
//! the start of a string value), and exposes the content of the string value still open via
//! [`PartialJsonParser::open_string`]. A sink therefore builds every completed value exactly
//! once; a partial view costs the open path plus the open string.
//!
//! The partial semantics, chosen so that a UI never shows something that later changes:
//! - an open string is shown as far as received, except an escape cut in half, a high surrogate
//!   `\uXXXX` whose low half may still follow, and (for byte input) a UTF-8 code point cut in
//!   half, which are held back;
//! - numbers and `true`/`false`/`null` are shown only once a following character proves them
//!   complete (`12` may become `123`);
//! - an object key is shown once its value has started (and for scalars, once that value is
//!   shown);
//! - open arrays and objects are shown closed.
//!
//! Anything RFC 8259 rejects is an error as soon as it is seen, with its byte offset; `NaN` and
//! `Infinity` are rejected. Strings follow Python's `json.loads`: a lone surrogate escape is kept
//! (encoded in the string content the way Python's "surrogatepass" codec encodes it) rather than
//! rejected.
//!
//! [`ValueBuilder`] is a plain-Rust sink building `serde_json::Value`s; the PyO3 binding has its
//! own sink building Python objects.

mod parser;
mod value;

#[cfg(test)]
mod tests;

pub use parser::{
    Abort, ErrorKind, Found, Input, ParseError, PartialJsonParser, Sink, DEFAULT_MAX_DEPTH,
};
pub use value::{parse, parse_partial, ValueBuilder};

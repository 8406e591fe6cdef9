//! `PartialJSONParser`, `parse_partial` and `PartialJSONError` for Python.
//!
//! The core parser reports events; the sink here turns them into Python objects as they
//! complete. It keeps a stack of the open lists and dicts, which are inserted into their parent
//! as soon as they start, so `value()` only has to return the root: completed values are built
//! once and never revisited. The one value that is rebuilt is the open string (Python strings
//! are immutable), and only when `value()` is called after it grew.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyInt, PyList, PyString};
use pyo3::{ffi, IntoPyObjectExt};

use crate::partial_json::{
    Abort, ErrorKind, Input, ParseError, PartialJsonParser, Sink, DEFAULT_MAX_DEPTH,
};

pyo3::create_exception!(
    ferriscope.partial_json,
    PartialJSONError,
    PyValueError,
    "Invalid or incomplete JSON; `offset` is the byte offset (in the UTF-8 text) where it was seen."
);

/// Builds the exception with its `offset` attribute.
fn partial_json_error(py: Python<'_>, message: &str, offset: u64) -> PyErr {
    let err = PartialJSONError::new_err(message.to_owned());
    // Setting an attribute on a fresh exception instance cannot fail short of memory
    // exhaustion, and then the exception without it is still the right one to raise.
    let _ = err.value(py).setattr("offset", offset);
    err
}

/// Strings decode with "surrogatepass": a lone surrogate escape was stored as its 3-byte form,
/// and `json.loads` returns such strings rather than rejecting them.
fn decode<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let len = ffi::Py_ssize_t::try_from(bytes.len())
        .map_err(|_| PyValueError::new_err("string too long"))?;
    // SAFETY: the pointer and length describe a live byte slice and the error handler name is
    // a NUL-terminated literal; the call returns a new reference or NULL with an exception set.
    unsafe {
        let ptr = ffi::PyUnicode_DecodeUTF8(bytes.as_ptr().cast(), len, c"surrogatepass".as_ptr());
        Bound::from_owned_ptr_or_err(py, ptr)
    }
}

const KEY_CACHE_SLOTS: usize = 1024;
const KEY_CACHE_MAX_LEN: usize = 64;

/// A direct-mapped cache of key strings: documents repeat their keys, and a shared key object
/// saves an allocation and keeps its hash cached for every dict insertion (`json.loads` shares
/// keys within a document the same way).
struct KeyCache {
    slots: Vec<Option<CachedKey>>,
}

/// A key's UTF-8 content and its string object.
type CachedKey = (Box<[u8]>, Py<PyString>);

impl KeyCache {
    fn new() -> Self {
        Self { slots: Vec::new() }
    }

    fn get<'py>(&mut self, py: Python<'py>, key: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        if key.len() > KEY_CACHE_MAX_LEN {
            return decode(py, key);
        }
        if self.slots.is_empty() {
            self.slots.resize_with(KEY_CACHE_SLOTS, || None);
        }
        // FNV-1a: short keys, no need for a keyed hash (a collision only costs a miss).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in key {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        #[allow(clippy::cast_possible_truncation)] // reduced modulo the slot count first
        let slot = &mut self.slots[(hash % KEY_CACHE_SLOTS as u64) as usize];
        if let Some((cached, string)) = slot {
            if **cached == *key {
                return Ok(string.bind(py).clone().into_any());
            }
        }
        let string = decode(py, key)?;
        if let Ok(s) = string.cast::<PyString>() {
            *slot = Some((key.into(), s.clone().unbind()));
        }
        Ok(string)
    }
}

enum Frame {
    List(Py<PyList>),
    /// The dict and the key whose value is being read (kept until the value completes, since a
    /// shown open string is re-set under it).
    Dict(Py<PyDict>, Option<Py<PyAny>>),
}

/// The string value being read, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OpenString {
    None,
    /// Open, but not put in place yet.
    Hidden,
    /// A partial of this many bytes was put in place (and is replaced when it changes).
    Shown(usize),
}

/// The Python objects of the document so far.
struct Builder {
    root: Option<Py<PyAny>>,
    stack: Vec<Frame>,
    open_string: OpenString,
    keys: KeyCache,
    /// The Python error behind the last `Abort`.
    error: Option<PyErr>,
}

impl Builder {
    fn new() -> Self {
        Self {
            root: None,
            stack: Vec::new(),
            open_string: OpenString::None,
            keys: KeyCache::new(),
            error: None,
        }
    }

    /// Puts a value where the document is: a new root, the next list item, or the value of the
    /// pending key (`replace`: instead of the partial string put there before).
    fn place(&mut self, py: Python<'_>, value: Bound<'_, PyAny>, replace: bool) -> PyResult<()> {
        match self.stack.last_mut() {
            None => self.root = Some(value.unbind()),
            Some(Frame::List(list)) => {
                let list = list.bind(py);
                if replace {
                    list.set_item(list.len().saturating_sub(1), value)?;
                } else {
                    list.append(value)?;
                }
            }
            Some(Frame::Dict(dict, key)) => {
                if let Some(key) = key {
                    dict.bind(py).set_item(key.bind(py), value)?;
                }
            }
        }
        Ok(())
    }

    /// Places a completed value and forgets the key it belonged to.
    fn complete(&mut self, py: Python<'_>, value: Bound<'_, PyAny>) -> PyResult<()> {
        let replace = matches!(self.open_string, OpenString::Shown(_));
        self.open_string = OpenString::None;
        self.place(py, value, replace)?;
        if let Some(Frame::Dict(_, key)) = self.stack.last_mut() {
            *key = None;
        }
        Ok(())
    }

    /// Puts the open string's content so far in place, unless it has not grown since.
    fn show_open_string(&mut self, py: Python<'_>, content: &[u8]) -> PyResult<()> {
        let replace = match self.open_string {
            OpenString::None => return Ok(()),
            OpenString::Shown(len) if len == content.len() => return Ok(()),
            OpenString::Shown(_) => true,
            OpenString::Hidden => false,
        };
        let value = decode(py, content)?;
        self.place(py, value, replace)?;
        self.open_string = OpenString::Shown(content.len());
        Ok(())
    }
}

/// `json.loads` numbers: ints of any size, floats correctly rounded. Rust's `f64` parsing is
/// correctly rounded like Python's `float()` (and gives ±inf past the range, as `float()`
/// does for `1e400`), so only ints beyond `i64` go through Python's `int()`.
fn number<'py>(py: Python<'py>, raw: &str, is_int: bool) -> PyResult<Bound<'py, PyAny>> {
    if is_int {
        if let Ok(v) = raw.parse::<i64>() {
            return v.into_bound_py_any(py);
        }
        return py.get_type::<PyInt>().call1((raw,));
    }
    let v: f64 = raw
        .parse()
        .map_err(|_| PyValueError::new_err(format!("invalid number {raw:?}")))?;
    Ok(PyFloat::new(py, v).into_any())
}

/// The sink for one call: the builder plus the GIL token.
struct PySink<'a, 'py> {
    py: Python<'py>,
    builder: &'a mut Builder,
}

impl PySink<'_, '_> {
    fn check(&mut self, result: PyResult<()>) -> Result<(), Abort> {
        result.map_err(|err| {
            self.builder.error = Some(err);
            Abort
        })
    }

    fn begin(&mut self, container: Bound<'_, PyAny>, frame: Frame) -> Result<(), Abort> {
        let py = self.py;
        let result = self.builder.complete(py, container);
        self.check(result)?;
        self.builder.stack.push(frame);
        Ok(())
    }

    fn scalar(&mut self, value: PyResult<Bound<'_, PyAny>>) -> Result<(), Abort> {
        let py = self.py;
        let result = value.and_then(|v| self.builder.complete(py, v));
        self.check(result)
    }
}

impl Sink for PySink<'_, '_> {
    fn begin_object(&mut self) -> Result<(), Abort> {
        let dict = PyDict::new(self.py);
        let frame = Frame::Dict(dict.clone().unbind(), None);
        self.begin(dict.into_any(), frame)
    }

    fn begin_array(&mut self) -> Result<(), Abort> {
        let list = PyList::empty(self.py);
        let frame = Frame::List(list.clone().unbind());
        self.begin(list.into_any(), frame)
    }

    fn end_object(&mut self) -> Result<(), Abort> {
        self.builder.stack.pop();
        Ok(())
    }

    fn end_array(&mut self) -> Result<(), Abort> {
        self.builder.stack.pop();
        Ok(())
    }

    fn key(&mut self, key: &[u8]) -> Result<(), Abort> {
        let key = match self.builder.keys.get(self.py, key) {
            Ok(key) => key,
            Err(err) => {
                self.builder.error = Some(err);
                return Err(Abort);
            }
        };
        if let Some(Frame::Dict(_, pending)) = self.builder.stack.last_mut() {
            *pending = Some(key.unbind());
        }
        Ok(())
    }

    fn begin_string(&mut self) -> Result<(), Abort> {
        self.builder.open_string = OpenString::Hidden;
        Ok(())
    }

    fn string(&mut self, value: &[u8]) -> Result<(), Abort> {
        let value = decode(self.py, value);
        self.scalar(value)
    }

    fn number(&mut self, raw: &str, is_int: bool) -> Result<(), Abort> {
        let value = number(self.py, raw, is_int);
        self.scalar(value)
    }

    fn boolean(&mut self, value: bool) -> Result<(), Abort> {
        let value = value.into_bound_py_any(self.py);
        self.scalar(value)
    }

    fn null(&mut self) -> Result<(), Abort> {
        let value = Ok(self.py.None().into_bound(self.py));
        self.scalar(value)
    }
}

/// An incremental JSON parser for text that arrives in pieces.
///
/// `feed` the pieces (``str`` or UTF-8 ``bytes``; bytes may be cut anywhere, even inside a
/// character) and call `value()` whenever the current partial value is wanted. Parse state is
/// kept between feeds, so a whole document costs time linear in its length however it is
/// split, and `value()` costs about the open path plus the open string, never the parts already
/// complete. The lists and dicts returned by `value()` are the parser's own and are updated in
/// place by later feeds.
///
/// `max_depth` bounds nesting (deeper documents raise; nothing recurses on depth).
/// `ignore_trailing=True` makes text after the complete top-level value ignored instead of an
/// error, for replies that put prose after their JSON.
#[pyclass(module = "ferriscope.partial_json", name = "PartialJSONParser")]
pub struct PyPartialJsonParser {
    core: PartialJsonParser,
    builder: Builder,
    /// The message and offset of the error that stopped the parser (the core only knows a
    /// builder error as `Rejected`).
    failure: Option<(String, u64)>,
}

impl PyPartialJsonParser {
    fn create(max_depth: usize, ignore_trailing: bool) -> Self {
        Self {
            core: PartialJsonParser::new(max_depth).ignore_trailing(ignore_trailing),
            builder: Builder::new(),
            failure: None,
        }
    }

    /// Turns a core error into the Python exception (a builder's Python error is its cause,
    /// or is raised as it is when it is not a `ValueError`, like `MemoryError`).
    fn raise(&mut self, py: Python<'_>, err: &ParseError) -> PyErr {
        let cause = self.builder.error.take();
        let message = match (&err.kind, &cause) {
            (ErrorKind::Rejected, Some(cause)) => {
                if !cause.is_instance_of::<PyValueError>(py) {
                    return cause.clone_ref(py);
                }
                format!("{} at byte {}", cause.value(py), err.offset)
            }
            _ => err.to_string(),
        };
        if !matches!(err.kind, ErrorKind::Incomplete(_)) {
            self.failure = Some((message.clone(), err.offset));
        }
        let exc = partial_json_error(py, &message, err.offset);
        if let Some(cause) = cause {
            exc.set_cause(py, Some(cause));
        }
        exc
    }

    /// Runs `f` with panics caught: a bug must surface as `PartialJSONError`, never as pyo3's
    /// `PanicException`, and it stops the parser since its state is then unknown.
    fn guarded<T>(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&mut Self) -> PyResult<T>,
    ) -> PyResult<T> {
        if let Ok(result) = catch_unwind(AssertUnwindSafe(|| f(self))) {
            return result;
        }
        let offset = self.core.offset();
        let message = "internal error in the partial JSON parser (a bug in ferriscope)";
        self.core.fail(ParseError {
            kind: ErrorKind::Rejected,
            offset,
        });
        self.failure = Some((message.to_owned(), offset));
        Err(partial_json_error(py, message, offset))
    }

    fn stopped(&self, py: Python<'_>) -> Option<PyErr> {
        self.failure
            .as_ref()
            .map(|(message, offset)| partial_json_error(py, message, *offset))
    }

    fn feed_bytes(&mut self, py: Python<'_>, input: &[u8], kind: Input) -> PyResult<()> {
        let mut sink = PySink {
            py,
            builder: &mut self.builder,
        };
        match self.core.feed(input, kind, &mut sink) {
            Ok(()) => Ok(()),
            Err(err) => Err(self.raise(py, &err)),
        }
    }

    fn current(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(content) = self.core.open_string() {
            self.builder.show_open_string(py, content)?;
        }
        Ok(self
            .builder
            .root
            .as_ref()
            .map_or_else(|| py.None(), |root| root.clone_ref(py)))
    }
}

#[pymethods]
impl PyPartialJsonParser {
    #[new]
    // A literal, so that the signature Python sees shows it (the assertion below keeps it in
    // step with the core).
    #[pyo3(signature = (max_depth = 512, *, ignore_trailing = false))]
    fn new(max_depth: i64, ignore_trailing: bool) -> PyResult<Self> {
        // Taken as a signed integer so that a negative depth is a `ValueError` saying what
        // was wrong, not PyO3's `OverflowError` about an unsigned conversion.
        let depth = usize::try_from(max_depth).map_err(|_| {
            PyValueError::new_err(format!("max_depth must be 0 or more, got {max_depth}"))
        })?;
        Ok(Self::create(depth, ignore_trailing))
    }

    /// Parses the next piece of the document.
    ///
    /// Raises `PartialJSONError` as soon as the text cannot be (the start of) a JSON document,
    /// and again on every later call.
    fn feed(&mut self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Some(err) = self.stopped(py) {
            return Err(err);
        }
        self.guarded(py, |this| {
            if let Ok(s) = text.cast::<PyString>() {
                if let Ok(s) = s.to_str() {
                    return this.feed_bytes(py, s.as_bytes(), Input::Text);
                }
                // Lone surrogates: encode them the way the core expects.
                let bytes = s.call_method1("encode", ("utf-8", "surrogatepass"))?;
                let bytes = bytes.cast::<PyBytes>()?;
                this.feed_bytes(py, bytes.as_bytes(), Input::Text)
            } else if let Ok(b) = text.cast::<PyBytes>() {
                this.feed_bytes(py, b.as_bytes(), Input::Bytes)
            } else {
                Err(PyTypeError::new_err(format!(
                    "feed() takes str or bytes, not {}",
                    text.get_type().name()?
                )))
            }
        })
    }

    /// The value so far: `None` before any value started to show; open lists and dicts are
    /// closed, an open string is shown as far as received, numbers, literals and keys only once
    /// complete. Already shown values never change, except that an open string grows (and a
    /// duplicate key takes its new value). The containers are the parser's own, updated in
    /// place by later feeds; copy them to keep a snapshot. After an error, the value parsed
    /// before it.
    fn value(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.guarded(py, |this| this.current(py))
    }

    /// Ends the document and returns its value, exactly as `json.loads` would.
    ///
    /// Raises `PartialJSONError` if the document is incomplete (feeding more and calling
    /// `finish()` again is allowed then) or invalid.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(err) = self.stopped(py) {
            return Err(err);
        }
        self.guarded(py, |this| {
            let mut sink = PySink {
                py,
                builder: &mut this.builder,
            };
            if let Err(err) = this.core.finish(&mut sink) {
                return Err(this.raise(py, &err));
            }
            this.current(py)
        })
    }

    /// True once the top-level value is complete (`value()` is then final). A bare top-level
    /// number completes only at the whitespace after it, or at `finish()`; `true`, `false` and
    /// `null` with their last letter.
    #[getter]
    fn is_complete(&self) -> bool {
        self.core.is_complete()
    }

    #[getter]
    fn max_depth(&self) -> usize {
        self.core.max_depth()
    }
}

/// The partial value of (a prefix of) one JSON document, as `PartialJSONParser.value()` would
/// give it after feeding `text`; text after a complete top-level value is ignored, so a JSON
/// value followed by prose parses.
#[pyfunction]
fn parse_partial(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let mut parser = PyPartialJsonParser::create(DEFAULT_MAX_DEPTH, true);
    parser.feed(py, text)?;
    parser.value(py)
}

const _: () = assert!(DEFAULT_MAX_DEPTH == 512);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("PartialJSONError", m.py().get_type::<PartialJSONError>())?;
    m.add_class::<PyPartialJsonParser>()?;
    m.add_function(wrap_pyfunction!(parse_partial, m)?)?;
    Ok(())
}

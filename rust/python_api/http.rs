//! `encode_request`, `HttpStream` and `HttpProtocolError` for Python: the HTTP/1.1 core with
//! the response body decoded into chunk objects in the same call that took the read.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::chunk::Chunk;
use crate::http1::{self, HttpError, HttpExchange, DEFAULT_MAX_ERROR_BODY};
use crate::sse::DEFAULT_MAX_LINE_BYTES;

use super::chunks::{chunk_to_py, IdStrings};
use super::decoder::new_stream_decoder;

pyo3::create_exception!(
    ferriscope._core,
    HttpProtocolError,
    PyException,
    "The peer did not send a usable HTTP/1.x response (a malformed or oversized head, or the \
     connection closed before one)."
);

/// Reads at least this large are processed with the GIL released, so other threads run.
const DETACH_THRESHOLD: usize = 64 * 1024;

const INTERNAL_ERROR: &str =
    "internal error in the HTTP response reader (a bug in ferriscope); the stream was stopped";

/// The request as the bytes to write: request line, `Host`, the defaults the headers do not
/// set (names compared without case), the headers, `Content-Length` and the body. `headers`
/// is a dict or a sequence of (name, value) pairs; it is read here, so the caller builds no
/// merged list (and no Python frame holds one with the key in it). Raises ValueError naming
/// the header (or method, target, host) that would break the message's framing.
#[pyfunction]
#[pyo3(signature = (method, target, host, headers, body, defaults = None))]
fn encode_request<'py>(
    py: Python<'py>,
    method: &str,
    target: &str,
    host: &str,
    headers: &Bound<'py, PyAny>,
    body: &[u8],
    defaults: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let headers = header_pairs(headers)?;
    let defaults = match defaults {
        Some(defaults) => header_pairs(defaults)?,
        None => Vec::new(),
    };
    let wire = http1::encode_request_with_defaults(method, target, host, &defaults, &headers, body)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &wire))
}

/// The (name, value) pairs of a dict, or of a sequence of pairs, borrowed from the strings.
fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(PyBackedStr, PyBackedStr)>> {
    if let Ok(dict) = headers.cast::<PyDict>() {
        let mut pairs = Vec::with_capacity(dict.len());
        for (name, value) in dict.iter() {
            pairs.push((name.extract()?, value.extract()?));
        }
        return Ok(pairs);
    }
    headers
        .try_iter()?
        .map(|pair| pair?.extract::<(PyBackedStr, PyBackedStr)>())
        .collect()
}

/// One HTTP exchange: response bytes in, provider chunks out.
#[pyclass(module = "ferriscope._core", name = "HttpStream")]
pub struct PyHttpStream {
    inner: HttpExchange,
    out: Vec<Chunk>,
    ids: IdStrings,
}

impl PyHttpStream {
    /// Runs `f` on the exchange with panics caught: before the head a panic raises
    /// HttpProtocolError, after it the stream ends with an error chunk.
    fn run(
        &mut self,
        py: Python<'_>,
        detach: bool,
        f: impl FnOnce(&mut HttpExchange, &mut Vec<Chunk>) -> Result<(), HttpError> + Send,
    ) -> PyResult<()> {
        let (inner, out) = (&mut self.inner, &mut self.out);
        let result = if detach {
            py.detach(|| catch_unwind(AssertUnwindSafe(|| f(inner, out))))
        } else {
            catch_unwind(AssertUnwindSafe(|| f(inner, out)))
        };
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(HttpProtocolError::new_err(error.to_string())),
            Err(_) => {
                let streaming = self.inner.parser().head_complete();
                self.inner.abort(INTERNAL_ERROR, &mut self.out);
                if streaming {
                    Ok(())
                } else {
                    Err(HttpProtocolError::new_err(INTERNAL_ERROR))
                }
            }
        }
    }

    fn take<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for chunk in self.out.drain(..) {
            list.append(chunk_to_py(py, &chunk, &mut self.ids)?)?;
        }
        Ok(list)
    }
}

#[pymethods]
impl PyHttpStream {
    #[new]
    #[pyo3(
        signature = (wire_format, *, include_thoughts = false, raw_events = false,
            max_line_bytes = DEFAULT_MAX_LINE_BYTES, max_error_body = DEFAULT_MAX_ERROR_BODY),
        text_signature = "(wire_format, *, include_thoughts=False, raw_events=False, \
            max_line_bytes=67108864, max_error_body=65536)"
    )]
    fn new(
        wire_format: &str,
        include_thoughts: bool,
        raw_events: bool,
        max_line_bytes: usize,
        max_error_body: usize,
    ) -> PyResult<Self> {
        let decoder =
            new_stream_decoder(wire_format, include_thoughts, raw_events, max_line_bytes)?;
        Ok(Self {
            inner: HttpExchange::new(decoder, max_error_body),
            out: Vec::new(),
            ids: IdStrings::default(),
        })
    }

    /// Takes one network read and returns the chunks it completed: none until the head is
    /// complete or for a non-2xx status (whose body goes to `error_body`); the decoder's
    /// finish is included once the body or the provider stream ends. Raises
    /// HttpProtocolError only for a bad head; a later failure is the last chunk.
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        self.run(py, data.len() >= DETACH_THRESHOLD, |ex, out| {
            ex.feed(data, out)
        })?;
        self.take(py)
    }

    /// The peer closed the connection: ends a close-delimited body, or reports a cut one
    /// through the decoder's finish. Raises HttpProtocolError before a complete head.
    fn eof<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.run(py, false, HttpExchange::eof)?;
        self.take(py)
    }

    #[getter]
    fn status(&self) -> Option<u16> {
        self.inner.parser().head().map(|h| h.status)
    }

    #[getter]
    fn reason(&self) -> &str {
        self.inner.parser().head().map_or("", |h| h.reason.as_str())
    }

    /// The response's header fields, names as sent, values decoded as Latin-1 (every byte a
    /// character, as `http.client` and httpx do).
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let Some(head) = self.inner.parser().head() else {
            return Ok(Vec::new());
        };
        head.headers
            .iter()
            .map(|h| {
                let value: String = h.value.iter().map(|&b| char::from(b)).collect();
                PyTuple::new(py, [PyString::new(py, &h.name), PyString::new(py, &value)])
            })
            .collect()
    }

    #[getter]
    fn head_complete(&self) -> bool {
        self.inner.parser().head_complete()
    }

    #[getter]
    fn body_complete(&self) -> bool {
        self.inner.parser().body_complete()
    }

    #[getter]
    fn complete(&self) -> bool {
        self.inner.complete()
    }

    #[getter]
    fn done(&self) -> bool {
        self.inner.done()
    }

    #[getter]
    fn reusable(&self) -> bool {
        self.inner.reusable()
    }

    /// The provider's id for this response, once the body's decoder saw it.
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.inner.decoder().response_id()
    }

    /// The model the provider says served this response, once the body's decoder saw it.
    #[getter]
    fn response_model(&self) -> Option<&str> {
        self.inner.decoder().response_model()
    }

    #[getter]
    fn error_body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.error_body())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(encode_request, m)?)?;
    m.add_class::<PyHttpStream>()?;
    m.add("HttpProtocolError", m.py().get_type::<HttpProtocolError>())?;
    Ok(())
}

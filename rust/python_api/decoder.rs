//! `StreamDecoder` for Python: one per streamed response, bytes in, a list of chunks out.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::chunk::{Chunk, DecodeOptions, ErrorKind, StreamError};
use crate::providers::{StreamDecoder, WireFormat};
use crate::sse::{SseDecoder, DEFAULT_MAX_LINE_BYTES};

use super::chunks::{chunk_to_py, IdStrings};

/// Reads at least this large are decoded with the GIL released, so other Python threads run.
const DETACH_THRESHOLD: usize = 64 * 1024;

/// Decodes one response body of a provider wire format into chunk objects.
#[pyclass(module = "ferriscope._core", name = "StreamDecoder")]
pub struct PyStreamDecoder {
    inner: StreamDecoder,
    out: Vec<Chunk>,
    ids: IdStrings,
}

impl PyStreamDecoder {
    /// Runs `f` on the core decoder; a panic becomes an error chunk instead of unwinding
    /// into Python.
    fn run(
        &mut self,
        py: Python<'_>,
        detach: bool,
        f: impl FnOnce(&mut StreamDecoder, &mut Vec<Chunk>) + Send,
    ) {
        let (inner, out) = (&mut self.inner, &mut self.out);
        let result = if detach {
            py.detach(|| catch_unwind(AssertUnwindSafe(|| f(inner, out))))
        } else {
            catch_unwind(AssertUnwindSafe(|| f(inner, out)))
        };
        if result.is_err() {
            self.out.push(Chunk::Error(StreamError::new(
                ErrorKind::ResponseValidation,
                "internal error in the stream decoder (a bug in ferriscope); the stream was stopped",
            )));
            self.inner.stop();
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
impl PyStreamDecoder {
    #[new]
    #[pyo3(
        signature = (wire_format, *, include_thoughts = false, raw_events = false,
            max_line_bytes = DEFAULT_MAX_LINE_BYTES),
        text_signature = "(wire_format, *, include_thoughts=False, raw_events=False, \
            max_line_bytes=67108864)"
    )]
    fn new(
        wire_format: &str,
        include_thoughts: bool,
        raw_events: bool,
        max_line_bytes: usize,
    ) -> PyResult<Self> {
        Ok(Self {
            inner: new_stream_decoder(wire_format, include_thoughts, raw_events, max_line_bytes)?,
            out: Vec::new(),
            ids: IdStrings::default(),
        })
    }

    /// Decodes one network read and returns the chunks it completed.
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        self.run(py, data.len() >= DETACH_THRESHOLD, |d, out| {
            d.feed(data, out);
        });
        self.take(py)
    }

    /// Ends the body: closes open parts, or reports a stream cut before its terminal event.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.run(py, false, StreamDecoder::finish);
        self.take(py)
    }

    /// True once the provider's terminal event was decoded: a connection dropped after it
    /// lost nothing.
    #[getter]
    fn complete(&self) -> bool {
        self.inner.is_complete()
    }

    /// True once the stream ended or failed; later input is ignored.
    #[getter]
    fn stopped(&self) -> bool {
        self.inner.is_stopped()
    }

    /// The provider's id for this response, once an event carrying it was decoded.
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.inner.response_id()
    }

    /// The model the provider says served this response, once an event carrying it was
    /// decoded.
    #[getter]
    fn response_model(&self) -> Option<&str> {
        self.inner.response_model()
    }
}

/// The core decoder of a wire format named from Python (shared by `StreamDecoder` and
/// `HttpStream`, so both accept the same names and say the same when one is wrong).
pub(crate) fn new_stream_decoder(
    wire_format: &str,
    include_thoughts: bool,
    raw_events: bool,
    max_line_bytes: usize,
) -> PyResult<StreamDecoder> {
    let format = WireFormat::from_name(wire_format).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown wire format {wire_format:?}; expected one of 'openai-completions', \
             'openai-responses', 'anthropic', 'google'"
        ))
    })?;
    let options = DecodeOptions {
        include_thoughts,
        raw_events,
    };
    Ok(StreamDecoder::with_sse(
        format,
        options,
        SseDecoder::new(max_line_bytes),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStreamDecoder>()?;
    Ok(())
}

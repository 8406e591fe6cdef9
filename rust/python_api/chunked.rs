//! `ChunkedBodyDecoder` for Python: HTTP/1.1 chunked framing removed one network read at a time.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::http_chunked::ChunkedDecoder;

/// Removes the chunked transfer coding from a response body fed in arbitrary pieces.
#[pyclass(module = "ferriscope._core", name = "ChunkedBodyDecoder")]
pub struct PyChunkedBodyDecoder {
    inner: ChunkedDecoder,
    out: Vec<u8>,
    leftover: Vec<u8>,
    failed: Option<String>,
}

impl PyChunkedBodyDecoder {
    /// Decodes `input`, keeping what follows the body's end as leftover. A panic (a bug) is
    /// reported as an error rather than unwinding into Python.
    fn decode(&mut self, input: &[u8]) -> Result<(), String> {
        let (inner, out) = (&mut self.inner, &mut self.out);
        let result = catch_unwind(AssertUnwindSafe(|| inner.decode(input, out)));
        match result {
            Ok(Ok(used)) => {
                self.leftover.extend_from_slice(&input[used..]);
                Ok(())
            }
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => {
                Err("internal error in the chunked body decoder (a bug in ferriscope)".into())
            }
        }
    }
}

#[pymethods]
impl PyChunkedBodyDecoder {
    #[new]
    fn new() -> Self {
        Self {
            inner: ChunkedDecoder::new(),
            out: Vec::new(),
            leftover: Vec::new(),
            failed: None,
        }
    }

    /// The payload carried by `data` (`bytes` or `bytearray`), possibly empty. Bytes after the
    /// end of the body are kept for `take_leftover()`. Invalid framing raises ValueError, but
    /// only once the payload before it has been returned: a read holding good chunks and then
    /// a bad one returns the good payload and sets `error`, and the next call raises (so what
    /// arrived before the fault is never lost).
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        if let Some(message) = &self.failed {
            return Err(PyValueError::new_err(message.clone()));
        }
        self.out.clear();
        let result = if let Ok(bytes) = data.cast::<PyBytes>() {
            self.decode(bytes.as_bytes())
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            // SAFETY: no Python code runs while the slice is borrowed (decoding is pure Rust),
            // so nothing can resize or free the bytearray meanwhile.
            self.decode(unsafe { array.as_bytes() })
        } else {
            return Err(PyTypeError::new_err(format!(
                "expected bytes or bytearray, got {}",
                data.get_type().name()?
            )));
        };
        if let Err(message) = result {
            self.failed = Some(message.clone());
            if self.out.is_empty() {
                return Err(PyValueError::new_err(message));
            }
        }
        Ok(PyBytes::new(py, &self.out))
    }

    /// The framing error met, if any (the next `feed` raises it).
    #[getter]
    fn error(&self) -> Option<String> {
        self.failed.clone()
    }

    /// True once the last chunk and the trailer section have been read.
    #[getter]
    fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// The trailer section's lines (`b"name: value"`), once `done`.
    #[getter]
    fn trailers<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .trailers()
            .iter()
            .map(|line| PyBytes::new(py, line))
            .collect()
    }

    /// The bytes received after the end of the body (emptied by the call).
    fn take_leftover<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = PyBytes::new(py, &self.leftover);
        self.leftover.clear();
        bytes
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyChunkedBodyDecoder>()
}

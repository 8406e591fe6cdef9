//! `SSEDecoder` and `ServerSentEvent` for Python.

use std::borrow::Cow;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView, PyString};

use crate::sse::{Event, SseDecoder, DEFAULT_MAX_LINE_BYTES};

/// One Server-Sent Event.
#[pyclass(module = "ferriscope.sse", name = "ServerSentEvent", frozen, get_all)]
pub struct PyServerSentEvent {
    /// The event type, "message" when the block named none.
    event: String,
    /// The block's data lines joined with "\n".
    data: String,
    /// The last event id of the stream so far, "" if none.
    id: String,
    /// A valid `retry` field of this event's block, in milliseconds.
    retry: Option<u64>,
}

#[pymethods]
impl PyServerSentEvent {
    #[new]
    #[pyo3(
        signature = (event = None, data = String::new(), id = String::new(), retry = None),
        text_signature = "(event=None, data='', id='', retry=None)"
    )]
    fn new(event: Option<String>, data: String, id: String, retry: Option<u64>) -> Self {
        Self {
            event: event
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "message".to_owned()),
            data,
            id,
            retry,
        }
    }

    /// The data parsed as JSON (with the standard library's `json.loads`).
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py.import("json")?.getattr("loads")?.unbind())
        })?;
        loads.bind(py).call1((self.data.as_str(),))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().is_ok_and(|o| {
            let o = o.get();
            o.event == self.event && o.data == self.data && o.id == self.id && o.retry == self.retry
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "ServerSentEvent(event={:?}, data={:?}, id={:?}, retry={})",
            self.event,
            self.data,
            self.id,
            self.retry
                .map_or_else(|| "None".to_owned(), |r| r.to_string())
        )
    }
}

impl From<Event> for PyServerSentEvent {
    fn from(e: Event) -> Self {
        Self {
            event: e.event,
            data: e.data,
            id: e.id,
            retry: e.retry,
        }
    }
}

/// Incremental decoder of a `text/event-stream` body.
#[pyclass(module = "ferriscope.sse", name = "SSEDecoder")]
pub struct PySseDecoder {
    inner: SseDecoder,
    events: Vec<Event>,
}

impl PySseDecoder {
    fn take_events<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for e in self.events.drain(..) {
            let event = Bound::new(py, PyServerSentEvent::from(e))?.into_any();
            super::chunks::untrack(&event); // only Rust strings inside: never in a cycle
            list.append(event)?;
        }
        Ok(list)
    }
}

#[pymethods]
impl PySseDecoder {
    #[new]
    #[pyo3(
        signature = (max_line_bytes = DEFAULT_MAX_LINE_BYTES),
        text_signature = "(max_line_bytes=67108864)"
    )]
    fn new(max_line_bytes: usize) -> Self {
        Self {
            inner: SseDecoder::new(max_line_bytes),
            events: Vec::new(),
        }
    }

    /// Decodes one piece of the stream and returns the events it completed. `bytes` are read
    /// in place; other buffers (`bytearray`, `memoryview`) are copied first, since the GIL is
    /// released for large pieces and their owner could resize them meanwhile; `str` is taken
    /// as its UTF-8 encoding (a caller that already decoded lines loses nothing by it).
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let data: Cow<'_, [u8]> = if let Ok(bytes) = data.cast::<PyBytes>() {
            Cow::Borrowed(bytes.as_bytes())
        } else if let Ok(text) = data.cast::<PyString>() {
            Cow::Owned(text.to_str()?.as_bytes().to_vec())
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            Cow::Owned(array.to_vec())
        } else if data.is_instance_of::<PyMemoryView>() {
            // `tobytes()` rather than the buffer protocol, which the stable ABI of Python 3.10
            // (our floor) does not expose.
            let copy = data.call_method0("tobytes")?;
            Cow::Owned(copy.cast::<PyBytes>()?.as_bytes().to_vec())
        } else {
            return Err(PyTypeError::new_err(format!(
                "SSEDecoder.feed() takes bytes, a bytes-like object or str, not {}",
                data.get_type().name()?
            )));
        };
        let data: &[u8] = &data;
        let result = if data.len() >= 64 * 1024 {
            let (inner, events) = (&mut self.inner, &mut self.events);
            py.detach(|| inner.feed(data, events))
        } else {
            self.inner.feed(data, &mut self.events)
        };
        result.map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.take_events(py)
    }

    /// Ends the stream: an unterminated last event is discarded.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.inner
            .finish(&mut self.events)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.take_events(py)
    }

    #[getter]
    fn last_event_id(&self) -> &str {
        self.inner.last_event_id()
    }

    #[getter]
    fn retry(&self) -> Option<u64> {
        self.inner.retry()
    }

    #[getter]
    fn max_line_bytes(&self) -> usize {
        self.inner.max_line_bytes()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyServerSentEvent>()?;
    m.add_class::<PySseDecoder>()?;
    Ok(())
}

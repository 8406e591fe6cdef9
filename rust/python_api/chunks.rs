//! The public chunk classes (docs/spec.md §4), defined once here so the decoder creates each chunk
//! object directly, with no second conversion in Python.
//!
//! They behave like Mirascope's keyword-only dataclasses for everything streaming code does
//! with them (keyword construction, attribute reads, `type`/`content_type`, field equality,
//! a dataclass-style repr) and are immutable, which lets attribute reads skip borrow checks.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};
use pyo3::IntoPyObjectExt;
use pyo3::{PyTraverseError, PyVisit};

use crate::chunk::{Chunk, ErrorKind, FinishReason, StreamError, Usage};

use super::json::value_to_py;

const MODULE: &str = "ferriscope.llm.responses";

/// Compares the named attributes of two objects of the same class.
fn fields_equal(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>, fields: &[&str]) -> PyResult<bool> {
    if !a.get_type().is(b.get_type()) {
        return Ok(false);
    }
    for f in fields {
        if !a.getattr(*f)?.eq(b.getattr(*f)?)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `Name(field=repr, ...)`, as a dataclass repr looks.
fn dataclass_repr(obj: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len() + 2);
    parts.push(format!("type={}", obj.getattr("type")?.repr()?));
    if let Ok(ct) = obj.getattr("content_type") {
        parts.push(format!("content_type={}", ct.repr()?));
    }
    for f in fields {
        parts.push(format!("{f}={}", obj.getattr(*f)?.repr()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

/// Checks a `type=`/`content_type=` keyword given to a constructor: like the dataclass fields
/// they mirror, they may be passed, but only with the class's fixed value.
fn check_tag(
    class: &str,
    field: &str,
    expected: &str,
    given: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    match given {
        Some(value) if !value.eq(expected)? => {
            Err(pyo3::exceptions::PyValueError::new_err(format!(
                "{class}.{field} is always '{expected}', not {}",
                value.repr()?
            )))
        }
        _ => Ok(()),
    }
}

// Chunks the decoder makes are built as Rust structs (`Bound::new`), so the keyword parsing of
// `__new__` (and its `type=`/`content_type=` checks) costs only hand-built chunks.
macro_rules! chunk_class {
    (
        $rust:ident, $name:literal, $type_value:literal, content_type = $content_type:literal,
        { $($field:ident : $fty:ty),* $(,)? }
    ) => {
        chunk_class!(@define $rust, $name, $type_value, { $($field : $fty),* }, {
            #[classattr]
            fn content_type() -> &'static str {
                $content_type
            }

            #[new]
            #[pyo3(signature = (*, $($field,)* r#type = None, content_type = None))]
            fn new(
                $($field: $fty,)*
                r#type: Option<&Bound<'_, PyAny>>,
                content_type: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                check_tag($name, "type", $type_value, r#type)?;
                check_tag($name, "content_type", $content_type, content_type)?;
                Ok(Self { $($field),* })
            }
        });
    };
    (
        $rust:ident, $name:literal, $type_value:literal,
        { $($field:ident : $fty:ty),* $(,)? }
    ) => {
        chunk_class!(@define $rust, $name, $type_value, { $($field : $fty),* }, {
            #[new]
            #[pyo3(signature = (*, $($field,)* r#type = None))]
            fn new($($field: $fty,)* r#type: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
                check_tag($name, "type", $type_value, r#type)?;
                Ok(Self { $($field),* })
            }
        });
    };
    (@define $rust:ident, $name:literal, $type_value:literal, { $($field:ident : $fty:ty),* },
        { $($extra:tt)* }) => {
        #[pyclass(module = "ferriscope.llm.responses", name = $name, frozen)]
        pub struct $rust {
            $(pub $field: $fty,)*
        }

        #[pymethods]
        impl $rust {
            $(
                #[getter]
                fn $field(&self, py: Python<'_>) -> $fty {
                    self.$field.clone_ref(py)
                }
            )*

            #[classattr]
            #[pyo3(name = "type")]
            fn type_() -> &'static str {
                $type_value
            }

            /// Lets the cycle collector see the Python objects a chunk holds (a raw payload
            /// can reference the list the chunk is in).
            fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
                $(visit.call(&self.$field)?;)*
                let _ = &visit;
                Ok(())
            }

            $($extra)*

            fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                let py = slf.py();
                if !other.is_instance_of::<Self>() {
                    return Ok(py.NotImplemented());
                }
                fields_equal(slf.as_any(), other, &[$(stringify!($field)),*])?.into_py_any(py)
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                dataclass_repr(slf.as_any(), $name, &[$(stringify!($field)),*])
            }
        }
    };
}

chunk_class!(
    TextStartChunk,
    "TextStartChunk",
    "text_start_chunk",
    content_type = "text",
    {}
);
chunk_class!(TextChunk, "TextChunk", "text_chunk", content_type = "text", { delta: Py<PyString> });
chunk_class!(
    TextEndChunk,
    "TextEndChunk",
    "text_end_chunk",
    content_type = "text",
    {}
);
chunk_class!(
    ThoughtStartChunk,
    "ThoughtStartChunk",
    "thought_start_chunk",
    content_type = "thought",
    {}
);
chunk_class!(ThoughtChunk, "ThoughtChunk", "thought_chunk", content_type = "thought", { delta: Py<PyString> });
chunk_class!(
    ThoughtEndChunk,
    "ThoughtEndChunk",
    "thought_end_chunk",
    content_type = "thought",
    {}
);
chunk_class!(ToolCallStartChunk, "ToolCallStartChunk", "tool_call_start_chunk", content_type = "tool_call",
    { id: Py<PyString>, name: Py<PyString> });
chunk_class!(ToolCallChunk, "ToolCallChunk", "tool_call_chunk", content_type = "tool_call",
    { id: Py<PyString>, delta: Py<PyString> });
chunk_class!(ToolCallEndChunk, "ToolCallEndChunk", "tool_call_end_chunk", content_type = "tool_call",
    { id: Py<PyString> });
chunk_class!(FinishReasonChunk, "FinishReasonChunk", "finish_reason_chunk", { finish_reason: Py<PyAny> });
chunk_class!(RawStreamEventChunk, "RawStreamEventChunk", "raw_stream_event_chunk", { raw_stream_event: Py<PyAny> });
chunk_class!(RawMessageChunk, "RawMessageChunk", "raw_message_chunk", { raw_message: Py<PyAny> });

/// A change of the token counters (summed into `response.usage`).
#[pyclass(
    module = "ferriscope.llm.responses",
    name = "UsageDeltaChunk",
    frozen,
    get_all
)]
pub struct UsageDeltaChunk {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    pub provider_tool_usage: Py<PyAny>,
}

const USAGE_FIELDS: &[&str] = &[
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "provider_tool_usage",
];

#[pymethods]
impl UsageDeltaChunk {
    #[new]
    #[pyo3(signature = (*, input_tokens = 0, output_tokens = 0, cache_read_tokens = 0,
        cache_write_tokens = 0, reasoning_tokens = 0, provider_tool_usage = None, r#type = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        input_tokens: i64,
        output_tokens: i64,
        cache_read_tokens: i64,
        cache_write_tokens: i64,
        reasoning_tokens: i64,
        provider_tool_usage: Option<Py<PyAny>>,
        r#type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        check_tag("UsageDeltaChunk", "type", "usage_delta_chunk", r#type)?;
        Ok(Self {
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            reasoning_tokens,
            provider_tool_usage: provider_tool_usage.unwrap_or_else(|| py.None()),
        })
    }

    #[classattr]
    #[pyo3(name = "type")]
    fn type_() -> &'static str {
        "usage_delta_chunk"
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.provider_tool_usage)
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        if !other.is_instance_of::<Self>() {
            return Ok(py.NotImplemented());
        }
        fields_equal(slf.as_any(), other, USAGE_FIELDS)?.into_py_any(py)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        dataclass_repr(slf.as_any(), "UsageDeltaChunk", USAGE_FIELDS)
    }
}

/// A failure reported inside the stream; the Python layer raises the `llm.Error` subclass
/// that its table gives for `kind` (`llm/_error_kinds.py`). Not part of the public chunk
/// model: it never reaches users.
#[pyclass(
    module = "ferriscope._core",
    name = "StreamErrorChunk",
    frozen,
    get_all
)]
pub struct StreamErrorChunk {
    /// The error kind's index in `ERROR_KINDS` (`ErrorKind::index`).
    pub kind: u8,
    pub message: String,
    pub status_code: Option<i64>,
}

#[pymethods]
impl StreamErrorChunk {
    /// Built by the decoder; constructible for tests, replay tools and the transport (which
    /// reports a cut body). `kind` must be an index into `ERROR_KINDS`.
    #[new]
    #[pyo3(signature = (kind, message, status_code = None))]
    fn new(kind: u8, message: String, status_code: Option<i64>) -> PyResult<Self> {
        if ErrorKind::from_index(kind).is_none() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown error kind {kind}; expected an index into ERROR_KINDS (0 to {})",
                ErrorKind::ALL.len() - 1
            )));
        }
        Ok(Self {
            kind,
            message,
            status_code,
        })
    }

    #[classattr]
    #[pyo3(name = "type")]
    fn type_() -> &'static str {
        "stream_error_chunk"
    }

    fn __repr__(&self) -> String {
        let name = ErrorKind::from_index(self.kind).map_or("?", ErrorKind::name);
        format!(
            "StreamErrorChunk(kind={} ({name}), message={:?}, status_code={:?})",
            self.kind, self.message, self.status_code
        )
    }
}

static FINISH_REASON: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static PROVIDER_TOOL_USAGE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn python_class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let class = cell.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import(module)?.getattr(name)?.unbind())
    })?;
    Ok(class.bind(py).clone())
}

fn usage_chunk(py: Python<'_>, u: &Usage) -> PyResult<UsageDeltaChunk> {
    let provider_tool_usage = match &u.provider_tool_usage {
        None => py.None(),
        Some(items) => {
            let class = python_class(
                py,
                &PROVIDER_TOOL_USAGE,
                "ferriscope.llm.responses.usage",
                "ProviderToolUsage",
            )?;
            let list = PyList::empty(py);
            for item in items {
                let kwargs = pyo3::types::PyDict::new(py);
                kwargs.set_item("name", &item.name)?;
                kwargs.set_item("call_count", item.call_count)?;
                list.append(class.call((), Some(&kwargs))?)?;
            }
            list.into_any().unbind()
        }
    };
    Ok(UsageDeltaChunk {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_tokens: u.cache_read_tokens,
        cache_write_tokens: u.cache_write_tokens,
        reasoning_tokens: u.reasoning_tokens,
        provider_tool_usage,
    })
}

fn error_chunk(e: &StreamError) -> StreamErrorChunk {
    StreamErrorChunk {
        kind: e.kind.index(),
        message: e.message.clone(),
        status_code: e.status_code,
    }
}

fn pystr(py: Python<'_>, s: &str) -> Py<PyString> {
    PyString::new(py, s).unbind()
}

/// The Python strings of the tool-call ids a decoder has recently emitted.
///
/// Every argument delta of a call carries its id, and the response looks each one up in a
/// dict. Handing out the same string object for the same id saves making the string and,
/// since a `str` caches its hash, hashing it again on every chunk.
#[derive(Default)]
pub struct IdStrings {
    recent: Vec<(String, Py<PyString>)>,
}

impl IdStrings {
    /// Ids kept: parallel tool calls in one reply rarely exceed this; a miss only costs a new
    /// string.
    const CAPACITY: usize = 16;

    fn get(&mut self, py: Python<'_>, id: &str) -> Py<PyString> {
        if let Some((_, s)) = self.recent.iter().find(|(known, _)| known == id) {
            return s.clone_ref(py);
        }
        let s = pystr(py, id);
        if self.recent.len() == Self::CAPACITY {
            self.recent.remove(0);
        }
        self.recent.push((id.to_owned(), s.clone_ref(py)));
        s
    }
}

/// Takes an object out of the cyclic garbage collector's lists.
///
/// PyO3 makes every class GC-tracked, so a response caching 100k chunks for replay would have
/// the collector walk all of them on every collection. Chunks whose fields are only strings
/// and ints cannot be part of a reference cycle, so tracking them is pure cost.
pub fn untrack(obj: &Bound<'_, PyAny>) {
    // SAFETY: `obj` is a live object we hold a reference to; untracking an object that is not
    // tracked is a no-op, and the objects passed here cannot participate in cycles.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast()) }
}

/// Creates the one Python object for a chunk.
pub fn chunk_to_py<'py>(
    py: Python<'py>,
    chunk: &Chunk,
    ids: &mut IdStrings,
) -> PyResult<Bound<'py, PyAny>> {
    let acyclic = !matches!(
        chunk,
        Chunk::Usage(_) | Chunk::Finish(_) | Chunk::RawEvent(_) | Chunk::RawMessage(_)
    );
    let obj = match chunk {
        Chunk::Text(delta) => Bound::new(
            py,
            TextChunk {
                delta: pystr(py, delta),
            },
        )?
        .into_any(),
        Chunk::ToolCall { id, delta } => Bound::new(
            py,
            ToolCallChunk {
                id: ids.get(py, id),
                delta: pystr(py, delta),
            },
        )?
        .into_any(),
        Chunk::Thought(delta) => Bound::new(
            py,
            ThoughtChunk {
                delta: pystr(py, delta),
            },
        )?
        .into_any(),
        Chunk::TextStart => Bound::new(py, TextStartChunk {})?.into_any(),
        Chunk::TextEnd => Bound::new(py, TextEndChunk {})?.into_any(),
        Chunk::ThoughtStart => Bound::new(py, ThoughtStartChunk {})?.into_any(),
        Chunk::ThoughtEnd => Bound::new(py, ThoughtEndChunk {})?.into_any(),
        Chunk::ToolCallStart { id, name } => Bound::new(
            py,
            ToolCallStartChunk {
                id: ids.get(py, id),
                name: pystr(py, name),
            },
        )?
        .into_any(),
        Chunk::ToolCallEnd { id } => Bound::new(
            py,
            ToolCallEndChunk {
                id: ids.get(py, id),
            },
        )?
        .into_any(),
        Chunk::Usage(u) => Bound::new(py, usage_chunk(py, u)?)?.into_any(),
        Chunk::Finish(reason) => {
            let class = python_class(
                py,
                &FINISH_REASON,
                "ferriscope.llm.responses.finish_reason",
                "FinishReason",
            )?;
            let finish_reason = class.call1((finish_reason_value(*reason),))?.unbind();
            Bound::new(py, FinishReasonChunk { finish_reason })?.into_any()
        }
        Chunk::RawEvent(v) => Bound::new(
            py,
            RawStreamEventChunk {
                raw_stream_event: value_to_py(py, v)?.unbind(),
            },
        )?
        .into_any(),
        Chunk::RawMessage(v) => Bound::new(
            py,
            RawMessageChunk {
                raw_message: value_to_py(py, v)?.unbind(),
            },
        )?
        .into_any(),
        Chunk::Error(e) => Bound::new(py, error_chunk(e))?.into_any(),
    };
    if acyclic {
        untrack(&obj);
    }
    Ok(obj)
}

fn finish_reason_value(reason: FinishReason) -> &'static str {
    reason.as_str()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    debug_assert_eq!(MODULE, "ferriscope.llm.responses");
    m.add_class::<TextStartChunk>()?;
    m.add_class::<TextChunk>()?;
    m.add_class::<TextEndChunk>()?;
    m.add_class::<ThoughtStartChunk>()?;
    m.add_class::<ThoughtChunk>()?;
    m.add_class::<ThoughtEndChunk>()?;
    m.add_class::<ToolCallStartChunk>()?;
    m.add_class::<ToolCallChunk>()?;
    m.add_class::<ToolCallEndChunk>()?;
    m.add_class::<FinishReasonChunk>()?;
    m.add_class::<UsageDeltaChunk>()?;
    m.add_class::<RawStreamEventChunk>()?;
    m.add_class::<RawMessageChunk>()?;
    m.add_class::<StreamErrorChunk>()?;
    Ok(())
}

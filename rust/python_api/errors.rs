//! The error classifier for Python: `ERROR_KINDS` and `classify_http_error`.
//!
//! Rust owns every rule that decides which kind of error a failure is (`crate::error_kind`);
//! Python owns the one table from a kind to its `llm` exception class
//! (`python/ferriscope/llm/_error_kinds.py`). A kind crosses as its index into `ERROR_KINDS`,
//! whose names let that table be checked against this enum when it is built.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::error_kind::ErrorKind;

/// The kind of a non-2xx HTTP response, as an index into `ERROR_KINDS` (docs/spec.md §9).
/// `names` are the string `code`, `type` and `status` fields of the provider's error object;
/// `message` is the message the raised error will carry.
#[pyfunction]
fn classify_http_error(status: i64, names: Vec<String>, message: &str) -> u8 {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    ErrorKind::from_http(status, &names, message).index()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let names = ErrorKind::ALL.map(ErrorKind::name);
    m.add("ERROR_KINDS", PyTuple::new(m.py(), names)?)?;
    m.add_function(wrap_pyfunction!(classify_http_error, m)?)?;
    Ok(())
}

//! The only PyO3 code in the crate: Python classes wrapping the core, conversions, and the
//! mapping of core errors to Python exceptions.

mod chunked;
mod chunks;
mod decoder;
mod errors;
mod http;
mod json;
mod partial_json;
mod sse;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The format-tool name is written once, in the core; Python's `llm` layers read it here.
    m.add(
        "FORMAT_TOOL_NAME",
        crate::providers::common::FORMAT_TOOL_NAME,
    )?;
    sse::register(m)?;
    partial_json::register(m)?;
    chunks::register(m)?;
    decoder::register(m)?;
    errors::register(m)?;
    chunked::register(m)?;
    http::register(m)?;
    Ok(())
}

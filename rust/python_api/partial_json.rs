//! PLACEHOLDER: Python binding of the partial-JSON parser (being written).

use pyo3::prelude::*;

#[allow(clippy::unnecessary_wraps)]
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

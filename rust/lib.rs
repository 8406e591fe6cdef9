//! ferriscope's Rust core: bytes in, chunks out.
//!
//! Everything here is plain Rust with no I/O and no PyO3; the only Python-facing code is
//! `python_api`, compiled when the `python` feature is on (maturin builds set it).

pub mod chunk;
pub mod error_kind;
pub mod http1;
pub mod http_chunked;
pub mod partial_json;
pub mod providers;
pub mod sse;

#[cfg(feature = "python")]
mod python_api;

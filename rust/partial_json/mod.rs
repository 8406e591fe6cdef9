//! PLACEHOLDER: the incremental partial-JSON parser (being written).

//! End-to-end journeys live in `tests/` (Rust, against the built `amps` binary) and in
//! `browser/` (Playwright). This library is empty.
#![forbid(unsafe_code)]

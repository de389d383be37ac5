//! The AMPS API contract: every request and response body the service accepts or returns
//! (serde + validator + utoipa schemas), and [`Client`], a typed client that builds for native
//! targets and for wasm32 so the server's tests, the SPA and other Rust systems share it.
#![forbid(unsafe_code)]

pub mod admin;
pub mod client;
pub mod model;
pub mod revalidation;
pub mod rules;
pub mod workflow;

pub use admin::*;
pub use client::{Client, ClientError};
pub use model::*;
pub use revalidation::*;
pub use workflow::*;

/// The committed snapshot of the served OpenAPI document (`just openapi` regenerates it).
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

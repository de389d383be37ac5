//! AMPS, the Account Management and Provisioning System: the service behind the `amps`
//! binary. Layers point one way: `http` → `service` → (`domain`, `store`, `notify`).
#![forbid(unsafe_code)]

pub mod auth;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod jobs;
pub mod notify;
pub mod seed;
pub mod service;
pub mod startup;
pub mod store;

/// mimalloc instead of the C library's allocator: the server allocates many small, short-lived
/// buffers on several threads (requests, rows, JSON), which glibc's arenas serve slowly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

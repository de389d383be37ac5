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
pub mod service;
pub mod startup;
pub mod store;

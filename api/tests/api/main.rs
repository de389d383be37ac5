//! API integration tests: each starts the real server over a fresh database and talks to it
//! with the `amps-openapi` client. Every database test runs on SQLite and PostgreSQL.

mod helpers;

mod accounts;
mod admin;
mod approvals;
mod architecture;
mod audit;
mod authorization;
mod catalog;
mod certificates;
mod concurrency;
mod expiry;
mod hardening;
mod keys;
mod lifecycle;
mod mfa;
mod network;
mod plans;
mod platform;
mod provisioning;
mod reports;
mod revalidation;
mod saars;
mod security_keys;
mod separation;
mod sessions;

//! The AMPS single-page app (Leptos CSR). All server calls go through `api.rs`.
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod fmt;
mod lazy;
mod pages;
mod webauthn;

fn main() {
    // No panic hook: the release build aborts on a panic without formatting it (see the
    // Justfile's `web` recipe), so a hook would only add to the download.
    leptos::mount::mount_to_body(app::App);
}

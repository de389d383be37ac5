//! The AMPS single-page app (Leptos CSR). All server calls go through `api.rs`.
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

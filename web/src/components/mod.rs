//! Reusable pieces of UI, one per file.

pub mod approver_requests;
pub mod certificates;
pub mod change_password;
pub mod delete_user;
pub mod direct_reports;
pub mod field;
pub mod my_roles;
pub mod network_identities;
pub mod notices;
pub mod out_of_office;
pub mod page;
pub mod person_picker;
pub mod report;
pub mod reviews;
pub mod saar;
pub mod security_keys;
pub mod sign_ins;
pub mod tabs;
pub mod two_step;

pub use field::{Field, FormErrors, mark_invalid};
pub use notices::{Alert, RejectReasonSelect, Status};
pub use page::Page;
pub use person_picker::PersonPicker;
pub use report::Report;

/// Moves focus to the element `id` once the view has drawn it: after a step replaces the control
/// that had focus, keyboards and screen readers go on from there, not from the top of the page.
pub fn focus_when_drawn(id: &'static str) {
    use leptos::wasm_bindgen::JsCast;
    leptos::prelude::request_animation_frame(move || {
        if let Some(el) = leptos::prelude::document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

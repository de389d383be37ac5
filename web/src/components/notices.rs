//! The two messages a screen or section shows above its content: an error (`role="alert"`,
//! read out at once) and a confirmation (`role="status"`, read out politely). Each appears
//! only while it has something to say.

use leptos::prelude::*;

/// An error message, shown while `msg` holds one.
#[component]
pub fn Alert(msg: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || msg.get().is_some()>
            <div class="alert" role="alert">{move || msg.get().unwrap_or_default()}</div>
        </Show>
    }
}

/// A confirmation, shown while `msg` holds one.
#[component]
pub fn Status(msg: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || msg.get().is_some()>
            <p class="status" role="status">{move || msg.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// The reasons an approver can give for a rejection, as a labelled `<select>` bound to `reason`
/// (wire codes, read with `RejectReason::from_code`).
#[component]
pub fn RejectReasonSelect(id: String, reason: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id.clone() class="inline">"Reason to reject"</label>
        <select id=id on:change=move |ev| reason.set(event_target_value(&ev)) prop:value=reason>
            <option value="not_needed">"Not needed / wrong role"</option>
            <option value="it_level_insufficient">"IT level insufficient"</option>
            <option value="sod_conflict">"Segregation-of-duties conflict"</option>
            <option value="needs_information">"More information needed"</option>
            <option value="other">"Other (comment)"</option>
        </select>
    }
}

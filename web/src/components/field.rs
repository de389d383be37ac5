//! A labelled form field with its hint and error, wired for assistive technology.

use amps_openapi::FieldError;
use leptos::prelude::*;

/// Field errors of the form being edited.
pub type FormErrors = RwSignal<Vec<FieldError>>;

/// Shows `errs` on their fields and, at the top of the form, how many there are to correct.
pub fn mark_invalid(alert: RwSignal<Option<String>>, errors: FormErrors, errs: Vec<FieldError>) {
    alert.set(Some(format!("Correct the {} field(s) marked below.", errs.len())));
    errors.set(errs);
}

/// A text input with label, optional hint, and the error for `name` from `errors`.
#[component]
pub fn Field(
    /// Visible label.
    label: &'static str,
    /// The API field name (also the id suffix).
    name: &'static str,
    /// The bound value.
    value: RwSignal<String>,
    /// Field errors of the form.
    errors: FormErrors,
    /// Input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// Whether the field is required.
    #[prop(optional)]
    required: bool,
    /// Autocomplete token.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// A hint shown under the label.
    #[prop(optional)]
    hint: &'static str,
) -> impl IntoView {
    let id = format!("f-{name}");
    let hint_id = format!("{id}-hint");
    let err_id = format!("{id}-error");
    let error = move || {
        errors
            .get()
            .into_iter()
            .filter(|e| e.field == name)
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let has_error = move || !error().is_empty();
    let described = {
        let hint_id = hint_id.clone();
        let err_id = err_id.clone();
        move || {
            let mut ids = Vec::new();
            if !hint.is_empty() {
                ids.push(hint_id.clone());
            }
            if has_error() {
                ids.push(err_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:invalid=has_error>
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="req" aria-hidden="true">" *"</span> })}
            </label>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-required=if required { "true" } else { "false" }
                aria-invalid=move || if has_error() { "true" } else { "false" }
                aria-describedby=described
                bind:value=value
            />
            <Show when=has_error>
                <p class="error" id=err_id.clone()>{error}</p>
            </Show>
        </div>
    }
}

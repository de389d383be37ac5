//! `/register`: external self-registration. The form runs the same rules the server runs.

use crate::api;
use crate::components::{Field, FormErrors, Page};
use amps_openapi::RegisterRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;
use validator::Validate;

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Register.
#[component]
pub fn Register() -> impl IntoView {
    let user_id = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let middle = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let job = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let eao = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = RegisterRequest {
            user_id: user_id.get_untracked().trim().into(),
            first_name: first.get_untracked(),
            middle_initial: opt(middle.get_untracked()),
            last_name: last.get_untracked(),
            email: email.get_untracked().trim().into(),
            phone: phone.get_untracked(),
            job_title: opt(job.get_untracked()),
            organization: "External".into(),
            company: company.get_untracked(),
            eao_email: eao.get_untracked().trim().into(),
            password: password.get_untracked(),
        };
        let mut errs = req
            .validate()
            .err()
            .map(|e| amps_openapi::rules::field_errors(&e))
            .unwrap_or_default();
        if confirm.get_untracked() != req.password {
            errs.push(amps_openapi::FieldError {
                field: "confirm".into(),
                code: "mismatch".into(),
                message: "does not match the password".into(),
            });
        }
        if !errs.is_empty() {
            crate::components::mark_invalid(alert, errors, errs);
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::anonymous().register(&req).await {
                Ok(r) => done.set(Some(r.message)),
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <Show
            when=move || done.get().is_none()
            fallback=move || view! {
                <Page title="Check your email">
                    <p role="status">{move || done.get().unwrap_or_default()}</p>
                    <p><a href="/sign-in">"Go to sign in"</a></p>
                </Page>
            }
        >
            <Page title="Register for an AMPS account" alert=alert>
                <p>"For external users (vendors). Fields marked "<span aria-hidden="true">"*"</span>" are required. DLA and DFAS staff get their accounts from their administrators."</p>
                <form on:submit=submit novalidate>
                    <fieldset>
                        <legend>"Account"</legend>
                        <Field label="User ID" name="user_id" value=user_id errors=errors required=true autocomplete="username" hint="3 to 64 letters, digits, dots, dashes or underscores."/>
                        <Field label="Password" name="password" value=password errors=errors kind="password" required=true autocomplete="new-password" hint="At least 15 characters. A few unrelated words make a good password; no symbols are required."/>
                        <Field label="Confirm password" name="confirm" value=confirm errors=errors kind="password" required=true autocomplete="new-password"/>
                    </fieldset>
                    <fieldset>
                        <legend>"About you"</legend>
                        <Field label="First name" name="first_name" value=first errors=errors required=true autocomplete="given-name"/>
                        <Field label="Middle initial" name="middle_initial" value=middle errors=errors autocomplete="additional-name"/>
                        <Field label="Last name" name="last_name" value=last errors=errors required=true autocomplete="family-name"/>
                        <Field label="Official email" name="email" value=email errors=errors kind="email" required=true autocomplete="email" hint="We send a verification link to this address."/>
                        <Field label="Phone" name="phone" value=phone errors=errors kind="tel" required=true autocomplete="tel"/>
                        <Field label="Job title" name="job_title" value=job errors=errors autocomplete="organization-title"/>
                        <Field label="Company" name="company" value=company errors=errors required=true autocomplete="organization"/>
                        <Field label="External Authorizing Official email" name="eao_email" value=eao errors=errors kind="email" required=true hint="The government official who approves your access requests."/>
                    </fieldset>
                    <button type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Registering…" } else { "Register" }}
                    </button>
                </form>
            </Page>
        </Show>
    }
}

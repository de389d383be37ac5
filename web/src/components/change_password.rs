//! Change password in My Information: the current password again, the new one twice. Every
//! other sign-in of the account ends; this one goes on.

use crate::api::{self, Session};
use crate::components::{Alert, Field, FormErrors, Status};
use amps_openapi::{ChangePasswordRequest, FieldError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use validator::Validate;

/// The API's field names as this form's (its ids differ from the contact form's
/// `current_password` on the same page).
fn ours(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "current_password" => "pw_current".into(),
                "new_password" => "pw_new".into(),
                other => other.into(),
            };
            e
        })
        .collect()
}

/// The Change password section.
#[component]
pub fn ChangePassword() -> impl IntoView {
    let session = Session::get();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        status.set(None);
        if new.get_untracked() != again.get_untracked() {
            errors.set(vec![FieldError {
                field: "pw_again".into(),
                code: "mismatch".into(),
                message: "must be the same as the new password".into(),
            }]);
            alert.set(Some("The two new passwords differ.".into()));
            return;
        }
        let req = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        if let Err(e) = req.validate() {
            let errs = ours(amps_openapi::rules::field_errors(&e));
            crate::components::mark_invalid(alert, errors, errs);
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let r = req.clone();
                async move { c.change_password(&r).await }
            })
            .await
            {
                Ok(_) => {
                    for f in [current, new, again] {
                        f.set(String::new());
                    }
                    status.set(Some(
                        "Your password is changed. Every other sign-in of your account has ended.".into(),
                    ));
                }
                Err(e) => {
                    errors.set(ours(api::fields(&e)));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="password-h">
            <h2 id="password-h">"Change password"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            <form aria-label="Change password" on:submit=submit novalidate>
                <Field label="Your current password" name="pw_current" value=current errors=errors kind="password" required=true autocomplete="current-password"/>
                <Field label="New password" name="pw_new" value=new errors=errors kind="password" required=true autocomplete="new-password" hint="At least 15 characters; a passphrase of several words works well."/>
                <Field label="New password again" name="pw_again" value=again errors=errors kind="password" required=true autocomplete="new-password"/>
                <button type="submit" disabled=move || busy.get()>"Change password"</button>
            </form>
        </section>
    }
}

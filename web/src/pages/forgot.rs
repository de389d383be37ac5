//! `/forgot-password`, `/forgot-user-id`, `/profile-status`, `/reset-password?token=…`,
//! `/invitation?token=…`.

use crate::api;
use crate::components::{Field, FormErrors, Page};
use amps_openapi::{
    AcceptInvitationRequest, ForgotPasswordRequest, ForgotUsernameRequest, ProfileStatusRequest,
    ResetPasswordRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use validator::Validate;

/// Forgot password.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let user_id = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ForgotPasswordRequest {
            user_id: user_id.get_untracked(),
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            return;
        }
        spawn_local(async move {
            match api::anonymous().forgot_password(&req).await {
                Ok(a) => done.set(Some(a.message)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    view! {
        <Page title="Forgot your password?" alert=alert>
            <Show when=move || done.get().is_none() fallback=move || view! { <p role="status">{move || done.get().unwrap_or_default()}</p> }>
                <form on:submit=submit novalidate>
                    <Field label="User ID" name="user_id" value=user_id errors=errors required=true autocomplete="username"/>
                    <button type="submit">"Email me a reset link"</button>
                </form>
            </Show>
        </Page>
    }
}

/// Check an account's status before signing in: mailed to the account's own address, so a
/// stranger learns nothing.
#[component]
pub fn ProfileStatus() -> impl IntoView {
    let user_id = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ProfileStatusRequest {
            user_id: user_id.get_untracked().trim().into(),
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            return;
        }
        spawn_local(async move {
            match api::anonymous().profile_status(&req).await {
                Ok(a) => done.set(Some(a.message)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    view! {
        <Page title="Check your account's status" alert=alert>
            <Show when=move || done.get().is_none() fallback=move || view! { <p role="status">{move || done.get().unwrap_or_default()}</p><p><a href="/sign-in">"Back to sign in"</a></p> }>
                <p>"Cannot sign in? We email your account's status (active, waiting for your email or invitation, disabled, locked…), with the reason and whom to call, to the address on the account."</p>
                <form on:submit=submit novalidate>
                    <Field label="User ID" name="user_id" value=user_id errors=errors required=true autocomplete="username"/>
                    <button type="submit">"Email me my account's status"</button>
                </form>
            </Show>
        </Page>
    }
}

/// Forgot User ID.
#[component]
pub fn ForgotUserId() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ForgotUsernameRequest {
            email: email.get_untracked().trim().into(),
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            return;
        }
        spawn_local(async move {
            match api::anonymous().forgot_username(&req).await {
                Ok(a) => done.set(Some(a.message)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    view! {
        <Page title="Forgot your User ID?" alert=alert>
            <Show when=move || done.get().is_none() fallback=move || view! { <p role="status">{move || done.get().unwrap_or_default()}</p> }>
                <form on:submit=submit novalidate>
                    <Field label="Official email" name="email" value=email errors=errors kind="email" required=true autocomplete="email"/>
                    <button type="submit">"Email me my User ID"</button>
                </form>
            </Show>
        </Page>
    }
}

/// Reset password with the emailed link.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let query = use_query_map();
    let password = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ResetPasswordRequest {
            token: query.read_untracked().get("token").unwrap_or_default(),
            new_password: password.get_untracked(),
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            return;
        }
        spawn_local(async move {
            match api::anonymous().reset_password(&req).await {
                Ok(a) => done.set(Some(a.message)),
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
        });
    };
    view! {
        <Page title="Choose a new password" alert=alert>
            <Show when=move || done.get().is_none() fallback=move || view! { <p role="status">{move || done.get().unwrap_or_default()}</p><p><a href="/sign-in">"Sign in"</a></p> }>
                <form on:submit=submit novalidate>
                    <Field label="New password" name="new_password" value=password errors=errors kind="password" required=true autocomplete="new-password" hint="At least 15 characters; not one of your last 10 passwords."/>
                    <button type="submit">"Set new password"</button>
                </form>
            </Show>
        </Page>
    }
}

/// Accept an invitation: the person of an account created for them sets its password.
#[component]
pub fn Invitation() -> impl IntoView {
    let query = use_query_map();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = AcceptInvitationRequest {
            token: query.read_untracked().get("token").unwrap_or_default(),
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
            errors.set(errs);
            return;
        }
        spawn_local(async move {
            match api::anonymous().accept_invitation(&req).await {
                Ok(a) => done.set(Some(a.message)),
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
        });
    };
    view! {
        <Page title="Set your password" alert=alert>
            <Show when=move || done.get().is_none() fallback=move || view! { <p role="status">{move || done.get().unwrap_or_default()}</p><p><a href="/sign-in">"Sign in"</a></p> }>
                <p>"Your AMPS account was created for you. Choose the password you will sign in with."</p>
                <form on:submit=submit novalidate>
                    <Field label="Password" name="password" value=password errors=errors kind="password" required=true autocomplete="new-password" hint="At least 15 characters. A few unrelated words make a good password; no symbols are required."/>
                    <Field label="Confirm password" name="confirm" value=confirm errors=errors kind="password" required=true autocomplete="new-password"/>
                    <button type="submit">"Set password"</button>
                </form>
            </Show>
        </Page>
    }
}

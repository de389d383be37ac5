//! `/sign-in`: User ID and password.

use crate::api::{self, Session};
use crate::components::{Field, FormErrors, Page};
use amps_openapi::LoginRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use validator::Validate;

/// Sign in.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = Session::get();
    let user_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = LoginRequest {
            user_id: user_id.get_untracked(),
            password: password.get_untracked(),
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            alert.set(Some("Enter your User ID and password.".into()));
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        let navigate = navigate.clone();
        spawn_local(async move {
            let mut c = api::anonymous();
            match c.login(&req).await {
                Ok(t) => {
                    session.token.set(Some(t.access_token));
                    if let Ok(me) = c.me().await {
                        session
                            .who
                            .set(Some((me.user_id, format!("{} {}", me.first_name, me.last_name))));
                        session.admin_roles.set(me.admin_roles);
                    }
                    api::refresh_badge(session).await;
                    navigate("/", Default::default());
                }
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <Page title="Sign in to AMPS" alert=alert>
            <form on:submit=submit novalidate>
                <Field label="User ID" name="user_id" value=user_id errors=errors required=true autocomplete="username"/>
                <Field label="Password" name="password" value=password errors=errors kind="password" required=true autocomplete="current-password"/>
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <ul class="links">
                <li><a href="/register">"Register for an account (external users)"</a></li>
                <li><a href="/forgot-password">"Forgot your password?"</a></li>
                <li><a href="/forgot-user-id">"Forgot your User ID?"</a></li>
                <li><a href="/profile-status">"Check your account's status"</a></li>
                <li><a href="/help">"Help: whom to call, and how to sign in"</a></li>
            </ul>
        </Page>
    }
}

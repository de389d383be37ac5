//! `/sign-in`: User ID and password, then, for an account with an authenticator app, the code
//! it shows (or a recovery code).

use crate::api::{self, Session};
use crate::components::{Field, FormErrors, Page};
use amps_openapi::{Client, LoginRequest, SecondFactorRequest, TokenResponse};
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
    // Set when the password was right and the account asks for a second factor.
    let mfa_token = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let first_navigate = navigate.clone();
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
        let navigate = first_navigate.clone();
        spawn_local(async move {
            let mut c = api::anonymous();
            match c.login(&req).await {
                Ok(t) => signed_in(session, c, t, navigate).await,
                Err(e) => {
                    if let Some(token) = e.problem().and_then(|p| p.mfa_token.clone()) {
                        mfa_token.set(Some(token));
                        password.set(String::new());
                    } else {
                        errors.set(api::fields(&e));
                        alert.set(Some(api::message(&e)));
                    }
                }
            }
            busy.set(false);
        });
    };
    let second = {
        let navigate = navigate.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(token) = mfa_token.get_untracked() else {
                return;
            };
            let req = SecondFactorRequest {
                mfa_token: token,
                code: code.get_untracked().trim().to_string(),
            };
            if req.code.chars().count() < 6 {
                alert.set(Some(
                    "Enter the 6-digit code your authenticator app shows, or a recovery code.".into(),
                ));
                return;
            }
            busy.set(true);
            alert.set(None);
            let navigate = navigate.clone();
            spawn_local(async move {
                let mut c = api::anonymous();
                match c.login_second_factor(&req).await {
                    Ok(t) => signed_in(session, c, t, navigate).await,
                    Err(e) => {
                        if e.status() == Some(401) && api::message(&e).contains("expired") {
                            mfa_token.set(None);
                        }
                        code.set(String::new());
                        alert.set(Some(api::message(&e)));
                    }
                }
                busy.set(false);
            });
        }
    };
    view! {
        <Page title="Sign in to AMPS" alert=alert>
            <Show
                when=move || mfa_token.get().is_some()
                fallback=move || view! {
                    <form on:submit=submit.clone() novalidate>
                        <Field label="User ID" name="user_id" value=user_id errors=errors required=true autocomplete="username"/>
                        <Field label="Password" name="password" value=password errors=errors kind="password" required=true autocomplete="current-password"/>
                        <button type="submit" disabled=move || busy.get()>
                            {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </form>
                }
            >
                <form aria-label="Second step" on:submit=second.clone() novalidate>
                    <p>"Your account asks for a second step. Enter the code your authenticator app shows now, or one of your recovery codes."</p>
                    <div class="field">
                        <label for="mfa-code">"Code"</label>
                        <input id="mfa-code" bind:value=code autocomplete="one-time-code" inputmode="text" autofocus=true/>
                    </div>
                    <button type="submit" disabled=move || busy.get()>"Verify and sign in"</button>
                    " "
                    <button type="button" class="secondary" on:click=move |_| { mfa_token.set(None); code.set(String::new()); }>"Start over"</button>
                </form>
            </Show>
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

/// Keeps the session of a finished sign-in and goes Home.
async fn signed_in(
    session: Session,
    c: Client,
    t: TokenResponse,
    navigate: impl Fn(&str, leptos_router::NavigateOptions),
) {
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

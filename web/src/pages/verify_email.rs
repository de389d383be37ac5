//! `/verify-email?token=…`: confirms an email address with the emailed link. The user presses
//! a button, so link scanners that open mail links do not use up the link.

use crate::api;
use crate::components::Page;
use amps_openapi::VerifyEmailRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

/// Verify email.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let confirm = move |_| {
        busy.set(true);
        alert.set(None);
        let req = VerifyEmailRequest { token: token() };
        spawn_local(async move {
            match api::anonymous().verify_email(&req).await {
                Ok(a) => done.set(Some(a.message)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <Page title="Verify your email address" alert=alert>
            <Show
                when=move || done.get().is_none()
                fallback=move || view! {
                    <p role="status">{move || done.get().unwrap_or_default()}</p>
                    <p><a href="/sign-in">"Sign in"</a></p>
                }
            >
                <p>"Confirm that this email address is yours."</p>
                <button type="button" on:click=confirm disabled=move || busy.get() || token().is_empty()>
                    {move || if busy.get() { "Confirming…" } else { "Confirm email address" }}
                </button>
            </Show>
        </Page>
    }
}

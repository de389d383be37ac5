//! Delete User (administrators in the users panel, supervisors for a direct report): a reason
//! the person reads, then a confirmation, since the account is disabled at once and every role
//! it holds is removed.

use crate::api::{self, Session};
use amps_openapi::{DeleteUserRequest, UserDeletionResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The Delete User form for account `id`, whose person is `who`.
#[component]
pub fn DeleteUser(
    id: uuid::Uuid,
    who: String,
    alert: RwSignal<Option<String>>,
    on_done: Callback<UserDeletionResponse>,
) -> impl IntoView {
    let session = Session::get();
    let reason = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let field = format!("del-why-{id}");
    let ask = {
        let who = who.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if reason.get_untracked().trim().chars().count() < 5 {
                alert.set(Some(format!(
                    "Give the reason {who} will read (at least 5 characters)."
                )));
                return;
            }
            alert.set(None);
            confirming.set(true);
        }
    };
    let delete = move |_| {
        let body = DeleteUserRequest {
            reason: reason.get_untracked().trim().to_string(),
        };
        busy.set(true);
        spawn_local(async move {
            match api::call(session, move |c| {
                let b = body.clone();
                async move { c.delete_user(id, &b).await }
            })
            .await
            {
                Ok(r) => on_done.run(r),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            confirming.set(false);
            busy.set(false);
        });
    };
    let confirm_text = format!(
        "{who} will be signed out and disabled at once, and every role they hold will be removed; the account is deleted when the last removal is done."
    );
    view! {
        <details class="danger-zone">
            <summary>{format!("Delete User: {who}")}</summary>
            <form aria-label=format!("Delete {who}") on:submit=ask novalidate>
                <div class="field">
                    <label for=field.clone()>"Reason (the person reads it)"</label>
                    <textarea id=field rows="2" bind:value=reason></textarea>
                </div>
                <Show
                    when=move || confirming.get()
                    fallback={
                        let who = who.clone();
                        move || view! { <button type="submit" class="secondary">{format!("Delete {who}…")}</button> }
                    }
                >
                    <p role="alert">{confirm_text.clone()}</p>
                    <button type="button" class="danger" disabled=move || busy.get() on:click=delete>"Yes, delete"</button>
                    " "
                    <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep the account"</button>
                </Show>
            </form>
        </details>
    }
}

/// What a started Delete User did, in words.
pub fn news(who: &str, r: &UserDeletionResponse) -> String {
    let mut out = if r.status == "deleted" {
        format!("{who} is deleted.")
    } else {
        format!(
            "{who} is disabled; the account is deleted when the last of {} role removal(s) is done ({}).",
            r.removals.len(),
            r.removals.join(", ")
        )
    };
    if !r.cancelled.is_empty() {
        out.push_str(&format!(" Cancelled requests: {}.", r.cancelled.join(", ")));
    }
    out
}

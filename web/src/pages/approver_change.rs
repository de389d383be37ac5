//! `/approver-change?token=…`: a person named as a user's External Authorizing Official, who has
//! no AMPS account, accepts or declines from the emailed link.

use crate::api;
use crate::components::Page;
use amps_openapi::ApproverChangeResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

/// Approver change by emailed link.
#[component]
pub fn ApproverChangeLink() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read_untracked().get("token").unwrap_or_default();
    let change = RwSignal::new(None::<ApproverChangeResponse>);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let t = token();
    spawn_local(async move {
        match api::anonymous().approver_change_link(&t).await {
            Ok(c) => change.set(Some(c)),
            Err(e) => alert.set(Some(api::message(&e))),
        }
    });
    let decide = move |accept: bool| {
        busy.set(true);
        alert.set(None);
        let t = token();
        spawn_local(async move {
            match api::anonymous().decide_approver_change_by_link(&t, accept).await {
                Ok(c) => done.set(Some(if accept {
                    format!(
                        "You are now {}'s External Authorizing Official. Thank you.",
                        c.user.name
                    )
                } else {
                    format!("You declined; {} keeps their current approver.", c.user.name)
                })),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <Page title="Become an External Authorizing Official" alert=alert>
            {move || done.get().map(|d| view! { <p class="status" role="status">{d}</p> })}
            {move || (done.get().is_none()).then(|| change.get().map(|c| view! {
                <p>{format!("{} ({}, {}) named you as their External Authorizing Official in AMPS. You would approve their requests for access to DLA applications.", c.user.name, c.user.user_id, c.user.email)}</p>
                <p>"If you do not know this person, decline."</p>
                <div class="actions">
                    <button type="button" disabled=move || busy.get() on:click=move |_| decide(true)>"Accept"</button>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| decide(false)>"Decline"</button>
                </div>
            }))}
        </Page>
    }
}

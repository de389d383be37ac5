//! `/approval-link?token=…`: an External Authorizing Official decides from the emailed link,
//! without an account session.

use crate::api;
use crate::components::Page;
use crate::components::saar::SaarDetails;
use amps_openapi::{ApprovalTaskResponse, ApproveRequest, RejectReason, RejectRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

/// Approval by emailed link.
#[component]
pub fn ApprovalLink() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read_untracked().get("token").unwrap_or_default();
    let task = RwSignal::new(None::<ApprovalTaskResponse>);
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let t = token();
    spawn_local(async move {
        match api::anonymous().approval_link(&t).await {
            Ok(x) => task.set(Some(x)),
            Err(e) => alert.set(Some(api::message(&e))),
        }
    });
    let decide = move |approve: bool| {
        busy.set(true);
        let t = token();
        spawn_local(async move {
            let c = comment.get_untracked();
            let c = (!c.trim().is_empty()).then_some(c);
            let r = if approve {
                api::anonymous()
                    .approve_by_link(
                        &t,
                        &ApproveRequest {
                            comment: c,
                            ..Default::default()
                        },
                    )
                    .await
            } else {
                api::anonymous()
                    .reject_by_link(
                        &t,
                        &RejectRequest {
                            reason: RejectReason::NotNeeded,
                            comment: c,
                        },
                    )
                    .await
            };
            match r {
                Ok(s) => done.set(Some(format!(
                    "{} is {}. Thank you.",
                    s.number,
                    if approve { "approved" } else { "rejected" }
                ))),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <Page title="Approve an access request" alert=alert>
            {move || done.get().map(|d| view! { <p class="status" role="status">{d}</p> })}
            {move || (done.get().is_none()).then(|| task.get().map(|t| view! {
                <p>{format!("As {}, decide on this request.", t.kind.replace('_', " "))}</p>
                <SaarDetails saar=t.saar.clone()/>
                <div class="field">
                    <label for="link-comment">"Comment (optional)"</label>
                    <textarea id="link-comment" rows="2" bind:value=comment></textarea>
                </div>
                <div class="actions">
                    <button type="button" disabled=move || busy.get() on:click=move |_| decide(true)>"Approve"</button>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| decide(false)>"Reject"</button>
                </div>
            }))}
        </Page>
    }
}

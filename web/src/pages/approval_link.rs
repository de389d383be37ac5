//! `/approval-link?token=…`: an External Authorizing Official decides from the emailed link,
//! without an account session.

use crate::api;
use crate::components::saar::SaarDetails;
use crate::components::{Page, RejectReasonSelect};
use amps_openapi::{ApprovalTaskResponse, ApproveRequest, RejectReason, RejectRequest, ReturnRequest};
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
    let reason = RwSignal::new("not_needed".to_string());
    // `what`: approve, reject (with the chosen reason) or return (the comment says what is
    // missing).
    let decide = move |what: &'static str| {
        let c = comment.get_untracked();
        let c = (!c.trim().is_empty()).then_some(c);
        if what == "return" && c.is_none() {
            alert.set(Some(
                "Say in the comment what the requester must add before returning the request.".into(),
            ));
            return;
        }
        busy.set(true);
        alert.set(None);
        let t = token();
        spawn_local(async move {
            let link = api::anonymous();
            let r = match what {
                "approve" => {
                    link.approve_by_link(
                        &t,
                        &ApproveRequest {
                            comment: c,
                            ..Default::default()
                        },
                    )
                    .await
                }
                "reject" => {
                    let reason = RejectReason::from_code(&reason.get_untracked());
                    link.reject_by_link(&t, &RejectRequest { reason, comment: c })
                        .await
                }
                _ => {
                    link.return_by_link(
                        &t,
                        &ReturnRequest {
                            comment: c.unwrap_or_default(),
                        },
                    )
                    .await
                }
            };
            match r {
                Ok(s) => done.set(Some(format!(
                    "{} is {}. Thank you.",
                    s.number,
                    match what {
                        "approve" => "approved",
                        "reject" => "rejected",
                        _ => "returned to the requester",
                    }
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
                    <label for="link-comment">"Comment (required to return, or to reject with reason Other)"</label>
                    <textarea id="link-comment" rows="2" bind:value=comment></textarea>
                </div>
                <div class="actions">
                    <button type="button" disabled=move || busy.get() on:click=move |_| decide("approve")>"Approve"</button>
                    <RejectReasonSelect id="link-reason".to_string() reason=reason/>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| decide("reject")>"Reject"</button>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| decide("return")>"Return for information"</button>
                </div>
            }))}
        </Page>
    }
}

//! Reviews of roles waiting on me (in Approvals): each person's roles, which they keep and
//! which they give up (with their reason); I approve (the roles given up are removed, and any
//! kept role I remove with a reason) or reject with a reason (every role is removed).

use crate::api::{self, Session};
use amps_openapi::{
    ApproveRevalidationRequest, RejectRevalidationRequest, RevalidationResponse, ReviewerRemoval,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The reviews waiting on the signed-in person.
#[component]
pub fn ReviewsToDecide(status: RwSignal<Option<String>>, alert: RwSignal<Option<String>>) -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(Vec::<RevalidationResponse>::new());
    let load = move || {
        spawn_local(async move {
            if let Ok(l) = api::call(session, |c| async move { c.revalidations_to_review().await }).await {
                list.set(l);
            }
            api::refresh_badge(session).await;
        })
    };
    load();
    view! {
        <Show when=move || !list.get().is_empty()>
            <section aria-labelledby="reviews-h">
                <h2 id="reviews-h">"Reviews of roles"</h2>
                <ul class="cards">
                    <For each=move || list.get() key=|r| r.id children=move |r| {
                        let id = r.id;
                        let version = r.version;
                        let who = r.user.clone();
                        let comment = RwSignal::new(String::new());
                        let busy = RwSignal::new(false);
                        // The kept roles the reviewer may remove: (assignment, role, chosen, reason).
                        let removable: Vec<(uuid::Uuid, String, RwSignal<bool>, RwSignal<String>)> = r
                            .items
                            .iter()
                            .filter(|i| i.keep == Some(true))
                            .map(|i| (i.assignment_id, format!("{} ({} {})", i.role.name, i.role.application, i.role.environment), RwSignal::new(false), RwSignal::new(String::new())))
                            .collect();
                        let chosen = removable.clone();
                        // Opening it starts the decision's clock (seconds per decision).
                        spawn_local(async move {
                            let _ = api::call(session, move |c| async move { c.revalidation(id).await }).await;
                        });
                        let decide = move |approve: bool| {
                            let who = who.clone();
                            let text = comment.get_untracked().trim().to_string();
                            if !approve && text.chars().count() < 5 {
                                alert.set(Some(format!("Say why you reject {who}'s review (at least 5 characters).")));
                                return;
                            }
                            let mut remove = Vec::new();
                            for (assignment_id, role, on, why) in &chosen {
                                if !approve || !on.get_untracked() {
                                    continue;
                                }
                                let reason = why.get_untracked().trim().to_string();
                                if reason.chars().count() < 5 {
                                    alert.set(Some(format!("Say why you remove {role} (at least 5 characters).")));
                                    return;
                                }
                                remove.push(ReviewerRemoval { assignment_id: *assignment_id, reason });
                            }
                            busy.set(true);
                            alert.set(None);
                            spawn_local(async move {
                                let done = if approve {
                                    let body = ApproveRevalidationRequest { comment: Some(text).filter(|t| !t.is_empty()), version: Some(version), remove };
                                    api::call(session, move |c| { let b = body.clone(); async move { c.approve_revalidation(id, &b).await } }).await
                                } else {
                                    let body = RejectRevalidationRequest { reason: text, version: Some(version) };
                                    api::call(session, move |c| { let b = body.clone(); async move { c.reject_revalidation(id, &b).await } }).await
                                };
                                match done {
                                    Ok(_) => {
                                        status.set(Some(format!("{who}'s review: {}.", if approve { "approved" } else { "rejected" })));
                                        load();
                                    }
                                    Err(e) => alert.set(Some(api::message(&e))),
                                }
                                busy.set(false);
                            });
                        };
                        view! {
                            <li>
                                <article class="card" aria-label=format!("Review of {}", r.user)>
                                    <h3>{format!("{}: review of their roles", r.user)}</h3>
                                    <p>{format!("{} · due {} UTC", r.campaign.clone().unwrap_or_else(|| r.trigger.replace('_', " ")), crate::fmt::date_time(&r.due_at))}</p>
                                    <table>
                                        <caption class="sr-only">{format!("Roles {} reviewed", r.user)}</caption>
                                        <thead><tr><th scope="col">"Role"</th><th scope="col">"Decision"</th><th scope="col">"Reason"</th></tr></thead>
                                        <tbody>
                                            {r.items.iter().map(|i| view! {
                                                <tr>
                                                    <td>{format!("{} ({} {})", i.role.name, i.role.application, i.role.environment)}</td>
                                                    <td>{match i.keep { Some(true) => "Keep", Some(false) => "Remove", None => "Undecided" }}</td>
                                                    <td>{i.reason.clone().unwrap_or_default()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    {(!removable.is_empty()).then({
                                        let legend = format!("Remove roles {} kept (optional)", r.user);
                                        move || view! {
                                        <fieldset>
                                            <legend>{legend}</legend>
                                            {removable.into_iter().enumerate().map(|(n, (_, role, on, why))| {
                                                view! {
                                                    <div class="check">
                                                        <input type="checkbox" id=format!("rr-{id}-{n}") bind:checked=on/>
                                                        <label for=format!("rr-{id}-{n}")>{format!("Remove {role}")}</label>
                                                    </div>
                                                    <Show when=move || on.get()>
                                                        <div class="field">
                                                            <label for=format!("rw-{id}-{n}")>{format!("Why {role} is removed")}</label>
                                                            <input id=format!("rw-{id}-{n}") bind:value=why/>
                                                        </div>
                                                    </Show>
                                                }
                                            }).collect_view()}
                                        </fieldset>
                                    }})}
                                    <div class="field">
                                        <label for=format!("rc-{id}")>{format!("Comment on {}'s review (required to reject)", r.user)}</label>
                                        <textarea id=format!("rc-{id}") rows="2" bind:value=comment></textarea>
                                    </div>
                                    <div class="actions">
                                        <button type="button" disabled=move || busy.get() on:click={let d = decide.clone(); move |_| d(true)}>{format!("Approve {}'s review", r.user)}</button>
                                        <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| decide(false)>{format!("Reject {}'s review", r.user)}</button>
                                    </div>
                                </article>
                            </li>
                        }
                    }/>
                </ul>
            </section>
        </Show>
    }
}

//! Applications & Roles: Current Roles (with Remove Role), Pending Requests (whom each waits
//! on, the time left, cancel) and SAAR History (every step).

use crate::api::{self, Session};
use crate::components::saar::{SaarDetails, SaarHistory};
use crate::components::{Alert, Status};
use amps_openapi::{
    CurrentRoleResponse, MyRequestsResponse, RemovalRequest, RenewalRequest, ResubmitSaarRequest,
    RevalidationStatus, SaarStatus,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The Applications & Roles part of My Information.
#[component]
pub fn MyRoles() -> impl IntoView {
    let session = Session::get();
    let roles = RwSignal::new(None::<Vec<CurrentRoleResponse>>);
    let requests = RwSignal::new(None::<MyRequestsResponse>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.my_roles().await }).await {
                Ok(r) => roles.set(Some(r)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            match api::call(session, |c| async move { c.my_requests().await }).await {
                Ok(r) => requests.set(Some(r)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    load();
    view! {
        <section aria-labelledby="roles-h">
            <h2 id="roles-h">"Current Roles"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            {move || requests.get().and_then(|r| r.revalidations.into_iter().find(|v| v.status == RevalidationStatus::Open)).map(|v| view! {
                <p class="notice">{format!("Your roles are under review, due {} UTC. ", crate::fmt::date_time(&v.due_at))}<a href="/revalidation">"Review your roles"</a></p>
            })}
            {move || roles.get().map(|list| {
                if list.is_empty() {
                    return view! { <p>"You hold no roles yet."</p> }.into_any();
                }
                view! {
                    <table class="roles">
                        <thead><tr><th scope="col">"Role"</th><th scope="col">"Application"</th><th scope="col">"Since"</th><th scope="col">"Expires"</th><th scope="col">"Request"</th><th scope="col">"Remove"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|r| {
                                let reason = RwSignal::new(String::new());
                                let id = r.assignment_id;
                                let name = r.role.name.clone();
                                let remove = move |_| {
                                    let name = name.clone();
                                    let body = RemovalRequest { reason: reason.get_untracked() };
                                    spawn_local(async move {
                                        match api::call(session, move |c| { let body = body.clone(); async move { c.request_role_removal(id, &body).await } }).await {
                                            Ok(s) => { status.set(Some(format!("Removal of {name} requested: {}.", s.number))); load(); }
                                            Err(e) => alert.set(Some(api::message(&e))),
                                        }
                                    });
                                };
                                let justification = RwSignal::new(String::new());
                                let renew_name = r.role.name.clone();
                                let renew = move |_| {
                                    let name = renew_name.clone();
                                    let body = RenewalRequest { justification: justification.get_untracked().trim().to_string() };
                                    if body.justification.chars().count() < 10 {
                                        alert.set(Some(format!("Say why you still need {name} (at least 10 characters).")));
                                        return;
                                    }
                                    alert.set(None);
                                    spawn_local(async move {
                                        match api::call(session, move |c| { let body = body.clone(); async move { c.request_role_renewal(id, &body).await } }).await {
                                            Ok(s) => { status.set(Some(format!("Renewal of {name} requested: {}.", s.number))); load(); }
                                            Err(e) => alert.set(Some(api::message(&e))),
                                        }
                                    });
                                };
                                let renewable = r.renewable_from.map(|from| {
                                    let label = format!("Why you still need {}", r.role.name);
                                    view! {
                                        <div class="renew">
                                            <p class="hint">{format!("Renewable from {}", crate::fmt::date(&from))}</p>
                                            <label class="sr-only" for=format!("renew-{id}")>{label}</label>
                                            <input id=format!("renew-{id}") placeholder="Why you still need it" bind:value=justification/>
                                            <button type="button" class="secondary" on:click=renew>{format!("Renew {}", r.role.name)}</button>
                                        </div>
                                    }
                                });
                                view! {
                                    <tr>
                                        <td>{format!("{} ({})", r.role.name, r.role.environment)}{r.mfa_required.then(|| view! { " " <span class="mfa">"MFA"<span class="sr-only">" (two-step sign-in required)"</span></span> })}</td>
                                        <td>{r.role.application.clone()}</td>
                                        <td>{crate::fmt::date(&r.since)}</td>
                                        <td>{r.expires_at.map(|d| crate::fmt::date(&d)).unwrap_or_else(|| "Never".into())}{renewable}</td>
                                        <td>{r.source_saar.clone().unwrap_or_default()}</td>
                                        <td>
                                            <label class="sr-only" for=format!("why-{id}")>{format!("Reason to remove {}", r.role.name)}</label>
                                            <input id=format!("why-{id}") placeholder="Reason" bind:value=reason/>
                                            <button type="button" class="secondary" on:click=remove>{format!("Remove {}", r.role.name)}</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
        <section aria-labelledby="pending-h">
            <h2 id="pending-h">"Pending Requests"</h2>
            {move || requests.get().map(|r| {
                if r.pending.is_empty() {
                    return view! { <p>"No pending requests."</p> }.into_any();
                }
                view! {
                    <ul class="cards">
                        {r.pending.into_iter().map(|s| {
                            let id = s.id;
                            let number = s.number.clone();
                            let returned = s.status == SaarStatus::Returned;
                            let justification = RwSignal::new(s.justification.clone());
                            let resubmit = {
                                let number = number.clone();
                                move |ev: leptos::ev::SubmitEvent| {
                                    ev.prevent_default();
                                    let number = number.clone();
                                    let body = ResubmitSaarRequest { justification: justification.get_untracked().trim().to_string() };
                                    if body.justification.chars().count() < 10 {
                                        alert.set(Some(format!("{number}: the justification needs at least 10 characters.")));
                                        return;
                                    }
                                    alert.set(None);
                                    spawn_local(async move {
                                        match api::call(session, move |c| { let body = body.clone(); async move { c.resubmit_saar(id, &body).await } }).await {
                                            Ok(_) => { status.set(Some(format!("{number} resubmitted."))); load(); }
                                            Err(e) => alert.set(Some(format!("{number}: {}", api::message(&e)))),
                                        }
                                    });
                                }
                            };
                            let cancel = move |_| {
                                let number = number.clone();
                                spawn_local(async move {
                                    match api::call(session, move |c| async move { c.cancel_saar(id).await }).await {
                                        Ok(_) => { status.set(Some(format!("{number} cancelled."))); load(); }
                                        Err(e) => alert.set(Some(api::message(&e))),
                                    }
                                });
                            };
                            view! {
                                <li>
                                    <article class="card" aria-label=format!("{} {}", s.number, s.role.name)>
                                        <h3>{format!("{}: {} ({} {})", s.number, s.role.name, s.role.application, s.role.environment)}</h3>
                                        <SaarDetails saar=s.clone()/>
                                        <SaarHistory id=s.id number=s.number.clone()/>
                                        {returned.then(|| view! {
                                            <form class="resubmit" on:submit=resubmit.clone() novalidate>
                                                <p>{format!("{} was returned to you for more information. Answer in the justification and resubmit.", s.number)}</p>
                                                <div class="field">
                                                    <label for=format!("rs-{id}")>{format!("Justification for {}", s.number)}</label>
                                                    <textarea id=format!("rs-{id}") rows="3" bind:value=justification></textarea>
                                                </div>
                                                <button type="submit">{format!("Resubmit {}", s.number)}</button>
                                            </form>
                                        })}
                                        {matches!(s.status, SaarStatus::Pending | SaarStatus::Returned).then(|| view! {
                                            <button type="button" class="secondary" on:click=cancel>{format!("Cancel {}", s.number)}</button>
                                        })}
                                    </article>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
        <section aria-labelledby="history-h">
            <h2 id="history-h">"SAAR History"</h2>
            {move || requests.get().map(|r| {
                let past: Vec<_> = r.revalidations.into_iter().filter(|v| v.status != RevalidationStatus::Open).collect();
                (!past.is_empty()).then(|| view! {
                    <h3>"Reviews of your roles"</h3>
                    <ul class="cards">
                        {past.into_iter().map(|v| view! {
                            <li>
                                <details>
                                    <summary>{format!("{} (opened {}): {}", v.campaign.clone().unwrap_or_else(|| v.trigger.replace('_', " ")), crate::fmt::date(&v.opened_at), crate::pages::revalidation::status_label(v.status))}</summary>
                                    <ul>
                                        {v.items.iter().map(|i| view! {
                                            <li>{format!("{} ({}): {}{}", i.role.name, i.role.application, match i.keep { Some(true) => "kept", Some(false) => "given up", None => "not decided" }, i.reason.clone().map(|r| format!(" ({r})")).unwrap_or_default())}</li>
                                        }).collect_view()}
                                    </ul>
                                    {v.decided_by.clone().map(|by| view! { <p>{format!("Decided by {by}{}", v.comment.clone().map(|c| format!(": {c}")).unwrap_or_default())}</p> })}
                                </details>
                            </li>
                        }).collect_view()}
                    </ul>
                })
            })}
            {move || requests.get().map(|r| {
                if r.history.is_empty() {
                    return view! { <p>"No past requests."</p> }.into_any();
                }
                view! {
                    <ul class="cards">
                        {r.history.into_iter().map(|s| view! {
                            <li>
                                <details>
                                    <summary>{format!("{}: {} ({}): {}", s.number, s.role.name, s.role.application, s.status.label())}</summary>
                                    <SaarDetails saar=s.clone()/>
                                    <SaarHistory id=s.id number=s.number.clone()/>
                                </details>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

//! Revalidation screens: `/revalidation`, my review of the roles I hold (keep, or remove with a
//! reason; save or submit), and `/revalidation-campaigns`, the administrators' campaigns (start
//! one, follow its progress per organization in a table and a chart, remind the overdue).
//! The reviewer decides in Approvals (`components::reviews`).

use crate::api::{self, Session};
use crate::components::{Field, FormErrors, Page, Status};
use amps_openapi::{
    ApplicationResponse, CampaignResponse, CampaignScope, CreateCampaignRequest, ItemDecisionRequest,
    OrganizationResponse, RevalidationResponse, RevalidationStatus, UpdateRevalidationRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use std::collections::HashMap;
use uuid::Uuid;

/// A status in words.
pub fn status_label(s: RevalidationStatus) -> &'static str {
    match s {
        RevalidationStatus::Open => "Waiting on you",
        RevalidationStatus::Submitted => "Waiting on the reviewer",
        RevalidationStatus::Approved => "Approved",
        RevalidationStatus::Rejected => "Rejected",
        RevalidationStatus::Lapsed => "Not finished in time",
    }
}

/// My review of my roles.
#[component]
pub fn MyReview() -> impl IntoView {
    let session = Session::get();
    let review = RwSignal::new(None::<Option<RevalidationResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let errors: FormErrors = RwSignal::new(vec![]);
    // Per role: keep ("keep" / "remove" / "") and the reason.
    let choices = RwSignal::new(HashMap::<Uuid, (String, String)>::new());
    let busy = RwSignal::new(false);
    let fill = move |r: &RevalidationResponse| {
        let map = r
            .items
            .iter()
            .map(|i| {
                let keep = match i.keep {
                    Some(true) => "keep",
                    Some(false) => "remove",
                    None => "",
                };
                (
                    i.assignment_id,
                    (keep.to_string(), i.reason.clone().unwrap_or_default()),
                )
            })
            .collect();
        choices.set(map);
    };
    if session.signed_in() {
        spawn_local(async move {
            match api::call(session, |c| async move { c.my_revalidation().await }).await {
                Ok(r) => {
                    fill(&r);
                    review.set(Some(Some(r)));
                }
                Err(e) if e.status() == Some(404) => review.set(Some(None)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    }
    let send = move |submit: bool| {
        let Some(Some(r)) = review.get_untracked() else {
            return;
        };
        let picks = choices.get_untracked();
        let items: Vec<ItemDecisionRequest> = r
            .items
            .iter()
            .filter_map(|i| {
                let (k, reason) = picks.get(&i.assignment_id)?;
                (!k.is_empty()).then(|| ItemDecisionRequest {
                    assignment_id: i.assignment_id,
                    keep: k == "keep",
                    reason: Some(reason.trim().to_string()).filter(|s| !s.is_empty()),
                })
            })
            .collect();
        let body = UpdateRevalidationRequest {
            items,
            submit,
            version: Some(r.version),
        };
        busy.set(true);
        alert.set(None);
        status.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let b = body.clone();
                async move { c.update_my_revalidation(&b).await }
            })
            .await
            {
                Ok(fresh) => {
                    status.set(Some(if submit {
                        format!("Submitted. {} decides it now.", fresh.reviewer)
                    } else {
                        "Saved. Submit it when every role is decided.".into()
                    }));
                    fill(&fresh);
                    review.set(Some(Some(fresh)));
                }
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Review your roles" alert=alert>
                <Status msg=status/>
                {move || match review.get() {
                    None => view! { <p role="status">"Loading your review…"</p> }.into_any(),
                    Some(None) => view! { <p>"You have no review of your roles open. When your organization reviews who holds what, or your supervisor changes, it appears here."</p> }.into_any(),
                    Some(Some(r)) => {
                        let open = r.status == RevalidationStatus::Open;
                        view! {
                            <dl class="facts">
                                <dt>"Why"</dt><dd>{r.campaign.clone().unwrap_or_else(|| r.trigger.replace('_', " "))}</dd>
                                <dt>"Reviewer"</dt><dd>{r.reviewer.clone()}</dd>
                                <dt>"Due"</dt><dd>{crate::fmt::date_time(&r.due_at)}" UTC"</dd>
                                <dt>"Status"</dt><dd>{status_label(r.status)}</dd>
                            </dl>
                            <p>{r.if_not_finished.clone()}</p>
                            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(true); } novalidate>
                                {r.items.clone().into_iter().enumerate().map(|(k, i)| {
                                    let id = i.assignment_id;
                                    let keep = move || choices.with(|m| m.get(&id).map(|c| c.0.clone()).unwrap_or_default());
                                    let set_keep = move |v: &str| choices.update(|m| m.entry(id).or_default().0 = v.to_string());
                                    let reason = move || choices.with(|m| m.get(&id).map(|c| c.1.clone()).unwrap_or_default());
                                    let name = format!("{} ({} {})", i.role.name, i.role.application, i.role.environment);
                                    let err = move || errors.get().into_iter().find(|e| e.field == format!("items[{k}]")).map(|e| e.message);
                                    let group = format!("keep-{id}");
                                    let why_label = format!("Why {} is no longer needed", i.role.name);
                                    view! {
                                        <fieldset class="review-item" aria-describedby=format!("{group}-err")>
                                            <legend>{name.clone()}</legend>
                                            <p class="hint">{format!("Held since {}", crate::fmt::date(&i.since))}{i.expires_at.map(|e| format!("; expires {}", crate::fmt::date(&e)))}</p>
                                            <label><input type="radio" name=group.clone() value="keep" disabled=!open
                                                prop:checked=move || keep() == "keep"
                                                on:change=move |_| set_keep("keep")/>" Keep: I still need it"</label>
                                            <label><input type="radio" name=group.clone() value="remove" disabled=!open
                                                prop:checked=move || keep() == "remove"
                                                on:change=move |_| set_keep("remove")/>" Remove: I no longer need it"</label>
                                            <Show when=move || keep() == "remove">
                                                <div class="field">
                                                    <label for=format!("why-{id}")>{why_label.clone()}</label>
                                                    <input id=format!("why-{id}") prop:value=reason disabled=!open
                                                        on:input=move |ev| { let v = event_target_value(&ev); choices.update(|m| m.entry(id).or_default().1 = v); }/>
                                                </div>
                                            </Show>
                                            <p id=format!("{group}-err") class="error">{err}</p>
                                        </fieldset>
                                    }
                                }).collect_view()}
                                {open.then(|| view! {
                                    <div class="actions">
                                        <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| send(false)>"Save"</button>
                                        <button type="submit" disabled=move || busy.get()>"Submit for approval"</button>
                                    </div>
                                })}
                            </form>
                        }.into_any()
                    }
                }}
            </Page>
        }
        .into_any()
    }
}

/// The administrators' campaigns.
#[component]
pub fn Campaigns() -> impl IntoView {
    let session = Session::get();
    let list = RwSignal::new(None::<Vec<CampaignResponse>>);
    let apps = RwSignal::new(Vec::<ApplicationResponse>::new());
    let orgs = RwSignal::new(Vec::<OrganizationResponse>::new());
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let errors: FormErrors = RwSignal::new(vec![]);
    let name = RwSignal::new(String::from("Annual review of roles"));
    let scope = RwSignal::new(String::from("internal"));
    let target = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.campaigns().await }).await {
                Ok(l) => list.set(Some(l)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    if session.signed_in() {
        load();
        spawn_local(async move {
            if let Ok(a) = api::call(session, |c| async move { c.applications().await }).await {
                apps.set(a);
            }
            if let Ok(o) = api::call(session, |c| async move { c.organizations().await }).await {
                orgs.set(o);
            }
        });
    }
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(due_on) = due.get_untracked().parse::<chrono::NaiveDate>() else {
            errors.set(vec![amps_openapi::FieldError {
                field: "due_on".into(),
                code: "invalid".into(),
                message: "enter the last day, as YYYY-MM-DD".into(),
            }]);
            alert.set(Some("Correct the fields marked below.".into()));
            return;
        };
        let id = target.get_untracked().parse::<Uuid>().ok();
        let (scope, organization_id, application_id) = match scope.get_untracked().as_str() {
            "organization" => (CampaignScope::Organization, id, None),
            "application" => (CampaignScope::Application, None, id),
            _ => (CampaignScope::Internal, None, None),
        };
        let body = CreateCampaignRequest {
            name: name.get_untracked().trim().to_string(),
            scope,
            organization_id,
            application_id,
            due_on,
        };
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let b = body.clone();
                async move { c.create_campaign(&b).await }
            })
            .await
            {
                Ok(c) => {
                    status.set(Some(format!(
                        "{} started: {} people review their roles.",
                        c.name, c.progress.total
                    )));
                    load();
                }
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Revalidation campaigns" alert=alert>
                <Status msg=status/>
                <section aria-labelledby="start-h">
                    <h2 id="start-h">"Start a campaign"</h2>
                    <form on:submit=start novalidate>
                        <Field label="Name" name="name" value=name errors=errors required=true/>
                        <div class="field">
                            <label for="scope">"Who reviews"</label>
                            <select id="scope" on:change=move |ev| { scope.set(event_target_value(&ev)); target.set(String::new()); } prop:value=move || scope.get()>
                                <option value="internal">"Every internal (DLA, DFAS) user"</option>
                                <option value="organization">"One organization"</option>
                                <option value="application">"Holders of one application's roles"</option>
                            </select>
                        </div>
                        <Show when=move || scope.get() != "internal">
                            <div class="field">
                                <label for="target">{move || if scope.get() == "organization" { "Organization" } else { "Application" }}</label>
                                <select id="target" on:change=move |ev| target.set(event_target_value(&ev)) prop:value=move || target.get()>
                                    <option value="">"Choose…"</option>
                                    {move || if scope.get() == "organization" {
                                        orgs.get().into_iter().map(|o| view! { <option value=o.id.to_string()>{format!("{} ({})", o.name, o.code)}</option> }).collect_view().into_any()
                                    } else {
                                        apps.get().into_iter().map(|a| view! { <option value=a.id.to_string()>{format!("{} ({})", a.name, a.code)}</option> }).collect_view().into_any()
                                    }}
                                </select>
                            </div>
                        </Show>
                        <Field label="Last day (YYYY-MM-DD)" name="due_on" value=due errors=errors required=true hint="At least 7 days from today. Reviews not approved a week after it lose their roles."/>
                        <button type="submit" disabled=move || busy.get()>"Start campaign"</button>
                    </form>
                </section>
                <section aria-labelledby="campaigns-h">
                    <h2 id="campaigns-h">"Campaigns"</h2>
                    {move || list.get().map(|l| {
                        if l.is_empty() {
                            return view! { <p>"No campaign yet."</p> }.into_any();
                        }
                        l.into_iter().map(|c| view! { <CampaignCard c=c alert=alert status=status/> }).collect_view().into_any()
                    })}
                </section>
            </Page>
        }
        .into_any()
    }
}

#[component]
fn CampaignCard(
    c: CampaignResponse,
    alert: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let id = c.id;
    let name = c.name.clone();
    let remind = move |_| {
        let name = name.clone();
        spawn_local(async move {
            match api::call(session, move |cl| async move { cl.remind_overdue(id).await }).await {
                Ok(r) => status.set(Some(format!("{name}: {} overdue reminded.", r.reminded))),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    let closed = RwSignal::new(c.closed_at);
    let name_for_close = c.name.clone();
    let close = {
        let name = c.name.clone();
        move |_| {
            let name = name.clone();
            alert.set(None);
            spawn_local(async move {
                match api::call(session, move |cl| async move { cl.close_campaign(id).await }).await {
                    Ok(c) => {
                        closed.set(c.closed_at);
                        status.set(Some(format!("{name} closed: its decisions stand.")));
                    }
                    Err(e) => alert.set(Some(api::message(&e))),
                }
            });
        }
    };
    let p = c.progress.clone();
    let quality = match (c.review.median_seconds, c.review.rubber_stamp_share) {
        (Some(m), Some(s)) => format!(
            "{} decisions; median {:.0} s per decision; {:.0} % kept every role in under 3 s a role",
            c.review.decisions,
            m,
            s * 100.0
        ),
        _ => "No reviewer decision yet".into(),
    };
    let chart_label = format!(
        "Progress of {} per organization: done, waiting on users, waiting on reviewers",
        c.name
    );
    let rows = c.by_organization.clone();
    let most = rows.iter().map(|o| o.progress.total).max().unwrap_or(1).max(1) as f64;
    view! {
        <article class="card" aria-label=c.name.clone()>
            <h3>{c.name.clone()}</h3>
            <p>{format!("Due {} UTC · {} reviews: {} done, {} waiting on users, {} on reviewers, {} overdue, {} without a reviewer · {} roles removed, {} removals pending", crate::fmt::date_time(&c.due_at), p.total, p.done, p.waiting_on_user, p.waiting_on_reviewer, p.overdue, p.without_reviewer, p.roles_removed, p.removals_pending)}</p>
            <p>{quality}</p>
            <p>{move || match closed.get() {
                Some(t) => format!("Closed {} UTC: its decisions stand.", crate::fmt::date_time(&t)),
                None => "Open: reviewers may still correct their decisions.".to_string(),
            }}</p>
            <svg class="chart" role="img" aria-label=chart_label viewBox=format!("0 0 480 {}", 24 * rows.len().max(1)) width="480" height=24 * rows.len().max(1)>
                {rows.iter().enumerate().map(|(k, o)| {
                    let y = (k * 24) as f64;
                    let w = |n: i64| 280.0 * n as f64 / most;
                    let (d, u, r) = (w(o.progress.done), w(o.progress.waiting_on_user), w(o.progress.waiting_on_reviewer));
                    view! {
                        <g>
                            <text x="0" y=y + 15.0 font-size="12">{o.organization.clone()}</text>
                            <rect x="190" y=y + 4.0 width=d height="14" class="bar-done"/>
                            <rect x=190.0 + d y=y + 4.0 width=u height="14" class="bar-user"/>
                            <rect x=190.0 + d + u y=y + 4.0 width=r height="14" class="bar-reviewer"/>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <p class="hint">"Green: done · amber: waiting on users · blue: waiting on reviewers (the table below has the figures)."</p>
            <table>
                <caption>{format!("{} by organization", c.name)}</caption>
                <thead><tr><th scope="col">"Organization"</th><th scope="col">"Reviews"</th><th scope="col">"Done"</th><th scope="col">"Waiting on user"</th><th scope="col">"Waiting on reviewer"</th><th scope="col">"Overdue"</th><th scope="col">"No reviewer"</th><th scope="col">"Roles removed"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|o| view! {
                        <tr><th scope="row">{o.organization}</th><td>{o.progress.total}</td><td>{o.progress.done}</td><td>{o.progress.waiting_on_user}</td><td>{o.progress.waiting_on_reviewer}</td><td>{o.progress.overdue}</td><td>{o.progress.without_reviewer}</td><td>{format!("{} (+{} pending)", o.progress.roles_removed, o.progress.removals_pending)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="actions">
                <button type="button" class="secondary" on:click=remind>{format!("Remind everyone overdue in {}", c.name)}</button>
                <Show when=move || closed.get().is_none()>
                    <button type="button" class="secondary" on:click=close.clone()>{format!("Close {}", name_for_close.clone())}</button>
                </Show>
            </div>
        </article>
    }
}

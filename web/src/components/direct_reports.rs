//! Direct Reports (supervisors): each report's roles, with Remove (the supervisor's removal
//! needs no further approval), the open requests about them, a link to request a role on their
//! behalf, hand-over to another supervisor (who accepts), and Delete User.

use crate::api::{self, Session};
use crate::components::delete_user::DeleteUser;
use crate::components::{Alert, Status};
use amps_openapi::{
    AccountStatus, DirectReportResponse, RemovalRequest, SetApproversRequest, UserDeletionResponse,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The Direct Reports tab.
#[component]
pub fn DirectReports(reports: RwSignal<Vec<DirectReportResponse>>) -> impl IntoView {
    let session = Session::get();
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.direct_reports().await }).await {
                Ok(r) => reports.set(r),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    view! {
        <section aria-labelledby="reports-h">
            <h2 id="reports-h">"Direct Reports"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            <For each=move || reports.get() key=|r| (r.id, r.roles.len(), r.pending.len(), r.status.label()) let:r>
                <article class="card" aria-labelledby=format!("dr-{}", r.id)>
                    <h3 id=format!("dr-{}", r.id)>{format!("{} ({})", r.name, r.user_id)}</h3>
                    <p class="meta">{r.email.clone()}{(r.status != AccountStatus::Active).then(|| format!(" · account {}", r.status.label().to_lowercase()))}</p>
                    {(!r.pending.is_empty()).then(|| view! {
                        <table>
                            <caption>{format!("Open requests for {}", r.name)}</caption>
                            <thead><tr><th scope="col">"Request"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Waiting on"</th></tr></thead>
                            <tbody>
                                {r.pending.iter().map(|s| view! {
                                    <tr>
                                        <td>{format!("{} ({})", s.number, s.request_type.label())}</td>
                                        <td>{format!("{} ({} {})", s.role.name, s.role.application, s.role.environment)}</td>
                                        <td>{s.status.label()}</td>
                                        <td>{s.waiting_on.as_ref().map(|w| format!("{} since {}", w.who, crate::fmt::date(&w.since))).unwrap_or_else(|| "Provisioning".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    <p>
                        <a href=format!("/request?for={}&name={}", r.id, js_encode(&r.name))>{format!("Request a role for {}", r.name)}</a>
                    </p>
                    <HandOver id=r.id who=r.name.clone() alert=alert status=status/>
                    {
                        let who = r.name.clone();
                        view! {
                            <DeleteUser id=r.id who=who.clone() alert=alert on_done=Callback::new(move |d: UserDeletionResponse| {
                                status.set(Some(crate::components::delete_user::news(&who, &d)));
                                reload();
                            })/>
                        }
                    }
                    {if r.roles.is_empty() {
                        view! { <p>"No roles."</p> }.into_any()
                    } else {
                        let user = r.id;
                        let who = r.name.clone();
                        view! {
                            <table>
                                <caption>{format!("Roles of {}", r.name)}</caption>
                                <thead><tr><th scope="col">"Role"</th><th scope="col">"Since"</th><th scope="col">"Expires"</th><th scope="col">"Remove"</th></tr></thead>
                                <tbody>
                                    {r.roles.iter().map(|role| {
                                        let reason = RwSignal::new(String::new());
                                        let busy = RwSignal::new(false);
                                        let id = role.assignment_id;
                                        let name = role.role.name.clone();
                                        let who = who.clone();
                                        let remove = move |_| {
                                            let body = RemovalRequest { reason: reason.get_untracked().trim().to_string() };
                                            if body.reason.chars().count() < 5 {
                                                alert.set(Some(format!("Give a reason (at least 5 characters) to remove {name} from {who}.")));
                                                return;
                                            }
                                            busy.set(true);
                                            alert.set(None);
                                            let name = name.clone();
                                            let who = who.clone();
                                            spawn_local(async move {
                                                match api::call(session, move |c| {
                                                    let body = body.clone();
                                                    async move { c.remove_direct_report_role(user, id, &body).await }
                                                })
                                                .await
                                                {
                                                    Ok(s) => {
                                                        status.set(Some(format!("Removal of {name} from {who} recorded: {}.", s.number)));
                                                        reload();
                                                    }
                                                    Err(e) => alert.set(Some(api::message(&e))),
                                                }
                                                busy.set(false);
                                            });
                                        };
                                        let field_id = format!("drwhy-{id}");
                                        view! {
                                            <tr>
                                                <td>{format!("{} ({} {})", role.role.name, role.role.application, role.role.environment)}</td>
                                                <td>{crate::fmt::date(&role.since)}</td>
                                                <td>{role.expires_at.map(|d| crate::fmt::date(&d)).unwrap_or_else(|| "Never".into())}</td>
                                                <td>
                                                    <label class="sr-only" for=field_id.clone()>{format!("Reason to remove {} from {}", role.role.name, r.name)}</label>
                                                    <input id=field_id placeholder="Reason" bind:value=reason/>
                                                    <button type="button" class="secondary" disabled=move || busy.get() on:click=remove>
                                                        {format!("Remove {} from {}", role.role.name, r.name)}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                </article>
            </For>
        </section>
    }
}

/// `s` encoded for a URL query value.
fn js_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Hands a report over to another supervisor, who accepts first (their Approvals screen).
#[component]
fn HandOver(
    id: uuid::Uuid,
    who: String,
    alert: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let to = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let field_id = format!("handover-{id}");
    let submit = {
        let who = who.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let login = to.get_untracked().trim().to_string();
            if login.is_empty() {
                alert.set(Some(format!(
                    "Give the User ID of the supervisor who takes {who} over."
                )));
                return;
            }
            let body = SetApproversRequest {
                supervisor: Some(login),
                ..Default::default()
            };
            busy.set(true);
            alert.set(None);
            let who = who.clone();
            spawn_local(async move {
                match api::call(session, move |c| {
                    let b = body.clone();
                    async move { c.set_approvers(id, &b).await }
                })
                .await
                {
                    Ok(r) => {
                        let new = r.pending_supervisor.map(|p| p.name).unwrap_or_default();
                        status.set(Some(format!(
                            "We asked {new} to accept {who}; you stay their supervisor until they do."
                        )));
                        to.set(String::new());
                    }
                    Err(e) => alert.set(Some(api::message(&e))),
                }
                busy.set(false);
            });
        }
    };
    view! {
        <form class="inline" aria-label=format!("Hand {who} over") on:submit=submit novalidate>
            <label for=field_id.clone()>{format!("Hand {who} over to (supervisor's User ID)")}</label>
            " "
            <input id=field_id bind:value=to autocomplete="off"/>
            " "
            <button type="submit" class="secondary" disabled=move || busy.get()>"Hand over"</button>
        </form>
    }
}

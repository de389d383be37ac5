//! `/`: Home. What needs the signed-in user now (approvals waiting, requests returned to them)
//! and their pending requests; people who are not signed in are sent to sign in.

use crate::api::{self, Session};
use crate::components::Page;
use amps_openapi::{ApprovalTaskResponse, MyRequestsResponse, SaarStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};

fn left(secs: Option<i64>) -> String {
    match secs {
        Some(s) if s < 0 => format!("overdue by {} days", -s / 86_400),
        Some(s) => format!("{} days left", s / 86_400),
        None => String::new(),
    }
}

/// Home.
#[component]
pub fn Home() -> impl IntoView {
    let session = Session::get();
    let tasks = RwSignal::new(None::<Vec<ApprovalTaskResponse>>);
    let requests = RwSignal::new(None::<MyRequestsResponse>);
    let alert = RwSignal::new(None::<String>);
    if session.signed_in() {
        spawn_local(async move {
            match api::call(session, |c| async move { c.approvals().await }).await {
                Ok(t) => tasks.set(Some(t)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            match api::call(session, |c| async move { c.my_requests().await }).await {
                Ok(r) => requests.set(Some(r)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    }
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Home" alert=alert>
                <section aria-labelledby="needs-h">
                    <h2 id="needs-h">"Needs you"</h2>
                    {move || match (tasks.get(), requests.get()) {
                        (Some(t), Some(r)) => {
                            let returned: Vec<_> = r.pending.iter().filter(|s| s.status == SaarStatus::Returned).cloned().collect();
                            if t.is_empty() && returned.is_empty() {
                                return view! { <p>"Nothing needs you now."</p> }.into_any();
                            }
                            view! {
                                <ul class="plain">
                                    {(!t.is_empty()).then(|| view! {
                                        <li>
                                            <A href="/approvals">{format!("{} approval{} waiting for you", t.len(), if t.len() == 1 { "" } else { "s" })}</A>
                                            <ul>
                                                {t.iter().take(5).map(|t| view! {
                                                    <li>{format!("{}: {} for {}, due {}", t.saar.number, t.saar.role.name, t.saar.subject, crate::fmt::date(&t.due_at))}</li>
                                                }).collect_view()}
                                            </ul>
                                        </li>
                                    })}
                                    {returned.into_iter().map(|s| view! {
                                        <li>
                                            <A href="/me?tab=roles">{format!("{} ({}) was returned to you for more information", s.number, s.role.name)}</A>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                        _ => view! { <p role="status">"Loading…"</p> }.into_any(),
                    }}
                </section>
                <section aria-labelledby="mine-h">
                    <h2 id="mine-h">"My pending requests"</h2>
                    {move || requests.get().map(|r| {
                        let pending: Vec<_> = r.pending.into_iter().filter(|s| s.status != SaarStatus::Returned).collect();
                        if pending.is_empty() {
                            return view! { <p>"No pending requests. "<A href="/request">"Request a role"</A></p> }.into_any();
                        }
                        view! {
                            <table>
                                <caption class="sr-only">"My pending requests"</caption>
                                <thead><tr><th scope="col">"Request"</th><th scope="col">"Role"</th><th scope="col">"Waiting on"</th><th scope="col">"Time left"</th></tr></thead>
                                <tbody>
                                    {pending.into_iter().map(|s| view! {
                                        <tr>
                                            <td>{s.number.clone()}</td>
                                            <td>{format!("{} ({} {})", s.role.name, s.role.application, s.role.environment)}</td>
                                            <td>{s.waiting_on.as_ref().map(|w| format!("{} ({})", w.who, w.kind.replace('_', " "))).unwrap_or_else(|| s.status.label().to_string())}</td>
                                            <td>{left(s.waiting_on.as_ref().and_then(|w| w.seconds_left))}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    })}
                </section>
            </Page>
        }
        .into_any()
    }
}

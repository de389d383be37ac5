//! `/audit`: the audit trail for administrators and auditors: search by who acted, what it was
//! about, the action (or an action prefix such as `saar.`) and a period; older events page by
//! page; Download CSV of everything the search finds; and a check of the hash chain.

use crate::api::{self, Session};
use crate::components::{Page, Status};
use amps_openapi::{AuditEventResponse, AuditFilter, AuditPageQuery};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

/// An event's details as one line a person reads: `key: value; …` (text without quotes,
/// anything else as JSON).
fn details_of(e: &AuditEventResponse) -> String {
    match &e.details {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{}: {s}", k.replace('_', " ")),
                v => format!("{}: {v}", k.replace('_', " ")),
            })
            .collect::<Vec<_>>()
            .join("; "),
        v => v.to_string(),
    }
}

/// The audit trail screen.
#[component]
pub fn AuditTrail() -> impl IntoView {
    let session = Session::get();
    let actor = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let rows = RwSignal::new(None::<Vec<AuditEventResponse>>);
    let next = RwSignal::new(None::<String>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let filter = move || {
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|t| !t.is_empty());
        AuditFilter {
            actor: text(actor),
            target: text(target),
            action: text(action),
            from: crate::fmt::day_start(&from.get_untracked()),
            // The last day chosen is included.
            to: crate::fmt::day_start(&to.get_untracked()).map(|d| d + chrono::Duration::days(1)),
        }
    };
    let fetch = move |cursor: Option<String>| {
        let f = filter();
        let page = AuditPageQuery {
            limit: Some(50),
            cursor: cursor.clone(),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let (f, page) = (f.clone(), page.clone());
                async move { c.audit_events(&f, &page).await }
            })
            .await
            {
                Ok(list) => {
                    if cursor.is_some() {
                        rows.update(|r| r.get_or_insert_with(Vec::new).extend(list.events));
                    } else {
                        rows.set(Some(list.events));
                    }
                    next.set(list.next_cursor);
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    if session.signed_in() {
        fetch(None);
    }
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        fetch(None);
    };
    let download = move |_| {
        let f = filter();
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            // The events so far, told as they arrive (the whole log takes a while).
            status.set(Some("Downloading: 0 events so far…".into()));
            let so_far = move |n: usize| status.set(Some(format!("Downloading: {n} events so far…")));
            match api::call(session, move |c| {
                let f = f.clone();
                async move { c.export_audit_events_with_progress(&f, so_far).await }
            })
            .await
            {
                Ok(csv) => {
                    let lines = csv.lines().count().saturating_sub(1);
                    if api::save_file(csv.as_bytes(), "amps-audit-events.csv", "text/csv") {
                        status.set(Some(format!("Downloaded {lines} events as CSV.")));
                    } else {
                        alert.set(Some("The browser refused the download.".into()));
                    }
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let check = move |_| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            match api::call(session, |c| async move { c.verify_audit_chain().await }).await {
                Ok(v) if v.intact => status.set(Some(format!(
                    "The audit chain is intact: {} events, each sealed.",
                    v.intact_events
                ))),
                Ok(v) => alert.set(Some(match v.broken_at {
                    Some(e) => format!(
                        "The audit chain is broken at event {} ({} by {}, {}): it was changed, or the event before it was deleted. The {} events before it are intact.",
                        e.id,
                        e.action,
                        e.actor,
                        crate::fmt::date_time(&e.at),
                        v.intact_events
                    ),
                    None => "The audit chain is broken.".into(),
                })),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Audit trail" alert=alert>
                <Status msg=status/>
                <form class="filters" role="search" aria-label="Audit trail" on:submit=search>
                    <div class="field">
                        <label for="a-actor">"Who acted (User ID)"</label>
                        <input id="a-actor" type="search" bind:value=actor/>
                    </div>
                    <div class="field">
                        <label for="a-target">"About (e.g. saar:…)"</label>
                        <input id="a-target" type="search" bind:value=target/>
                    </div>
                    <div class="field">
                        <label for="a-action">"Action or prefix (e.g. saar.)"</label>
                        <input id="a-action" type="search" bind:value=action/>
                    </div>
                    <div class="field">
                        <label for="a-from">"From"</label>
                        <input id="a-from" type="date" bind:value=from/>
                    </div>
                    <div class="field">
                        <label for="a-to">"To"</label>
                        <input id="a-to" type="date" bind:value=to/>
                    </div>
                    <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Working…" } else { "Search" }}</button>
                </form>
                <div class="actions">
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=download>"Download CSV"</button>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=check>"Check the audit chain"</button>
                </div>
                <p role="status" class="sr-only">{move || rows.get().map(|r| format!("{} events shown", r.len())).unwrap_or_default()}</p>
                {move || rows.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p>"No event matches."</p> }.into_any();
                    }
                    view! {
                        <div class="scroll">
                            <table>
                                <caption class="sr-only">"Audit events, newest first"</caption>
                                <thead><tr>
                                    <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th>
                                    <th scope="col">"About"</th><th scope="col">"Details"</th><th scope="col">"Seal"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| { let details = details_of(&e); view! {
                                        <tr>
                                            <td>{crate::fmt::date_time(&e.at)}</td>
                                            <td>{e.actor.clone()}{e.ip.clone().map(|ip| format!(" ({ip})"))}</td>
                                            <td>{e.action.clone()}</td>
                                            <td>{e.target.clone().unwrap_or_default()}</td>
                                            <td class="wrap">{details}</td>
                                            <td>{match (e.seq, e.hash.as_deref()) {
                                                (Some(seq), Some(h)) => format!("#{seq} {}…", h.get(..12).unwrap_or(h)),
                                                _ => "not yet sealed".into(),
                                            }}</td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                })}
                <Show when=move || next.get().is_some()>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| fetch(next.get_untracked())>"Show older events"</button>
                </Show>
            </Page>
        }
        .into_any()
    }
}

//! A SAAR's facts for approvers and requesters: requester, justification, DD 2875 user
//! information, warnings, whom it waits on, and every step; and its history from the audit
//! trail, read when the reader opens it.

use crate::api::{self, Session};
use amps_openapi::{SaarHistoryEntry, SaarResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn days(secs: i64) -> String {
    let d = secs / 86_400;
    if secs < 0 {
        format!("overdue by {} days", -d)
    } else {
        format!("{d} days left")
    }
}

/// The facts of one SAAR.
#[component]
pub fn SaarDetails(saar: SaarResponse) -> impl IntoView {
    let info = saar.user_info.clone();
    let field = move |k: &str| info.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    view! {
        <dl class="facts">
            <dt>"Request"</dt><dd>{format!("{} · {} · {}", saar.number, saar.request_type.label(), saar.status.label())}</dd>
            <dt>"For"</dt><dd>{saar.subject.clone()}</dd>
            <dt>"Requested by"</dt><dd>{saar.requester.clone()}</dd>
            <dt>"Organization"</dt><dd>{field("organization")}{format!(" {}", field("company"))}</dd>
            <dt>"Email, phone"</dt><dd>{format!("{} · {}", field("email"), field("phone"))}</dd>
            <dt>"IA training"</dt><dd>{field("ia_training_date")}</dd>
            <dt>"Justification"</dt><dd>{saar.justification.clone()}</dd>
            {saar.waiting_on.clone().map(|w| view! {
                <dt>"Waiting on"</dt>
                <dd>{format!("{} ({}) since {}{}", w.who, w.kind.replace('_', " "), crate::fmt::date(&w.since), w.seconds_left.map(|s| format!(", {}", days(s))).unwrap_or_default())}</dd>
                {w.reason.clone().map(|r| view! { <dt>"Why them"</dt><dd>{r}</dd> })}
            })}
            {saar.sod_exception.clone().map(|e| view! { <dt>"SoD exception"</dt><dd>{e}</dd> })}
        </dl>
        {(!saar.warnings.is_empty()).then(|| view! {
            <ul class="warnings" aria-label="Warnings">
                {saar.warnings.iter().map(|w| view! { <li>{w.message.clone()}</li> }).collect_view()}
            </ul>
        })}
        {(!saar.steps.is_empty()).then(|| view! {
            <table class="steps">
                <caption>"Approval steps"</caption>
                <thead><tr><th scope="col">"Level"</th><th scope="col">"Approver"</th><th scope="col">"Status"</th><th scope="col">"When"</th><th scope="col">"Comment"</th></tr></thead>
                <tbody>
                    {saar.steps.iter().map(|s| view! {
                        <tr>
                            <td>{s.kind.replace('_', " ")}</td>
                            <td>{s.decided_by.clone().unwrap_or_else(|| s.approver.clone())}</td>
                            <td>{s.status.label()}</td>
                            <td>{s.decided_at.map(|d| crate::fmt::date_time(&d)).unwrap_or_else(|| format!("due {}", crate::fmt::date(&s.due_at)))}</td>
                            <td>{s.reason_code.clone().map(|r| format!("{r}: ")).unwrap_or_default()}{s.comment.clone().unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

/// A SAAR's history from the audit trail (who did what, when, and each event's seal), read the
/// first time the reader opens it; and the SAAR as a DD Form 2875 PDF to download.
#[component]
pub fn SaarHistory(id: uuid::Uuid, number: String) -> impl IntoView {
    let session = Session::get();
    let events = RwSignal::new(None::<Result<Vec<SaarHistoryEntry>, String>>);
    let load = move |_| {
        if events.get_untracked().is_some() {
            return;
        }
        spawn_local(async move {
            let r = api::call(session, move |c| async move { c.saar_history(id).await }).await;
            events.set(Some(r.map_err(|e| api::message(&e))));
        });
    };
    let alert = RwSignal::new(None::<String>);
    let file = format!("DD2875-{number}.pdf");
    let download = move |_| {
        let file = file.clone();
        spawn_local(async move {
            alert.set(None);
            match api::call(session, move |c| async move { c.saar_dd2875(id).await }).await {
                Ok(pdf) => {
                    if !api::save_file(&pdf, &file, "application/pdf") {
                        alert.set(Some("The browser refused the download.".into()));
                    }
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    view! {
        <div class="actions">
            <button type="button" class="secondary" on:click=download>{format!("Download {number} as DD Form 2875 (PDF)")}</button>
        </div>
        {move || alert.get().map(|m| view! { <p role="alert">{m}</p> })}
        <details class="history" on:toggle=load>
            <summary>{format!("History of {number}")}</summary>
            {move || match events.get() {
                None => view! { <p>"Loading the history…"</p> }.into_any(),
                Some(Err(m)) => view! { <p role="alert">{m}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table>
                        <caption class="sr-only">"History"</caption>
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Seal"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|e| {
                                let what = e.action.trim_start_matches("saar.").replace('_', " ");
                                let comment = e.details.get("comment").and_then(|c| c.as_str()).map(|c| format!(": {c}")).unwrap_or_default();
                                view! {
                                    <tr>
                                        <td>{crate::fmt::date_time(&e.at)}</td>
                                        <td>{e.actor.clone()}</td>
                                        <td>{format!("{what}{comment}")}</td>
                                        <td>{match (e.seq, e.hash.as_deref()) {
                                            (Some(seq), Some(h)) => format!("#{seq} {}…", h.get(..12).unwrap_or(h)),
                                            _ => "not yet sealed".into(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </details>
    }
}

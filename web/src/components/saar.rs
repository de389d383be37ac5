//! A SAAR's facts for approvers and requesters: requester, justification, DD 2875 user
//! information, warnings, whom it waits on, and every step.

use amps_openapi::SaarResponse;
use leptos::prelude::*;

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

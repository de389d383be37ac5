//! `/approvals`: my approval inbox. Filters by text and level; each request shows its DD 2875
//! facts, attachments, warnings, age and due date; the approver approves (the Security Officer
//! records the IT level), rejects with a reason, or returns it for more information; several
//! requests for the same role can be approved at once.

use crate::api::{self, Session};
use crate::components::saar::{SaarDetails, SaarHistory};
use crate::components::{Page, RejectReasonSelect, Status};
use amps_openapi::{
    ApprovalTaskResponse, ApproveRequest, AttachmentResponse, RejectReason, RejectRequest, ReturnRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

/// Approvals inbox.
#[component]
pub fn Approvals() -> impl IntoView {
    let session = Session::get();
    let tasks = RwSignal::new(None::<Vec<ApprovalTaskResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.approvals().await }).await {
                Ok(t) => tasks.set(Some(t)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            api::refresh_badge(session).await;
        })
    };
    if session.signed_in() {
        load();
    }
    let text = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<uuid::Uuid>::new());
    let shown = Signal::derive(move || {
        let t = text.get().trim().to_lowercase();
        let l = level.get();
        tasks
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter(|task| l.is_empty() || task.kind == l)
            .filter(|task| {
                t.is_empty()
                    || [
                        &task.saar.number,
                        &task.saar.role.name,
                        &task.saar.role.application,
                        &task.saar.subject,
                        &task.saar.requester,
                    ]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&t))
            })
            .collect::<Vec<_>>()
    });
    let bulk_busy = RwSignal::new(false);
    let bulk = move |_| {
        let ids = picked.get_untracked();
        let all = tasks.get_untracked().unwrap_or_default();
        let chosen: Vec<ApprovalTaskResponse> = all.into_iter().filter(|t| ids.contains(&t.id)).collect();
        let roles: std::collections::HashSet<_> = chosen.iter().map(|t| t.saar.role.id).collect();
        if chosen.is_empty() {
            alert.set(Some("Select the requests to approve first.".into()));
            return;
        }
        if roles.len() > 1 {
            alert.set(Some(
                "Approve several requests at once only when they are for the same role.".into(),
            ));
            return;
        }
        bulk_busy.set(true);
        alert.set(None);
        spawn_local(async move {
            let mut done = Vec::new();
            let mut failed = Vec::new();
            for t in chosen {
                let id = t.id;
                match api::call(session, move |c| async move {
                    c.approve(id, &ApproveRequest::default()).await
                })
                .await
                {
                    Ok(_) => done.push(t.saar.number.clone()),
                    Err(e) => failed.push(format!("{}: {}", t.saar.number, api::message(&e))),
                }
            }
            status.set(Some(format!(
                "Approved: {}.",
                if done.is_empty() {
                    "none".to_string()
                } else {
                    done.join(", ")
                }
            )));
            if !failed.is_empty() {
                alert.set(Some(format!("Not approved: {}", failed.join("; "))));
            }
            picked.set(vec![]);
            bulk_busy.set(false);
            load();
        });
    };
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Approvals" alert=alert>
                <Status msg=status/>
                <crate::components::approver_requests::ApproverRequests status=status alert=alert/>
                <crate::components::reviews::ReviewsToDecide status=status alert=alert/>
                {move || match tasks.get() {
                    None => view! { <p role="status">"Loading your approvals…"</p> }.into_any(),
                    Some(list) if list.is_empty() => view! { <p>"Nothing waits for your approval."</p> }.into_any(),
                    Some(_) => ().into_any(),
                }}
                <form class="filters" role="search" aria-label="Approvals" on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                    <div class="field">
                        <label for="ap-q">"Filter by request, role, application or person"</label>
                        <input id="ap-q" type="search" bind:value=text/>
                    </div>
                    <div class="field">
                        <label for="ap-level">"Level"</label>
                        <select id="ap-level" on:change=move |ev| level.set(event_target_value(&ev)) prop:value=level>
                            <option value="">"All levels"</option>
                            <option value="supervisor">"Supervisor"</option>
                            <option value="eao">"External Authorizing Official"</option>
                            <option value="security_officer">"Security officer"</option>
                            <option value="data_owner">"Data owner"</option>
                            <option value="iao">"IAO"</option>
                            <option value="group">"Approval group"</option>
                        </select>
                    </div>
                </form>
                <p class="meta">{move || tasks.get().map(|t| format!("Showing {} of {} requests", shown.get().len(), t.len())).unwrap_or_default()}</p>
                <div class="actions">
                    <button type="button" disabled=move || bulk_busy.get() || picked.get().is_empty() on:click=bulk>
                        {move || format!("Approve {} selected", picked.get().len())}
                    </button>
                </div>
                // Keyed by task: reloading the inbox keeps the other cards (and what the approver
                // typed or chose in them) as they are.
                <ul class="cards">
                    <For
                        each=move || shown.get()
                        key=|t| t.id
                        children=move |t| view! { <li><TaskCard task=t status=status alert=alert picked=picked on_done=Callback::new(move |_| load())/></li> }
                    />
                </ul>
            </Page>
        }
        .into_any()
    }
}

#[component]
fn TaskCard(
    task: ApprovalTaskResponse,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    picked: RwSignal<Vec<uuid::Uuid>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let id = task.id;
    let saar_id = task.saar.id;
    let attachments = RwSignal::new(Vec::<AttachmentResponse>::new());
    spawn_local(async move {
        if let Ok(a) = api::call(session, move |c| async move { c.attachments(saar_id).await }).await {
            attachments.set(a);
        }
    });
    // The age from the server's clock: the task's whole period less the time it has left.
    let age_days = task
        .saar
        .waiting_on
        .as_ref()
        .and_then(|w| w.seconds_left)
        .map(|left| ((task.due_at - task.opened_at).num_seconds() - left).max(0) / 86_400)
        .unwrap_or(0);
    let prefix = format!("t-{id}");
    let attach_label = format!("Attachments of {}", task.saar.number);
    let number = task.saar.number.clone();
    let is_so = task.kind == "security_officer";
    let has_sod =
        task.saar.warnings.iter().any(|w| w.kind == "sod_conflict") && task.saar.sod_exception.is_none();
    let version = task.saar.version;
    let it_level = RwSignal::new(String::new());
    let exception = RwSignal::new(String::new());
    let reason = RwSignal::new(String::from("not_needed"));
    let comment = RwSignal::new(String::new());
    let ends_on = RwSignal::new(String::new());
    let grants = task.saar.request_type != amps_openapi::RequestType::Deactivate;
    let busy = RwSignal::new(false);
    // A decision that needs a second factor this sign-in has not proved: (why, factors, what).
    let step_up = RwSignal::new(None::<(String, Vec<String>, &'static str)>);
    let act = move |what: &'static str| {
        busy.set(true);
        alert.set(None);
        let number = number.clone();
        spawn_local(async move {
            let c = comment.get_untracked();
            let c = (!c.trim().is_empty()).then_some(c);
            let ends = ends_on.get_untracked();
            let access_ends_on = match ends.trim() {
                "" => None,
                day => match day.parse::<chrono::NaiveDate>() {
                    Ok(d) => Some(d),
                    Err(_) => {
                        alert.set(Some(format!(
                            "{number}: the last day of access is not a date (YYYY-MM-DD)."
                        )));
                        busy.set(false);
                        return;
                    }
                },
            };
            let r = match what {
                "approve" => {
                    let body = ApproveRequest {
                        comment: c,
                        it_level: Some(it_level.get_untracked()).filter(|l| !l.is_empty()),
                        sod_exception_reason: Some(exception.get_untracked())
                            .filter(|e| !e.trim().is_empty()),
                        access_ends_on,
                    };
                    api::call(session, move |cl| {
                        let body = body.clone();
                        async move { cl.approve(id, &body).await }
                    })
                    .await
                }
                "reject" => {
                    let reason = RejectReason::from_code(&reason.get_untracked());
                    let body = RejectRequest { reason, comment: c };
                    api::call(session, move |cl| {
                        let body = body.clone();
                        async move { cl.reject(id, &body).await }
                    })
                    .await
                }
                _ => {
                    let body = ReturnRequest {
                        comment: c.unwrap_or_default(),
                    };
                    api::call(session, move |cl| {
                        let body = body.clone();
                        async move { cl.return_to_requester(id, &body).await }
                    })
                    .await
                }
            };
            match r {
                Ok(s) => {
                    status.set(Some(format!(
                        "{number}: {}.",
                        match what {
                            "approve" => "approved",
                            "reject" => "rejected",
                            _ => "returned to the requester",
                        }
                    )));
                    let _ = s;
                    on_done.run(());
                }
                Err(e) => match e
                    .problem()
                    .filter(|p| p.kind == "/problems/step-up-required" && !p.second_factors.is_empty())
                {
                    Some(p) => step_up.set(Some((
                        p.detail.clone().unwrap_or_default(),
                        p.second_factors.clone(),
                        what,
                    ))),
                    None => alert.set(Some(format!("{number}: {}", api::message(&e)))),
                },
            }
            busy.set(false);
        });
    };
    let act2 = act.clone();
    let act3 = act.clone();
    let again = act.clone();
    let step_prefix = prefix.clone();
    view! {
        <article class="card" aria-labelledby=format!("{prefix}-h") data-version=version>
            <h2 id=format!("{prefix}-h")>{format!("{}: {} ({} {})", task.saar.number, task.saar.role.name, task.saar.role.application, task.saar.role.environment)}</h2>
            <p class="meta">
                {format!("Your level: {} · opened {} ({} days ago) · due {}", task.kind.replace('_', " "), crate::fmt::date(&task.opened_at), age_days, crate::fmt::date(&task.due_at))}
            </p>
            <div class="check">
                <input type="checkbox" id=format!("{prefix}-pick")
                    prop:checked=move || picked.get().contains(&id)
                    on:change=move |ev| { let on = event_target_checked(&ev); picked.update(|p| { p.retain(|x| *x != id); if on { p.push(id); } }); }/>
                <label for=format!("{prefix}-pick")>{format!("Select {} for approving several at once", task.saar.number)}</label>
            </div>
            <SaarDetails saar=task.saar.clone()/>
            <SaarHistory id=task.saar.id number=task.saar.number.clone()/>
            <Show when=move || !attachments.get().is_empty()>
                <ul class="attachments" aria-label=attach_label.clone()>
                    {move || attachments.get().into_iter().map(|a| view! {
                        <li>
                            {format!("{} ({}, {} KB, SHA-256 {}…) ", a.filename, a.content_type, (a.size + 1023) / 1024, &a.sha256[..12.min(a.sha256.len())])}
                            <DownloadButton saar=saar_id attachment=a/>
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
            <div class="field">
                <label for=format!("{prefix}-comment")>"Comment (required to return, or to reject with reason Other)"</label>
                <textarea id=format!("{prefix}-comment") rows="2" bind:value=comment></textarea>
            </div>
            {is_so.then(|| view! {
                <div class="field">
                    <label for=format!("{prefix}-it")>"IT level of the user"</label>
                    <select id=format!("{prefix}-it") on:change=move |ev| it_level.set(event_target_value(&ev)) prop:value=it_level>
                        <option value="">"Keep the current level"</option>
                        <option value="III">"IT-III"</option>
                        <option value="II">"IT-II"</option>
                        <option value="I">"IT-I"</option>
                    </select>
                </div>
            })}
            {grants.then(|| view! {
                <div class="field">
                    <label for=format!("{prefix}-ends")>"Last day of access (optional)"</label>
                    <p class="hint" id=format!("{prefix}-ends-hint")>"Only if the access must end before the role's own period; the holder may ask for a renewal before then."</p>
                    <input type="date" id=format!("{prefix}-ends") aria-describedby=format!("{prefix}-ends-hint") bind:value=ends_on/>
                </div>
            })}
            {has_sod.then(|| view! {
                <div class="field">
                    <label for=format!("{prefix}-sod")>"Segregation-of-duties exception reason (required to approve)"</label>
                    <textarea id=format!("{prefix}-sod") rows="2" bind:value=exception></textarea>
                </div>
            })}
            {move || step_up.get().map(|(why, factors, what)| {
                let again = again.clone();
                view! {
                    <crate::components::two_step::StepUp
                        id=step_prefix.clone()
                        why=why
                        factors=factors
                        on_done=Callback::new(move |_| { step_up.set(None); again(what); })
                        on_cancel=Callback::new(move |_| step_up.set(None))/>
                }
            })}
            <div class="actions">
                <button type="button" disabled=move || busy.get() on:click=move |_| act("approve")>"Approve"</button>
                <RejectReasonSelect id=format!("{prefix}-reason") reason=reason/>
                <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| act2("reject")>"Reject"</button>
                <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| act3("return")>"Return for information"</button>
            </div>
        </article>
    }
}

/// Fetches an attachment with the session's token and hands it to the browser as a download.
#[component]
fn DownloadButton(saar: uuid::Uuid, attachment: AttachmentResponse) -> impl IntoView {
    let session = Session::get();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = attachment.id;
    let name = attachment.filename.clone();
    let kind = attachment.content_type.clone();
    let download = move |_| {
        let (name, kind) = (name.clone(), kind.clone());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::call(
                session,
                move |c| async move { c.download_attachment(saar, id).await },
            )
            .await
            {
                Ok(bytes) => {
                    if !crate::api::save_file(&bytes, &name, &kind) {
                        error.set(Some("The browser refused to save the file.".into()));
                    }
                }
                Err(e) => error.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="secondary" aria-label=format!("Download {}", attachment.filename)
            disabled=move || busy.get() on:click=download>
            {move || if busy.get() { "Downloading…" } else { "Download" }}
        </button>
        {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
    }
}

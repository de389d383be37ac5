//! `/request`: the Role Request wizard of the seed procedure. Privacy Act Statement → User
//! Information → Select Roles (two listboxes and arrow buttons; prerequisite warnings with an
//! "add it" action) → Justification (with optional attachments) → Summary → Confirmation.
//! Back and Next keep the state, which is also kept in the tab's session storage so a reload
//! loses nothing but chosen files (a browser does not let a page keep them); focus moves to
//! each step's heading. Attachments are uploaded to each new SAAR after submission, with
//! progress.

use crate::api::{self, Session};
use crate::components::Page;
use amps_openapi::{
    RequestType, RoleRef, RoleResponse, SaarUserInfo, SubmitSaarsRequest, SubmitSaarsResponse,
};
use leptos::html::H2;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};
use validator::Validate;

const STORE_KEY: &str = "amps.request-wizard";
/// The largest attachment the API accepts.
const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

/// A file chosen for attaching: its name and bytes.
#[derive(Clone)]
struct Chosen {
    name: String,
    bytes: std::sync::Arc<Vec<u8>>,
}

/// Reads the files of a file input; refuses (with the reason) any over the size limit.
async fn read_files(input: web_sys::HtmlInputElement) -> (Vec<Chosen>, Vec<String>) {
    let (mut ok, mut refused) = (Vec::new(), Vec::new());
    let Some(list) = input.files() else {
        return (ok, refused);
    };
    for i in 0..list.length() {
        let Some(file) = list.item(i) else { continue };
        let name = file.name();
        if file.size() > MAX_ATTACHMENT as f64 {
            refused.push(format!("{name} is larger than 10 MB."));
            continue;
        }
        match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            Ok(buf) => ok.push(Chosen {
                name,
                bytes: std::sync::Arc::new(js_sys::Uint8Array::new(&buf).to_vec()),
            }),
            Err(_) => refused.push(format!("{name} could not be read.")),
        }
    }
    (ok, refused)
}
const STEPS: [&str; 5] = [
    "Privacy Act Statement",
    "User Information",
    "Select Roles",
    "Justification",
    "Summary",
];

/// What the wizard has gathered; saved on every change.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
struct Draft {
    step: usize,
    accepted: bool,
    training: String,
    job_title: String,
    phone: String,
    selected: Vec<RoleRef>,
    justification: String,
    /// A supervisor requesting for a direct report: their id and name.
    #[serde(default)]
    for_user: Option<(uuid::Uuid, String)>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

fn load_draft() -> Draft {
    storage()
        .and_then(|s| s.get_item(STORE_KEY).ok().flatten())
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default()
}

fn save_draft(d: &Draft) {
    if let (Some(s), Ok(v)) = (storage(), serde_json::to_string(d)) {
        let _ = s.set_item(STORE_KEY, &v);
    }
}

fn clear_draft() {
    if let Some(s) = storage() {
        let _ = s.remove_item(STORE_KEY);
    }
}

fn role_label(r: &RoleRef) -> String {
    format!("{} ({}, {})", r.name, r.application, r.environment)
}

/// A listbox of roles with arrow-key selection.
#[component]
fn RoleList(
    id: &'static str,
    label: &'static str,
    items: Signal<Vec<RoleRef>>,
    highlighted: RwSignal<Option<usize>>,
    /// The roles marked "MFA required" (shown with a mark).
    mfa: RwSignal<std::collections::HashSet<uuid::Uuid>>,
) -> impl IntoView {
    let option_id = move |i: usize| format!("{id}-opt-{i}");
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let n = items.get_untracked().len();
        if n == 0 {
            return;
        }
        let cur = highlighted.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowDown" => Some(cur.map_or(0, |c| (c + 1).min(n - 1))),
            "ArrowUp" => Some(cur.map_or(0, |c| c.saturating_sub(1))),
            "Home" => Some(0),
            "End" => Some(n - 1),
            _ => None,
        };
        if let Some(nx) = next {
            ev.prevent_default();
            highlighted.set(Some(nx));
        }
    };
    view! {
        <div class="listbox-wrap">
            <p class="list-label" id=format!("{id}-label")>{label}</p>
            <div
                class="listbox"
                role="listbox"
                id=id
                tabindex="0"
                aria-labelledby=format!("{id}-label")
                aria-activedescendant=move || highlighted.get().map(option_id).unwrap_or_default()
                on:keydown=keydown
                on:focus=move |_| if highlighted.get_untracked().is_none() && !items.get_untracked().is_empty() { highlighted.set(Some(0)) }
            >
                {move || {
                    items.get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, r)| {
                            view! {
                                <div
                                    role="option"
                                    id=option_id(i)
                                    class:highlighted=move || highlighted.get() == Some(i)
                                    aria-selected=move || if highlighted.get() == Some(i) { "true" } else { "false" }
                                    on:click=move |_| highlighted.set(Some(i))
                                >
                                    {role_label(&r)}
                                    {mfa.get().contains(&r.id).then(|| view! { " " <span class="mfa">"MFA: two-step sign-in required"</span> })}
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
            <Show when=move || items.get().is_empty()>
                <p class="empty">"None"</p>
            </Show>
        </div>
    }
}

/// The wizard.
#[component]
pub fn RequestWizard() -> impl IntoView {
    let session = Session::get();
    let draft = RwSignal::new(load_draft());
    Effect::new(move |_| save_draft(&draft.get()));
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<SubmitSaarsResponse>);
    let heading: NodeRef<H2> = NodeRef::new();
    let moved = RwSignal::new(false);
    // Chosen attachments (kept in memory only), submission and upload progress.
    let files = RwSignal::new(Vec::<Chosen>::new());
    let sending = RwSignal::new(false);
    let uploaded = RwSignal::new((0usize, 0usize));
    let go = move |step: usize| {
        alert.set(None);
        moved.set(true);
        draft.update(|d| d.step = step);
    };
    Effect::new(move |_| {
        let _ = draft.with(|d| d.step);
        let _ = done.with(|d| d.is_some());
        if moved.get_untracked()
            && let Some(h) = heading.get()
        {
            let _ = h.focus();
        }
    });
    // `?for=<id>&name=<name>`: a supervisor requests on behalf of a direct report.
    let query_map = leptos_router::hooks::use_query_map();
    let for_user = query_map.with_untracked(|q| {
        q.get("for")
            .and_then(|id| id.parse::<uuid::Uuid>().ok())
            .map(|id| (id, q.get("name").unwrap_or_default()))
    });
    if let Some(f) = for_user
        && draft.with_untracked(|d| d.for_user.as_ref().map(|x| x.0) != Some(f.0))
    {
        draft.set(Draft {
            for_user: Some(f),
            ..Draft::default()
        });
    }
    // Prefill once with the DD 2875 information on file: the direct report's when asking for
    // one, else the caller's own (My Information).
    // What the prefill found, for a User Information step already on screen when it arrives.
    let prefilled = RwSignal::new(None::<(String, String, String)>);
    if session.signed_in() && draft.with_untracked(|d| d.phone.is_empty()) {
        let report = draft.with_untracked(|d| d.for_user.as_ref().map(|f| f.0));
        spawn_local(async move {
            let on_file = match report {
                Some(id) => api::call(session, |c| async move { c.direct_reports().await })
                    .await
                    .ok()
                    .and_then(|all| all.into_iter().find(|r| r.id == id))
                    .map(|r| (r.phone, r.job_title, r.ia_training_date)),
                None => api::call(session, |c| async move { c.me().await })
                    .await
                    .ok()
                    .map(|me| (me.phone, me.job_title, me.ia_training_date)),
            };
            if let Some((phone, job_title, training)) = on_file {
                let (job, training) = (
                    job_title.unwrap_or_default(),
                    training.map(|t| t.to_string()).unwrap_or_default(),
                );
                draft.update(|d| {
                    d.phone = phone.clone();
                    d.job_title = job.clone();
                    if d.training.is_empty() {
                        d.training = training.clone();
                    }
                });
                prefilled.set(Some((phone, job, training)));
            }
        });
    }
    let query = RwSignal::new(String::new());
    let mfa_roles = RwSignal::new(std::collections::HashSet::<uuid::Uuid>::new());
    let results = RwSignal::new(Vec::<RoleResponse>::new());
    let searched = RwSignal::new(false);
    let found_hl = RwSignal::new(None::<usize>);
    let chosen_hl = RwSignal::new(None::<usize>);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        spawn_local(async move {
            match api::call(session, move |c| {
                let q = q.clone();
                async move { c.search_roles(&q, None).await }
            })
            .await
            {
                Ok(r) => {
                    mfa_roles.update(|m| m.extend(r.iter().filter(|r| r.mfa_required).map(|r| r.id)));
                    results.set(r.into_iter().filter(|r| !r.held && !r.pending).collect());
                    found_hl.set(None);
                    searched.set(true);
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    let found_refs = Signal::derive(move || {
        let chosen: Vec<_> = draft.with(|d| d.selected.iter().map(|r| r.id).collect());
        results
            .get()
            .into_iter()
            .filter(|r| !chosen.contains(&r.id))
            .map(|r| RoleRef {
                id: r.id,
                name: r.name,
                application: r.application,
                environment: r.environment,
            })
            .collect::<Vec<_>>()
    });
    let chosen_refs = Signal::derive(move || draft.with(|d| d.selected.clone()));
    let add = move |_| {
        if let Some(r) = found_hl
            .get_untracked()
            .and_then(|i| found_refs.get_untracked().get(i).cloned())
        {
            draft.update(|d| d.selected.push(r));
            found_hl.set(None);
        }
    };
    let remove = move |_| {
        if let Some(i) = chosen_hl.get_untracked() {
            draft.update(|d| {
                if i < d.selected.len() {
                    d.selected.remove(i);
                }
            });
            chosen_hl.set(None);
        }
    };
    // Prerequisites of the selected roles that are neither held, pending nor selected.
    let missing = Signal::derive(move || {
        let sel: Vec<_> = draft.with(|d| d.selected.iter().map(|r| r.id).collect());
        let mut out: Vec<(String, RoleRef)> = Vec::new();
        for r in results.get().iter().filter(|r| sel.contains(&r.id)) {
            for p in &r.prerequisites {
                if !sel.contains(&p.id) && !out.iter().any(|(_, x)| x.id == p.id) {
                    out.push((r.name.clone(), p.clone()));
                }
            }
        }
        out
    });
    let submit = move |_| {
        let d = draft.get_untracked();
        let Ok(training) = d.training.parse::<chrono::NaiveDate>() else {
            alert.set(Some(
                "Enter the date of your last IA training in User Information.".into(),
            ));
            return;
        };
        let req = SubmitSaarsRequest {
            privacy_act_accepted: d.accepted,
            role_ids: d.selected.iter().map(|r| r.id).collect(),
            justification: d.justification.trim().to_string(),
            request_type: RequestType::Initial,
            user_info: SaarUserInfo {
                ia_training_date: training,
                job_title: Some(d.job_title.trim().to_string()).filter(|j| !j.is_empty()),
                phone: Some(d.phone.trim().to_string()).filter(|p| !p.is_empty()),
            },
            on_behalf_of: d.for_user.as_ref().map(|f| f.0),
        };
        if let Err(e) = req.validate() {
            let msgs: Vec<String> = amps_openapi::rules::field_errors(&e)
                .into_iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            alert.set(Some(msgs.join("; ")));
            return;
        }
        sending.set(true);
        spawn_local(async move {
            let result = api::call(session, move |c| {
                let req = req.clone();
                async move { c.submit_saars(&req).await }
            })
            .await;
            match result {
                Ok(r) => {
                    // Each attachment goes to each new SAAR (its approvers read it there).
                    let chosen = files.get_untracked();
                    let total = chosen.len() * r.saars.len();
                    uploaded.set((0, total));
                    let mut failed = Vec::new();
                    for s in &r.saars {
                        for f in &chosen {
                            let (id, name, bytes) = (s.id, f.name.clone(), f.bytes.clone());
                            let up = api::call(session, move |c| {
                                let (name, bytes) = (name.clone(), bytes.clone());
                                async move { c.upload_attachment(id, &name, bytes.to_vec()).await }
                            })
                            .await;
                            if let Err(e) = up {
                                failed.push(format!("{} to {}: {}", f.name, s.number, api::message(&e)));
                            }
                            uploaded.update(|u| u.0 += 1);
                        }
                    }
                    if !failed.is_empty() {
                        alert.set(Some(format!(
                            "The request is submitted, but some attachments were not: {}",
                            failed.join("; ")
                        )));
                    }
                    files.set(Vec::new());
                    sending.set(false);
                    clear_draft();
                    moved.set(true);
                    done.set(Some(r));
                    draft.set(Draft::default());
                }
                Err(e) => {
                    let fields = api::fields(&e);
                    let detail = if fields.is_empty() {
                        api::message(&e)
                    } else {
                        fields
                            .into_iter()
                            .map(|f| f.message)
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    alert.set(Some(detail));
                    sending.set(false);
                }
            }
        });
    };
    let step = Memo::new(move |_| draft.with(|d| d.step));
    let signed_in = Memo::new(move |_| session.signed_in());
    move || {
        if !signed_in.get() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Request a role" alert=alert>
                {move || {
                    if let Some(r) = done.get() {
                        return view! {
                            <h2 tabindex="-1" node_ref=heading>"Request submitted"</h2>
                            <p role="status">{format!("Your request is submitted: {}.", r.saars.iter().map(|s| format!("{} ({})", s.number, s.role.name)).collect::<Vec<_>>().join(", "))}</p>
                            {(!r.missing_prerequisites.is_empty()).then(|| view! {
                                <p class="warning">{format!("Still needed: {}. Request it too.", r.missing_prerequisites.iter().map(role_label).collect::<Vec<_>>().join(", "))}</p>
                            })}
                            <p><a href="/me?tab=roles">"See your Pending Requests in My Information"</a></p>
                        }.into_any();
                    }
                    let step = step.get();
                    view! {
                        {draft.with_untracked(|d| d.for_user.clone()).map(|(_, name)| view! {
                            <p class="notice">{format!("You are requesting on behalf of {name}, your direct report.")}</p>
                        })}
                <ol class="steps-nav" aria-label="Steps">
                            {STEPS.iter().enumerate().map(|(i, s)| view! {
                                <li aria-current=if i == step { "step" } else { "false" } class:current=i == step>{format!("{}. {s}", i + 1)}</li>
                            }).collect_view()}
                        </ol>
                        <h2 tabindex="-1" node_ref=heading>{STEPS[step]}</h2>
                        {match step {
                            0 => view! {
                                <div class="privacy">
                                    <p>"AUTHORITY: Executive Order 10450; Public Law 99-474, the Computer Fraud and Abuse Act."</p>
                                    <p>"PRINCIPAL PURPOSE: To record names, signatures, and other identifiers for the purpose of validating the trustworthiness of individuals requesting access to Department of Defense (DoD) systems and information."</p>
                                    <p>"ROUTINE USES: None. DISCLOSURE: Disclosure of this information is voluntary; however, failure to provide the requested information may impede, delay or prevent further processing of this request."</p>
                                </div>
                                <div class="actions">
                                    <button type="button" on:click=move |_| { draft.update(|d| d.accepted = true); go(1) }>"Accept"</button>
                                </div>
                            }.into_any(),
                            1 => {
                                let training = RwSignal::new(draft.with_untracked(|d| d.training.clone()));
                                let job = RwSignal::new(draft.with_untracked(|d| d.job_title.clone()));
                                let phone = RwSignal::new(draft.with_untracked(|d| d.phone.clone()));
                                // The information on file may arrive after the step is shown:
                                // it fills what the user has not typed yet.
                                Effect::new(move |_| {
                                    if let Some((p, j, t)) = prefilled.get() {
                                        if phone.get_untracked().is_empty() { phone.set(p); }
                                        if job.get_untracked().is_empty() { job.set(j); }
                                        if training.get_untracked().is_empty() { training.set(t); }
                                    }
                                });
                                Effect::new(move |_| {
                                    let (t, j, p) = (training.get(), job.get(), phone.get());
                                    draft.update(|d| { d.training = t; d.job_title = j; d.phone = p; });
                                });
                                view! {
                                    <p>"Check your details. Fields marked "<span aria-hidden="true">"*"</span>" are required."</p>
                                    <div class="field">
                                        <label for="w-training">{draft.with_untracked(|d| match &d.for_user { Some((_, name)) => format!("Date of {name}'s last IA / cyber-awareness training"), None => "Date of your last IA / cyber-awareness training".to_string() })}<span class="req" aria-hidden="true">" *"</span></label>
                                        <p class="hint" id="w-training-hint">"Within the last year."</p>
                                        <input id="w-training" type="date" required aria-required="true" aria-describedby="w-training-hint" bind:value=training/>
                                    </div>
                                    <div class="field">
                                        <label for="w-phone">"Phone"<span class="req" aria-hidden="true">" *"</span></label>
                                        <input id="w-phone" type="tel" required aria-required="true" bind:value=phone/>
                                    </div>
                                    <div class="field">
                                        <label for="w-job">"Job title"</label>
                                        <input id="w-job" bind:value=job/>
                                    </div>
                                    <div class="actions">
                                        <button type="button" class="secondary" on:click=move |_| go(0)>"Back"</button>
                                        <button type="button" on:click=move |_| {
                                            if draft.with_untracked(|d| d.training.is_empty()) {
                                                alert.set(Some("Enter the date of your last IA training.".into()));
                                            } else {
                                                go(2)
                                            }
                                        }>"Next"</button>
                                    </div>
                                }.into_any()
                            }
                            2 => view! {
                                <form class="search" on:submit=search role="search">
                                    <label for="w-q">"Role name or application"</label>
                                    <input id="w-q" bind:value=query/>
                                    <button type="submit">"Search"</button>
                                </form>
                                <Show when=move || searched.get()>
                                    <p role="status">{move || match found_refs.get().len() { 1 => "1 role found.".to_string(), n => format!("{n} roles found.") }}</p>
                                </Show>
                                <div class="dual">
                                    <RoleList id="found" label="Search results" items=found_refs highlighted=found_hl mfa=mfa_roles/>
                                    <div class="movers">
                                        <button type="button" on:click=add aria-label="Add the highlighted role to Selected Roles">"→"</button>
                                        <button type="button" class="secondary" on:click=remove aria-label="Remove the highlighted role from Selected Roles">"←"</button>
                                    </div>
                                    <RoleList id="chosen" label="Selected Roles" items=chosen_refs highlighted=chosen_hl mfa=mfa_roles/>
                                </div>
                                {move || {
                                    let m = missing.get();
                                    (!m.is_empty()).then(|| view! {
                                        <ul class="warnings" aria-label="Prerequisites">
                                            {m.into_iter().map(|(needs, p)| {
                                                let label = role_label(&p);
                                                view! {
                                                    <li>
                                                        {format!("{needs} needs {label}. ")}
                                                        <button type="button" class="secondary" on:click=move |_| draft.update(|d| d.selected.push(p.clone()))>{format!("Add {}", p.name)}</button>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    })
                                }}
                                <div class="actions">
                                    <button type="button" class="secondary" on:click=move |_| go(1)>"Back"</button>
                                    <button type="button" on:click=move |_| {
                                        if draft.with_untracked(|d| d.selected.is_empty()) {
                                            alert.set(Some("Select at least one role.".into()));
                                        } else {
                                            go(3)
                                        }
                                    }>"Next"</button>
                                </div>
                            }.into_any(),
                            3 => {
                                let text = RwSignal::new(draft.with_untracked(|d| d.justification.clone()));
                                Effect::new(move |_| { let t = text.get(); draft.update(|d| d.justification = t); });
                                view! {
                                    <div class="field">
                                        <label for="w-why">"Justification"<span class="req" aria-hidden="true">" *"</span></label>
                                        <p class="hint" id="w-why-hint">"Why you need these roles: 10 to 2000 characters."</p>
                                        <textarea id="w-why" rows="5" required aria-required="true" aria-describedby="w-why-hint" bind:value=text></textarea>
                                    </div>
                                    <div class="field">
                                        <label for="w-files">"Attachments (optional)"</label>
                                        <p class="hint" id="w-files-hint">"PDF, images, text or office documents, up to 10 MB each. They are sent with the request; reloading the page forgets them."</p>
                                        <input id="w-files" type="file" multiple aria-describedby="w-files-hint" on:change=move |ev| {
                                            use wasm_bindgen::JsCast;
                                            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
                                            spawn_local(async move {
                                                let (ok, refused) = read_files(input.clone()).await;
                                                files.update(|f| f.extend(ok));
                                                alert.set((!refused.is_empty()).then(|| refused.join(" ")));
                                                input.set_value("");
                                            });
                                        }/>
                                    </div>
                                    {move || {
                                        let chosen = files.get();
                                        (!chosen.is_empty()).then(|| view! {
                                            <ul class="plain" aria-label="Chosen attachments">
                                                {chosen.into_iter().enumerate().map(|(i, f)| view! {
                                                    <li>
                                                        {format!("{} ({} KB) ", f.name, f.bytes.len().div_ceil(1024))}
                                                        <button type="button" class="secondary" aria-label=format!("Remove {}", f.name)
                                                            on:click=move |_| files.update(|v| { if i < v.len() { v.remove(i); } })>"Remove"</button>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        })
                                    }}
                                    <div class="actions">
                                        <button type="button" class="secondary" on:click=move |_| go(2)>"Back"</button>
                                        <button type="button" on:click=move |_| {
                                            if draft.with_untracked(|d| d.justification.trim().chars().count() < 10) {
                                                alert.set(Some("Write a justification of at least 10 characters.".into()));
                                            } else {
                                                go(4)
                                            }
                                        }>"Next"</button>
                                    </div>
                                }.into_any()
                            }
                            _ => view! {
                                <dl class="facts">
                                    <dt>"Privacy Act Statement"</dt><dd>{move || if draft.with(|d| d.accepted) { "Accepted" } else { "Not accepted" }}</dd>
                                    <dt>"IA training"</dt><dd>{move || draft.with(|d| d.training.clone())}</dd>
                                    <dt>"Phone"</dt><dd>{move || draft.with(|d| d.phone.clone())}</dd>
                                    <dt>"Roles"</dt><dd>{move || draft.with(|d| d.selected.iter().map(role_label).collect::<Vec<_>>().join("; "))}</dd>
                                    <dt>"Justification"</dt><dd>{move || draft.with(|d| d.justification.clone())}</dd>
                                    <dt>"Attachments"</dt><dd>{move || files.with(|f| if f.is_empty() { "None".to_string() } else { f.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join(", ") })}</dd>
                                </dl>
                                <div class="actions">
                                    <button type="button" class="secondary" disabled=move || sending.get() on:click=move |_| go(3)>"Back"</button>
                                    <button type="button" disabled=move || sending.get() on:click=submit>{move || if sending.get() { "Submitting…" } else { "Submit" }}</button>
                                </div>
                                {move || (sending.get() && uploaded.get().1 > 0).then(|| {
                                    let (n, total) = uploaded.get();
                                    view! {
                                        <p role="status">
                                            <label for="w-upload">{format!("Uploading attachments: {n} of {total}")}</label>" "
                                            <progress id="w-upload" max=total.to_string() value=n.to_string()></progress>
                                        </p>
                                    }
                                })}
                            }.into_any(),
                        }}

                    }.into_any()
                }}
            </Page>
        }
        .into_any()
    }
}

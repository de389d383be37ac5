//! `/me`: My Information in tabs: Profile (facts, approvers with change, contact details),
//! Applications & Roles (Current Roles, Pending Requests, SAAR History) and, for supervisors,
//! Direct Reports.

use crate::api::{self, Session};
use crate::components::direct_reports::DirectReports;
use crate::components::tabs::{TabList, selected_tab};
use crate::components::{Field, FormErrors, Page, Status};
use amps_openapi::{DirectReportResponse, MeResponse, PersonRef, UpdateMeRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use validator::Validate;

fn person(p: Option<PersonRef>) -> String {
    p.map(|p| format!("{} ({}, {})", p.name, p.user_id, p.email))
        .unwrap_or_else(|| "None".into())
}

/// My Information.
#[component]
pub fn MyInformation() -> impl IntoView {
    let session = Session::get();
    let me = RwSignal::new(None::<MeResponse>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let phone = RwSignal::new(String::new());
    let job = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let current_password = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let busy = RwSignal::new(false);
    let supervisor = RwSignal::new(String::new());
    let security_officer = RwSignal::new(String::new());
    let eao_email = RwSignal::new(String::new());
    let approver_errors: FormErrors = RwSignal::new(vec![]);
    let approver_status = RwSignal::new(None::<String>);
    let reports = RwSignal::new(Vec::<DirectReportResponse>::new());
    let tabs = Signal::derive(move || {
        let mut t = vec![("profile", "Profile"), ("roles", "Applications & Roles")];
        if !reports.get().is_empty() {
            t.push(("reports", "Direct Reports"));
        }
        t
    });
    let tab = selected_tab(tabs);
    let fill = move |m: &MeResponse| {
        phone.set(m.phone.clone());
        job.set(m.job_title.clone().unwrap_or_default());
        email.set(m.pending_email.clone().unwrap_or_else(|| m.email.clone()));
    };
    if session.signed_in() {
        spawn_local(async move {
            match api::call(session, |c| async move { c.me().await }).await {
                Ok(m) => {
                    fill(&m);
                    me.set(Some(m));
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            if let Ok(r) = api::call(session, |c| async move { c.direct_reports().await }).await {
                reports.set(r);
            }
        });
    }
    let change_approvers = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pick = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|v| !v.is_empty());
        let req = UpdateMeRequest {
            supervisor: pick(supervisor),
            security_officer: pick(security_officer),
            eao_email: pick(eao_email),
            ..Default::default()
        };
        approver_status.set(None);
        if req.supervisor.is_none() && req.security_officer.is_none() && req.eao_email.is_none() {
            approver_errors.set(vec![]);
            alert.set(Some("Enter the new approver to change.".into()));
            return;
        }
        if let Err(e) = req.validate() {
            approver_errors.set(amps_openapi::rules::field_errors(&e));
            alert.set(Some("Correct the fields marked below.".into()));
            return;
        }
        busy.set(true);
        alert.set(None);
        approver_errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let r = req.clone();
                async move { c.update_me(&r).await }
            })
            .await
            {
                Ok(m) => {
                    me.set(Some(m));
                    supervisor.set(String::new());
                    security_officer.set(String::new());
                    eao_email.set(String::new());
                    approver_status.set(Some(
                        "Saved. A new security officer takes over at once; a new supervisor or External Authorizing Official is asked to accept, and takes over your waiting requests when they do."
                            .into(),
                    ));
                }
                Err(e) => {
                    approver_errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = me.get_untracked() else { return };
        let new_email = email.get_untracked().trim().to_string();
        let req = UpdateMeRequest {
            phone: Some(phone.get_untracked().trim().to_string()).filter(|p| *p != current.phone),
            job_title: Some(job.get_untracked().trim().to_string())
                .filter(|j| !j.is_empty() && Some(j) != current.job_title.as_ref()),
            email: Some(new_email)
                .filter(|e| *e != current.email && Some(e) != current.pending_email.as_ref()),
            ..Default::default()
        };
        let req = UpdateMeRequest {
            current_password: Some(current_password.get_untracked())
                .filter(|p| req.email.is_some() && !p.is_empty()),
            ..req
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            alert.set(Some("Correct the fields marked below.".into()));
            return;
        }
        busy.set(true);
        alert.set(None);
        status.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            let r = req.clone();
            match api::call(session, move |c| {
                let r = r.clone();
                async move { c.update_me(&r).await }
            })
            .await
            {
                Ok(m) => {
                    let msg = if m.pending_email.is_some() && req.email.is_some() {
                        format!(
                            "Saved. We sent a link to {}; your new email is used once you open it.",
                            m.pending_email.clone().unwrap_or_default()
                        )
                    } else {
                        "Saved.".to_string()
                    };
                    fill(&m);
                    me.set(Some(m));
                    current_password.set(String::new());
                    status.set(Some(msg));
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
            <Page title="My Information" alert=alert>
                <Show when=move || me.get().is_some() fallback=|| view! { <p role="status">"Loading your information…"</p> }>
                    <TabList label="My Information" path="/me" tabs=tabs selected=tab/>
                    <div role="tabpanel" id="panel-profile" aria-labelledby="tab-profile" tabindex="0" hidden=move || tab.get() != "profile">
                    {move || me.get().map(|m| view! {
                        <section aria-labelledby="profile-h">
                            <h2 id="profile-h">"Profile"</h2>
                            <dl class="facts">
                                <dt>"User ID"</dt><dd>{m.user_id.clone()}</dd>
                                <dt>"Name"</dt><dd>{format!("{} {}{}", m.first_name, m.middle_initial.clone().map(|i| format!("{i}. ")).unwrap_or_default(), m.last_name)}</dd>
                                <dt>"Email"</dt><dd>{m.email.clone()}{m.pending_email.clone().map(|p| format!(" (change to {p} waiting for verification)"))}</dd>
                                <dt>"Phone"</dt><dd>{m.phone.clone()}</dd>
                                <dt>"Job title"</dt><dd>{m.job_title.clone().unwrap_or_else(|| "None".into())}</dd>
                                <dt>"Organization"</dt><dd>{format!("{} ({})", m.organization.name, m.organization.code)}</dd>
                                <dt>"Company"</dt><dd>{m.company.clone().unwrap_or_else(|| "None".into())}</dd>
                                <dt>"User type"</dt><dd>{m.user_type.clone()}</dd>
                                <dt>"IT level"</dt><dd>{m.it_level.clone()}</dd>
                                <dt>"Account status"</dt><dd>{m.status.label()}</dd>
                            </dl>
                        </section>
                        <section aria-labelledby="approvers-h">
                            <h2 id="approvers-h">"Approvers"</h2>
                            <dl class="facts">
                                <dt>"Supervisor"</dt><dd>{person(m.supervisor.clone())}</dd>
                                <dt>"Security officer"</dt><dd>{person(m.security_officer.clone())}</dd>
                                {(!m.organization_security_officers.is_empty()).then(|| view! {
                                    <dt>{format!("Security Officer(s) of {}", m.organization.code)}</dt>
                                    <dd>{m.organization_security_officers.iter().map(|p| format!("{} ({})", p.name, p.user_id)).collect::<Vec<_>>().join(", ")}</dd>
                                })}
                                {(!m.iaos.is_empty()).then(|| view! {
                                    <dt>"Information Assurance Officer"</dt>
                                    <dd>{m.iaos.iter().map(|p| format!("{} ({})", p.name, p.user_id)).collect::<Vec<_>>().join(", ")}</dd>
                                })}
                                <dt>"External Authorizing Official"</dt><dd>{person(m.eao.clone()).replace("None", &m.eao_email.clone().unwrap_or_else(|| "None".into()))}</dd>
                            </dl>
                            {(!m.pending_approver_changes.is_empty()).then(|| view! {
                                <h3>"Waiting for acceptance"</h3>
                                <ul>
                                    {m.pending_approver_changes.iter().map(|c| {
                                        let who = c.new_approver.as_ref().map(|p| format!("{} ({})", p.name, p.user_id))
                                            .or_else(|| c.new_eao_email.clone())
                                            .unwrap_or_default();
                                        let role = if c.kind == "eao" { "External Authorizing Official" } else { "supervisor" };
                                        view! { <li>{format!("{who} is asked to be your {role}; your current {role} stays until they accept.")}</li> }
                                    }).collect_view()}
                                </ul>
                            })}
                        </section>
                    })}
                    <section aria-labelledby="change-approvers-h">
                        <h3 id="change-approvers-h">"Change approvers"</h3>
                        <Status msg=approver_status/>
                        <form on:submit=change_approvers novalidate>
                            {move || {
                                let external = me.get().is_some_and(|m| m.organization.code == "External");
                                if external {
                                    view! {
                                        <Field label="New External Authorizing Official email" name="eao_email" value=eao_email errors=approver_errors kind="email" autocomplete="off"/>
                                    }.into_any()
                                } else {
                                    view! {
                                        <Field label="New supervisor User ID" name="supervisor" value=supervisor errors=approver_errors/>
                                    }.into_any()
                                }
                            }}
                            <Field label="New security officer User ID" name="security_officer" value=security_officer errors=approver_errors/>
                            <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Saving…" } else { "Change approvers" }}</button>
                        </form>
                    </section>
                    <section aria-labelledby="edit-h">
                        <h2 id="edit-h">"Update contact details"</h2>
                        <Status msg=status/>
                        <form on:submit=save novalidate>
                            <Field label="Phone" name="phone" value=phone errors=errors kind="tel" required=true autocomplete="tel"/>
                            <Field label="Job title" name="job_title" value=job errors=errors autocomplete="organization-title"/>
                            <Field label="Official email" name="email" value=email errors=errors kind="email" required=true autocomplete="email" hint="A new address is used once you open the link we send to it."/>
                            <Field label="Current password" name="current_password" value=current_password errors=errors kind="password" autocomplete="current-password" hint="Needed only to change your email."/>
                            <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Saving…" } else { "Save" }}</button>
                        </form>
                    </section>
                    <crate::components::change_password::ChangePassword/>
                    <crate::components::two_step::TwoStep/>
                    <crate::components::security_keys::SecurityKeys/>
                    <crate::components::certificates::Certificates/>
                    <crate::components::network_identities::NetworkIdentities/>
                    <crate::components::out_of_office::OutOfOffice/>
                    <crate::components::sign_ins::SignIns/>
                    </div>
                    <div role="tabpanel" id="panel-roles" aria-labelledby="tab-roles" tabindex="0" hidden=move || tab.get() != "roles">
                        <Show when=move || tab.get() == "roles">
                            <crate::components::my_roles::MyRoles/>
                        </Show>
                    </div>
                    <Show when=move || tab.get() == "reports">
                        <div role="tabpanel" id="panel-reports" aria-labelledby="tab-reports" tabindex="0">
                            <DirectReports reports=reports/>
                        </div>
                    </Show>
                </Show>
            </Page>
        }
        .into_any()
    }
}

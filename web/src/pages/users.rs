//! `/users`: the users list of administrators and the help desk: search by User ID, name or
//! email, filter by status, next page; one account's status history, a status change with its
//! reason, and (administrators) a move to another organization and Delete User; creating an internal
//! account (administrators and the help desk), whose person is mailed an invitation, and
//! sending a waiting account its link again.

use crate::api::{self, Session};
use crate::components::delete_user::DeleteUser;
use crate::components::{Field, FormErrors, Page, Status};
use amps_openapi::{
    AccountMailResponse, CreateUserRequest, InternalUserType, ListUsersQuery, MyRequestsResponse,
    OrganizationResponse, ResetSecondFactorRequest, SaarStatus, SetUserStatusRequest, SettableStatus,
    UpdateUserRequest, UserDeletionResponse, UserDetailResponse, UserSummaryResponse,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use validator::Validate;

/// Users list.
#[component]
pub fn Users() -> impl IntoView {
    let session = Session::get();
    let text = RwSignal::new(String::new());
    let status_filter = RwSignal::new(String::new());
    let rows = RwSignal::new(None::<Vec<UserSummaryResponse>>);
    let next = RwSignal::new(None::<String>);
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let picked = RwSignal::new(None::<uuid::Uuid>);
    let fetch = move |cursor: Option<String>| {
        let q = ListUsersQuery {
            q: Some(text.get_untracked().trim().to_string()).filter(|t| !t.is_empty()),
            status: Some(status_filter.get_untracked()).filter(|s| !s.is_empty()),
            limit: Some(25),
            cursor: cursor.clone(),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let q = q.clone();
                async move { c.users(&q).await }
            })
            .await
            {
                Ok(page) => {
                    if cursor.is_some() {
                        rows.update(|r| r.get_or_insert_with(Vec::new).extend(page.users));
                    } else {
                        rows.set(Some(page.users));
                    }
                    next.set(page.next_cursor);
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
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Users" alert=alert>
                <Status msg=status/>
                <CreateAccount alert=alert status=status on_created=Callback::new(move |id| { picked.set(Some(id)); fetch(None); })/>
                <form class="filters" role="search" aria-label="Users" on:submit=search>
                    <div class="field">
                        <label for="u-q">"User ID, name or email"</label>
                        <input id="u-q" type="search" bind:value=text/>
                    </div>
                    <div class="field">
                        <label for="u-status">"Status"</label>
                        <select id="u-status" on:change=move |ev| status_filter.set(event_target_value(&ev)) prop:value=status_filter>
                            <option value="">"Any"</option>
                            <option value="active">"Active"</option>
                            <option value="pending_verification">"Pending verification"</option>
                            <option value="locked">"Locked"</option>
                            <option value="disabled">"Disabled"</option>
                            <option value="suspended">"Suspended"</option>
                            <option value="terminated">"Terminated"</option>
                            <option value="deleted">"Deleted"</option>
                        </select>
                    </div>
                    <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Searching…" } else { "Search" }}</button>
                </form>
                <p role="status" class="sr-only">{move || rows.get().map(|r| format!("{} users shown", r.len())).unwrap_or_default()}</p>
                {move || rows.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p>"No user matches."</p> }.into_any();
                    }
                    view! {
                        <table>
                            <caption class="sr-only">"Users"</caption>
                            <thead><tr>
                                <th scope="col">"User ID"</th><th scope="col">"Name"</th><th scope="col">"Email"</th>
                                <th scope="col">"Organization"</th><th scope="col">"Type"</th><th scope="col">"Status"</th><th scope="col">"Last activity"</th><th scope="col">"Account"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| { let id = u.id; let login = u.user_id.clone(); view! {
                                    <tr>
                                        <td>{u.user_id}</td><td>{u.name}</td><td>{u.email}</td><td>{u.organization}</td>
                                        <td>{u.user_type}</td><td>{u.status.replace('_', " ")}</td>
                                        <td>{u.last_activity_at.map(|d| crate::fmt::date(&d)).unwrap_or_else(|| "Never".into())}</td>
                                        <td><button type="button" class="secondary" on:click=move |_| picked.set(Some(id))>{format!("Manage {login}")}</button></td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })}
                <Show when=move || next.get().is_some()>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| fetch(next.get_untracked())>"Show more users"</button>
                </Show>
                {move || picked.get().map(|id| view! { <Account id=id alert=alert status=status on_changed=Callback::new(move |_| fetch(None))/> })}
            </Page>
        }
        .into_any()
    }
}

/// One account: its status history, a status change with a reason, and (administrators) a
/// move to another organization.
#[component]
fn Account(
    id: uuid::Uuid,
    alert: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let detail = RwSignal::new(None::<UserDetailResponse>);
    let mail = RwSignal::new(None::<Vec<AccountMailResponse>>);
    let requests = RwSignal::new(None::<MyRequestsResponse>);
    let orgs = RwSignal::new(Vec::<OrganizationResponse>::new());
    let new_status = RwSignal::new("disabled".to_string());
    let reason = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let admin = session.has_any(&["Administrator"]);
    spawn_local(async move {
        match api::call(session, move |c| async move { c.user(id).await }).await {
            Ok(d) => detail.set(Some(d)),
            Err(e) => alert.set(Some(api::message(&e))),
        }
        if session.has_any(&["Administrator", "Help Desk"]) {
            if let Ok(m) = api::call(session, move |c| async move { c.user_mail(id).await }).await {
                mail.set(Some(m));
            }
            if let Ok(r) = api::call(session, move |c| async move { c.user_requests(id).await }).await {
                requests.set(Some(r));
            }
        }
        if admin && let Ok(o) = api::call(session, |c| async move { c.organizations().await }).await {
            orgs.set(o);
        }
    });
    let done = move |r: Result<UserDetailResponse, String>, what: String| {
        match r {
            Ok(d) => {
                status.set(Some(format!("{}: {what}.", d.user.user_id)));
                detail.set(Some(d));
                reason.set(String::new());
                on_changed.run(());
            }
            Err(e) => alert.set(Some(e)),
        }
        busy.set(false);
    };
    let mfa_reason = RwSignal::new(String::new());
    let reset_mfa = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason = mfa_reason.get_untracked().trim().to_string();
        if reason.chars().count() < 5 {
            alert.set(Some(
                "Say why (at least 5 characters): the person reads it.".into(),
            ));
            return;
        }
        let body = ResetSecondFactorRequest { reason };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let b = body.clone();
                async move { c.reset_second_factor(id, &b).await }
            })
            .await
            {
                Ok(()) => {
                    mfa_reason.set(String::new());
                    status.set(Some(
                        "Two-step sign-in is reset: the person signs in with the password and sets it up again.".into(),
                    ));
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let resend_approval = move |saar: uuid::Uuid| {
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(
                session,
                move |c| async move { c.resend_approval_mail(saar).await },
            )
            .await
            {
                Ok(a) => status.set(Some(a.message)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let resend = move |_: ()| {
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| async move { c.resend_user_link(id).await }).await {
                Ok(a) => status.set(Some(a.message)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let change_status = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reason.get_untracked().trim().to_string();
        if text.chars().count() < 5 {
            alert.set(Some(
                "Give the reason the person will read (at least 5 characters).".into(),
            ));
            return;
        }
        let to = match new_status.get_untracked().as_str() {
            "active" => SettableStatus::Active,
            "locked" => SettableStatus::Locked,
            "suspended" => SettableStatus::Suspended,
            "terminated" => SettableStatus::Terminated,
            _ => SettableStatus::Disabled,
        };
        let body = SetUserStatusRequest {
            status: to,
            reason: text,
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            let r = api::call(session, move |c| {
                let b = body.clone();
                async move { c.set_user_status(id, &b).await }
            })
            .await
            .map_err(|e| api::message(&e));
            done(r, "status changed".into());
        });
    };
    let move_org = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = org.get_untracked();
        if code.is_empty() {
            alert.set(Some("Choose the organization the person moved to.".into()));
            return;
        }
        let body = UpdateUserRequest {
            organization: Some(code.clone()),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            let r = api::call(session, move |c| {
                let b = body.clone();
                async move { c.update_user(id, &b).await }
            })
            .await
            .map_err(|e| api::message(&e));
            done(r, format!("moved to {code}; a review of their roles is open"));
        });
    };
    view! {
        {move || detail.get().map(|d| {
            let who = d.user.user_id.clone();
            view! {
                <section class="card" aria-labelledby="account-h">
                    <h2 id="account-h">{format!("Account {} ({})", d.user.user_id, d.user.name)}</h2>
                    <p>{format!("Status: {} · organization {} · {}", d.user.status.replace('_', " "), d.user.organization, d.user.email)}</p>
                    {(d.company.is_some() || d.supervisor.is_some()).then(|| view! {
                        <p>{[
                            d.company.clone().map(|c| format!("Company {c}")),
                            d.contract_number.clone().map(|n| format!("contract {n}")),
                            d.contract_ends_on.map(|e| format!("ends {e}")),
                            d.supervisor.clone().map(|s| format!("supervisor {s}")),
                        ].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                    })}
                    <Show when=move || detail.get().is_some_and(|d| d.user.status == "pending_verification")>
                        <p>
                            "The person has not set a password yet. "
                            <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| resend(())>"Send the link again"</button>
                        </p>
                    </Show>
                    <h3>"Status history"</h3>
                    {if d.status_history.is_empty() {
                        view! { <p>"No change of status recorded."</p> }.into_any()
                    } else {
                        view! {
                            <ul>
                                {d.status_history.iter().map(|h| view! {
                                    <li>{format!("{} UTC: {} → {} by {}: {}", crate::fmt::date_time(&h.at), h.from.replace('_', " "), h.to.replace('_', " "), h.by.clone().unwrap_or_else(|| "AMPS".into()), h.reason)}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {move || mail.get().map(|list| view! {
                        <h3>"Recent mail"</h3>
                        {if list.is_empty() {
                            view! { <p>"No mail sent to this address."</p> }.into_any()
                        } else {
                            view! {
                                <table>
                                    <caption class="sr-only">"Recent mail to this account"</caption>
                                    <thead><tr><th scope="col">"Queued (UTC)"</th><th scope="col">"Subject"</th><th scope="col">"Delivery"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|m| view! {
                                            <tr>
                                                <td>{crate::fmt::date_time(&m.created_at)}</td>
                                                <td>{m.subject}</td>
                                                <td>{match (m.status.as_str(), m.last_error) {
                                                    ("sent", _) => "Sent".to_string(),
                                                    (s, Some(e)) => format!("{} after {} attempt(s): {e}", if s == "failed" { "Failed" } else { "Retrying" }, m.attempts),
                                                    (_, None) => "Waiting to be sent".to_string(),
                                                }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    })}
                    {move || requests.get().map(|r| view! {
                        <h3>"Requests"</h3>
                        {if r.pending.is_empty() {
                            view! { <p>"No open request."</p> }.into_any()
                        } else {
                            view! {
                                <table>
                                    <caption class="sr-only">"Open requests about this account"</caption>
                                    <thead><tr><th scope="col">"Request"</th><th scope="col">"Role"</th><th scope="col">"Waiting on"</th><th scope="col">"Approval mail"</th></tr></thead>
                                    <tbody>
                                        {r.pending.into_iter().map(|s| {
                                            let saar = s.id;
                                            let waiting = s.status == SaarStatus::Pending;
                                            view! {
                                                <tr>
                                                    <td>{format!("{} ({})", s.number, s.status.label())}</td>
                                                    <td>{format!("{} ({} {})", s.role.name, s.role.application, s.role.environment)}</td>
                                                    <td>{s.waiting_on.as_ref().map(|w| format!("{} since {}", w.who, crate::fmt::date(&w.since))).unwrap_or_default()}</td>
                                                    <td>{waiting.then(|| view! {
                                                        <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| resend_approval(saar)>{format!("Send the approval mail of {} again", s.number)}</button>
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        <p>{format!("SAAR History: {} closed request(s).", r.history.len())}</p>
                    })}
                    <crate::components::sign_ins::SignIns of=(id, d.user.user_id.clone())/>
                    <crate::components::certificates::Certificates of=(id, d.user.user_id.clone())/>
                    <form aria-label=format!("Two-step sign-in of {who}") on:submit=reset_mfa novalidate>
                        <div class="field">
                            <label for="acct-mfa-reason">"Why reset two-step sign-in (lost phone and recovery codes; check who is calling first)"</label>
                            <input id="acct-mfa-reason" bind:value=mfa_reason/>
                        </div>
                        <button type="submit" class="secondary" disabled=move || busy.get()>{format!("Reset two-step sign-in of {who}")}</button>
                    </form>
                    <form aria-label=format!("Status of {who}") on:submit=change_status novalidate>
                        <div class="field">
                            <label for="acct-status">"New status"</label>
                            <select id="acct-status" on:change=move |ev| new_status.set(event_target_value(&ev)) prop:value=new_status>
                                <option value="disabled">"Disabled"</option>
                                <option value="active">"Active (enable)"</option>
                                <option value="locked">"Locked (administrators)"</option>
                                <option value="suspended">"Suspended (administrators)"</option>
                                <option value="terminated">"Terminated (administrators)"</option>
                            </select>
                        </div>
                        <div class="field">
                            <label for="acct-reason">"Reason (the person reads it)"</label>
                            <textarea id="acct-reason" rows="2" bind:value=reason></textarea>
                        </div>
                        <button type="submit" disabled=move || busy.get()>{format!("Change the status of {who}")}</button>
                    </form>
                    {admin.then(|| {
                        let who = who.clone();
                        view! {
                            <DeleteUser id=id who=who.clone() alert=alert on_done=Callback::new(move |r: UserDeletionResponse| {
                                status.set(Some(crate::components::delete_user::news(&who, &r)));
                                on_changed.run(());
                            })/>
                        }
                    })}
                    <Show when=move || !orgs.get().is_empty()>
                        <form aria-label="Organization" on:submit=move_org novalidate>
                            <div class="field">
                                <label for="acct-org">"Move to organization"</label>
                                <select id="acct-org" on:change=move |ev| org.set(event_target_value(&ev)) prop:value=org>
                                    <option value="">"Choose…"</option>
                                    {move || orgs.get().into_iter().map(|o| view! { <option value=o.code.clone()>{format!("{} ({})", o.name, o.code)}</option> }).collect_view()}
                                </select>
                            </div>
                            <button type="submit" class="secondary" disabled=move || busy.get()>"Move"</button>
                        </form>
                    </Show>
                </section>
            }
        })}
    }
}

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Create an internal account (administrators and the help desk): the person is mailed a
/// link to set their password.
#[component]
fn CreateAccount(
    alert: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
    on_created: Callback<uuid::Uuid>,
) -> impl IntoView {
    let session = Session::get();
    let open = RwSignal::new(false);
    let orgs = RwSignal::new(Vec::<OrganizationResponse>::new());
    let user_id = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let middle = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let job = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    let kind = RwSignal::new("civilian".to_string());
    let company = RwSignal::new(String::new());
    let contract = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let supervisor = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let busy = RwSignal::new(false);
    let contractor = move || kind.get() == "contractor";
    let show = move |_| {
        open.set(true);
        if orgs.get_untracked().is_empty() {
            spawn_local(async move {
                if let Ok(o) = api::call(session, |c| async move { c.organizations().await }).await {
                    let internal: Vec<_> = o.into_iter().filter(|o| !o.is_external).collect();
                    if let Some(first) = internal.first() {
                        org.set(first.code.clone());
                    }
                    orgs.set(internal);
                }
            });
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let is_contractor = kind.get_untracked() == "contractor";
        let contract_field = |v: RwSignal<String>| {
            if is_contractor {
                opt(v.get_untracked())
            } else {
                None
            }
        };
        let ends_on = if is_contractor {
            match ends.get_untracked().trim() {
                "" => None,
                d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Ok(d) => Some(d),
                    Err(_) => {
                        errors.set(vec![amps_openapi::FieldError {
                            field: "contract_ends_on".into(),
                            code: "date".into(),
                            message: "must be a date".into(),
                        }]);
                        return;
                    }
                },
            }
        } else {
            None
        };
        let req = CreateUserRequest {
            user_id: user_id.get_untracked().trim().into(),
            first_name: first.get_untracked().trim().into(),
            middle_initial: opt(middle.get_untracked()),
            last_name: last.get_untracked().trim().into(),
            email: email.get_untracked().trim().into(),
            phone: phone.get_untracked(),
            job_title: opt(job.get_untracked()),
            organization: org.get_untracked(),
            user_type: match kind.get_untracked().as_str() {
                "military" => InternalUserType::Military,
                "contractor" => InternalUserType::Contractor,
                _ => InternalUserType::Civilian,
            },
            company: contract_field(company),
            contract_number: contract_field(contract),
            contract_ends_on: ends_on,
            supervisor: opt(supervisor.get_untracked()),
        };
        if let Err(e) = req.validate() {
            let errs = amps_openapi::rules::field_errors(&e);
            crate::components::mark_invalid(alert, errors, errs);
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        spawn_local(async move {
            match api::call(session, move |c| {
                let r = req.clone();
                async move { c.create_user(&r).await }
            })
            .await
            {
                Ok(d) => {
                    status.set(Some(format!(
                        "Account {} created; we mailed {} a link to set a password.",
                        d.user.user_id, d.user.email
                    )));
                    for f in [
                        user_id, first, middle, last, email, phone, job, company, contract, ends, supervisor,
                    ] {
                        f.set(String::new());
                    }
                    open.set(false);
                    on_created.run(d.user.id);
                }
                Err(e) => {
                    errors.set(api::fields(&e));
                    alert.set(Some(api::message(&e)));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=move || session.has_any(&["Administrator", "Help Desk"])>
            <Show
                when=move || open.get()
                fallback=move || view! { <p><button type="button" on:click=show>"Create an account"</button></p> }
            >
                <section class="card" aria-labelledby="create-h">
                    <h2 id="create-h">"Create an account"</h2>
                    <p>"For DLA and DFAS civilians, military members and contractors (external users register themselves). The person is mailed a link to set their password; it works for 7 days."</p>
                    <form on:submit=submit novalidate>
                        <Field label="User ID" name="user_id" value=user_id errors=errors required=true hint="3 to 64 letters, digits, dots, dashes or underscores."/>
                        <Field label="First name" name="first_name" value=first errors=errors required=true/>
                        <Field label="Middle initial" name="middle_initial" value=middle errors=errors/>
                        <Field label="Last name" name="last_name" value=last errors=errors required=true/>
                        <Field label="Official email" name="email" value=email errors=errors kind="email" required=true hint="The invitation goes here."/>
                        <Field label="Phone" name="phone" value=phone errors=errors kind="tel" required=true/>
                        <Field label="Job title" name="job_title" value=job errors=errors/>
                        <div class="field">
                            <label for="new-org">"Organization"</label>
                            <select id="new-org" on:change=move |ev| org.set(event_target_value(&ev)) prop:value=org>
                                {move || orgs.get().into_iter().map(|o| view! { <option value=o.code.clone()>{format!("{} ({})", o.name, o.code)}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="new-type">"User type"</label>
                            <select id="new-type" on:change=move |ev| kind.set(event_target_value(&ev)) prop:value=kind>
                                <option value="civilian">"Civilian"</option>
                                <option value="military">"Military"</option>
                                <option value="contractor">"Contractor"</option>
                            </select>
                        </div>
                        <Show when=contractor>
                            <fieldset>
                                <legend>"Contract"</legend>
                                <Field label="Company" name="company" value=company errors=errors required=true/>
                                <Field label="Contract number" name="contract_number" value=contract errors=errors required=true/>
                                <Field label="Contract end date" name="contract_ends_on" value=ends errors=errors kind="date" required=true hint="The account ends with the contract."/>
                            </fieldset>
                        </Show>
                        <Field label="Supervisor's User ID" name="supervisor" value=supervisor errors=errors hint="Optional: the person's supervisor, who approves their requests."/>
                        <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Creating…" } else { "Create and send the invitation" }}</button>
                        <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    </form>
                </section>
            </Show>
        </Show>
    }
}

//! `/users`: the users list of administrators and the help desk: search by User ID, name or
//! email, filter by status, next page; one account's status history, a status change with its
//! reason, and (administrators) a move to another organization.

use crate::api::{self, Session};
use crate::components::{Page, Status};
use amps_openapi::{
    ListUsersQuery, OrganizationResponse, SetUserStatusRequest, SettableStatus, UpdateUserRequest,
    UserDetailResponse, UserSummaryResponse,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

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

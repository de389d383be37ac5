//! `/users`: the users list of administrators and the help desk: search by User ID, name or
//! email, filter by status, next page.

use crate::api::{self, Session};
use crate::components::Page;
use amps_openapi::{ListUsersQuery, UserSummaryResponse};
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
                                <th scope="col">"Organization"</th><th scope="col">"Type"</th><th scope="col">"Status"</th><th scope="col">"Last activity"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| view! {
                                    <tr>
                                        <td>{u.user_id}</td><td>{u.name}</td><td>{u.email}</td><td>{u.organization}</td>
                                        <td>{u.user_type}</td><td>{u.status.replace('_', " ")}</td>
                                        <td>{u.last_activity_at.map(|d| crate::fmt::date(&d)).unwrap_or_else(|| "Never".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })}
                <Show when=move || next.get().is_some()>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| fetch(next.get_untracked())>"Show more users"</button>
                </Show>
            </Page>
        }
        .into_any()
    }
}

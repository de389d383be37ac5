//! Find a person by User ID, name or email and choose them (approval group members, a role's
//! data owner or IAO). Uses the users list, open to administrators, the help desk and
//! role-catalog owners.

use crate::api::{self, Session};
use amps_openapi::{ListUsersQuery, UserSummaryResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A search box and the matching people, each with a "Choose" button.
#[component]
pub fn PersonPicker(
    /// Unique prefix for element ids.
    id: String,
    /// What is being chosen, e.g. "a member of Shipping approvers".
    purpose: String,
    /// Called with the chosen person.
    on_pick: Callback<UserSummaryResponse>,
) -> impl IntoView {
    let session = Session::get();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<UserSummaryResponse>>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Not a form of its own: the picker sits inside other forms (a new role's data owner).
    let find = move || {
        let q = text.get_untracked().trim().to_string();
        if q.is_empty() {
            error.set(Some("Type part of a User ID, name or email first.".into()));
            return;
        }
        let query = ListUsersQuery {
            q: Some(q),
            status: Some("active".into()),
            limit: Some(10),
            cursor: None,
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let query = query.clone();
                async move { c.users(&query).await }
            })
            .await
            {
                Ok(page) => found.set(Some(page.users)),
                Err(e) => error.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let input_id = format!("{id}-q");
    view! {
        <div class="search" role="search" aria-label=format!("People search: {purpose}")>
            <div class="field">
                <label for=input_id.clone()>{format!("Find {purpose}")}</label>
                <input id=input_id type="search" bind:value=text autocomplete="off"
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); find(); }/>
            </div>
            <button type="button" class="secondary" disabled=move || busy.get() on:click=move |_| find()>
                {move || if busy.get() { "Finding…" } else { "Find" }}
            </button>
        </div>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <p class="sr-only" role="status">{move || found.get().map(|f| format!("{} people found", f.len()))}</p>
        {move || found.get().map(|people| {
            if people.is_empty() {
                return view! { <p>"No active user matches."</p> }.into_any();
            }
            view! {
                <ul class="plain">
                    {people.into_iter().map(|u| {
                        let label = format!("Choose {} ({})", u.name, u.user_id);
                        let text_line = format!("{} · {} · {}", u.name, u.user_id, u.email);
                        view! {
                            <li>
                                {text_line}" "
                                <button type="button" class="secondary" aria-label=label
                                    on:click=move |_| { found.set(None); on_pick.run(u.clone()); }>"Choose"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
}

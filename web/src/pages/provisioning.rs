//! `/provisioning`: the provisioner's queue; complete a task with a note.

use crate::api::{self, Session};
use crate::components::{Page, Status};
use amps_openapi::{CompleteProvisioningRequest, ProvisioningTaskResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

/// Provisioning queue.
#[component]
pub fn Provisioning() -> impl IntoView {
    let session = Session::get();
    let tasks = RwSignal::new(None::<Vec<ProvisioningTaskResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.provisioning_tasks().await }).await {
                Ok(t) => tasks.set(Some(t)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    if session.signed_in() {
        load();
    }
    move || {
        if !session.signed_in() {
            return view! { <Redirect path="/sign-in"/> }.into_any();
        }
        view! {
            <Page title="Provisioning tasks" alert=alert>
                <Status msg=status/>
                {move || match tasks.get() {
                    None => view! { <p role="status">"Loading the queue…"</p> }.into_any(),
                    Some(list) if list.is_empty() => view! { <p>"No provisioning tasks are waiting."</p> }.into_any(),
                    Some(_) => ().into_any(),
                }}
                // Keyed by task, so a reload keeps notes typed in the other tasks.
                <ul class="cards">
                    <For
                        each=move || tasks.get().unwrap_or_default()
                        key=|t| t.id
                        children=move |t| {
                                let note = RwSignal::new(String::new());
                                let id = t.id;
                                let number = t.saar_number.clone();
                                let complete = move |_| {
                                    let number = number.clone();
                                    spawn_local(async move {
                                        let n = note.get_untracked();
                                        let body = CompleteProvisioningRequest { note: (!n.trim().is_empty()).then_some(n) };
                                        match api::call(session, move |c| { let body = body.clone(); async move { c.complete_provisioning(id, &body).await } }).await {
                                            Ok(_) => { status.set(Some(format!("{number}: done."))); load(); }
                                            Err(e) => alert.set(Some(format!("{number}: {}", api::message(&e)))),
                                        }
                                    });
                                };
                                view! {
                                    <li>
                                        <article class="card" aria-label=format!("{} {}", t.saar_number, t.role.name)>
                                            <h2>{format!("{}: {} {} ({} {})", t.saar_number, if t.kind == "revoke" { "Remove" } else { "Grant" }, t.role.name, t.role.application, t.role.environment)}</h2>
                                            <p class="meta">{format!("For {} · waiting since {}", t.user, crate::fmt::date_time(&t.created_at))}</p>
                                            {t.last_error.clone().map(|e| view! { <p class="warning">{format!("Automatic provisioning failed {} times: {e}", t.attempts)}</p> })}
                                            <div class="field">
                                                <label for=format!("note-{id}")>"Note"</label>
                                                <input id=format!("note-{id}") bind:value=note/>
                                            </div>
                                            <button type="button" on:click=complete>"Mark done"</button>
                                        </article>
                                    </li>
                                }
}
                    />
                </ul>
            </Page>
        }
        .into_any()
    }
}

//! People who named the signed-in user as their new supervisor or External Authorizing
//! Official: accept (the change takes effect and their open approvals come to you) or decline.

use crate::api::{self, Session};
use amps_openapi::ApproverChangeResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;

fn role(kind: &str) -> &'static str {
    if kind == "eao" {
        "External Authorizing Official"
    } else {
        "supervisor"
    }
}

/// The approver requests waiting for the signed-in user; nothing when there are none.
#[component]
pub fn ApproverRequests(status: RwSignal<Option<String>>, alert: RwSignal<Option<String>>) -> impl IntoView {
    let session = Session::get();
    let asks = RwSignal::new(Vec::<ApproverChangeResponse>::new());
    let load = move || {
        spawn_local(async move {
            if let Ok(a) = api::call(session, |c| async move { c.approver_changes().await }).await {
                asks.set(a);
            }
        })
    };
    load();
    let decide = move |id: uuid::Uuid, name: String, kind: String, accept: bool| {
        spawn_local(async move {
            match api::call(session, move |c| async move {
                c.decide_approver_change(id, accept).await
            })
            .await
            {
                Ok(_) => {
                    status.set(Some(if accept {
                        format!("You are now {name}'s {}.", role(&kind))
                    } else {
                        format!("You declined to be {name}'s {}.", role(&kind))
                    }));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    view! {
        <Show when=move || !asks.get().is_empty()>
            <section aria-labelledby="asks-h">
                <h2 id="asks-h">"Asked to be someone's approver"</h2>
                <ul class="cards">
                    <For each=move || asks.get() key=|a| a.id children=move |a| {
                        let (name, kind) = (a.user.name.clone(), a.kind.clone());
                        let (n2, k2) = (name.clone(), kind.clone());
                        view! {
                            <li>
                                <article aria-labelledby=format!("ask-{}", a.id)>
                                    <h3 id=format!("ask-{}", a.id)>{format!("{} ({}) asks you to be their {}", a.user.name, a.user.user_id, role(&a.kind))}</h3>
                                    <p>{format!("Asked {}. As their {} you approve their requests for access.", crate::fmt::date_time(&a.requested_at), role(&a.kind))}</p>
                                    <div class="actions">
                                        <button type="button" on:click=move |_| decide(a.id, name.clone(), kind.clone(), true)>"Accept"</button>
                                        <button type="button" class="secondary" on:click=move |_| decide(a.id, n2.clone(), k2.clone(), false)>"Decline"</button>
                                    </div>
                                </article>
                            </li>
                        }
                    }/>
                </ul>
            </section>
        </Show>
    }
}

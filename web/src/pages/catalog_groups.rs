//! The approval groups section of `/catalog`: each group with its members (remove one, add
//! one found by name), and a form for a new group. Every change is saved at once.

use crate::api::{self, Session};
use crate::components::{PersonPicker, Report};
use amps_openapi::{ApprovalGroupResponse, CreateApprovalGroupRequest, UpdateApprovalGroupRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Saves `members` as the whole member list of `group`, then reports and reloads.
fn save_members(
    group: &ApprovalGroupResponse,
    members: Vec<Uuid>,
    done: String,
    busy: RwSignal<bool>,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) {
    let session = Session::get();
    let id = group.id;
    let name = group.name.clone();
    let req = UpdateApprovalGroupRequest {
        members: Some(members),
        ..Default::default()
    };
    busy.set(true);
    status.set(Some(format!("Saving {name}…")));
    spawn_local(async move {
        match api::call(session, move |c| {
            let req = req.clone();
            async move { c.update_approval_group(id, &req).await }
        })
        .await
        {
            Ok(_) => {
                alert.set(None);
                status.set(Some(done));
                on_saved.run(());
            }
            Err(e) => {
                status.set(None);
                alert.set(Some(format!("{name}: {}", api::message(&e))));
            }
        }
        busy.set(false);
    });
}

/// One group: its members and how to change them.
#[component]
fn GroupCard(
    group: ApprovalGroupResponse,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let p = format!("group-{}", group.id);
    let g = StoredValue::new(group.clone());
    let add = Callback::new(move |u: amps_openapi::UserSummaryResponse| {
        let g = g.get_value();
        if g.members.contains(&u.id) {
            alert.set(Some(format!("{} is already a member of {}.", u.name, g.name)));
            return;
        }
        let mut members = g.members.clone();
        members.push(u.id);
        let done = format!("{} added to {}.", u.name, g.name);
        save_members(&g, members, done, busy, status, alert, on_saved);
    });
    view! {
        <article class="card" aria-labelledby=format!("{p}-h")>
            <h3 id=format!("{p}-h")>{group.name.clone()}</h3>
            <p class="meta">{group.description.clone()}</p>
            {if group.people.is_empty() {
                view! { <p>"No members: tasks for this group wait until someone is added."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {group.people.iter().map(|m| {
                            let who = m.clone();
                            let label = format!("Remove {} from {}", m.name, group.name);
                            view! {
                                <li>
                                    {format!("{} ({}) ", m.name, m.user_id)}
                                    <button type="button" class="secondary" aria-label=label disabled=move || busy.get()
                                        on:click=move |_| {
                                            let g = g.get_value();
                                            let members = g.members.iter().copied().filter(|id| *id != who.id).collect();
                                            let done = format!("{} removed from {}.", who.name, g.name);
                                            save_members(&g, members, done, busy, status, alert, on_saved);
                                        }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <PersonPicker id=format!("{p}-add") purpose=format!("a member for {}", group.name) on_pick=add/>
        </article>
    }
}

/// The approval groups section.
#[component]
pub fn ApprovalGroups(
    groups: Signal<Vec<ApprovalGroupResponse>>,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateApprovalGroupRequest {
            name: name.get_untracked().trim().into(),
            description: description.get_untracked().trim().into(),
            members: vec![],
        };
        let report = Report {
            session,
            busy,
            status,
            alert,
        };
        if !report.valid(&req) {
            return;
        }
        report.send(
            None,
            move |c| {
                let req = req.clone();
                async move { c.create_approval_group(&req).await }
            },
            move |g| {
                name.set(String::new());
                description.set(String::new());
                on_saved.run(());
                format!("Group {} added. Add its members below.", g.name)
            },
        );
    };
    view! {
        <section aria-labelledby="groups-h">
            <h2 id="groups-h">"Approval groups"</h2>
            <ul class="cards">
                {move || groups.get().into_iter().map(|g| view! {
                    <li><GroupCard group=g status=status alert=alert on_saved=on_saved/></li>
                }).collect_view()}
            </ul>
            <details>
                <summary>"Add an approval group"</summary>
                <form aria-label="New approval group" on:submit=create novalidate>
                    <div class="field"><label for="g-name">"Group name"</label><input id="g-name" bind:value=name required/></div>
                    <div class="field"><label for="g-desc">"Description"</label><textarea id="g-desc" rows="2" bind:value=description></textarea></div>
                    <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Adding…" } else { "Add group" }}</button>
                </form>
            </details>
        </section>
    }
}

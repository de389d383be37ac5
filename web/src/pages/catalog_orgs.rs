//! The organizations section of `/catalog` (administrators): each organization with whether its
//! users may request non-PROD roles and whether they must sign in with a second factor, saved
//! one organization at a time; and a form for a new organization.

use crate::api::{self, Session};
use amps_openapi::{CreateOrganizationRequest, OrganizationResponse, UpdateOrganizationRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// One organization's settings.
#[component]
fn OrganizationRow(
    org: OrganizationResponse,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let p = format!("org-{}", org.id);
    let non_prod = RwSignal::new(org.allows_non_prod);
    let mfa = RwSignal::new(org.mfa_required);
    let busy = RwSignal::new(false);
    let (id, code) = (org.id, org.code.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = UpdateOrganizationRequest {
            allows_non_prod: Some(non_prod.get_untracked()),
            mfa_required: Some(mfa.get_untracked()),
            ..Default::default()
        };
        let code = code.clone();
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let req = req.clone();
                async move { c.update_organization(id, &req).await }
            })
            .await
            {
                Ok(o) => {
                    status.set(Some(format!(
                        "{code} saved: {}.",
                        if o.mfa_required {
                            "its users sign in with a second factor"
                        } else {
                            "a second factor is its users' choice"
                        }
                    )));
                    on_saved.run(());
                }
                Err(e) => alert.set(Some(format!("{code}: {}", api::message(&e)))),
            }
            busy.set(false);
        });
    };
    view! {
        <article class="card" aria-labelledby=format!("{p}-h")>
            <h3 id=format!("{p}-h")>{format!("{} ({})", org.name, org.code)}</h3>
            <p class="meta">{if org.is_external { "External: its users are approved by their External Authorizing Official." } else { "Internal." }}</p>
            <form aria-label=format!("Settings of {}", org.code) on:submit=save novalidate>
                <div class="check">
                    <input type="checkbox" id=format!("{p}-np") prop:checked=non_prod on:change=move |ev| non_prod.set(event_target_checked(&ev))/>
                    <label for=format!("{p}-np")>"Its users may request non-PROD (TEST, …) roles"</label>
                </div>
                <div class="check">
                    <input type="checkbox" id=format!("{p}-mfa") prop:checked=mfa on:change=move |ev| mfa.set(event_target_checked(&ev))/>
                    <label for=format!("{p}-mfa")>"Its users must sign in with a second factor (authenticator app, security key or PIV / CAC)"</label>
                </div>
                <button type="submit" disabled=move || busy.get()>{format!("Save {}", org.code)}</button>
            </form>
        </article>
    }
}

/// The organizations, for administrators.
#[component]
pub fn Organizations(
    orgs: Signal<Vec<OrganizationResponse>>,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let external = RwSignal::new(false);
    let mfa = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateOrganizationRequest {
            code: code.get_untracked().trim().to_uppercase(),
            name: name.get_untracked().trim().to_string(),
            is_external: external.get_untracked(),
            allows_non_prod: !external.get_untracked(),
            mfa_required: mfa.get_untracked(),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let req = req.clone();
                async move { c.create_organization(&req).await }
            })
            .await
            {
                Ok(o) => {
                    status.set(Some(format!("{} added.", o.code)));
                    code.set(String::new());
                    name.set(String::new());
                    on_saved.run(());
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="orgs-h">
            <h2 id="orgs-h">"Organizations"</h2>
            <ul class="cards">
                // Keyed by the organization as it is: a saved change redraws its card only.
                <For
                    each=move || orgs.get()
                    key=|o| serde_json::to_string(o).unwrap_or_default()
                    children=move |o| view! { <li><OrganizationRow org=o status=status alert=alert on_saved=on_saved/></li> }
                />
            </ul>
            <details>
                <summary>"Add an organization"</summary>
                <form on:submit=add novalidate>
                    <div class="field"><label for="o-code">"Code (letters and digits, e.g. NAVSUP)"</label><input id="o-code" bind:value=code required/></div>
                    <div class="field"><label for="o-name">"Name"</label><input id="o-name" bind:value=name required/></div>
                    <div class="check">
                        <input type="checkbox" id="o-ext" prop:checked=external on:change=move |ev| external.set(event_target_checked(&ev))/>
                        <label for="o-ext">"External (vendors, partners: approved by their External Authorizing Official)"</label>
                    </div>
                    <div class="check">
                        <input type="checkbox" id="o-mfa" prop:checked=mfa on:change=move |ev| mfa.set(event_target_checked(&ev))/>
                        <label for="o-mfa">"Its users must sign in with a second factor"</label>
                    </div>
                    <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Adding…" } else { "Add organization" }}</button>
                </form>
            </details>
        </section>
    }
}

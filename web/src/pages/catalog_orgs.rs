//! The organizations section of `/catalog` (administrators): each organization with whether its
//! users may request non-PROD roles and whether they must sign in with a second factor, saved
//! one organization at a time, and its sign-in with network credentials (its OpenID Connect
//! provider); and a form for a new organization.

use crate::api::{self, Session};
use amps_openapi::{
    CreateOrganizationRequest, NetworkSignInRequest, NetworkSignInResponse, OrganizationResponse,
    UpdateOrganizationRequest,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

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
            <NetworkSignIn id=org.id code=org.code.clone() status=status alert=alert/>
        </article>
    }
}

/// An organization's identity provider: its people sign in with their network credentials.
#[component]
fn NetworkSignIn(
    id: Uuid,
    code: String,
    status: RwSignal<Option<String>>,
    alert: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let p = format!("net-{id}");
    let label = format!("Network sign-in of {code}");
    let current = RwSignal::new(None::<NetworkSignInResponse>);
    let issuer = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(n) = api::call(
            session,
            move |c| async move { c.network_sign_in_settings(id).await },
        )
        .await
        {
            issuer.set(n.issuer.clone());
            client_id.set(n.client_id.clone());
            current.set(Some(n));
        }
    });
    let save = {
        let code = code.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let typed = secret.get_untracked();
            let req = NetworkSignInRequest {
                issuer: issuer.get_untracked().trim().to_string(),
                client_id: client_id.get_untracked().trim().to_string(),
                client_secret: (!typed.is_empty()).then_some(typed),
            };
            let code = code.clone();
            busy.set(true);
            alert.set(None);
            spawn_local(async move {
                match api::call(session, move |c| {
                    let req = req.clone();
                    async move { c.set_network_sign_in(id, &req).await }
                })
                .await
                {
                    Ok(n) => {
                        status.set(Some(format!(
                            "{code}: its people can sign in with their network credentials. Register AMPS with the provider with the redirect URI {}.",
                            n.redirect_uri
                        )));
                        secret.set(String::new());
                        current.set(Some(n));
                    }
                    Err(e) => alert.set(Some(format!("{code}: {}", api::message(&e)))),
                }
                busy.set(false);
            });
        }
    };
    let remove = move |_| {
        let code = code.clone();
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(
                session,
                move |c| async move { c.remove_network_sign_in(id).await },
            )
            .await
            {
                Ok(()) => {
                    status.set(Some(format!("{code}: sign-in with network credentials is off.")));
                    current.set(None);
                }
                Err(e) => alert.set(Some(format!("{code}: {}", api::message(&e)))),
            }
            busy.set(false);
        });
    };
    view! {
        <details>
            <summary>{move || if current.with(Option::is_some) { "Network sign-in: on" } else { "Network sign-in: off" }}</summary>
            <p>"Its people sign in at the organization's identity provider (OpenID Connect) and come back to AMPS, which finds their account by the address the provider verified."</p>
            {move || current.get().map(|n| view! {
                <p>"Redirect URI to register with the provider: "<code>{n.redirect_uri}</code></p>
            })}
            <form aria-label=label on:submit=save novalidate>
                <div class="field"><label for=format!("{p}-iss")>"Issuer (the provider's URL)"</label><input id=format!("{p}-iss") type="url" bind:value=issuer/></div>
                <div class="field"><label for=format!("{p}-cid")>"Client ID of AMPS at the provider"</label><input id=format!("{p}-cid") autocomplete="off" bind:value=client_id/></div>
                <div class="field">
                    <label for=format!("{p}-sec")>{move || if current.with(Option::is_some) { "Client secret (leave empty to keep it)" } else { "Client secret" }}</label>
                    <input id=format!("{p}-sec") type="password" autocomplete="new-password" bind:value=secret/>
                </div>
                <button type="submit" disabled=move || busy.get()>"Save network sign-in"</button>
                <Show when=move || current.with(Option::is_some)>
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=remove.clone()>"Turn off network sign-in"</button>
                </Show>
            </form>
        </details>
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

//! Network sign-in in My Information: the identities at an organization's provider that sign
//! me in (linked at my first sign-in with my network credentials), and unlinking one.

use crate::api::{self, Session};
use crate::components::{Alert, Status};
use crate::fmt;
use amps_openapi::NetworkIdentityResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// The Network sign-in section.
#[component]
pub fn NetworkIdentities() -> impl IntoView {
    let session = Session::get();
    let rows = RwSignal::new(None::<Vec<NetworkIdentityResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.my_network_identities().await }).await {
                Ok(r) => rows.set(Some(r)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    load();
    let unlink = move |id: Uuid| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            match api::call(
                session,
                move |c| async move { c.unlink_network_identity(id).await },
            )
            .await
            {
                Ok(()) => {
                    status.set(Some("Unlinked: it no longer signs you in.".into()));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let list = move |list: Vec<NetworkIdentityResponse>| {
        if list.is_empty() {
            return view! {
                <p>"None is linked. Sign in with your organization's network credentials from the sign-in page, when your organization offers it, to link yours."</p>
            }
            .into_any();
        }
        view! {
            <table>
                <caption>"Network identities that sign you in"</caption>
                <thead><tr>
                    <th scope="col">"Provider"</th>
                    <th scope="col">"Your identity there"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="sr-only">"Action"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|i| {
                        let aria = format!("Unlink {} at {}", i.subject, i.issuer);
                        view! {
                            <tr>
                                <td>{i.issuer.clone()}</td>
                                <td>{i.subject.clone()}</td>
                                <td>{i.last_used_at.as_ref().map(fmt::date_time).unwrap_or_else(|| "Never".into())}</td>
                                <td>
                                    <button type="button" class="secondary" aria-label=aria
                                        disabled=move || busy.get()
                                        on:click=move |_| unlink(i.id)>"Unlink"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="network-h">
            <h2 id="network-h">"Network sign-in"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            {move || rows.get().map(list)}
        </section>
    }
}

//! Where I am signed in (My Information): every sign-in of the last 30 days with its device,
//! address, how it was proved and when it was last used; any of them can be signed out here
//! (a lost laptop, a shared computer), which ends it at once on every replica.

use crate::api::{self, Session};
use crate::components::{Alert, Status};
use crate::fmt;
use amps_openapi::SignInResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// How a sign-in was proved, in words.
fn how(methods: &[String]) -> String {
    methods
        .iter()
        .map(|m| match m.as_str() {
            "pwd" => "password",
            "otp" => "authenticator code",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The Where you are signed in section.
#[component]
pub fn SignIns() -> impl IntoView {
    let session = Session::get();
    let rows = RwSignal::new(None::<Vec<SignInResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::call(session, |c| async move { c.my_sign_ins().await }).await {
                Ok(r) => rows.set(Some(r)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    load();
    let end = move |id: Uuid, device: String| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            match api::call(session, move |c| async move { c.end_my_sign_in(id).await }).await {
                Ok(()) => {
                    status.set(Some(format!("Signed out of {device}.")));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="signins-h">
            <h2 id="signins-h">"Where you are signed in"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            <p>"Your sign-ins of the last 30 days. If you do not recognise one, sign it out and change your password."</p>
            {move || match rows.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(list) => view! {

                    <table>
                        <caption class="sr-only">"Your sign-ins"</caption>
                        <thead><tr>
                            <th scope="col">"Device"</th>
                            <th scope="col">"Address"</th>
                            <th scope="col">"Signed in with"</th>
                            <th scope="col">"Signed in"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"State"</th>
                        </tr></thead>
                        <tbody>
                        {list.into_iter().map(|s| {
                            let device = s.device.clone();
                            let id = s.id;
                            let state = if s.current {
                                view! { <span>"This browser"</span> }.into_any()
                            } else if s.active {
                                let label = format!("Sign out of {} (signed in {})", s.device, fmt::date_time(&s.started_at));
                                view! {
                                    <button type="button" class="secondary" aria-label=label
                                        disabled=move || busy.get()
                                        on:click=move |_| end(id, device.clone())>"Sign out"</button>
                                }.into_any()
                            } else {
                                view! { <span>{format!("Ended {}", s.ended_at.as_ref().map(fmt::date_time).unwrap_or_default())}</span> }.into_any()
                            };
                            view! {
                                <tr>
                                    <td>{s.device.clone()}</td>
                                    <td>{s.ip.clone().unwrap_or_else(|| "Unknown".into())}</td>
                                    <td>{how(&s.methods)}</td>
                                    <td>{fmt::date_time(&s.started_at)}</td>
                                    <td>{fmt::date_time(&s.last_used_at)}</td>
                                    <td>{state}</td>
                                </tr>
                            }
                        }).collect_view()}
                        </tbody>
                    </table>

                }.into_any(),
            }}
        </section>
    }
}

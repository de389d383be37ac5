//! Where a person is signed in: every sign-in of the last 30 days with its device, address,
//! how it was proved and when it was last used; any active one can be signed out here. In My
//! Information for oneself (a lost laptop, a shared computer); in the Users account panel for
//! the help desk and administrators (a stolen session; the person is mailed). An ended
//! sign-in's access token is refused at once on every replica.

use crate::api::{self, Session};
use crate::components::{Alert, Status};
use crate::fmt;
use amps_openapi::SignInResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// How a sign-in was proved, in words.
fn how(methods: &[String]) -> String {
    let card = methods.iter().any(|m| m == "sc");
    methods
        .iter()
        // A card's key is in hardware: "PIV/CAC card" says it.
        .filter(|m| !(card && m.as_str() == "hwk"))
        .map(|m| match m.as_str() {
            "pwd" => "password",
            "otp" => "authenticator code",
            "sc" => "PIV/CAC card",
            "hwk" => "security key",
            "fed" => "network credentials",
            "mfa" => "their second step",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The sign-ins of the signed-in person, or (`of`: account id and User ID) of someone else.
#[component]
pub fn SignIns(#[prop(optional)] of: Option<(Uuid, String)>) -> impl IntoView {
    let session = Session::get();
    let rows = RwSignal::new(None::<Vec<SignInResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let user = of.as_ref().map(|(id, _)| *id);
    let whose = StoredValue::new(of.as_ref().map(|(_, login)| login.clone()));
    let load = move || {
        spawn_local(async move {
            let r = match user {
                None => api::call(session, |c| async move { c.my_sign_ins().await }).await,
                Some(u) => api::call(session, move |c| async move { c.user_sign_ins(u).await }).await,
            };
            match r {
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
            let r = match user {
                None => api::call(session, move |c| async move { c.end_my_sign_in(id).await }).await,
                Some(u) => api::call(session, move |c| async move { c.end_user_sign_in(u, id).await }).await,
            };
            match r {
                Ok(()) => {
                    status.set(Some(match whose.get_value() {
                        None => format!("Signed out of {device}."),
                        Some(login) => {
                            format!("Ended the sign-in of {login} on {device}; they were told by mail.")
                        }
                    }));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let table = move |list: Vec<SignInResponse>| {
        if list.is_empty() {
            return view! { <p>"No sign-in in the last 30 days."</p> }.into_any();
        }
        let caption = match whose.get_value() {
            None => "Your sign-ins".to_string(),
            Some(login) => format!("Sign-ins of {login}"),
        };
        view! {
            <table>
                <caption class="sr-only">{caption}</caption>
                <thead><tr>
                    <th scope="col">"Device"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Signed in with"</th>
                    <th scope="col">"Signed in (UTC)"</th>
                    <th scope="col">"Last used (UTC)"</th>
                    <th scope="col">"State"</th>
                </tr></thead>
                <tbody>
                {list.into_iter().map(|s| {
                    let device = s.device.clone();
                    let id = s.id;
                    let state = if s.current {
                        view! { <span>"This browser"</span> }.into_any()
                    } else if s.active {
                        let when = fmt::date_time(&s.started_at);
                        let label = match whose.get_value() {
                            None => format!("Sign out of {} (signed in {when})", s.device),
                            Some(login) => format!("End the sign-in of {login} on {} (signed in {when})", s.device),
                        };
                        view! {
                            <button type="button" class="secondary" aria-label=label
                                disabled=move || busy.get()
                                on:click=move |_| end(id, device.clone())>
                                {if user.is_none() { "Sign out" } else { "End" }}
                            </button>
                        }.into_any()
                    } else {
                        view! { <span>{match s.ended_at.as_ref() {
                            Some(t) => format!("Ended {}", fmt::date_time(t)),
                            None => "Expired".to_string(),
                        }}</span> }.into_any()
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
        }.into_any()
    };
    let body = move || match rows.get() {
        // Refused (the alert says why): nothing to show.
        None if alert.with(Option::is_some) => ().into_any(),
        None => view! { <p class="loading">"Loading…"</p> }.into_any(),
        Some(list) => table(list),
    };
    match of {
        None => view! {
            <section aria-labelledby="signins-h">
                <h2 id="signins-h">"Where you are signed in"</h2>
                <Alert msg=alert/>
                <Status msg=status/>
                <p>"Your sign-ins of the last 30 days. If you do not recognise one, sign it out and change your password."</p>
                {body}
            </section>
        }
        .into_any(),
        Some((_, login)) => view! {
            <section aria-label=format!("Sign-ins of {login}")>
                <h3>"Sign-ins"</h3>
                <Alert msg=alert/>
                <Status msg=status/>
                {body}
            </section>
        }
        .into_any(),
    }
}

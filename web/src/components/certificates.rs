//! PIV / CAC certificates in My Information: the cards that sign me in, binding my card
//! (the browser goes to the certificate address with a single-use ticket, is asked for the
//! card, and comes back here), and removing one; in the Users account panel, a person's cards
//! for the help desk and administrators (a lost card; the person is mailed).

use crate::api::{self, Session};
use crate::components::{Alert, Status};
use crate::fmt;
use amps_openapi::CertificateResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::JsCast;

/// What a refused binding's slug (`#certificate-error=…`) means to the person.
fn binding_error(slug: &str) -> &'static str {
    match slug {
        "certificate-missing" => {
            "No certificate was presented. Insert your card, choose its authentication certificate when the browser asks, and try again."
        }
        "certificate-untrusted" => "That certificate is not issued by a certificate authority AMPS accepts.",
        "certificate-expired" => "That certificate has expired.",
        "certificate-revoked" => "That certificate has been revoked.",
        "certificate-bound-elsewhere" => {
            "That certificate is bound already (to your account or another one)."
        }
        "binding-expired" => "The binding took too long or was used already. Start again.",
        _ => "The card could not be bound. Try again, or call the help desk.",
    }
}

/// Posts `ticket` to `url` from this window (a top-level form submission, so the browser asks
/// for the card at the certificate address and comes back with the answer).
fn post_ticket(url: &str, ticket: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let form = doc.create_element("form").ok()?;
    form.set_attribute("method", "post").ok()?;
    form.set_attribute("action", url).ok()?;
    form.set_attribute("hidden", "").ok()?;
    let input = doc.create_element("input").ok()?;
    input.set_attribute("type", "hidden").ok()?;
    input.set_attribute("name", "ticket").ok()?;
    input.set_attribute("value", ticket).ok()?;
    form.append_child(&input).ok()?;
    doc.body()?.append_child(&form).ok()?;
    form.dyn_into::<web_sys::HtmlFormElement>().ok()?.submit().ok()
}

/// The PIV / CAC section of the signed-in person (shown when certificate sign-in is set up or
/// a card is bound), or (`of`: account id and User ID) of someone else.
#[component]
pub fn Certificates(#[prop(optional)] of: Option<(Uuid, String)>) -> impl IntoView {
    let session = Session::get();
    let user = of.as_ref().map(|(id, _)| *id);
    let whose = StoredValue::new(of.as_ref().map(|(_, login)| login.clone()));
    let offered = RwSignal::new(false);
    let rows = RwSignal::new(None::<Vec<CertificateResponse>>);
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Back from the certificate address.
    if let Some(hash) = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .filter(|_| user.is_none())
    {
        for (k, v) in url::form_urlencoded::parse(hash.trim_start_matches('#').as_bytes()) {
            match k.as_ref() {
                "certificate" if v == "bound" => status.set(Some(
                    "Your card is bound: \"Sign in with PIV/CAC\" now signs you in.".into(),
                )),
                "certificate-error" => alert.set(Some(binding_error(&v).into())),
                _ => {}
            }
        }
    }
    let load = move || {
        spawn_local(async move {
            if let Ok(m) = api::anonymous().sign_in_methods().await {
                offered.set(m.certificate_url.is_some());
            }
            let r = match user {
                None => api::call(session, |c| async move { c.my_certificates().await }).await,
                Some(u) => api::call(session, move |c| async move { c.user_certificates(u).await }).await,
            };
            match r {
                Ok(r) => rows.set(Some(r)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        })
    };
    load();
    let bind = move |_| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            match api::call(session, |c| async move { c.start_certificate_binding().await }).await {
                Ok(t) => {
                    if post_ticket(&t.url, &t.ticket).is_none() {
                        alert.set(Some("Your browser could not open the certificate page.".into()));
                        busy.set(false);
                    }
                }
                Err(e) => {
                    alert.set(Some(api::message(&e)));
                    busy.set(false);
                }
            }
        });
    };
    let remove = move |id: Uuid, subject: String| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            let r = match user {
                None => api::call(session, move |c| async move { c.remove_my_certificate(id).await }).await,
                Some(u) => {
                    api::call(
                        session,
                        move |c| async move { c.remove_user_certificate(u, id).await },
                    )
                    .await
                }
            };
            match r {
                Ok(()) => {
                    status.set(Some(match whose.get_value() {
                        None => format!("{subject} no longer signs you in."),
                        Some(login) => {
                            format!("{subject} no longer signs {login} in; they were told by mail.")
                        }
                    }));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let list = move |list: Vec<CertificateResponse>| {
        if list.is_empty() {
            let none = match whose.get_value() {
                None => "No card is bound to your account.".to_string(),
                Some(login) => format!("No card is bound to {login}'s account."),
            };
            return view! { <p>{none}</p> }.into_any();
        }
        let caption = match whose.get_value() {
            None => "Cards that sign you in".to_string(),
            Some(login) => format!("Cards that sign {login} in"),
        };
        view! {
            <table>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Certificate"</th>
                    <th scope="col">"Issued by"</th>
                    <th scope="col">"Valid until"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="sr-only">"Action"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|c| {
                        let subject = c.subject.clone();
                        let label = format!("Remove {}", c.subject);
                        view! {
                            <tr>
                                <td>{c.subject.clone()}</td>
                                <td>{c.issuer.clone()}</td>
                                <td>{fmt::date(&c.not_after)}</td>
                                <td>{c.last_used_at.as_ref().map(fmt::date_time).unwrap_or_else(|| "Never".into())}</td>
                                <td>
                                    <button type="button" class="secondary" aria-label=label
                                        disabled=move || busy.get()
                                        on:click=move |_| remove(c.id, subject.clone())>"Remove"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    if let Some(login) = whose.get_value() {
        let label = format!("PIV/CAC cards of {login}");
        return view! {
            <Show when=move || offered.get() || rows.get().is_some_and(|r| !r.is_empty())>
                <section aria-label=label.clone()>
                    <h3>"PIV/CAC cards"</h3>
                    <Alert msg=alert/>
                    <Status msg=status/>
                    {move || rows.get().map(list)}
                </section>
            </Show>
        }
        .into_any();
    }
    view! {
        <Show when=move || offered.get() || rows.get().is_some_and(|r| !r.is_empty())>
            <section aria-labelledby="cards-h">
                <h2 id="cards-h">"PIV/CAC card"</h2>
                <Alert msg=alert/>
                <Status msg=status/>
                <p>"Bind your PIV or CAC card to sign in with it instead of your password. Binding needs a sign-in with your authenticator code."</p>
                {move || rows.get().map(list)}
                <Show when=move || offered.get()>
                    <button type="button" disabled=move || busy.get() on:click=bind>"Bind my PIV/CAC card"</button>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}

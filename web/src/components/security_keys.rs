//! Security keys in My Information: the FIDO2 keys that sign me in after my password (a PIN or
//! fingerprint and a touch), adding one with a name, and removing one.

use crate::api::{self, Session};
use crate::components::{Alert, Status};
use crate::fmt;
use amps_openapi::{AddSecurityKeyRequest, SecurityKeyResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// The Security keys section.
#[component]
pub fn SecurityKeys() -> impl IntoView {
    let session = Session::get();
    let keys = RwSignal::new(None::<Vec<SecurityKeyResponse>>);
    let name = RwSignal::new(String::new());
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A first key added from a password-only sign-in waits for the code mailed to the owner:
    // the key's answer, its name, and the address the code went to.
    let pending = RwSignal::new(None::<(AddSecurityKeyRequest, String)>);
    let email_code = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            if let Ok(s) = api::call(session, |c| async move { c.mfa().await }).await {
                keys.set(Some(s.security_keys));
            }
        })
    };
    load();
    let send = move |body: AddSecurityKeyRequest| async move {
        match api::call(session, move |c| {
            let b = body.clone();
            async move { c.add_security_key(&b).await }
        })
        .await
        {
            Ok(k) => {
                // The first key proves a second factor for this sign-in too.
                api::renew(session).await;
                name.set(String::new());
                pending.set(None);
                email_code.set(String::new());
                status.set(Some(format!(
                    "\"{}\" is added: sign-in asks for a security key after your password.",
                    k.name
                )));
                load();
            }
            Err(e) => alert.set(Some(api::message(&e))),
        }
        busy.set(false);
    };
    let finish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((mut body, _)) = pending.get_untracked() else {
            return;
        };
        body.email_code = Some(email_code.get_untracked().trim().to_string());
        busy.set(true);
        alert.set(None);
        spawn_local(send(body));
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let label = name.get_untracked().trim().to_string();
        if label.is_empty() {
            alert.set(Some("Give the key a name, such as \"Blue YubiKey\".".into()));
            return;
        }
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            let opts = match api::call(session, |c| async move { c.security_key_options().await }).await {
                Ok(o) => o,
                Err(e) => {
                    alert.set(Some(api::message(&e)));
                    busy.set(false);
                    return;
                }
            };
            let credential = match crate::webauthn::create(opts.options).await {
                Ok(c) => c,
                Err(m) => {
                    alert.set(Some(m));
                    busy.set(false);
                    return;
                }
            };
            let body = AddSecurityKeyRequest {
                challenge_id: opts.challenge_id,
                name: label.clone(),
                credential,
                email_code: None,
            };
            if let Some(to) = opts.email_code_sent_to {
                pending.set(Some((body, to)));
                busy.set(false);
                crate::components::focus_when_drawn("key-email-code");
                return;
            }
            send(body).await;
        });
    };
    let remove = move |id: Uuid, label: String| {
        busy.set(true);
        alert.set(None);
        status.set(None);
        spawn_local(async move {
            match api::call(session, move |c| async move { c.remove_security_key(id).await }).await {
                Ok(()) => {
                    status.set(Some(format!("\"{label}\" is removed.")));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let list = move |list: Vec<SecurityKeyResponse>| {
        if list.is_empty() {
            return view! { <p>"No security key is added."</p> }.into_any();
        }
        view! {
            <table>
                <caption>"Your security keys"</caption>
                <thead><tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="sr-only">"Action"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|k| {
                        let label = k.name.clone();
                        let aria = format!("Remove {}", k.name);
                        view! {
                            <tr>
                                <td>{k.name.clone()}</td>
                                <td>{fmt::date(&k.created_at)}</td>
                                <td>{k.last_used_at.as_ref().map(fmt::date_time).unwrap_or_else(|| "Never".into())}</td>
                                <td>
                                    <button type="button" class="secondary" aria-label=aria
                                        disabled=move || busy.get()
                                        on:click=move |_| remove(k.id, label.clone())>"Remove"</button>
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
        <section aria-labelledby="keys-h">
            <h2 id="keys-h">"Security keys"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            <p>"A FIDO2 security key (with its PIN or fingerprint and a touch) can be your second step after the password."</p>
            {move || keys.get().map(list)}
            {move || match pending.get() {
                Some((_, to)) => view! {
                    <form aria-label="Finish adding the security key" on:submit=finish novalidate>
                        <p>{format!("Your first second step needs one more proof that it is you: enter the 6-digit code we emailed to {to} (within 5 minutes).")}</p>
                        <div class="field">
                            <label for="key-email-code">"Code we emailed you"</label>
                            <input id="key-email-code" inputmode="numeric" autocomplete="one-time-code" bind:value=email_code/>
                        </div>
                        <button type="submit" disabled=move || busy.get()>"Finish adding the key"</button>
                    </form>
                }.into_any(),
                None => view! {
                    <form aria-label="Add a security key" on:submit=add novalidate>
                        <div class="field">
                            <label for="key-name">"Name of the key"</label>
                            <input id="key-name" maxlength="64" autocomplete="off" bind:value=name/>
                        </div>
                        <button type="submit" disabled=move || busy.get()>"Add a security key"</button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

//! Two-step sign-in in My Information: set up an authenticator app (a QR code of the
//! `otpauth://` URL drawn here, and the secret as text for typing), confirm it with a code,
//! keep the ten recovery codes shown once; or turn it off with the password.

use crate::api::{self, Session};
use crate::components::{Alert, Status};
use amps_openapi::{ConfirmTotpRequest, MfaStatusResponse, RemoveTotpRequest, TotpEnrollmentResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The QR code of `text` as an SVG document.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// The Two-step sign-in section.
#[component]
pub fn TwoStep() -> impl IntoView {
    let session = Session::get();
    let state = RwSignal::new(None::<MfaStatusResponse>);
    let setup = RwSignal::new(None::<TotpEnrollmentResponse>);
    let recovery = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let email_code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let alert = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            if let Ok(s) = api::call(session, |c| async move { c.mfa().await }).await {
                state.set(Some(s));
            }
        })
    };
    load();
    let start = move |_| {
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, |c| async move { c.start_totp().await }).await {
                Ok(s) => {
                    setup.set(Some(s));
                    crate::components::focus_when_drawn("tfa-code");
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let emailed = setup.with_untracked(|s| s.as_ref().is_some_and(|s| s.email_code_sent_to.is_some()));
        let body = ConfirmTotpRequest {
            code: code.get_untracked().trim().to_string(),
            email_code: emailed.then(|| email_code.get_untracked().trim().to_string()),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let b = body.clone();
                async move { c.confirm_totp(&b).await }
            })
            .await
            {
                Ok(r) => {
                    // This sign-in proved the app: a fresh token says so (roles marked MFA).
                    api::renew(session).await;
                    setup.set(None);
                    code.set(String::new());
                    email_code.set(String::new());
                    recovery.set(Some(r.recovery_codes));
                    crate::components::focus_when_drawn("recovery-h");
                    status.set(Some(
                        "Two-step sign-in is on. Every other sign-in of your account has ended.".into(),
                    ));
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let remove = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = RemoveTotpRequest {
            password: password.get_untracked(),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |c| {
                let b = body.clone();
                async move { c.remove_totp(&b).await }
            })
            .await
            {
                Ok(()) => {
                    password.set(String::new());
                    recovery.set(None);
                    status.set(Some("Two-step sign-in is off.".into()));
                    crate::components::focus_when_drawn("twostep-h");
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="twostep-h">
            <h2 id="twostep-h" tabindex="-1">"Two-step sign-in"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            {move || recovery.get().map(|codes| view! {
                <div class="card">
                    <h3 id="recovery-h" tabindex="-1">"Your recovery codes"</h3>
                    <p>"Each code signs you in once instead of the app (if you lose your phone). Keep them somewhere safe: they are not shown again."</p>
                    <ul class="codes" aria-label="Recovery codes">
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                </div>
            })}
            {move || match (state.get(), setup.get()) {
                (None, _) => view! { <p class="loading">"Loading…"</p> }.into_any(),
                (Some(s), _) if s.totp => view! {
                    <p>{format!("Sign-in asks for a code from your authenticator app after your password. {} recovery code(s) left.", s.recovery_codes_left)}</p>
                    <form aria-label="Turn off two-step sign-in" on:submit=remove novalidate>
                        <div class="field">
                            <label for="tfa-password">"Your password (to turn it off)"</label>
                            <input id="tfa-password" type="password" autocomplete="current-password" bind:value=password/>
                        </div>
                        <button type="submit" class="secondary" disabled=move || busy.get()>"Turn off two-step sign-in"</button>
                    </form>
                }.into_any(),
                (Some(_), Some(e)) => {
                    let svg = qr_svg(&e.otpauth_url).unwrap_or_default();
                    let emailed_to = e.email_code_sent_to.clone();
                    view! {
                        <ol>
                            <li>"Scan this QR code with your authenticator app (or type the key below)."</li>
                            <li>"Enter the 6-digit code the app shows."</li>
                            {emailed_to.clone().map(|to| view! {
                                <li>{format!("Enter the 6-digit code we emailed to {to} (it works for 15 minutes), so we know it is you and not someone who learned your password.")}</li>
                            })}
                        </ol>
                        <figure>
                            <div class="qr" role="img" aria-label="QR code of your authenticator key" inner_html=svg></div>
                            <figcaption>"Key: "<code>{e.secret.clone()}</code></figcaption>
                        </figure>
                        <form aria-label="Confirm the authenticator app" on:submit=confirm novalidate>
                            <div class="field">
                                <label for="tfa-code">"Code from the app"</label>
                                <input id="tfa-code" inputmode="numeric" autocomplete="one-time-code" bind:value=code/>
                            </div>
                            {emailed_to.map(|_| view! {
                                <div class="field">
                                    <label for="tfa-email-code">"Code we emailed you"</label>
                                    <input id="tfa-email-code" inputmode="numeric" autocomplete="one-time-code" bind:value=email_code/>
                                </div>
                            })}
                            <button type="submit" disabled=move || busy.get()>"Turn on two-step sign-in"</button>
                        </form>
                    }.into_any()
                }
                (Some(_), None) => view! {
                    <p>"After your password, sign-in can also ask for a code from an authenticator app on your phone, so a stolen password alone does not open your account."</p>
                    <button type="button" disabled=move || busy.get() on:click=start>"Set up an authenticator app"</button>
                }.into_any(),
            }}
        </section>
    }
}

/// Asks for a second factor for this sign-in (step-up) when something needs one: a code from
/// the authenticator app (or a recovery code), or a security key. `factors` are the ones the
/// refusal listed; `on_done` runs once proved (the session then holds the new token). Focus
/// moves to its heading; a refused code is announced.
#[component]
pub fn StepUp(
    /// A prefix for the element ids.
    id: String,
    /// Why it is asked (the refusal's words).
    why: String,
    factors: Vec<String>,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let code = RwSignal::new(String::new());
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let has_code = factors.iter().any(|f| f == "totp");
    let has_key = factors.iter().any(|f| f == "security_key");
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = amps_openapi::StepUpRequest {
            code: code.get_untracked().trim().to_string(),
        };
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            match api::call(session, move |mut c| {
                let b = body.clone();
                async move { c.step_up(&b).await }
            })
            .await
            {
                Ok(t) => {
                    session.token.set(Some(t.access_token));
                    on_done.run(());
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let use_key = move |_| {
        busy.set(true);
        alert.set(None);
        spawn_local(async move {
            let r = async {
                let options = api::call(session, |c| async move { c.step_up_security_key_options().await })
                    .await
                    .map_err(|e| api::message(&e))?;
                let credential = crate::webauthn::get(options.options).await?;
                let body = amps_openapi::StepUpSecurityKeyRequest {
                    challenge_id: options.challenge_id,
                    credential,
                };
                api::call(session, move |mut c| {
                    let b = body.clone();
                    async move { c.step_up_security_key(&b).await }
                })
                .await
                .map_err(|e| api::message(&e))
            }
            .await;
            match r {
                Ok(t) => {
                    session.token.set(Some(t.access_token));
                    on_done.run(());
                }
                Err(e) => alert.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let heading_id = format!("{id}-stepup-h");
    let code_id = format!("{id}-stepup-code");
    let labelled_by = heading_id.clone();
    view! {
        <div class="card" role="group" aria-labelledby=labelled_by>
            <h3 id=heading_id tabindex="-1" node_ref=heading>"Confirm it is you"</h3>
            <p>{why}</p>
            <Alert msg=alert/>
            {has_code.then(|| view! {
                <form aria-label="Confirm with your authenticator code" on:submit=confirm novalidate>
                    <div class="field">
                        <label for=code_id.clone()>"Code from your authenticator app (or a recovery code)"</label>
                        <input id=code_id.clone() inputmode="text" autocomplete="one-time-code" bind:value=code/>
                    </div>
                    <button type="submit" disabled=move || busy.get()>"Confirm"</button>
                </form>
            })}
            {has_key.then(|| view! {
                <button type="button" disabled=move || busy.get() on:click=use_key>"Use your security key"</button>
            })}
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </div>
    }
}

/// A sign-in that must prove a second factor before anything else (administrators; users of
/// an organization that requires it) and has none yet: set one up here, which proves it.
#[component]
pub fn SecondFactorGate(why: String) -> impl IntoView {
    let session = Session::get();
    let alert = RwSignal::new(None::<String>);
    // Once set up (the recovery codes read), the sign-in goes on.
    let go_on = move |_| {
        alert.set(None);
        spawn_local(async move {
            match api::call(session, |c| async move { c.me().await }).await {
                Ok(me) if me.second_factor_needed.is_none() => {
                    session.second_factor_needed.set(None);
                    api::refresh_badge(session).await;
                }
                Ok(_) => alert.set(Some(
                    "Set up an authenticator app or a security key first.".into(),
                )),
                Err(e) => alert.set(Some(api::message(&e))),
            }
        });
    };
    view! {
        <crate::components::page::Page title="Set up two-step sign-in" alert=alert>
            <p>{why}</p>
            <TwoStep/>
            <crate::components::security_keys::SecurityKeys/>
            <p><button type="button" on:click=go_on>"Continue to AMPS"</button></p>
        </crate::components::page::Page>
    }
}

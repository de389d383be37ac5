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
                Ok(s) => setup.set(Some(s)),
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = ConfirmTotpRequest {
            code: code.get_untracked().trim().to_string(),
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
                    recovery.set(Some(r.recovery_codes));
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
                    load();
                }
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section aria-labelledby="twostep-h">
            <h2 id="twostep-h">"Two-step sign-in"</h2>
            <Alert msg=alert/>
            <Status msg=status/>
            {move || recovery.get().map(|codes| view! {
                <div class="card">
                    <h3>"Your recovery codes"</h3>
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
                    view! {
                        <ol>
                            <li>"Scan this QR code with your authenticator app (or type the key below)."</li>
                            <li>"Enter the 6-digit code the app shows."</li>
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

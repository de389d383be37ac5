//! `/sign-in`: User ID and password, then, for an account with an authenticator app, the code
//! it shows (or a recovery code); or a PIV / CAC card, at the certificate address, which sends
//! the browser back to `/sign-in/certificate` with a single-use code; or the network
//! credentials of an organization (its identity provider), which send it back to
//! `/sign-in/network` the same way.

use crate::api::{self, Session};
use crate::components::{Field, FormErrors, Page};
use amps_openapi::{
    CertificateSignInRequest, Client, LoginRequest, NetworkSignInOption, NetworkTokenRequest,
    SecondFactorRequest, SecurityKeyChallengeRequest, SecurityKeySignInRequest, TokenResponse,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use validator::Validate;

/// Sign in.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = Session::get();
    let user_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(vec![]);
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    // Set when the password was right and the account asks for a second factor.
    let mfa_token = RwSignal::new(None::<String>);
    // The second factors the account has (`totp`, `security_key`).
    let factors = RwSignal::new(Vec::<String>::new());
    let code = RwSignal::new(String::new());
    let first_navigate = navigate.clone();
    // The notice and consent is read and accepted (OK) before each sign-in.
    let accepted = RwSignal::new(false);
    // Where a PIV / CAC sign-in starts, when the server offers one.
    let card_url = RwSignal::new(None::<String>);
    // The organizations whose network credentials sign in.
    let network = RwSignal::new(Vec::<NetworkSignInOption>::new());
    spawn_local(async move {
        if let Ok(m) = api::anonymous().sign_in_methods().await {
            card_url.set(m.certificate_url);
            network.set(m.network);
        }
    });
    let with_network = move |url: String| match new_state(Via::Network) {
        Some(state) => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href(&format!("{url}?state={state}"));
            }
        }
        None => alert.set(Some("Your browser cannot start this sign-in here.".into())),
    };
    let with_card = move |_| {
        let Some(url) = card_url.get_untracked() else {
            return;
        };
        match new_state(Via::Card) {
            Some(state) => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_href(&format!("{url}?state={state}"));
                }
            }
            None => alert.set(Some("Your browser cannot start a card sign-in here.".into())),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = LoginRequest {
            user_id: user_id.get_untracked(),
            password: password.get_untracked(),
        };
        if let Err(e) = req.validate() {
            errors.set(amps_openapi::rules::field_errors(&e));
            alert.set(Some("Enter your User ID and password.".into()));
            return;
        }
        busy.set(true);
        alert.set(None);
        errors.set(vec![]);
        let navigate = first_navigate.clone();
        spawn_local(async move {
            let mut c = api::anonymous();
            match c.login(&req).await {
                Ok(t) => signed_in(session, c, t, navigate).await,
                Err(e) => {
                    if let Some(token) = e.problem().and_then(|p| p.mfa_token.clone()) {
                        factors.set(e.problem().map(|p| p.second_factors.clone()).unwrap_or_default());
                        mfa_token.set(Some(token));
                        password.set(String::new());
                    } else {
                        errors.set(api::fields(&e));
                        alert.set(Some(api::message(&e)));
                    }
                }
            }
            busy.set(false);
        });
    };
    let second = {
        let navigate = navigate.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(token) = mfa_token.get_untracked() else {
                return;
            };
            let req = SecondFactorRequest {
                mfa_token: token,
                code: code.get_untracked().trim().to_string(),
            };
            if req.code.chars().count() < 6 {
                alert.set(Some(
                    "Enter the 6-digit code your authenticator app shows, or a recovery code.".into(),
                ));
                return;
            }
            busy.set(true);
            alert.set(None);
            let navigate = navigate.clone();
            spawn_local(async move {
                let mut c = api::anonymous();
                match c.login_second_factor(&req).await {
                    Ok(t) => signed_in(session, c, t, navigate).await,
                    Err(e) => {
                        if e.status() == Some(401) && api::message(&e).contains("expired") {
                            mfa_token.set(None);
                        }
                        code.set(String::new());
                        alert.set(Some(api::message(&e)));
                    }
                }
                busy.set(false);
            });
        }
    };
    let with_key = {
        let navigate = navigate.clone();
        move |_| {
            let Some(token) = mfa_token.get_untracked() else {
                return;
            };
            busy.set(true);
            alert.set(None);
            let navigate = navigate.clone();
            spawn_local(async move {
                let mut c = api::anonymous();
                let challenge = match c
                    .security_key_challenge(&SecurityKeyChallengeRequest {
                        mfa_token: token.clone(),
                    })
                    .await
                {
                    Ok(ch) => ch,
                    Err(e) => {
                        alert.set(Some(api::message(&e)));
                        busy.set(false);
                        return;
                    }
                };
                match crate::webauthn::get(challenge.options).await {
                    Ok(credential) => {
                        let req = SecurityKeySignInRequest {
                            mfa_token: token,
                            challenge_id: challenge.challenge_id,
                            credential,
                        };
                        match c.login_security_key(&req).await {
                            Ok(t) => signed_in(session, c, t, navigate).await,
                            Err(e) => alert.set(Some(api::message(&e))),
                        }
                    }
                    Err(m) => alert.set(Some(m)),
                }
                busy.set(false);
            });
        }
    };
    view! {
        <Page title="Sign in to AMPS" alert=alert>
            {move || (!accepted.get()).then(|| view! { <Notice accepted=accepted/> })}
            // Hidden (and out of the accessibility tree) until the notice is accepted.
            <div hidden=move || !accepted.get()>
            <Show
                when=move || mfa_token.get().is_some()
                fallback=move || view! {
                    <form on:submit=submit.clone() novalidate>
                        <Field label="User ID" name="user_id" value=user_id errors=errors required=true autocomplete="username"/>
                        <Field label="Password" name="password" value=password errors=errors kind="password" required=true autocomplete="current-password"/>
                        <button type="submit" disabled=move || busy.get()>
                            {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </form>
                }
            >
                {
                    let with_key = with_key.clone();
                    view! {
                        <Show when=move || factors.get().iter().any(|f| f == "security_key")>
                            <div role="group" aria-label="Security key">
                                <p>"Your account asks for a second step: insert or tap your security key."</p>
                                <button type="button" disabled=move || busy.get() on:click=with_key.clone()>"Use your security key"</button>
                            </div>
                        </Show>
                    }
                }
                {
                    let second = second.clone();
                    view! {
                <Show when=move || factors.get().iter().any(|f| f == "totp")>
                    <form aria-label="Second step" on:submit=second.clone() novalidate>
                        <p>"Your account asks for a second step. Enter the code your authenticator app shows now, or one of your recovery codes."</p>
                        <div class="field">
                            <label for="mfa-code">"Code"</label>
                            <input id="mfa-code" bind:value=code autocomplete="one-time-code" inputmode="text" autofocus=true/>
                        </div>
                        <button type="submit" disabled=move || busy.get()>"Verify and sign in"</button>
                    </form>
                </Show>
                    }
                }
                <button type="button" class="secondary" on:click=move |_| { mfa_token.set(None); code.set(String::new()); }>"Start over"</button>
            </Show>
            <Show when=move || card_url.get().is_some() && mfa_token.get().is_none()>
                <p class="or">"Or, with your PIV or CAC card in its reader:"</p>
                <button type="button" class="secondary" on:click=with_card>"Sign in with PIV/CAC"</button>
            </Show>
            <Show when=move || !network.with(Vec::is_empty) && mfa_token.get().is_none()>
                <p class="or">"Or with your organization's network credentials (you sign in there and come back):"</p>
                {move || network.get().into_iter().map(|o| {
                    let url = o.url.clone();
                    view! {
                        <button type="button" class="secondary" on:click=move |_| with_network(url.clone())>
                            {format!("Sign in with {} network credentials", o.organization)}
                        </button>
                    }
                }).collect_view()}
            </Show>
            </div>
            <ul class="links">
                <li><a href="/register">"Register for an account (external users)"</a></li>
                <li><a href="/forgot-password">"Forgot your password?"</a></li>
                <li><a href="/forgot-user-id">"Forgot your User ID?"</a></li>
                <li><a href="/profile-status">"Check your account's status"</a></li>
                <li><a href="/help">"Help: whom to call, and how to sign in"</a></li>
            </ul>
        </Page>
    }
}

/// The notice a person reads and accepts before signing in to a U.S. Government information
/// system (the DoD standard consent banner), with the Privacy Act Statement of the access
/// request. OK shows the sign-in form and moves focus to its first field.
#[component]
fn Notice(accepted: RwSignal<bool>) -> impl IntoView {
    let accept = move |_| {
        accepted.set(true);
        crate::components::focus_when_drawn("f-user_id");
    };
    view! {
        <section class="card notice" aria-labelledby="notice-h">
            <h2 id="notice-h">"Notice and consent"</h2>
            <p>"You are accessing a U.S. Government (USG) Information System (IS) that is provided for USG-authorized use only. By using this IS (which includes any device attached to this IS), you consent to the following conditions:"</p>
            <ul>
                <li>"The USG routinely intercepts and monitors communications on this IS for purposes including, but not limited to, penetration testing, COMSEC monitoring, network operations and defense, personnel misconduct (PM), law enforcement (LE), and counterintelligence (CI) investigations."</li>
                <li>"At any time, the USG may inspect and seize data stored on this IS."</li>
                <li>"Communications using, or data stored on, this IS are not private, are subject to routine monitoring, interception, and search, and may be disclosed or used for any USG-authorized purpose."</li>
                <li>"This IS includes security measures (e.g., authentication and access controls) to protect USG interests, not for your personal benefit or privacy."</li>
            </ul>
            <h3>"Privacy Act Statement"</h3>
            <p>"Authority: 5 U.S.C. 301; 10 U.S.C. 137; 44 U.S.C. 3554; E.O. 9397 (SSN), as amended. Principal purpose: to record your name, contact and organization details, and the access you are granted, so that it can be approved, provided, reviewed and removed. Routine uses: as published in the system of records notice for the DD Form 2875. Disclosure is voluntary; without it, you cannot be given access."</p>
            <button type="button" id="notice-ok" on:click=accept>"OK"</button>
        </section>
    }
}

/// Keeps the session of a finished sign-in and goes Home.
async fn signed_in(
    session: Session,
    c: Client,
    t: TokenResponse,
    navigate: impl Fn(&str, leptos_router::NavigateOptions),
) {
    session.token.set(Some(t.access_token));
    if let Ok(me) = c.me().await {
        session
            .who
            .set(Some((me.user_id, format!("{} {}", me.first_name, me.last_name))));
        session.admin_roles.set(me.admin_roles);
        session.second_factor_needed.set(me.second_factor_needed);
    }
    api::refresh_badge(session).await;
    navigate("/", Default::default());
}

/// How a sign-in left for another address and came back with a code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// The certificate address (a PIV / CAC card).
    Card,
    /// The organization's identity provider (network credentials).
    Network,
}

impl Via {
    /// Where the sign-in keeps the `state` it sent.
    fn state_key(self) -> &'static str {
        match self {
            Via::Card => "amps.certificate_state",
            Via::Network => "amps.network_state",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Via::Card => "/sign-in/certificate",
            Via::Network => "/sign-in/network",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Via::Card => "Sign in with PIV/CAC",
            Via::Network => "Sign in with network credentials",
        }
    }

    fn refusal(self, slug: &str) -> &'static str {
        match self {
            Via::Card => card_refusal(slug),
            Via::Network => network_refusal(slug),
        }
    }
}

/// A new random `state` for a sign-in `via` another address, kept in this tab's session
/// storage.
fn new_state(via: Via) -> Option<String> {
    let w = web_sys::window()?;
    let mut bytes = [0u8; 16];
    w.crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    let state: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    w.session_storage()
        .ok()??
        .set_item(via.state_key(), &state)
        .ok()?;
    Some(state)
}

/// What a refused card sign-in's slug means to the person.
fn card_refusal(slug: &str) -> &'static str {
    match slug {
        "certificate-missing" => {
            "No certificate was presented. Insert your PIV/CAC card, choose its authentication certificate when the browser asks, and try again."
        }
        "certificate-untrusted" => {
            "This certificate is not issued by a certificate authority AMPS accepts. Use your PIV/CAC authentication certificate."
        }
        "certificate-expired" => {
            "This certificate has expired. Renew your card, or sign in with your User ID and password."
        }
        "certificate-not-yet-valid" => {
            "This certificate is not valid yet. Check your computer's date, or use another card."
        }
        "certificate-revoked" => {
            "This certificate has been revoked. Sign in with your User ID and password, and call the help desk."
        }
        "certificate-revocation-unknown" => {
            "AMPS cannot tell whether this certificate has been revoked right now. Sign in with your User ID and password, or try again later."
        }
        "certificate-not-bound" => {
            "This card is not bound to an AMPS account. Sign in with your User ID and password, then bind your card in My Information."
        }
        "account-cannot-sign-in" => {
            "The account this card is bound to cannot sign in now. Call the help desk."
        }
        "too-many-attempts" => "Too many failed sign-ins from here. Wait a few minutes and try again.",
        _ => "The card sign-in did not work. Try again, or sign in with your User ID and password.",
    }
}

/// What a refused network sign-in's slug means to the person.
fn network_refusal(slug: &str) -> &'static str {
    match slug {
        "network-state-unknown" => {
            "This sign-in with your network credentials has expired or was finished already. Start again."
        }
        "network-other-browser" => {
            "This sign-in was started in another browser. Start again here, in the browser you use for AMPS."
        }
        "network-declined" => {
            "Your organization's sign-in did not sign you in. Start again, or sign in with your User ID and password."
        }
        "network-provider-failed" => {
            "Your organization's sign-in could not be reached. Try again later, or sign in with your User ID and password."
        }
        "network-token-invalid" => {
            "The answer from your organization's sign-in could not be trusted. Start again; if it happens again, call the help desk."
        }
        "network-email-unverified" => {
            "Your organization's sign-in did not confirm your email address, so AMPS cannot tell which account is yours. Sign in with your User ID and password."
        }
        "network-not-linked" => {
            "No AMPS account of your organization matches your network sign-in. Sign in with your User ID and password, or register."
        }
        "account-cannot-sign-in" => "Your account cannot sign in now. Call the help desk.",
        "too-many-attempts" => "Too many failed sign-ins from here. Wait a few minutes and try again.",
        _ => {
            "The sign-in with your network credentials did not work. Try again, or sign in with your User ID and password."
        }
    }
}

/// `/sign-in/certificate`: back from the certificate address with a code (signs in) or the
/// reason it refused the card.
#[component]
pub fn CertificateReturn() -> impl IntoView {
    view! { <Return via=Via::Card/> }
}

/// `/sign-in/network`: back from the organization's identity provider (through AMPS) with a
/// code (signs in) or the reason it was refused.
#[component]
pub fn NetworkReturn() -> impl IntoView {
    view! { <Return via=Via::Network/> }
}

/// Back from another address with a code (signs in) or the reason for a refusal.
#[component]
fn Return(via: Via) -> impl IntoView {
    let session = Session::get();
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let w = web_sys::window();
    let hash = w
        .as_ref()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let storage = w.as_ref().and_then(|w| w.session_storage().ok().flatten());
    let expected = storage
        .as_ref()
        .and_then(|s| s.get_item(via.state_key()).ok().flatten());
    if let Some(s) = &storage {
        let _ = s.remove_item(via.state_key());
    }
    // The code is single use; it leaves the address bar and the history at once.
    if let Some(h) = w.as_ref().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(via.path()));
    }
    let mut code = None;
    let mut error = None;
    let mut state = None;
    for (k, v) in url::form_urlencoded::parse(hash.trim_start_matches('#').as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            _ => {}
        }
    }
    if state.is_none() || state != expected {
        alert.set(Some(
            "This sign-in was not started from this browser tab. Start again from the sign-in page.".into(),
        ));
    } else if let Some(e) = error {
        alert.set(Some(via.refusal(&e).into()));
    } else if let Some(code) = code {
        busy.set(true);
        spawn_local(async move {
            let mut c = api::anonymous();
            let answer = match via {
                Via::Card => c.certificate_sign_in(&CertificateSignInRequest { code }).await,
                Via::Network => c.network_sign_in(&NetworkTokenRequest { code }).await,
            };
            match answer {
                Ok(t) => signed_in(session, c, t, navigate).await,
                Err(e) => alert.set(Some(api::message(&e))),
            }
            busy.set(false);
        });
    } else {
        alert.set(Some(via.refusal("").into()))
    }
    view! {
        <Page title=via.title() alert=alert>
            <Show when=move || busy.get()>
                <p role="status">"Signing you in…"</p>
            </Show>
            <ul class="links">
                <li><a href="/sign-in">"Back to sign-in"</a></li>
                <li><a href="/help">"Help: whom to call, and how to sign in"</a></li>
            </ul>
        </Page>
    }
}

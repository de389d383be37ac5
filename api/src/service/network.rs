//! Signing in with an organization's network credentials (the seeds' "Network Credentials":
//! sign in at your organization and come back): OpenID Connect's authorization code flow
//! against the identity provider an administrator set for the organization.
//!
//! `GET /auth/network/{organization}` discovers the provider, keeps the sign-in's `state`
//! (hashed), nonce and PKCE verifier server-side (single use, 10 minutes), gives the browser a
//! cookie that binds the sign-in to it, and sends it to the provider. The provider sends it
//! back to `GET /auth/network/callback`, which takes the state once, checks the cookie,
//! exchanges the code with the verifier (client secret over HTTP Basic), and checks the ID
//! token (signature by the provider's published keys, issuer, audience, expiry, nonce). The
//! person is the account already linked to the token's subject, or else, the first time, the
//! account of that organization whose address is the token's email, when the provider says it
//! verified it; the subject is then linked. As with a certificate, the browser goes back to the
//! web app with a single-use code (2 minutes), exchanged at `POST /auth/network/token`.
//!
//! The session's `amr` is `fed` (and `mfa` when the provider's own `amr` says it used more
//! than one factor: only then does it count as a second factor here).

use super::principal::UserPrincipal;
use super::sessions::{self, Proof, Session};
use super::{Ctx, Error, Result, field};
use crate::auth::tokens;
use crate::domain::account::{AccountStatus, normalize_email};
use crate::domain::permission::Permission;
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{network_flow, network_provider, user};
use amps_openapi::{
    NetworkIdentityResponse, NetworkSignInOption, NetworkSignInRequest, NetworkSignInResponse,
};
use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope,
};
use serde_json::json;
use std::sync::OnceLock;
use uuid::Uuid;
use validator::Validate;

/// The cookie that binds a network sign-in to the browser that started it.
pub const BROWSER_COOKIE: &str = "amps_network";
/// Where the provider sends the browser back (the redirect URI to register with it).
pub const CALLBACK_PATH: &str = "/api/v1/auth/network/callback";
/// How long a started sign-in waits for the provider.
pub const FLOW_TTL: Duration = Duration::minutes(10);
const CODE_TTL: Duration = Duration::minutes(2);
const PURPOSE: &str = "network_sign_in";
const PURPOSE_MFA: &str = "network_sign_in_mfa";

/// Why a network sign-in signs nobody in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The answer's `state` is unknown, used already or expired.
    StateUnknown,
    /// The browser that came back is not the one that started the sign-in.
    OtherBrowser,
    /// The provider said no (the person cancelled, or it refused them).
    Declined,
    /// The provider could not be reached, or refused AMPS's code.
    ProviderFailed,
    /// The ID token failed its checks: signature, issuer, audience, expiry or nonce.
    TokenInvalid,
    /// The provider did not say it verified the person's email, and no account is linked yet.
    EmailUnverified,
    /// No account of the organization is linked or has the provider's email.
    NotLinked,
}

impl Refusal {
    /// The slug: the problem type's last segment, the audit reason, and what the web app is
    /// sent back with.
    pub fn slug(self) -> &'static str {
        match self {
            Refusal::StateUnknown => "network-state-unknown",
            Refusal::OtherBrowser => "network-other-browser",
            Refusal::Declined => "network-declined",
            Refusal::ProviderFailed => "network-provider-failed",
            Refusal::TokenInvalid => "network-token-invalid",
            Refusal::EmailUnverified => "network-email-unverified",
            Refusal::NotLinked => "network-not-linked",
        }
    }

    /// What the person is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::StateUnknown => {
                "This sign-in with your network credentials has expired or was finished already. Start again from the sign-in page."
            }
            Refusal::OtherBrowser => {
                "This sign-in was started in another browser. Start again from the sign-in page, in the browser you use for AMPS."
            }
            Refusal::Declined => {
                "Your organization's sign-in did not sign you in. Start again, or sign in with your User ID and password."
            }
            Refusal::ProviderFailed => {
                "Your organization's sign-in could not be reached or did not answer as expected. Try again later, or sign in with your User ID and password."
            }
            Refusal::TokenInvalid => {
                "The answer from your organization's sign-in could not be trusted. Start again; if it happens again, call the help desk."
            }
            Refusal::EmailUnverified => {
                "Your organization's sign-in did not confirm your email address, so AMPS cannot tell which account is yours. Sign in with your User ID and password."
            }
            Refusal::NotLinked => {
                "No AMPS account of your organization matches your network sign-in. Sign in with your User ID and password, or register."
            }
        }
    }
}

/// The HTTP client of provider calls: no redirects followed (a provider answers directly), a
/// 10-second limit.
fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default()
    })
}

/// One provider call, as `openidconnect` asks for it.
async fn call(
    req: openidconnect::HttpRequest,
) -> std::result::Result<openidconnect::HttpResponse, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let resp = http()
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let mut out = openidconnect::HttpResponse::new(resp.bytes().await?.to_vec());
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

/// The provider's metadata (and its signing keys), from its discovery document, which must
/// name `issuer` as its issuer.
async fn discover(issuer: &str) -> std::result::Result<CoreProviderMetadata, String> {
    let url = IssuerUrl::new(issuer.to_string()).map_err(|e| e.to_string())?;
    CoreProviderMetadata::discover_async(url, &call)
        .await
        .map_err(|e| {
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                why = format!("{why}: {s}");
                source = s.source();
            }
            why
        })
}

fn redirect_uri(ctx: &Ctx) -> String {
    ctx.settings.link(CALLBACK_PATH)
}

/// `GET /auth/methods`: the organizations with network sign-in.
pub async fn options(ctx: &Ctx) -> Result<Vec<NetworkSignInOption>> {
    Ok(store::network::organizations_with_provider(&ctx.read)
        .await?
        .into_iter()
        .map(|o| NetworkSignInOption {
            url: ctx.settings.link(&format!("/api/v1/auth/network/{}", o.id)),
            organization_id: o.id,
            organization: o.name,
        })
        .collect())
}

/// A started sign-in: where to send the browser, and the value of its binding cookie.
pub struct Started {
    pub location: String,
    pub browser: String,
}

/// `GET /auth/network/{organization}`: starts a sign-in at the organization's provider.
pub async fn start(ctx: &Ctx, ip: Option<String>, org: Uuid, app_state: Option<&str>) -> Result<Started> {
    // A start costs a call to the provider: counted per address like the other anonymous
    // operations.
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let p = store::network::provider(&ctx.read, org).await?.ok_or_else(|| {
        Error::NotFound("This organization has no sign-in with network credentials.".into())
    })?;
    let meta = discover(&p.issuer).await.map_err(|e| {
        tracing::warn!(issuer = %p.issuer, error = %e, "network sign-in: discovery failed");
        Error::Network(Refusal::ProviderFailed)
    })?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri(ctx)).map_err(|e| anyhow::anyhow!("redirect URI: {e}"))?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = tokens::generate();
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let id = Uuid::now_v7();
    store::network::insert_flow(
        &txn,
        network_flow::Model {
            id,
            state_hash: tokens::digest(state.secret()),
            browser_hash: tokens::digest(&browser),
            organization_id: org,
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            app_state: app_state.map(str::to_string),
            created_at: now,
            expires_at: now + FLOW_TTL,
            used_at: None,
        },
        now,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: None,
                label: "network sign-in".into(),
                ip,
            },
            action: "auth.network_started",
            target: Some(format!("organization:{org}")),
            details: json!({"flow": id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Started {
        location: url.to_string(),
        browser,
    })
}

/// What the provider sent the browser back with.
pub struct Answer<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The binding cookie the browser presented.
    pub browser: Option<&'a str>,
}

/// How a callback ended: the single-use code for `POST /auth/network/token`, or why not; and
/// the web app's own `state`, when the sign-in was found.
pub struct Finished {
    pub result: Result<String>,
    pub app_state: Option<String>,
}

/// `GET /auth/network/callback`. Every refusal is audited (`auth.login_failed` with its
/// reason) and counts against the address like a wrong password.
pub async fn finish(ctx: &Ctx, ip: Option<String>, answer: Answer<'_>) -> Finished {
    let now = ctx.clock.now();
    let keys: Vec<(String, ThrottlePolicy)> = ip
        .iter()
        .map(|ip| (format!("ip:{ip}"), ThrottlePolicy::ADDRESS))
        .collect();
    if let Err(e) = super::throttle::reserve_attempt(ctx, &keys, now).await {
        return Finished {
            result: Err(e),
            app_state: None,
        };
    }
    let flow = match answer.state {
        Some(s) => store::network::take_flow(&ctx.db, &tokens::digest(s), now).await,
        None => Ok(None),
    };
    let flow = match flow {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Finished {
                result: refuse(ctx, ip, None, None, Refusal::StateUnknown, json!({})).await,
                app_state: None,
            };
        }
        Err(e) => {
            return Finished {
                result: Err(e.into()),
                app_state: None,
            };
        }
    };
    let app_state = flow.app_state.clone();
    let result = checked(ctx, ip, &keys, &flow, &answer).await;
    Finished { result, app_state }
}

async fn checked(
    ctx: &Ctx,
    ip: Option<String>,
    keys: &[(String, ThrottlePolicy)],
    flow: &network_flow::Model,
    answer: &Answer<'_>,
) -> Result<String> {
    let org = flow.organization_id;
    let base = json!({"organization": org});
    if answer.browser.map(tokens::digest).as_deref() != Some(flow.browser_hash.as_str()) {
        return refuse(ctx, ip, Some(org), None, Refusal::OtherBrowser, base).await;
    }
    let code = match (answer.error, answer.code) {
        (None, Some(code)) => code,
        (error, _) => {
            let details = json!({"organization": org, "provider_error": error.map(|e| e.chars().take(64).collect::<String>())});
            return refuse(ctx, ip, Some(org), None, Refusal::Declined, details).await;
        }
    };
    let Some(p) = store::network::provider(&ctx.read, org).await? else {
        return refuse(ctx, ip, Some(org), None, Refusal::ProviderFailed, base).await;
    };
    let meta = match discover(&p.issuer).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(issuer = %p.issuer, error = %e, "network sign-in: discovery failed");
            return refuse(ctx, ip, Some(org), None, Refusal::ProviderFailed, base).await;
        }
    };
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri(ctx)).map_err(|e| anyhow::anyhow!("redirect URI: {e}"))?);
    let exchanged = match client.exchange_code(AuthorizationCode::new(code.to_string())) {
        Ok(request) => {
            request
                .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
                .request_async(&call)
                .await
        }
        Err(e) => {
            tracing::warn!(issuer = %p.issuer, error = %e, "network sign-in: no token endpoint");
            return refuse(ctx, ip, Some(org), None, Refusal::ProviderFailed, base).await;
        }
    };
    let tokens_answer = match exchanged {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(issuer = %p.issuer, error = %e, "network sign-in: code exchange refused");
            return refuse(ctx, ip, Some(org), None, Refusal::ProviderFailed, base).await;
        }
    };
    let verifier = client.id_token_verifier();
    let claims = match openidconnect::TokenResponse::id_token(&tokens_answer)
        .ok_or_else(|| "no ID token".to_string())
        .and_then(|t| {
            t.claims(&verifier, &Nonce::new(flow.nonce.clone()))
                .map_err(|e| e.to_string())
        }) {
        Ok(c) => c.clone(),
        Err(e) => {
            tracing::info!(issuer = %p.issuer, error = %e, "network sign-in: ID token refused");
            let details = json!({"organization": org, "check": e.chars().take(200).collect::<String>()});
            return refuse(ctx, ip, Some(org), None, Refusal::TokenInvalid, details).await;
        }
    };
    let subject = claims.subject().as_str().to_string();
    let mut email = claims.email().map(|e| normalize_email(e.as_str()));
    let mut verified = claims.email_verified() == Some(true);
    // A provider may keep the address out of the ID token (OpenID Connect puts the claims of
    // requested scopes at the UserInfo endpoint when it issues an access token): ask there,
    // for the same subject.
    if email.is_none()
        && let Ok(request) = client.user_info(
            openidconnect::OAuth2TokenResponse::access_token(&tokens_answer).clone(),
            Some(claims.subject().clone()),
        )
    {
        let info: std::result::Result<openidconnect::core::CoreUserInfoClaims, _> =
            request.request_async(&call).await;
        match info {
            Ok(info) => {
                email = info.email().map(|e| normalize_email(e.as_str()));
                verified = info.email_verified() == Some(true);
            }
            Err(e) => tracing::info!(issuer = %p.issuer, error = %e, "network sign-in: UserInfo refused"),
        }
    }
    let mfa = claims.auth_method_refs().is_some_and(|amr| {
        amr.iter()
            .any(|m| matches!(m.as_str(), "mfa" | "otp" | "hwk" | "sc" | "swk"))
    });
    let details = json!({"organization": org, "subject": subject, "email": email});

    // The account: the one linked to the subject, else (the first time) the organization's
    // account with the provider's verified address.
    let linked = store::network::identity(&ctx.read, &p.issuer, &subject).await?;
    let (u, link) = match linked {
        Some(l) => (store::users::find(&ctx.read, l.user_id).await?, Some(l.id)),
        None => {
            let Some(email) = email.as_deref() else {
                return refuse(ctx, ip, Some(org), None, Refusal::NotLinked, details).await;
            };
            if !verified {
                return refuse(ctx, ip, Some(org), None, Refusal::EmailUnverified, details).await;
            }
            let mut found: Vec<user::Model> = store::accounts::with_email(&ctx.read, email)
                .await?
                .into_iter()
                .filter(|u| u.organization_id == org)
                .collect();
            let u = if found.len() == 1 { found.pop() } else { None };
            // An account already linked to another subject of this provider is not taken over
            // by a second one with the same address.
            let u = match u {
                Some(u)
                    if store::network::identities_of(&ctx.read, u.id, &p.issuer)
                        .await?
                        .is_empty() =>
                {
                    Some(u)
                }
                _ => None,
            };
            (u, None)
        }
    };
    // A person who moved to another organization no longer signs in with the old one's.
    let Some(u) = u.filter(|u| u.organization_id == org && u.status != AccountStatus::Deleted) else {
        return refuse(ctx, ip, Some(org), None, Refusal::NotLinked, details).await;
    };
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    let now = ctx.clock.now();
    sessions::refuse_if_cannot_sign_in(ctx, &u, &actor, keys, (None, Some("network")), now).await?;
    let code = tokens::generate();
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::release(&txn, keys).await?;
    let newly_linked = match link {
        Some(id) => {
            store::network::used(&txn, id, now).await?;
            false
        }
        None => {
            if !store::network::link(&txn, u.id, &p.issuer, &subject, now).await? {
                // Linked meanwhile by another sign-in of the same subject.
                return Err(Error::Conflict(
                    "This network identity was linked just now; start again.".into(),
                ));
            }
            true
        }
    };
    store::accounts::insert_link_token(
        &txn,
        u.id,
        if mfa { PURPOSE_MFA } else { PURPOSE },
        tokens::digest(&code),
        None,
        now + CODE_TTL,
        now,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &actor,
            action: "auth.network_accepted",
            target: Some(format!("user:{}", u.id)),
            details: json!({
                "organization": org,
                "issuer": p.issuer,
                "subject": subject,
                "linked": newly_linked,
                "second_factor": mfa,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(code)
}

/// Audits a refused callback (the attempt stays counted) and answers the refusal.
async fn refuse(
    ctx: &Ctx,
    ip: Option<String>,
    org: Option<Uuid>,
    user: Option<Uuid>,
    why: Refusal,
    details: serde_json::Value,
) -> Result<String> {
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let mut details = details;
    if let Some(d) = details.as_object_mut() {
        d.insert("reason".into(), json!(why.slug()));
        if let Some(org) = org {
            d.insert("organization".into(), json!(org));
        }
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: user,
                label: "network sign-in".into(),
                ip,
            },
            action: "auth.login_failed",
            target: user.map(|id| format!("user:{id}")),
            details,
        },
    )
    .await?;
    txn.commit().await?;
    Err(Error::Network(why))
}

/// `POST /auth/network/token`: starts the session of the account a network sign-in gave
/// `code` for (once).
pub async fn exchange(ctx: &Ctx, ip: Option<String>, agent: Option<String>, code: &str) -> Result<Session> {
    let now = ctx.clock.now();
    let spent = || {
        Error::Unauthorized(
            "This sign-in with your network credentials has expired or was used already. Start again.".into(),
        )
    };
    let t = store::accounts::link_token(&ctx.read, &tokens::digest(code))
        .await?
        .filter(|t| {
            (t.purpose == PURPOSE || t.purpose == PURPOSE_MFA) && t.used_at.is_none() && t.expires_at > now
        })
        .ok_or_else(spent)?;
    let u = store::users::find(&ctx.read, t.user_id)
        .await?
        .filter(|u| u.status == AccountStatus::Active)
        .ok_or_else(spent)?;
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    let proof = Proof::Network {
        code: t.id,
        second_factor: t.purpose == PURPOSE_MFA,
    };
    sessions::start(ctx, &u, &actor, agent, proof, &[], now).await
}

fn response(ctx: &Ctx, p: network_provider::Model) -> NetworkSignInResponse {
    NetworkSignInResponse {
        organization_id: p.organization_id,
        issuer: p.issuer,
        client_id: p.client_id,
        redirect_uri: redirect_uri(ctx),
        updated_at: p.updated_at,
    }
}

async fn organization_exists(ctx: &Ctx, org: Uuid) -> Result<()> {
    store::catalog_admin::organization(&ctx.read, org)
        .await?
        .map(|_| ())
        .ok_or_else(|| Error::NotFound("No such organization.".into()))
}

/// `GET /organizations/{id}/network-sign-in`.
pub async fn get(ctx: &Ctx, p: &UserPrincipal, org: Uuid) -> Result<NetworkSignInResponse> {
    p.require(Permission::ManageOrganizations)?;
    organization_exists(ctx, org).await?;
    let set = store::network::provider(&ctx.read, org).await?.ok_or_else(|| {
        Error::NotFound("This organization has no sign-in with network credentials.".into())
    })?;
    Ok(response(ctx, set))
}

/// `PUT /organizations/{id}/network-sign-in`: the provider must answer discovery as the
/// issuer given, so a typing error is caught here rather than at someone's sign-in.
pub async fn put(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    org: Uuid,
    req: &NetworkSignInRequest,
) -> Result<NetworkSignInResponse> {
    p.require(Permission::ManageOrganizations)?;
    req.validate()?;
    organization_exists(ctx, org).await?;
    let before = store::network::provider(&ctx.read, org).await?;
    let secret = match (&req.client_secret, &before) {
        (Some(s), _) => s.clone(),
        (None, Some(b)) => b.client_secret.clone(),
        (None, None) => {
            return Err(Error::Validation(field(
                "client_secret",
                "required",
                "is needed the first time",
            )));
        }
    };
    let issuer = req.issuer.trim();
    if let Err(e) = discover(issuer).await {
        return Err(Error::Validation(field(
            "issuer",
            "discovery",
            format!("did not answer OpenID Connect discovery as this issuer ({e})"),
        )));
    }
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    store::network::put_provider(&txn, org, issuer, req.client_id.trim(), &secret, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.network_sign_in_set",
            target: Some(format!("organization:{org}")),
            details: json!({
                "issuer": issuer,
                "client_id": req.client_id.trim(),
                "secret_changed": req.client_secret.is_some(),
                "before": before.as_ref().map(|b| json!({"issuer": b.issuer, "client_id": b.client_id})),
            }),
        },
    )
    .await?;
    let set = store::network::provider(&txn, org)
        .await?
        .ok_or_else(|| anyhow::anyhow!("network provider just written"))?;
    txn.commit().await?;
    Ok(response(ctx, set))
}

/// `DELETE /organizations/{id}/network-sign-in`: nobody signs in with it any more (the
/// links stay, for when it is set again with the same issuer).
pub async fn remove(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, org: Uuid) -> Result<()> {
    p.require(Permission::ManageOrganizations)?;
    organization_exists(ctx, org).await?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::network::delete_provider(&txn, org).await? {
        return Err(Error::NotFound(
            "This organization has no sign-in with network credentials.".into(),
        ));
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.network_sign_in_removed",
            target: Some(format!("organization:{org}")),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `GET /me/network-identities`: the provider subjects that sign the caller in.
pub async fn mine(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<NetworkIdentityResponse>> {
    Ok(store::network::identities_of_user(&ctx.read, p.id)
        .await?
        .into_iter()
        .map(|i| NetworkIdentityResponse {
            id: i.id,
            issuer: i.issuer,
            subject: i.subject,
            created_at: i.created_at,
            last_used_at: i.last_used_at,
        })
        .collect())
}

/// `DELETE /me/network-identities/{id}`: the subject no longer signs the caller in (until
/// they sign in with it again, when it is linked by their verified address anew). Audited; the
/// owner is mailed.
pub async fn unlink(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<()> {
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::network::unlink(&txn, p.id, id).await? {
        return Err(Error::NotFound("No such network identity of yours.".into()));
    }
    store::outbox::enqueue(
        &txn,
        now,
        &p.user.email,
        "AMPS: a network sign-in was unlinked from your account",
        &format!(
            "Hello {},\n\nA network identity no longer signs in to your AMPS account {}. If you did not do this, call {}.\n\n-- AMPS",
            p.user.first_name, p.login, ctx.settings.help_desk
        ),
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.network_unlinked",
            target: Some(format!("user:{}", p.id)),
            details: json!({"identity": id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

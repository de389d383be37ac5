//! PIV / CAC certificates: binding a card's certificate to an account (from a sign-in with a
//! second factor), signing in with it, and listing and removing bindings.
//!
//! Signing in goes as an authorization code does: the certificate listener checks the
//! certificate the browser presented and sends the browser back to the web app with a
//! single-use code (2 minutes); the web app exchanges the code for tokens on the main address
//! (`POST /auth/certificate/token`), where the refresh cookie belongs.

use super::principal::UserPrincipal;
use super::sessions::{self, Proof, Session};
use super::{CertificateSignIn, Ctx, Error, Result};
use crate::auth::certificate::{Holder, Refusal};
use crate::auth::tokens;
use crate::domain::account::AccountStatus;
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::user_certificate;
use crate::store::outbox;
use amps_openapi::{CertificateBindingResponse, CertificateResponse, SignInMethodsResponse};
use chrono::Duration;
use rustls::pki_types::CertificateDer;
use serde_json::json;
use uuid::Uuid;

const PURPOSE_SIGN_IN: &str = "certificate_sign_in";
const PURPOSE_BINDING: &str = "certificate_binding";
const CODE_TTL: Duration = Duration::minutes(2);
const TICKET_TTL: Duration = Duration::minutes(5);

/// The path of the certificate sign-in on the certificate listener.
pub const SIGN_IN_PATH: &str = "api/v1/auth/certificate";
/// The path of binding on the certificate listener.
pub const BINDING_PATH: &str = "api/v1/auth/certificate/binding";

fn configured(ctx: &Ctx) -> Result<&CertificateSignIn> {
    ctx.certificates
        .as_deref()
        .ok_or_else(|| Error::NotFound("Certificate sign-in is not set up on this server.".into()))
}

/// `GET /auth/methods`.
pub fn methods(ctx: &Ctx) -> SignInMethodsResponse {
    SignInMethodsResponse {
        certificate_url: ctx
            .certificates
            .as_deref()
            .and_then(|c| c.url.join(SIGN_IN_PATH).ok())
            .map(String::from),
        network: vec![],
    }
}

fn view(c: user_certificate::Model) -> CertificateResponse {
    CertificateResponse {
        id: c.id,
        identity: c.identity,
        subject: c.subject,
        issuer: c.issuer,
        serial: c.serial,
        not_after: c.not_after,
        created_at: c.created_at,
        last_used_at: c.last_used_at,
    }
}

/// The certificate listener's sign-in: checks the chain the client presented and, when it is
/// bound to an account that may sign in, answers a single-use code for
/// [`exchange`]. Every refusal is audited and counted against the client's address.
pub async fn sign_in(ctx: &Ctx, ip: Option<String>, chain: &[CertificateDer<'_>]) -> Result<String> {
    let cfg = configured(ctx)?;
    let now = ctx.clock.now();
    let keys: Vec<(String, ThrottlePolicy)> = ip
        .iter()
        .map(|ip| (format!("ip:{ip}"), ThrottlePolicy::ADDRESS))
        .collect();
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let checked = cfg.authorities.check(chain, now);
    let bound = match &checked {
        Ok(h) => store::certificates::by_identity(&ctx.read, &h.identity).await?,
        Err(_) => None,
    };
    let owner = match &bound {
        Some(b) => store::users::find(&ctx.read, b.user_id)
            .await?
            .filter(|u| u.status != AccountStatus::Deleted),
        None => None,
    };
    let refusal = match (&checked, &owner) {
        (Err(r), _) => Some(*r),
        (Ok(_), None) => Some(Refusal::NotBound),
        (Ok(_), Some(_)) => None,
    };
    let actor = Actor {
        id: owner.as_ref().map(|u| u.id),
        label: owner
            .as_ref()
            .map_or_else(|| "certificate".to_string(), |u| u.login.clone()),
        ip,
    };
    if let Some(why) = refusal {
        // Counted already, before the certificate was checked.
        let txn = crate::store::begin(&ctx.db).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_failed",
                target: actor.id.map(|id| format!("user:{id}")),
                details: json!({
                    "reason": why.slug(),
                    "subject": checked.as_ref().ok().map(|h| h.subject.clone()),
                }),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Certificate(why));
    }
    let (Some(u), Some(binding)) = (owner, bound) else {
        return Err(Error::Certificate(Refusal::NotBound));
    };
    sessions::refuse_if_cannot_sign_in(ctx, &u, &actor, &keys, (None, Some("certificate")), now).await?;
    let code = tokens::generate();
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::release(&txn, &keys).await?;
    store::certificates::used(&txn, binding.id, now).await?;
    store::accounts::insert_link_token(
        &txn,
        u.id,
        PURPOSE_SIGN_IN,
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
            action: "auth.certificate_accepted",
            target: Some(format!("user:{}", u.id)),
            details: json!({"certificate": binding.id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(code)
}

/// `POST /auth/certificate/token`: starts the session of the account whose certificate gave
/// `code` (once).
pub async fn exchange(ctx: &Ctx, ip: Option<String>, agent: Option<String>, code: &str) -> Result<Session> {
    configured(ctx)?;
    let now = ctx.clock.now();
    let spent = || Error::Unauthorized(sessions::CERTIFICATE_CODE_SPENT.into());
    let t = store::accounts::link_token(&ctx.read, &tokens::digest(code))
        .await?
        .filter(|t| t.purpose == PURPOSE_SIGN_IN && t.used_at.is_none() && t.expires_at > now)
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
    sessions::start(ctx, &u, &actor, agent, Proof::Certificate(t.id), &[], now).await
}

/// `POST /me/certificates/binding`: a ticket to bind the caller's card, for a sign-in that
/// proved more than a password.
pub async fn start_binding(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
) -> Result<CertificateBindingResponse> {
    let cfg = configured(ctx)?;
    if !p.second_factor {
        return Err(Error::Forbidden(
            "Binding a certificate needs a sign-in with a second factor: sign out, sign in with your authenticator code (or your card), and try again."
                .into(),
        ));
    }
    let now = ctx.clock.now();
    let ticket = tokens::generate();
    let txn = crate::store::begin(&ctx.db).await?;
    store::accounts::use_link_tokens(&txn, p.id, PURPOSE_BINDING, now).await?;
    store::accounts::insert_link_token(
        &txn,
        p.id,
        PURPOSE_BINDING,
        tokens::digest(&ticket),
        None,
        now + TICKET_TTL,
        now,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.certificate_binding_started",
            target: Some(format!("user:{}", p.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    let url = cfg
        .url
        .join(BINDING_PATH)
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(CertificateBindingResponse {
        url: url.into(),
        ticket,
        expires_in: TICKET_TTL.num_seconds(),
    })
}

/// The certificate listener's binding: binds the presented certificate to the account the
/// `ticket` was given to (once); the owner is mailed.
pub async fn bind(
    ctx: &Ctx,
    ip: Option<String>,
    ticket: &str,
    chain: &[CertificateDer<'_>],
) -> Result<CertificateResponse> {
    let cfg = configured(ctx)?;
    let now = ctx.clock.now();
    let expired = || {
        Error::InvalidToken(
            "This binding has expired or was used already. Start again from Sign-in security in My Information."
                .into(),
        )
    };
    let t = store::accounts::link_token(&ctx.read, &tokens::digest(ticket))
        .await?
        .filter(|t| t.purpose == PURPOSE_BINDING && t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(expired)?;
    let u = store::users::find(&ctx.read, t.user_id)
        .await?
        .filter(|u| u.status == AccountStatus::Active)
        .ok_or_else(expired)?;
    let h: Holder = cfg.authorities.check(chain, now).map_err(Error::Certificate)?;
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::accounts::use_link_token(&txn, t.id, now).await? {
        return Err(expired());
    }
    let inserted = store::certificates::insert(
        &txn,
        store::certificates::NewBinding {
            user: u.id,
            identity: &h.identity,
            subject: &h.subject,
            issuer: &h.issuer,
            serial: &h.serial,
            fingerprint: &h.fingerprint,
            not_after: h.not_after,
        },
        now,
    )
    .await?;
    let Some(row) = inserted else {
        // Whose it is stays unsaid unless it is the caller's own.
        let own = store::certificates::by_identity(&txn, &h.identity)
            .await?
            .is_some_and(|b| b.user_id == u.id);
        return Err(Error::Conflict(if own {
            "This certificate is bound to your account already.".into()
        } else {
            "This certificate is bound to another account. Call the help desk if it is yours.".into()
        }));
    };
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: Some(u.id),
                label: u.login.clone(),
                ip,
            },
            action: "auth.certificate_bound",
            target: Some(format!("user:{}", u.id)),
            details: json!({"certificate": row.id, "identity": h.identity, "subject": h.subject}),
        },
    )
    .await?;
    outbox::enqueue(
        &txn,
        now,
        &u.email,
        "AMPS: a certificate can now sign you in",
        &format!(
            "Hello {},\n\nThe certificate {} (issued by {}) was bound to your AMPS account {}: it now signs you in with \"Sign in with PIV/CAC\".\n\nIf it was not you, remove it in My Information and call {}.\n\n-- AMPS",
            u.first_name, h.subject, h.issuer, u.login, ctx.settings.help_desk
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(view(row))
}

/// `GET /me/certificates`.
pub async fn mine(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<CertificateResponse>> {
    Ok(store::certificates::of_user(&ctx.read, p.id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// `DELETE /me/certificates/{id}`: the certificate no longer signs the caller in; they are
/// mailed.
pub async fn remove(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<()> {
    remove_binding(ctx, actor, &p.user, id, None).await
}

/// `GET /users/{id}/certificates`: a person's certificates, for the help desk and
/// administrators.
pub async fn of_user(ctx: &Ctx, p: &UserPrincipal, user: Uuid) -> Result<Vec<CertificateResponse>> {
    let u = super::sign_ins::may_manage(ctx, p, user).await?;
    Ok(store::certificates::of_user(&ctx.read, u.id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// `DELETE /users/{id}/certificates/{certificate}`: the help desk or an administrator removes a
/// person's certificate (a lost card); the person is mailed who did.
pub async fn remove_for(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, user: Uuid, id: Uuid) -> Result<()> {
    let u = super::sign_ins::may_manage(ctx, p, user).await?;
    remove_binding(ctx, actor, &u, id, Some(p)).await
}

async fn remove_binding(
    ctx: &Ctx,
    actor: &Actor,
    u: &crate::store::entities::user::Model,
    id: Uuid,
    by: Option<&UserPrincipal>,
) -> Result<()> {
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let removed = store::certificates::remove(&txn, u.id, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such certificate.".into()))?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.certificate_removed",
            target: Some(format!("user:{}", u.id)),
            details: json!({"certificate": id, "subject": removed.subject, "by_owner": by.is_none()}),
        },
    )
    .await?;
    let who = by.map_or_else(String::new, |b| format!(" {} removed it.", b.login));
    outbox::enqueue(
        &txn,
        now,
        &u.email,
        "AMPS: a certificate no longer signs you in",
        &format!(
            "Hello {},\n\nThe certificate {} no longer signs you in to your AMPS account {}.{who}\n\nIf you did not expect this, change your password and call {}.\n\n-- AMPS",
            u.first_name, removed.subject, u.login, ctx.settings.help_desk
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

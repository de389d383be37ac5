//! Signing in and out: password login with brute-force throttling, rotating refresh tokens
//! (reuse of a rotated token revokes its whole family), logout, and OAuth2 client
//! credentials for service clients.

use super::{Ctx, Error, Result};
use crate::auth::jwt::{self, Methods, SessionOf};
use crate::auth::{password, tokens};
use crate::domain::account::{AccountStatus, normalize_login};
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{service_client, user};
use crate::store::sessions::NewRefresh;
use amps_openapi::{ClientCredentialsRequest, LoginRequest, TokenResponse};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

/// Lifetime of a refresh token family member.
pub const REFRESH_TTL: Duration = Duration::days(7);
/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "amps_refresh";

const WRONG_CREDENTIALS: &str = "User ID or password is incorrect.";

/// A certificate sign-in's code that is unknown, used or expired.
pub(super) const CERTIFICATE_CODE_SPENT: &str =
    "This certificate sign-in has expired or was used already. Sign in with your certificate again.";

/// A successful sign-in: the access token and the new refresh token (for the cookie).
pub struct Session {
    pub token: TokenResponse,
    pub refresh_token: String,
}

fn throttle_keys(login: &str, ip: Option<&str>) -> Vec<(String, ThrottlePolicy)> {
    let mut keys = vec![(format!("login:{login}"), ThrottlePolicy::ACCOUNT)];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), ThrottlePolicy::ADDRESS));
    }
    keys
}

/// Creates a refresh token in `family` (a sign-in that ends at `ends`) and returns its clear
/// value; it expires unused after [`REFRESH_TTL`], and at the latest when the sign-in ends.
async fn new_refresh(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    family: Uuid,
    ends: DateTime<Utc>,
    second_factor: bool,
    now: DateTime<Utc>,
) -> Result<String> {
    let value = tokens::generate();
    store::sessions::insert_refresh(
        conn,
        NewRefresh {
            user: user_id,
            family,
            hash: tokens::digest(&value),
            expires_at: (now + REFRESH_TTL).min(ends),
            session_ends_at: ends,
            second_factor,
        },
        now,
    )
    .await?;
    Ok(value)
}

fn access(
    ctx: &Ctx,
    sub: &str,
    kind: &str,
    scope: Option<String>,
    session: Option<SessionOf>,
) -> Result<TokenResponse> {
    Ok(TokenResponse {
        access_token: ctx.keys.issue(sub, kind, scope, session, ctx.clock.now())?,
        token_type: "Bearer".into(),
        expires_in: jwt::ACCESS_TTL_SECS,
    })
}

/// Password sign-in.
#[tracing::instrument(skip_all, fields(user_id = %req.user_id))]
pub async fn login(
    ctx: &Ctx,
    ip: Option<String>,
    agent: Option<String>,
    req: &LoginRequest,
) -> Result<Session> {
    let login = normalize_login(&req.user_id);
    let now = ctx.clock.now();
    let keys = throttle_keys(&login, ip.as_deref());
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let found = store::users::by_login(&ctx.read, &login)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted);
    let ok = super::throttle::verify_reserved(
        ctx,
        &keys,
        req.password.clone(),
        found.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let actor = Actor {
        id: found.as_ref().map(|u| u.id),
        label: login.clone(),
        ip: ip.clone(),
    };
    let Some(u) = found.filter(|_| ok) else {
        // Counted already, before the password was checked.
        let txn = crate::store::begin(&ctx.db).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_failed",
                target: actor.id.map(|id| format!("user:{id}")),
                details: json!({"reason": "wrong_credentials"}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized(WRONG_CREDENTIALS.into()));
    };
    let status = u.status;
    let reason = if status.can_sign_in() || status == AccountStatus::Deleted {
        None
    } else {
        store::users::status_reason(&ctx.read, u.id).await?
    };
    refuse_if_cannot_sign_in(ctx, &u, &actor, &keys, (reason.as_deref(), None), now).await?;
    let factors = store::mfa::second_factors(&ctx.read, u.id).await?;
    if !factors.is_empty() {
        let token = super::mfa::challenge(ctx, &u, &actor, &keys, now).await?;
        return Err(Error::SecondFactorRequired(token, factors));
    }
    start(ctx, &u, &actor, agent, Proof::Password, &keys, now).await
}

/// Refuses the sign-in of `u` when the account cannot sign in now (disabled, locked, …: 403
/// with the reason, `why` being the status change's reason when known), after a proof that was
/// right: its attempt against `keys` is taken back, and the refusal is audited
/// (`auth.login_refused`, with the sign-in `method` when not a password).
pub(super) async fn refuse_if_cannot_sign_in(
    ctx: &Ctx,
    u: &user::Model,
    actor: &Actor,
    keys: &[(String, ThrottlePolicy)],
    (why, method): (Option<&str>, Option<&str>),
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(refusal) = u.status.sign_in_refusal(&ctx.settings.help_desk, why) else {
        return Ok(());
    };
    let mut details = json!({"status": u.status.as_str()});
    if let (Some(m), Some(d)) = (method, details.as_object_mut()) {
        d.insert("method".into(), json!(m));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::release(&txn, keys).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.login_refused",
            target: Some(format!("user:{}", u.id)),
            details,
        },
    )
    .await?;
    txn.commit().await?;
    Err(Error::Forbidden(refusal))
}

/// The second step of a sign-in with a second factor (`service::mfa` checks it).
pub async fn login_second_factor(
    ctx: &Ctx,
    ip: Option<String>,
    agent: Option<String>,
    req: &amps_openapi::SecondFactorRequest,
) -> Result<Session> {
    let (u, actor, how) = super::mfa::verify(ctx, ip, req).await?;
    // `verify` took back its attempt already.
    start(
        ctx,
        &u,
        &actor,
        agent,
        Proof::SecondFactor(how),
        &[],
        ctx.clock.now(),
    )
    .await
}

/// The second step of a sign-in with a security key (`service::mfa` checks the key's answer).
pub async fn login_security_key(
    ctx: &Ctx,
    ip: Option<String>,
    agent: Option<String>,
    req: &amps_openapi::SecurityKeySignInRequest,
) -> Result<Session> {
    let (u, actor) = super::mfa::verify_key(ctx, ip, req).await?;
    start(
        ctx,
        &u,
        &actor,
        agent,
        Proof::SecondFactor("security_key"),
        &[],
        ctx.clock.now(),
    )
    .await
}

/// What a sign-in was proved with.
pub(super) enum Proof<'a> {
    Password,
    /// A password and a second factor: `totp` or `recovery_code`.
    SecondFactor(&'a str),
    /// A PIV / CAC certificate bound to the account: the single-use code its check gave
    /// (`user_tokens.id`), spent with the session.
    Certificate(Uuid),
    /// The organization's network credentials: the single-use code the callback gave, and
    /// whether the provider said it used more than one factor.
    Network {
        code: Uuid,
        second_factor: bool,
    },
}

impl Proof<'_> {
    fn methods(&self) -> Methods {
        match self {
            Proof::Password => Methods::Password,
            Proof::SecondFactor("security_key") => Methods::PasswordKey,
            Proof::SecondFactor(_) => Methods::PasswordOtp,
            Proof::Certificate(_) => Methods::Certificate,
            Proof::Network {
                second_factor: true, ..
            } => Methods::NetworkMfa,
            Proof::Network { .. } => Methods::Network,
        }
    }

    fn details(&self) -> serde_json::Value {
        match self {
            Proof::Password => json!({}),
            Proof::SecondFactor(how) => json!({"second_factor": how}),
            Proof::Certificate(_) => json!({"method": "certificate"}),
            Proof::Network { second_factor, .. } => {
                json!({"method": "network", "second_factor": second_factor})
            }
        }
    }
}

/// Starts a session of `u` (from the browser or program `agent`), who proved who they are
/// with `proof`; it is recorded among their sign-ins, and the attempt counted against `keys`
/// is taken back.
pub(super) async fn start(
    ctx: &Ctx,
    u: &user::Model,
    actor: &Actor,
    agent: Option<String>,
    proof: Proof<'_>,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<Session> {
    let login = &u.login;
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::release(&txn, keys).await?;
    store::sessions::clear_throttle(&txn, &format!("login:{login}")).await?;
    // The code a certificate sign-in came back with is spent with the session it starts.
    if let Proof::Certificate(code) = proof
        && !store::accounts::use_link_token(&txn, code, now).await?
    {
        return Err(Error::Unauthorized(CERTIFICATE_CODE_SPENT.into()));
    }
    if let Proof::Network { code, .. } = proof
        && !store::accounts::use_link_token(&txn, code, now).await?
    {
        return Err(Error::Unauthorized(
            "This sign-in with your network credentials was used already. Start again.".into(),
        ));
    }
    let family = Uuid::now_v7();
    let methods = proof.methods();
    let mfa = methods.second_factor();
    let ends = now + ctx.settings.session_max;
    let refresh = new_refresh(&txn, u.id, family, ends, mfa, now).await?;
    store::sessions::insert_sign_in(
        &txn,
        store::sessions::NewSignIn {
            id: family,
            user: u.id,
            ip: actor.ip.clone(),
            user_agent: agent,
            methods: methods.as_str(),
            expires_at: (now + REFRESH_TTL).min(ends),
        },
        now,
    )
    .await?;
    store::users::touch(&txn, u.id, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.login",
            target: Some(format!("user:{}", u.id)),
            details: proof.details(),
        },
    )
    .await?;
    txn.commit().await?;
    let session = SessionOf {
        sid: family,
        epoch: u.session_epoch,
        methods,
        factor_at: mfa.then_some(now),
    };
    Ok(Session {
        token: access(ctx, &u.id.to_string(), "user", None, Some(session))?,
        refresh_token: refresh,
    })
}

/// Exchanges a refresh token for a new access token and a new refresh token.
pub async fn refresh(ctx: &Ctx, ip: Option<String>, presented: Option<&str>) -> Result<Session> {
    let unauthorized = || Error::Unauthorized("Your session has ended. Sign in again.".into());
    let presented = presented.ok_or_else(unauthorized)?;
    let now = ctx.clock.now();
    let row = store::sessions::refresh_by_hash(&ctx.read, &tokens::digest(presented))
        .await?
        .ok_or_else(unauthorized)?;
    // A sign-in ends at its absolute end however often it is refreshed (tokens stored before
    // that end existed count from their own creation).
    let ends = row
        .session_ends_at
        .unwrap_or(row.created_at + ctx.settings.session_max);
    if row.revoked_at.is_some() || row.expires_at <= now || ends <= now {
        return Err(unauthorized());
    }
    let txn = crate::store::begin(&ctx.db).await?;
    // Compare-and-set: of two uses of the same token only one rotates it.
    let rotated = store::sessions::rotate(&txn, row.id, now).await?;
    let actor = Actor {
        id: Some(row.user_id),
        label: row.user_id.to_string(),
        ip,
    };
    if !rotated {
        store::sessions::revoke_family(&txn, row.family_id, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.refresh_token_reused",
                target: Some(format!("user:{}", row.user_id)),
                details: json!({"family": row.family_id}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(unauthorized());
    }
    let u = store::users::find(&txn, row.user_id)
        .await?
        .ok_or_else(unauthorized)?;
    if !u.status.can_sign_in() {
        return Err(unauthorized());
    }
    let value = new_refresh(&txn, u.id, row.family_id, ends, row.second_factor, now).await?;
    // The sign-in's methods (`sc` for a certificate); tokens of older sign-ins, from their flag.
    let (methods, factor_at) =
        match store::sessions::sign_in_used(&txn, row.family_id, (now + REFRESH_TTL).min(ends), now).await? {
            Some((m, at)) => (Methods::parse(&m), at),
            None if row.second_factor => (Methods::PasswordOtp, None),
            None => (Methods::Password, None),
        };
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                label: u.login.clone(),
                ..actor
            },
            action: "auth.token_refreshed",
            target: Some(format!("user:{}", u.id)),
            details: json!({"family": row.family_id}),
        },
    )
    .await?;
    txn.commit().await?;
    let session = SessionOf {
        sid: row.family_id,
        epoch: u.session_epoch,
        methods,
        factor_at,
    };
    Ok(Session {
        token: access(ctx, &u.id.to_string(), "user", None, Some(session))?,
        refresh_token: value,
    })
}

/// Ends the session of the presented refresh token (its whole family).
pub async fn logout(ctx: &Ctx, ip: Option<String>, presented: Option<&str>) -> Result<()> {
    let Some(presented) = presented else { return Ok(()) };
    let now = ctx.clock.now();
    let Some(row) = store::sessions::refresh_by_hash(&ctx.read, &tokens::digest(presented)).await? else {
        return Ok(());
    };
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::revoke_family(&txn, row.family_id, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: Some(row.user_id),
                label: row.user_id.to_string(),
                ip,
            },
            action: "auth.logout",
            target: Some(format!("user:{}", row.user_id)),
            details: json!({"family": row.family_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// OAuth2 client credentials: a service client's access token.
pub async fn client_credentials(
    ctx: &Ctx,
    ip: Option<String>,
    req: &ClientCredentialsRequest,
) -> Result<TokenResponse> {
    if req.grant_type != "client_credentials" {
        return Err(Error::Validation(super::field(
            "grant_type",
            "unsupported_grant_type",
            "only client_credentials is supported",
        )));
    }
    let now = ctx.clock.now();
    let keys = throttle_keys(&format!("client:{}", req.client_id), ip.as_deref());
    // Read, then counted on failure (not reserved like a password): a client secret is 256
    // random bits checked by a digest, so parallel guesses gain nothing, and a write per token
    // would hold the SQLite writer for every client call.
    if let Some(retry_after_secs) = store::sessions::blocked_for(&ctx.read, &keys, now).await? {
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    let client = super::principal::client_of(ctx, &req.client_id)
        .await?
        .filter(|c| !c.disabled);
    let ok = match &client {
        // Clients made before secrets were digested: checked once with argon2id, then the
        // stored form becomes the digest.
        Some(c) if c.secret_hash.starts_with("$argon2") => {
            let ok = password::verify(req.client_secret.clone(), Some(c.secret_hash.clone())).await?;
            if ok {
                store::sessions::set_client_secret(&ctx.db, c.id, &tokens::digest(&req.client_secret))
                    .await?;
            }
            ok
        }
        Some(c) => tokens::matches(&req.client_secret, &c.secret_hash),
        None => false,
    };
    let actor = Actor {
        id: None,
        label: format!("client:{}", req.client_id),
        ip,
    };
    let Some(client) = client.filter(|_| ok) else {
        let txn = crate::store::begin(&ctx.db).await?;
        store::sessions::record_failure(&txn, &keys, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.client_failed",
                target: None,
                details: json!({}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized("Unknown client or wrong secret.".into()));
    };
    let granted: Vec<&str> = client.scopes.split_whitespace().collect();
    let scope = match &req.scope {
        None => client.scopes.clone(),
        Some(asked) => {
            if let Some(bad) = asked.split_whitespace().find(|s| !granted.contains(s)) {
                return Err(Error::Forbidden(format!(
                    "The client may not use the scope {bad:?}."
                )));
            }
            asked.clone()
        }
    };
    // Issuing a token changes nothing: it is logged, not written (a refused one is audited).
    tracing::info!(client = %client.client_id, scope = %scope, "client token issued");
    access(
        ctx,
        &format!("client:{}", client.client_id),
        "service",
        Some(scope),
        None,
    )
}

/// A new service client; returns (client_id, secret). The secret is shown once.
pub async fn create_service_client(
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
    scopes: &str,
) -> Result<(String, String)> {
    let now = ctx.clock.now();
    let client_id = format!("svc-{}", &Uuid::new_v4().simple().to_string()[..12]);
    let secret = tokens::generate();
    // 256 random bits: a digest compared in constant time, not a password hash.
    let hash = tokens::digest(&secret);
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::insert_client(
        &txn,
        service_client::Model {
            id: Uuid::now_v7(),
            client_id: client_id.clone(),
            name: name.to_string(),
            secret_hash: hash,
            scopes: scopes.to_string(),
            disabled: false,
            created_at: now,
        },
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "service_client.created",
            target: Some(format!("client:{client_id}")),
            details: json!({"name": name, "scopes": scopes}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((client_id, secret))
}

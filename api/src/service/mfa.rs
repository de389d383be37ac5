//! Second factors: an authenticator app (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of clock skew each way) and ten single-use recovery codes. A user sets the app up from
//! My Information (the secret is shown once, confirmed with a code), and from then on a right
//! password alone does not sign in: the answer asks for the second factor with a single-use
//! token valid 5 minutes. A code works once (a replayed code of the same step is refused);
//! wrong codes count against the same throttle as wrong passwords. Turning the app off needs
//! the password again.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::auth::jwt::{Methods, SessionOf};
use crate::auth::tokens;
use crate::domain::account::AccountStatus;
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{user, user_token};
use crate::store::outbox;
use amps_openapi::{
    ConfirmTotpRequest, MfaStatusResponse, RecoveryCodesResponse, RemoveTotpRequest, SecondFactorRequest,
    SecurityKeyChallengeRequest, SecurityKeyOptionsResponse, SecurityKeySignInRequest, StepUpRequest,
    StepUpSecurityKeyRequest, TokenResponse, TotpEnrollmentResponse,
};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::ConnectionTrait;
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};
use validator::Validate;

const PURPOSE_MFA: &str = "mfa";
/// How long the second step of a sign-in may wait.
const CHALLENGE_TTL: Duration = Duration::minutes(5);
const STEP: u64 = 30;
const RECOVERY_CODES: usize = 10;

/// The authenticator of `login` with base32 `secret`.
fn totp(secret: &str, login: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("stored TOTP secret: {e:?}"))?;
    // The label may not hold ':'; User IDs never do.
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some("AMPS".into()),
        login.to_string(),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP parameters: {e:?}")))
}

/// The step (of the current one and one each side) whose code is `code`, compared in
/// constant time.
fn matching_step(t: &TOTP, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let current = now.timestamp().max(0) as u64 / STEP;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| {
            let expected = t.generate(step * STEP);
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
        })
        .map(|s| s as i64)
}

/// A recovery code as people type it: letters and digits only, upper case.
fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Ten new recovery codes (80 random bits each, base32 in four groups) with their digests.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let raw = match Secret::Raw(bytes.to_vec()).to_encoded() {
                Secret::Encoded(s) => s,
                Secret::Raw(b) => hex::encode_upper(b),
            };
            let shown = raw
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-");
            let digest = tokens::digest(&normalize_recovery(&shown));
            (shown, digest)
        })
        .unzip()
}

/// Whether `user` signs in with a second factor.
pub async fn has_second_factor(conn: &impl ConnectionTrait, user: uuid::Uuid) -> Result<bool> {
    Ok(!store::mfa::second_factors(conn, user).await?.is_empty())
}

/// After a right password: a single-use token for the second step of `u`'s sign-in.
pub async fn challenge(
    ctx: &Ctx,
    u: &user::Model,
    actor: &Actor,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<String> {
    let token = tokens::generate();
    let txn = crate::store::begin(&ctx.db).await?;
    // The password was right: its attempt is taken back (the code is an attempt of its own).
    store::sessions::release(&txn, keys).await?;
    store::accounts::use_link_tokens(&txn, u.id, PURPOSE_MFA, now).await?;
    store::accounts::insert_link_token(
        &txn,
        u.id,
        PURPOSE_MFA,
        tokens::digest(&token),
        None,
        now + CHALLENGE_TTL,
        now,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.second_factor_asked",
            target: Some(format!("user:{}", u.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Checks the second step of a sign-in (`POST /auth/login/second-factor`): spends the token
/// and the code; returns the account, the actor, and how they proved it (`totp` or
/// `recovery_code`). `sessions::login_second_factor` then starts the session.
pub async fn verify(
    ctx: &Ctx,
    ip: Option<String>,
    req: &SecondFactorRequest,
) -> Result<(user::Model, Actor, &'static str)> {
    req.validate()?;
    let now = ctx.clock.now();
    let (t, u) = pending(ctx, &req.mfa_token, now).await?;
    let keys = second_step_keys(&u, ip.as_deref());
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    let how = match spend_code(&txn, &u, req.code.trim(), now).await? {
        Spent::Code(how) => Some(how),
        Spent::Wrong => None,
        Spent::NoAuthenticator => return Err(sign_in_expired()),
    };
    let Some(how) = how else {
        // Counted already, before the code was checked.
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_failed",
                target: Some(format!("user:{}", u.id)),
                details: json!({"reason": "wrong_second_factor"}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized(
            "That code is not right (or was used already). Try the next code your app shows.".into(),
        ));
    };
    if !store::accounts::use_link_token(&txn, t.id, now).await? {
        return Err(sign_in_expired());
    }
    store::sessions::release(&txn, &keys).await?;
    if how == "recovery_code" {
        recovery_code_used(ctx, &txn, &u, now).await?;
    }
    txn.commit().await?;
    Ok((u, actor, how))
}

/// What a code typed at a second step did.
enum Spent {
    /// It was right, and is spent: `totp` or `recovery_code`.
    Code(&'static str),
    /// Wrong, or used already.
    Wrong,
    /// A 6-digit code, and the account has no authenticator app (any more).
    NoAuthenticator,
}

/// Checks `code` (a 6-digit code from the authenticator app, or a recovery code) of `u` and
/// spends it: a code of a step works once, a recovery code once.
async fn spend_code(
    conn: &impl ConnectionTrait,
    u: &user::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Spent> {
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        let Some(cred) = store::mfa::totp(conn, u.id)
            .await?
            .filter(|c| c.confirmed_at.is_some())
        else {
            return Ok(Spent::NoAuthenticator);
        };
        let step = matching_step(&totp(&cred.secret, &u.login)?, code, now);
        Ok(match step {
            Some(step) if store::mfa::use_step(conn, u.id, step, now).await? => Spent::Code("totp"),
            _ => Spent::Wrong,
        })
    } else {
        let hash = tokens::digest(&normalize_recovery(code));
        Ok(if store::mfa::use_recovery_code(conn, u.id, &hash, now).await? {
            Spent::Code("recovery_code")
        } else {
            Spent::Wrong
        })
    }
}

/// Mails `u` that one of their recovery codes was used, and how many are left.
async fn recovery_code_used(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    u: &user::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let left = store::mfa::recovery_codes_left(conn, u.id).await?;
    outbox::enqueue(
        conn,
        now,
        &u.email,
        "AMPS: a recovery code was used to sign in",
        &format!(
            "Hello {},\n\nSomeone signed in to your AMPS account {} with one of your recovery codes; {left} are left. If it was not you, change your password and set up your authenticator again in My Information, and call {}.\n\n-- AMPS",
            u.first_name, u.login, ctx.settings.help_desk
        ),
    )
    .await?;
    Ok(())
}

fn sign_in_expired() -> Error {
    Error::Unauthorized("This sign-in has expired. Sign in again with your password.".into())
}

/// The sign-in waiting for its second step with `mfa_token`, and its account (still active).
async fn pending(ctx: &Ctx, mfa_token: &str, now: DateTime<Utc>) -> Result<(user_token::Model, user::Model)> {
    let t = store::accounts::link_token(&ctx.read, &tokens::digest(mfa_token))
        .await?
        .filter(|t| t.purpose == PURPOSE_MFA && t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(sign_in_expired)?;
    let u = store::users::find(&ctx.read, t.user_id)
        .await?
        .filter(|u| u.status == AccountStatus::Active)
        .ok_or_else(sign_in_expired)?;
    Ok((t, u))
}

/// What a second step counts against: the account's and the address's sign-in throttle.
fn second_step_keys(u: &user::Model, ip: Option<&str>) -> Vec<(String, ThrottlePolicy)> {
    let mut keys = vec![(format!("login:{}", u.login), ThrottlePolicy::ACCOUNT)];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), ThrottlePolicy::ADDRESS));
    }
    keys
}

/// `POST /auth/login/security-key/options`: the challenge a key of the account answers in the
/// second step of a sign-in.
pub async fn key_challenge(
    ctx: &Ctx,
    ip: Option<String>,
    req: &SecurityKeyChallengeRequest,
) -> Result<SecurityKeyOptionsResponse> {
    req.validate()?;
    let rp = super::security_keys::relying_party(ctx)?;
    let now = ctx.clock.now();
    let (_, u) = pending(ctx, &req.mfa_token, now).await?;
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    key_options(
        ctx,
        rp,
        &actor,
        u.id,
        (super::security_keys::PURPOSE_SIGN_IN, json!({})),
        "This account has no security key: enter the code your authenticator app shows.",
        now,
    )
    .await
}

/// A challenge for the security keys of `user`, kept for `purpose` (its audit event gets
/// `details` and the challenge's id); `none` when the account has no key.
async fn key_options(
    ctx: &Ctx,
    rp: &webauthn_rs::Webauthn,
    actor: &Actor,
    user: uuid::Uuid,
    (purpose, mut details): (&str, serde_json::Value),
    none: &str,
    now: DateTime<Utc>,
) -> Result<SecurityKeyOptionsResponse> {
    let keys = store::security_keys::of_user(&ctx.read, user).await?;
    if keys.is_empty() {
        return Err(Error::Conflict(none.into()));
    }
    let passkeys = keys
        .iter()
        .map(super::security_keys::passkey_of)
        .collect::<Result<Vec<_>>>()?;
    let (challenge, state) = rp
        .start_passkey_authentication(&passkeys)
        .map_err(|e| Error::Internal(anyhow::anyhow!("WebAuthn authentication: {e}")))?;
    let state = serde_json::to_string(&state).map_err(|e| Error::Internal(e.into()))?;
    let txn = crate::store::begin(&ctx.db).await?;
    let id = store::security_keys::put_challenge(
        &txn,
        user,
        purpose,
        &state,
        now + super::security_keys::CEREMONY_TTL,
        now,
    )
    .await?;
    details["challenge"] = json!(id);
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.security_key_asked",
            target: Some(format!("user:{user}")),
            details,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SecurityKeyOptionsResponse {
        challenge_id: id,
        options: serde_json::to_value(&challenge).map_err(|e| Error::Internal(e.into()))?,
        email_code_sent_to: None,
    })
}

/// Checks the second step of a sign-in with a security key (`POST /auth/login/security-key`):
/// the key's answer to its challenge (once), with user verification; spends the sign-in's
/// token. A refused answer counts with wrong passwords.
pub async fn verify_key(
    ctx: &Ctx,
    ip: Option<String>,
    req: &SecurityKeySignInRequest,
) -> Result<(user::Model, Actor)> {
    req.validate()?;
    let rp = super::security_keys::relying_party(ctx)?;
    let credential: webauthn_rs::prelude::PublicKeyCredential =
        serde_json::from_value(req.credential.clone())
            .map_err(|_| Error::Validation(field("credential", "format", "is not a WebAuthn assertion")))?;
    let now = ctx.clock.now();
    let (t, u) = pending(ctx, &req.mfa_token, now).await?;
    let keys = second_step_keys(&u, ip.as_deref());
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    let checked = spend_key_answer(
        &txn,
        rp,
        u.id,
        req.challenge_id,
        super::security_keys::PURPOSE_SIGN_IN,
        &credential,
        now,
    )
    .await?;
    if let Err(reason) = checked {
        // Counted already, before the answer was checked; the challenge is spent.
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_failed",
                target: Some(format!("user:{}", u.id)),
                details: json!({"reason": reason}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized(KEY_REFUSED.into()));
    }
    if !store::accounts::use_link_token(&txn, t.id, now).await? {
        return Err(sign_in_expired());
    }
    store::sessions::release(&txn, &keys).await?;
    txn.commit().await?;
    Ok((u, actor))
}

const KEY_REFUSED: &str = "Your security key's answer was not accepted (or this challenge was answered already). Try again with a key registered to your account.";

/// Checks a security key's answer `credential` to `user`'s challenge `challenge_id` (of
/// `purpose`), with user verification, and spends the challenge; records the key's use and its
/// signature counter. `Err` says why an answer was refused (for the audit).
async fn spend_key_answer(
    conn: &impl ConnectionTrait,
    rp: &webauthn_rs::Webauthn,
    user: uuid::Uuid,
    challenge_id: uuid::Uuid,
    purpose: &str,
    credential: &webauthn_rs::prelude::PublicKeyCredential,
    now: DateTime<Utc>,
) -> Result<std::result::Result<(), &'static str>> {
    let Some(state) = store::security_keys::take_challenge(conn, user, challenge_id, purpose, now).await?
    else {
        return Ok(Err("stale_security_key_challenge"));
    };
    let state: webauthn_rs::prelude::PasskeyAuthentication =
        serde_json::from_str(&state).map_err(|e| Error::Internal(e.into()))?;
    let Some(result) = rp
        .finish_passkey_authentication(credential, &state)
        .map_err(|e| tracing::info!(error = %e, "security key answer refused"))
        .ok()
    else {
        return Ok(Err("wrong_security_key"));
    };
    // The key's signature counter, as the answer moved it.
    for k in store::security_keys::of_user(conn, user).await? {
        let mut pk = super::security_keys::passkey_of(&k)?;
        if pk.cred_id() == result.cred_id() {
            let updated = match pk.update_credential(&result) {
                Some(true) => Some(serde_json::to_string(&pk).map_err(|e| Error::Internal(e.into()))?),
                _ => None,
            };
            store::security_keys::used(conn, k.id, updated.as_deref(), now).await?;
        }
    }
    Ok(Ok(()))
}

/// The refusal of something `why` needs a second factor for, to `p` whose sign-in proved
/// none: confirm one now (`POST /auth/step-up`) with the factors the account has, or set one up.
pub async fn step_up_for(ctx: &Ctx, p: &UserPrincipal, why: &str) -> Error {
    let factors = match store::mfa::second_factors(&ctx.read, p.id).await {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    let how = if factors.is_empty() {
        "set up an authenticator app or a security key in My Information, then confirm it"
    } else {
        "confirm your authenticator code or security key to go on"
    };
    Error::StepUpRequired(format!("{why}: {how}."), factors)
}

/// A security key challenge answered to prove a second factor for a sign-in under way.
const PURPOSE_STEP_UP: &str = "step_up";

/// The sign-in a step-up proves a second factor for: the caller's own, unless it proved one
/// within the last minutes already.
fn step_up_session(p: &UserPrincipal, now: DateTime<Utc>) -> Result<uuid::Uuid> {
    let family = p.session.ok_or_else(|| {
        Error::Forbidden("An emailed link cannot prove a second factor: sign in to AMPS.".into())
    })?;
    if p.fresh_second_factor(now) {
        return Err(Error::Conflict(
            "This sign-in proved a second factor a moment ago already.".into(),
        ));
    }
    Ok(family)
}

/// Marks sign-in `family` of `p` as proved by `methods`, records it, and issues its new
/// access token (its `amr` and `acr` say so).
async fn stepped_up(
    ctx: &Ctx,
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    p: &UserPrincipal,
    family: uuid::Uuid,
    (methods, how): (Methods, &str),
    now: DateTime<Utc>,
) -> Result<TokenResponse> {
    let Some(methods) = store::sessions::mark_second_factor(txn, family, methods.as_str(), now).await? else {
        return Err(Error::Unauthorized(
            "This sign-in was ended. Sign in again.".into(),
        ));
    };
    let methods = Methods::parse(&methods);
    audit::append(
        txn,
        now,
        NewEvent {
            actor,
            action: "auth.step_up",
            target: Some(format!("user:{}", p.id)),
            details: json!({"second_factor": how, "session": family}),
        },
    )
    .await?;
    let session = SessionOf {
        sid: family,
        epoch: p.user.session_epoch,
        methods,
        factor_at: Some(now),
    };
    Ok(TokenResponse {
        access_token: ctx
            .keys
            .issue(&p.id.to_string(), "user", None, Some(session), now)?,
        token_type: "Bearer".into(),
        expires_in: crate::auth::jwt::ACCESS_TTL_SECS,
    })
}

/// Records a refused step-up (counted already) and says so.
async fn step_up_refused(
    txn: sea_orm::DatabaseTransaction,
    actor: &Actor,
    p: &UserPrincipal,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.step_up_failed",
            target: Some(format!("user:{}", p.id)),
            details: json!({"reason": reason}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `POST /auth/step-up`: the caller proves a second factor for their sign-in with a code from
/// their authenticator app or a recovery code; the sign-in (and its refreshed tokens) then
/// counts as two-step. Wrong codes count against the sign-in throttle.
pub async fn step_up(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &StepUpRequest,
) -> Result<TokenResponse> {
    let now = ctx.clock.now();
    let family = step_up_session(p, now)?;
    let keys = second_step_keys(&p.user, actor.ip.as_deref());
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let how = match spend_code(&txn, &p.user, req.code.trim(), now).await? {
        Spent::Code(how) => how,
        Spent::Wrong => {
            step_up_refused(txn, actor, p, "wrong_second_factor", now).await?;
            return Err(Error::Validation(field(
                "code",
                "wrong",
                "is not right (or was used already): enter the next code your app shows, or a recovery code",
            )));
        }
        Spent::NoAuthenticator => {
            step_up_refused(txn, actor, p, "no_authenticator", now).await?;
            return Err(Error::Conflict(
                "Your account has no authenticator app: set one up in My Information, or use your security key.".into(),
            ));
        }
    };
    store::sessions::release(&txn, &keys).await?;
    if how == "recovery_code" {
        recovery_code_used(ctx, &txn, &p.user, now).await?;
    }
    let token = stepped_up(ctx, &txn, actor, p, family, (Methods::PasswordOtp, how), now).await?;
    txn.commit().await?;
    Ok(token)
}

/// `POST /auth/step-up/security-key/options`: the challenge one of the caller's security keys
/// answers to prove a second factor for their sign-in.
pub async fn step_up_key_options(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
) -> Result<SecurityKeyOptionsResponse> {
    let now = ctx.clock.now();
    step_up_session(p, now)?;
    let rp = super::security_keys::relying_party(ctx)?;
    key_options(
        ctx,
        rp,
        actor,
        p.id,
        (PURPOSE_STEP_UP, json!({"step_up": true})),
        "Your account has no security key: enter the code your authenticator app shows, or add a key in My Information.",
        now,
    )
    .await
}

/// `POST /auth/step-up/security-key`: the caller's key answered the step-up challenge (once,
/// with user verification): their sign-in counts as two-step. Refused answers count against
/// the sign-in throttle.
pub async fn step_up_key(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &StepUpSecurityKeyRequest,
) -> Result<TokenResponse> {
    let now = ctx.clock.now();
    let family = step_up_session(p, now)?;
    let rp = super::security_keys::relying_party(ctx)?;
    let credential: webauthn_rs::prelude::PublicKeyCredential =
        serde_json::from_value(req.credential.clone())
            .map_err(|_| Error::Validation(field("credential", "format", "is not a WebAuthn assertion")))?;
    let keys = second_step_keys(&p.user, actor.ip.as_deref());
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    if let Err(reason) = spend_key_answer(
        &txn,
        rp,
        p.id,
        req.challenge_id,
        PURPOSE_STEP_UP,
        &credential,
        now,
    )
    .await?
    {
        step_up_refused(txn, actor, p, reason, now).await?;
        return Err(Error::Validation(field("credential", "refused", KEY_REFUSED)));
    }
    store::sessions::release(&txn, &keys).await?;
    let token = stepped_up(
        ctx,
        &txn,
        actor,
        p,
        family,
        (Methods::PasswordKey, "security_key"),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// `GET /me/mfa`: which second factors the caller has.
pub async fn status(ctx: &Ctx, p: &UserPrincipal) -> Result<MfaStatusResponse> {
    Ok(MfaStatusResponse {
        totp: store::mfa::totp(&ctx.read, p.id)
            .await?
            .is_some_and(|t| t.confirmed_at.is_some()),
        recovery_codes_left: store::mfa::recovery_codes_left(&ctx.read, p.id).await?,
        security_keys: store::security_keys::of_user(&ctx.read, p.id)
            .await?
            .iter()
            .map(super::security_keys::view)
            .collect(),
    })
}

/// `POST /me/mfa/totp`: a new authenticator secret, shown once; it counts once confirmed.
pub async fn start_totp(ctx: &Ctx, actor: &Actor, p: &UserPrincipal) -> Result<TotpEnrollmentResponse> {
    let now = ctx.clock.now();
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let t = totp(
        &match Secret::Raw(bytes.to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => return Err(anyhow::anyhow!("secret not encoded").into()),
        },
        &p.login,
    )?;
    let secret = t.get_secret_base32();
    let needs_mail = super::first_factor::needs_mail(ctx, p).await?;
    if needs_mail {
        super::first_factor::asked(ctx, p).await?;
    }
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::mfa::put_unconfirmed(&txn, p.id, &secret, now).await? {
        return Err(Error::Conflict(
            "Your authenticator app is set up already; turn it off first to set up another.".into(),
        ));
    }
    let email_code_sent_to = if needs_mail {
        Some(super::first_factor::mail_code(ctx, &txn, p, now).await?)
    } else {
        None
    };
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.totp_started",
            target: Some(format!("user:{}", p.id)),
            details: json!({"email_code_sent": needs_mail}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(TotpEnrollmentResponse {
        secret,
        otpauth_url: t.get_url(),
        email_code_sent_to,
    })
}

/// `POST /me/mfa/totp/confirm`: a code from the app being set up turns it on and gives ten
/// recovery codes, shown once.
pub async fn confirm_totp(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &ConfirmTotpRequest,
) -> Result<RecoveryCodesResponse> {
    req.validate()?;
    let now = ctx.clock.now();
    // Nothing to confirm is told before any emailed code is asked for (checked again below).
    if store::mfa::totp(&ctx.db, p.id)
        .await?
        .is_none_or(|c| c.confirmed_at.is_some())
    {
        return Err(Error::Conflict(
            "Start setting up an authenticator app first (or it is set up already).".into(),
        ));
    }
    let emailed = super::first_factor::check_code(ctx, p, req.email_code.as_deref(), now).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let cred = match store::mfa::totp(&txn, p.id).await? {
        None => {
            return Err(Error::Conflict(
                "Start setting up an authenticator app first.".into(),
            ));
        }
        Some(c) if c.confirmed_at.is_some() => {
            return Err(Error::Conflict(
                "Your authenticator app is set up already.".into(),
            ));
        }
        Some(c) => c,
    };
    let step = matching_step(&totp(&cred.secret, &p.login)?, req.code.trim(), now);
    let Some(step) = step else {
        return Err(Error::Validation(field(
            "code",
            "wrong",
            "is not the code your app shows now; check the phone's clock and try the next one",
        )));
    };
    if !store::mfa::use_step(&txn, p.id, step, now).await? {
        return Err(Error::Conflict("This code was used already.".into()));
    }
    super::first_factor::spend_code(&txn, emailed, now).await?;
    let (codes, hashes) = new_recovery_codes();
    store::mfa::replace_recovery_codes(&txn, p.id, &hashes).await?;
    // This sign-in just proved the app too: its next access token (after a refresh) says so.
    if let Some(family) = p.session {
        store::sessions::mark_second_factor(&txn, family, Methods::PasswordOtp.as_str(), now).await?;
    }
    // Every other sign-in (made with the password alone, perhaps by whoever the user is
    // locking out) ends now, with any unused password-reset link.
    store::sessions::end_sessions(&txn, p.id, p.session, super::accounts::PURPOSE_RESET, now).await?;
    outbox::enqueue(
        &txn,
        now,
        &p.user.email,
        "AMPS: sign-in now asks for your authenticator code",
        &format!(
            "Hello {},\n\nYour AMPS account {} now asks for a code from your authenticator app after the password, and every other sign-in of it has ended. Keep your recovery codes somewhere safe. If you did not do this, call {}.\n\n-- AMPS",
            p.user.first_name, p.login, ctx.settings.help_desk
        ),
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.totp_enabled",
            target: Some(format!("user:{}", p.id)),
            details: json!({"recovery_codes": RECOVERY_CODES}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RecoveryCodesResponse {
        recovery_codes: codes,
    })
}

/// `DELETE /me/mfa/totp`: turns the authenticator off (and its recovery codes), after the
/// password again.
pub async fn remove_totp(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, req: &RemoveTotpRequest) -> Result<()> {
    req.validate()?;
    let now = ctx.clock.now();
    // The stored hash as it is now (the caller's cached account may predate a change).
    let me = super::load_user(&ctx.db, p.id).await?;
    if !super::throttle::password_again(ctx, &p.login, me.password_hash, req.password.clone()).await? {
        return Err(Error::Validation(field(
            "password",
            "wrong",
            "is not your password",
        )));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    if store::mfa::totp(&txn, p.id).await?.is_none() {
        return Err(Error::Conflict("No authenticator app is set up.".into()));
    }
    if let Some(why) = p.must_use_second_factor()
        && store::security_keys::count(&txn, p.id).await? == 0
    {
        return Err(Error::Conflict(format!(
            "{why}: add a security key before turning the authenticator app off."
        )));
    }
    store::mfa::remove(&txn, p.id).await?;
    outbox::enqueue(
        &txn,
        now,
        &p.user.email,
        "AMPS: sign-in no longer asks for your authenticator code",
        &format!(
            "Hello {},\n\nYour AMPS account {} no longer asks for an authenticator code; your recovery codes no longer work. If you did not do this, change your password and call {}.\n\n-- AMPS",
            p.user.first_name, p.login, ctx.settings.help_desk
        ),
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.totp_removed",
            target: Some(format!("user:{}", p.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `POST /users/{id}/mfa/reset`: the help desk or an administrator turns off account `id`'s
/// authenticator (the person lost their phone and their recovery codes), with a reason the
/// person is mailed; they sign in with the password and set it up again.
pub async fn reset_for(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: uuid::Uuid,
    req: &amps_openapi::ResetSecondFactorRequest,
) -> Result<()> {
    p.require(crate::domain::permission::Permission::ChangeAccountStatus)?;
    if id == p.id {
        return Err(Error::Forbidden(
            "Nobody resets their own two-step sign-in: turn it off in My Information.".into(),
        ));
    }
    req.validate()?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let u = store::users::find(&txn, id)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted)
        .ok_or_else(|| Error::NotFound("No such account.".into()))?;
    super::administrators_only_for_administrative(
        &txn,
        p,
        u.id,
        now,
        "Only an administrator resets the two-step sign-in of an account that holds an AMPS administrative role.",
    )
    .await?;
    if store::mfa::totp(&txn, u.id).await?.is_none() && store::security_keys::count(&txn, u.id).await? == 0 {
        return Err(Error::Conflict(format!(
            "{} has no authenticator app or security key set up.",
            u.login
        )));
    }
    store::mfa::remove(&txn, u.id).await?;
    store::security_keys::remove_all(&txn, u.id).await?;
    let reason = req.reason.trim();
    outbox::enqueue(
        &txn,
        now,
        &u.email,
        "AMPS: your two-step sign-in was reset",
        &format!(
            "Hello {},\n\n{} turned off the authenticator app and security keys of your AMPS account {}: {reason}\n\nSign in with your password and set up two-step sign-in again in My Information. If you did not ask for this, call {}.\n\n-- AMPS",
            u.first_name,
            super::views::name_of(&p.user),
            u.login,
            ctx.settings.help_desk
        ),
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.totp_reset",
            target: Some(format!("user:{}", u.id)),
            details: json!({"user": u.login, "reason": reason}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

//! Second factors: an authenticator app (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of clock skew each way) and ten single-use recovery codes. A user sets the app up from
//! My Information (the secret is shown once, confirmed with a code), and from then on a right
//! password alone does not sign in: the answer asks for the second factor with a single-use
//! token valid 5 minutes. A code works once (a replayed code of the same step is refused);
//! wrong codes count against the same throttle as wrong passwords. Turning the app off needs
//! the password again.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::auth::tokens;
use crate::domain::account::AccountStatus;
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{user, user_token};
use crate::store::outbox;
use amps_openapi::{
    ConfirmTotpRequest, MfaStatusResponse, RecoveryCodesResponse, RemoveTotpRequest, SecondFactorRequest,
    SecurityKeyChallengeRequest, SecurityKeyOptionsResponse, SecurityKeySignInRequest,
    TotpEnrollmentResponse,
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
    let code = req.code.trim();
    let txn = crate::store::begin(&ctx.db).await?;
    let how = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        let cred = store::mfa::totp(&txn, u.id)
            .await?
            .filter(|c| c.confirmed_at.is_some())
            .ok_or_else(sign_in_expired)?;
        let step = matching_step(&totp(&cred.secret, &u.login)?, code, now);
        match step {
            Some(step) if store::mfa::use_step(&txn, u.id, step, now).await? => Some("totp"),
            _ => None,
        }
    } else {
        let hash = tokens::digest(&normalize_recovery(code));
        store::mfa::use_recovery_code(&txn, u.id, &hash, now)
            .await?
            .then_some("recovery_code")
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
        let left = store::mfa::recovery_codes_left(&txn, u.id).await?;
        outbox::enqueue(
            &txn,
            now,
            &u.email,
            "AMPS: a recovery code was used to sign in",
            &format!(
                "Hello {},\n\nSomeone signed in to your AMPS account {} with one of your recovery codes; {left} are left. If it was not you, change your password and set up your authenticator again in My Information, and call {}.\n\n-- AMPS",
                u.first_name, u.login, ctx.settings.help_desk
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok((u, actor, how))
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
    let keys = store::security_keys::of_user(&ctx.read, u.id).await?;
    if keys.is_empty() {
        return Err(Error::Conflict(
            "This account has no security key: enter the code your authenticator app shows.".into(),
        ));
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
        u.id,
        super::security_keys::PURPOSE_SIGN_IN,
        &state,
        now + super::security_keys::CEREMONY_TTL,
        now,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: Some(u.id),
                label: u.login.clone(),
                ip,
            },
            action: "auth.security_key_asked",
            target: Some(format!("user:{}", u.id)),
            details: json!({"challenge": id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SecurityKeyOptionsResponse {
        challenge_id: id,
        options: serde_json::to_value(&challenge).map_err(|e| Error::Internal(e.into()))?,
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
    let state = store::security_keys::take_challenge(
        &txn,
        u.id,
        req.challenge_id,
        super::security_keys::PURPOSE_SIGN_IN,
        now,
    )
    .await?;
    let checked = match &state {
        Some(state) => {
            let state: webauthn_rs::prelude::PasskeyAuthentication =
                serde_json::from_str(state).map_err(|e| Error::Internal(e.into()))?;
            rp.finish_passkey_authentication(&credential, &state)
                .map_err(|e| tracing::info!(error = %e, "security key answer refused"))
                .ok()
        }
        None => None,
    };
    let Some(result) = checked else {
        // Counted already, before the answer was checked; the challenge is spent.
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_failed",
                target: Some(format!("user:{}", u.id)),
                details: json!({"reason": if state.is_some() { "wrong_security_key" } else { "stale_security_key_challenge" }}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized(
            "Your security key's answer was not accepted (or this challenge was answered already). Try again with a key registered to your account."
                .into(),
        ));
    };
    // The key's signature counter, as the answer moved it.
    for k in store::security_keys::of_user(&txn, u.id).await? {
        let mut pk = super::security_keys::passkey_of(&k)?;
        if pk.cred_id() == result.cred_id() {
            let updated = match pk.update_credential(&result) {
                Some(true) => Some(serde_json::to_string(&pk).map_err(|e| Error::Internal(e.into()))?),
                _ => None,
            };
            store::security_keys::used(&txn, k.id, updated.as_deref(), now).await?;
        }
    }
    if !store::accounts::use_link_token(&txn, t.id, now).await? {
        return Err(sign_in_expired());
    }
    store::sessions::release(&txn, &keys).await?;
    txn.commit().await?;
    Ok((u, actor))
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
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::mfa::put_unconfirmed(&txn, p.id, &secret, now).await? {
        return Err(Error::Conflict(
            "Your authenticator app is set up already; turn it off first to set up another.".into(),
        ));
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.totp_started",
            target: Some(format!("user:{}", p.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(TotpEnrollmentResponse {
        secret,
        otpauth_url: t.get_url(),
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
    let (codes, hashes) = new_recovery_codes();
    store::mfa::replace_recovery_codes(&txn, p.id, &hashes).await?;
    // This sign-in just proved the app too: its next access token (after a refresh) says so.
    if let Some(family) = p.session {
        store::sessions::mark_second_factor(&txn, family).await?;
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

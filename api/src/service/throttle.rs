//! Guesses at secrets count before they are checked: an attempt is reserved against its
//! throttle keys (refused at once while one is blocked), then checked, then taken back when
//! right ([`crate::store::sessions::reserve_attempt`]). Sign-in, its second step, and every
//! place a signed-in person is asked for their password again use it.

use super::{Ctx, Error, Result};
use crate::auth::password;
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use chrono::{DateTime, Utc};

/// Counts a request that mails account or address `target` (`login:…`, `email:…`, as typed,
/// whether or not it exists) and refuses it (429) once that target has been asked for too much
/// ([`ThrottlePolicy::MAIL`]): nobody can have hundreds of mails sent to someone.
pub async fn mail_asked(ctx: &Ctx, target: &str) -> Result<()> {
    let keys = [(format!("mail:{target}"), ThrottlePolicy::MAIL)];
    reserve_attempt(ctx, &keys, ctx.clock.now()).await
}

/// Counts a request from client address `ip` to an operation anyone may call without
/// signing in, and refuses it (429) once that address has asked too much
/// ([`ThrottlePolicy::PUBLIC`]). Counted before anything is looked up, so an answer that says
/// a User ID is taken costs the asker as much as one that does not.
pub async fn public_asked(ctx: &Ctx, ip: Option<&str>) -> Result<()> {
    let keys = [(
        format!("public:{}", ip.unwrap_or("unknown")),
        ThrottlePolicy::PUBLIC,
    )];
    reserve_attempt(ctx, &keys, ctx.clock.now()).await
}

/// Checks `password` against `hash`, the password of account `login`, when a signed-in
/// person is asked for it again (to change their email or password, or turn off their
/// authenticator). The guess counts with wrong passwords at sign-in (reserved before the
/// check, taken back when right), so a stolen session does not make a password oracle.
pub async fn password_again(ctx: &Ctx, login: &str, hash: String, password: String) -> Result<bool> {
    let now = ctx.clock.now();
    let keys = [(format!("login:{login}"), ThrottlePolicy::ACCOUNT)];
    reserve_attempt(ctx, &keys, now).await?;
    if !verify_reserved(ctx, &keys, password, Some(hash)).await? {
        return Ok(false);
    }
    let txn = crate::store::begin(&ctx.db).await?;
    store::sessions::release(&txn, &keys).await?;
    txn.commit().await?;
    Ok(true)
}

/// Checks `password` against `hash` for an attempt reserved against `keys`; one that could not
/// be checked (the hashing pool is full: 503) is taken back, as it was never tried.
pub async fn verify_reserved(
    ctx: &Ctx,
    keys: &[(String, ThrottlePolicy)],
    password: String,
    hash: Option<String>,
) -> Result<bool> {
    match password::verify(password, hash).await {
        Ok(ok) => Ok(ok),
        Err(e) => {
            let txn = crate::store::begin(&ctx.db).await?;
            store::sessions::release(&txn, keys).await?;
            txn.commit().await?;
            Err(e.into())
        }
    }
}

/// Counts a sign-in attempt against `keys` before it is checked (its own transaction), or
/// refuses it with how long to wait when one of them is blocked
/// ([`store::sessions::reserve_attempt`]).
pub async fn reserve_attempt(ctx: &Ctx, keys: &[(String, ThrottlePolicy)], now: DateTime<Utc>) -> Result<()> {
    let txn = crate::store::begin(&ctx.db).await?;
    if let Some(retry_after_secs) = store::sessions::reserve_attempt(&txn, keys, now).await? {
        // Dropped without commit: the refused attempt counts nowhere.
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    txn.commit().await?;
    Ok(())
}

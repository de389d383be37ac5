//! The code mailed to set up an account's first second factor from a sign-in that proved
//! only its password (an authenticator app or a security key): whoever learned a password must
//! also read the owner's mail before tying the account to their own phone or key.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::auth::tokens;
use crate::domain::throttle::ThrottlePolicy;
use crate::store;
use crate::store::outbox;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

/// The purpose of the code mailed to set up an account's first second factor.
const PURPOSE_ENROL: &str = "mfa_enrolment";
/// How long that code works.
const ENROL_CODE_TTL: Duration = Duration::minutes(15);

/// Whether setting up a second factor now must be proved with a code mailed to the account's
/// address: the account's first one, from a sign-in that proved only its password. Whoever
/// learned a password must not be able to tie the account to their own phone or key (and so
/// lock its owner out), least of all an administrator's, whose first sign-in must set one up.
pub async fn needs_mail(ctx: &Ctx, p: &UserPrincipal) -> Result<bool> {
    Ok(!p.second_factor && store::mfa::second_factors(&ctx.db, p.id).await?.is_empty())
}

fn digest(user: uuid::Uuid, code: &str) -> String {
    tokens::digest(&format!("{PURPOSE_ENROL}:{user}:{code}"))
}

/// Counts a request that mails the caller an enrolment code (its own transaction; before the
/// caller's): nobody can have hundreds sent ([`ThrottlePolicy::MAIL`]).
pub async fn asked(ctx: &Ctx, p: &UserPrincipal) -> Result<()> {
    super::throttle::mail_asked(ctx, &format!("{PURPOSE_ENROL}:{}", p.id)).await
}

/// Mails the caller a new six-digit code for setting up their first second factor, valid for
/// [`ENROL_CODE_TTL`]; the codes mailed before stop working. Answers the address.
pub async fn mail_code(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    p: &UserPrincipal,
    now: DateTime<Utc>,
) -> Result<String> {
    let code = format!(
        "{:06}",
        rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..1_000_000u32)
    );
    store::accounts::use_link_tokens(txn, p.id, PURPOSE_ENROL, now).await?;
    store::accounts::insert_link_token(
        txn,
        p.id,
        PURPOSE_ENROL,
        digest(p.id, &code),
        None,
        now + ENROL_CODE_TTL,
        now,
    )
    .await?;
    outbox::enqueue(
        txn,
        now,
        &p.user.email,
        "AMPS: your code to set up two-step sign-in",
        &format!(
            "Hello {},\n\nYour code to set up two-step sign-in for your AMPS account {} is {code}. It works once, for {} minutes.\n\nIf you did not ask for it, someone else knows your password: change it now, and call {}.\n\n-- AMPS",
            p.user.first_name,
            p.login,
            ENROL_CODE_TTL.num_minutes(),
            ctx.settings.help_desk
        ),
    )
    .await?;
    Ok(p.user.email.clone())
}

/// The enrolment code a first second factor is set up with, checked before the caller's
/// transaction: `None` when none is needed, else the code's row (spend it with
/// [`spend_code`]). A wrong code counts against the account's own throttle
/// (reserved before the check, taken back when right), so six digits cannot be guessed.
pub async fn check_code(
    ctx: &Ctx,
    p: &UserPrincipal,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<uuid::Uuid>> {
    if !needs_mail(ctx, p).await? {
        return Ok(None);
    }
    let Some(code) = code.map(str::trim) else {
        return Err(Error::Validation(field(
            "email_code",
            "required",
            format!(
                "is needed: enter the code we emailed to {} when you started",
                p.user.email
            ),
        )));
    };
    let keys = [(format!("{PURPOSE_ENROL}:{}", p.id), ThrottlePolicy::ACCOUNT)];
    super::throttle::reserve_attempt(ctx, &keys, now).await?;
    let found = store::accounts::link_token(&ctx.db, &digest(p.id, code))
        .await?
        .filter(|t| {
            t.user_id == p.id && t.purpose == PURPOSE_ENROL && t.used_at.is_none() && t.expires_at > now
        });
    match found {
        Some(t) => {
            let txn = crate::store::begin(&ctx.db).await?;
            store::sessions::release(&txn, &keys).await?;
            txn.commit().await?;
            Ok(Some(t.id))
        }
        None => Err(Error::Validation(field(
            "email_code",
            "wrong",
            "is not the code we emailed you last, or it has expired: start again for a new one",
        ))),
    }
}

/// Spends the enrolment code [`check_code`] accepted, in the transaction that sets
/// the factor up (of two requests with it, one sets a factor up).
pub async fn spend_code(
    txn: &impl ConnectionTrait,
    checked: Option<uuid::Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(id) = checked
        && !store::accounts::use_link_token(txn, id, now).await?
    {
        return Err(Error::Conflict(
            "This emailed code was used already: start again for a new one.".into(),
        ));
    }
    Ok(())
}

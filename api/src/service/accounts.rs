//! Accounts: self-registration with email verification, password rules and history,
//! forgotten password and User ID, and My Information.

use super::views::name_of;
use super::{Ctx, Error, Result, field};
use crate::auth::{password, tokens};
use crate::domain::account::{AccountStatus, normalize_email, normalize_login};
use crate::domain::approver_change::ApproverKind;
use crate::domain::password::{self as rules, HISTORY_DEPTH, PasswordContext, PasswordProblem};
use crate::notify::templates;
use crate::service::principal::UserPrincipal;
use crate::store::accounts::ProfileChange;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{user, user_token};
use crate::store::{self, outbox};
use amps_openapi::*;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

/// How long an email verification link works.
pub const VERIFY_TTL_HOURS: i64 = 24;
/// How long a password-reset link works.
pub const RESET_TTL_MINUTES: i64 = 30;

const PURPOSE_VERIFY: &str = "verify_email";
const PURPOSE_CHANGE_EMAIL: &str = "change_email";
pub(super) const PURPOSE_RESET: &str = "reset_password";

fn password_error(p: PasswordProblem, field_name: &str) -> Error {
    Error::Validation(field(field_name, p.code(), p.message()))
}

/// Checks a new password for `u`-like identifiers and the history of `user_id`.
async fn check_new_password(
    conn: &impl ConnectionTrait,
    pw: &str,
    ctx: PasswordContext<'_>,
    user_id: Option<Uuid>,
    field_name: &str,
) -> Result<()> {
    rules::check(pw, &ctx).map_err(|p| password_error(p, field_name))?;
    if let Some(id) = user_id {
        let hashes = store::accounts::password_history(conn, id, HISTORY_DEPTH).await?;
        if password::matches_any(pw.to_string(), hashes).await? {
            return Err(password_error(PasswordProblem::Reused, field_name));
        }
    }
    Ok(())
}

async fn new_link_token(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: &str,
    email: Option<String>,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<String> {
    let value = tokens::generate();
    store::accounts::insert_link_token(
        conn,
        user_id,
        purpose,
        tokens::digest(&value),
        email,
        now + ttl,
        now,
    )
    .await?;
    Ok(value)
}

/// Takes a single-use link token: valid, unexpired, unused, of one of `purposes`.
async fn take_link_token(
    conn: &impl ConnectionTrait,
    value: &str,
    purposes: &[&str],
    now: DateTime<Utc>,
) -> Result<user_token::Model> {
    let invalid = || {
        Error::InvalidToken(
            "This link is not valid: it has expired or was already used. Ask for a new one.".into(),
        )
    };
    let t = store::accounts::link_token(conn, &tokens::digest(value))
        .await?
        .filter(|t| purposes.contains(&t.purpose.as_str()))
        .ok_or_else(invalid)?;
    if t.used_at.is_some() || t.expires_at <= now {
        return Err(invalid());
    }
    if !store::accounts::use_link_token(conn, t.id, now).await? {
        return Err(invalid());
    }
    Ok(t)
}

/// The full name of a user, for greetings.
/// External self-registration.
pub async fn register(ctx: &Ctx, ip: Option<String>, req: &RegisterRequest) -> Result<RegisterResponse> {
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let now = ctx.clock.now();
    let login = normalize_login(&req.user_id);
    let email = normalize_email(&req.email);
    let org = store::accounts::organization_by_code(&ctx.db, req.organization.trim()).await?;
    let org = match org {
        Some(o) if o.is_external => o,
        Some(_) => {
            return Err(Error::Validation(field(
                "organization",
                "not_self_service",
                "Accounts in this organization are created by its administrators; self-registration is for External users.",
            )));
        }
        None => {
            return Err(Error::Validation(field(
                "organization",
                "unknown",
                "is not a known organization",
            )));
        }
    };
    // A taken User ID is said (the person must choose another; each ask counts against the
    // address above). A known email is not: the answer is the registration's own, and the
    // address's owner is mailed instead, so nobody learns from AMPS who has an account.
    if store::users::by_login(&ctx.db, &login).await?.is_some() {
        return Err(Error::Duplicate(field(
            "user_id",
            "taken",
            "is already taken; choose another User ID",
        )));
    }
    let known = store::accounts::email_in_use(&ctx.db, &email, None).await?;
    check_new_password(
        &ctx.db,
        &req.password,
        PasswordContext {
            login: &login,
            first_name: &req.first_name,
            last_name: &req.last_name,
            email: &email,
        },
        None,
        "password",
    )
    .await?;
    // Counted once the registration is sound (bad input changes nothing): it mails `email`.
    super::throttle::mail_asked(ctx, &format!("email:{email}")).await?;
    // Hashed either way: the answer for a known address takes as long.
    let hash = password::hash(req.password.clone()).await?;
    let answer = |id| RegisterResponse {
        id,
        user_id: login.clone(),
        status: amps_openapi::AccountStatus::PendingVerification,
        message: format!("We sent a verification link to {email}. Open it to activate your account."),
    };
    if known {
        let txn = crate::store::begin(&ctx.db).await?;
        let (subject, body) =
            templates::address_in_use(&ctx.settings.link("/forgot-user-id"), &ctx.settings.help_desk);
        outbox::enqueue(&txn, now, &email, &subject, &body).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor {
                    id: None,
                    label: login.clone(),
                    ip,
                },
                action: "account.registration_refused",
                target: None,
                details: json!({"user_id": login, "email": email, "reason": "email_in_use"}),
            },
        )
        .await?;
        txn.commit().await?;
        return Ok(answer(Uuid::now_v7()));
    }
    let eao_email = normalize_email(&req.eao_email);
    let eao_id = store::accounts::active_by_email(&ctx.db, &eao_email)
        .await?
        .map(|u| u.id);
    let id = Uuid::now_v7();
    let txn = crate::store::begin(&ctx.db).await?;
    let new = user::Model {
        id,
        login: login.clone(),
        first_name: req.first_name.trim().into(),
        middle_initial: req.middle_initial.as_ref().map(|s| s.trim().to_uppercase()),
        last_name: req.last_name.trim().into(),
        email: email.clone(),
        pending_email: None,
        phone: req.phone.trim().into(),
        job_title: req.job_title.as_ref().map(|s| s.trim().to_string()),
        organization_id: org.id,
        user_type: "vendor".into(),
        company: Some(req.company.trim().into()),
        contract_number: None,
        contract_ends_on: None,
        eao_email: Some(eao_email),
        supervisor_id: None,
        security_officer_id: None,
        eao_id,
        it_level: "none".into(),
        ia_training_date: None,
        status: AccountStatus::PendingVerification,
        password_hash: hash,
        password_changed_at: now,
        last_activity_at: None,
        inactivity_warned_at: None,
        deletion_started_at: None,
        deleted_email: None,
        enrolled_by: None,
        contract_warned_at: None,
        created_at: now,
        updated_at: now,
        session_epoch: 0,
        kept_session: None,
        ended_sessions: None,
    };
    let u = store::accounts::insert(&txn, new)
        .await
        .map_err(|e| match e.sql_err() {
            // Lost a race with a concurrent registration of the same User ID or email.
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Duplicate(field(
                "user_id",
                "taken",
                "is already taken; choose another User ID",
            )),
            _ => e.into(),
        })?;
    let mut writes = crate::store::batch::Writes::new();
    send_verification(ctx, &txn, &mut writes, &u, now).await?;
    writes.exec(&txn).await?;
    audit::append(&txn, now, NewEvent {
        actor: &Actor { id: Some(id), label: login.clone(), ip },
        action: "account.registered",
        target: Some(format!("user:{id}")),
        details: json!({"after": {"user_id": login, "email": email, "organization": org.code, "company": u.company}}),
    })
    .await?;
    txn.commit().await?;
    Ok(answer(id))
}

/// Adds to `writes` the mail with a new link that verifies `u`'s email and activates the
/// account (earlier links stop working).
pub(super) async fn send_verification(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut crate::store::batch::Writes,
    u: &user::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    store::accounts::use_link_tokens(conn, u.id, PURPOSE_VERIFY, now).await?;
    let token = new_link_token(
        conn,
        u.id,
        PURPOSE_VERIFY,
        Some(u.email.clone()),
        now,
        Duration::hours(VERIFY_TTL_HOURS),
    )
    .await?;
    let link = ctx.settings.link(&format!("/verify-email?token={token}"));
    let (subject, body) = templates::verify_email(&name_of(u), &link, VERIFY_TTL_HOURS);
    outbox::enqueue_into(writes, now, &u.email, &subject, &body);
    Ok(())
}

/// Uses an emailed verification link (registration or email change).
pub async fn verify_email(ctx: &Ctx, ip: Option<String>, req: &VerifyEmailRequest) -> Result<Accepted> {
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let t = take_link_token(&txn, &req.token, &[PURPOSE_VERIFY, PURPOSE_CHANGE_EMAIL], now).await?;
    let u = store::users::find(&txn, t.user_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("token without user"))?;
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    let message = if t.purpose == PURPOSE_VERIFY {
        if u.status != AccountStatus::PendingVerification {
            return Err(Error::InvalidToken(
                "This account is already verified. Sign in.".into(),
            ));
        }
        store::accounts::set_status(&txn, u.id, AccountStatus::Active, now).await?;
        let eao_of = store::accounts::link_waiting_eao(&txn, u.id, &u.email).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "account.email_verified",
                target: Some(format!("user:{}", u.id)),
                details: json!({"before": {"status": u.status.as_str()}, "after": {"status": AccountStatus::Active.as_str()}, "eao_of": eao_of}),
            },
        )
        .await?;
        "Your email address is verified. You can sign in now."
    } else {
        let new_email = t.email.clone().unwrap_or_default();
        if u.pending_email.as_deref() != Some(new_email.as_str())
            || store::accounts::email_in_use(&txn, &new_email, Some(u.id)).await?
        {
            return Err(Error::InvalidToken(
                "This link is no longer valid: the email change was replaced or the address is taken.".into(),
            ));
        }
        store::accounts::set_email(&txn, u.id, &new_email, now).await?;
        let (subject, body) = templates::email_changed(&name_of(&u), &new_email);
        outbox::enqueue(&txn, now, &u.email, &subject, &body).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "account.email_changed",
                target: Some(format!("user:{}", u.id)),
                details: json!({"before": {"email": u.email}, "after": {"email": new_email}}),
            },
        )
        .await?;
        "Your new email address is confirmed and now in use."
    };
    txn.commit().await?;
    Ok(Accepted {
        message: message.into(),
    })
}

const FORGOT_ANSWER: &str = "If an account matches, we sent instructions to its email address.";

/// Sends a password-reset link, without revealing whether the User ID exists.
pub async fn forgot_password(ctx: &Ctx, ip: Option<String>, req: &ForgotPasswordRequest) -> Result<Accepted> {
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let now = ctx.clock.now();
    let login = normalize_login(&req.user_id);
    super::throttle::mail_asked(ctx, &format!("login:{login}")).await?;
    let found = store::users::by_login(&ctx.db, &login)
        .await?
        .filter(|u| matches!(u.status, AccountStatus::Active | AccountStatus::Locked));
    let txn = crate::store::begin(&ctx.db).await?;
    if let Some(u) = &found {
        let token = new_link_token(
            &txn,
            u.id,
            PURPOSE_RESET,
            None,
            now,
            Duration::minutes(RESET_TTL_MINUTES),
        )
        .await?;
        let link = ctx.settings.link(&format!("/reset-password?token={token}"));
        let (subject, body) = templates::reset_password(&name_of(u), &link, RESET_TTL_MINUTES);
        outbox::enqueue(&txn, now, &u.email, &subject, &body).await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: found.as_ref().map(|u| u.id),
                label: login,
                ip,
            },
            action: "auth.password_reset_requested",
            target: found.as_ref().map(|u| format!("user:{}", u.id)),
            details: json!({"account_found": found.is_some()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: FORGOT_ANSWER.into(),
    })
}

/// Mails the status of the account with this User ID (the HHS seed's "check your profile
/// status", before signing in) to its own address, with what it means and whom to call; the
/// answer is the same whether or not the account exists, so strangers learn nothing.
pub async fn profile_status(ctx: &Ctx, ip: Option<String>, req: &ProfileStatusRequest) -> Result<Accepted> {
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let now = ctx.clock.now();
    let login = normalize_login(&req.user_id);
    super::throttle::mail_asked(ctx, &format!("login:{login}")).await?;
    let found = store::users::by_login(&ctx.db, &login)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted);
    let reason = match &found {
        Some(u) if !u.status.can_sign_in() => store::users::status_reason(&ctx.db, u.id).await?,
        _ => None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    if let Some(u) = &found {
        let meaning = u
            .status
            .sign_in_refusal(&ctx.settings.help_desk, reason.as_deref())
            .unwrap_or_else(|| format!("You can sign in: {}", ctx.settings.link("/sign-in")));
        outbox::enqueue(
            &txn,
            now,
            &u.email,
            "AMPS: the status of your account",
            &format!(
                "Hello {},\n\nSomeone (we hope you) asked for the status of the AMPS account {}: it is {}.\n\n{meaning}\n\n-- AMPS",
                u.first_name,
                u.login,
                u.status.as_str().replace('_', " ")
            ),
        )
        .await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: found.as_ref().map(|u| u.id),
                label: login,
                ip,
            },
            action: "auth.profile_status_requested",
            target: found.as_ref().map(|u| format!("user:{}", u.id)),
            details: json!({"account_found": found.is_some()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: "If an account has this User ID, its status was emailed to its address.".into(),
    })
}

/// Sets a new password with a reset link; ends every session of the account.
pub async fn reset_password(ctx: &Ctx, ip: Option<String>, req: &ResetPasswordRequest) -> Result<Accepted> {
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let now = ctx.clock.now();
    // Peek first so password rules are checked before the link is spent.
    let peek = store::accounts::link_token(&ctx.db, &tokens::digest(&req.token))
        .await?
        .filter(|t| t.purpose == PURPOSE_RESET && t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(|| {
            Error::InvalidToken(
                "This link is not valid: it has expired or was already used. Ask for a new one.".into(),
            )
        })?;
    let u = store::users::find(&ctx.db, peek.user_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("token without user"))?;
    check_new_password(
        &ctx.db,
        &req.new_password,
        PasswordContext {
            login: &u.login,
            first_name: &u.first_name,
            last_name: &u.last_name,
            email: &u.email,
        },
        Some(u.id),
        "new_password",
    )
    .await?;
    let hash = password::hash(req.new_password.clone()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    take_link_token(&txn, &req.token, &[PURPOSE_RESET], now).await?;
    set_password(&txn, &u, hash, now).await?;
    end_sessions(&txn, u.id, None, now).await?;
    store::sessions::clear_throttle(&txn, &format!("login:{}", u.login)).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: Some(u.id),
                label: u.login.clone(),
                ip,
            },
            action: "account.password_reset",
            target: Some(format!("user:{}", u.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: "Your password is changed. Sign in with the new one.".into(),
    })
}

async fn set_password(
    conn: &impl ConnectionTrait,
    u: &user::Model,
    hash: String,
    now: DateTime<Utc>,
) -> Result<()> {
    store::accounts::set_password(conn, u.id, &hash, now).await?;
    let (subject, body) = templates::password_changed(&name_of(u));
    outbox::enqueue(conn, now, &u.email, &subject, &body).await?;
    Ok(())
}

/// Emails the User ID(s) registered to an address, without revealing whether there are any.
pub async fn forgot_username(ctx: &Ctx, ip: Option<String>, req: &ForgotUsernameRequest) -> Result<Accepted> {
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
    let now = ctx.clock.now();
    let email = normalize_email(&req.email);
    super::throttle::mail_asked(ctx, &format!("email:{email}")).await?;
    let found = store::accounts::with_email(&ctx.db, &email).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    if let Some(first) = found.first() {
        let logins: Vec<String> = found.iter().map(|u| u.login.clone()).collect();
        let (subject, body) =
            templates::forgot_username(&name_of(first), &logins, &ctx.settings.link("/sign-in"));
        outbox::enqueue(&txn, now, &email, &subject, &body).await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: found.first().map(|u| u.id),
                label: email.chars().take(100).collect(),
                ip,
            },
            action: "auth.username_reminder_requested",
            target: found.first().map(|u| format!("user:{}", u.id)),
            details: json!({"account_found": !found.is_empty()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: FORGOT_ANSWER.into(),
    })
}

/// The caller's own account (404 once it no longer exists).
async fn account(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    store::users::find(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("The account no longer exists.".into()))
}

/// My Information of the caller, from what authenticating them read (the account, its
/// organization, its administrative roles) and, through the read pool, the people it names,
/// the deputy and the approver changes waiting for acceptance.
pub async fn me(ctx: &Ctx, p: &UserPrincipal) -> Result<MeResponse> {
    let mut me = me_view(&ctx.read, &p.user, &p.org, &p.admin_roles).await?;
    me.second_factor_needed = p.second_factor_needed().map(|why| {
        format!("{why}: set up an authenticator app or a security key below (doing so proves it for this sign-in), or confirm one you have.")
    });
    Ok(me)
}

/// My Information of `user_id` as it is now (after a change).
async fn me_now(ctx: &Ctx, user_id: Uuid) -> Result<MeResponse> {
    let c = super::principal::caller(&ctx.read, user_id, ctx.clock.now())
        .await?
        .ok_or_else(|| Error::NotFound("No such account.".into()))?;
    me_view(&ctx.read, &c.user, &c.org, &c.admin_roles).await
}

/// A person My Information names, as other screens name people.
fn named_ref(x: &store::users::Named) -> PersonRef {
    PersonRef {
        id: x.id,
        user_id: x.login.clone(),
        name: format!("{} {}", x.first_name, x.last_name),
        email: x.email.clone(),
    }
}

async fn me_view(
    conn: &impl ConnectionTrait,
    u: &user::Model,
    org: &crate::store::entities::organization::Model,
    roles: &[crate::domain::permission::AdminRole],
) -> Result<MeResponse> {
    // The people named, the organization's officers (internal organizations), the deputy and
    // whether approver changes wait: one statement.
    let around = store::users::around(conn, u, (!org.is_external).then_some(org.id)).await?;
    let person = |id: Option<Uuid>| {
        id.and_then(|id| around.named.iter().find(|x| x.id == id))
            .map(named_ref)
    };
    let officers_of = |kind: &str| {
        around
            .officers
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, x)| named_ref(x))
            .collect::<Vec<_>>()
    };
    let status = wire_status(u.status);
    Ok(MeResponse {
        id: u.id,
        user_id: u.login.clone(),
        first_name: u.first_name.clone(),
        middle_initial: u.middle_initial.clone(),
        last_name: u.last_name.clone(),
        email: u.email.clone(),
        pending_email: u.pending_email.clone(),
        phone: u.phone.clone(),
        job_title: u.job_title.clone(),
        organization: OrganizationRef {
            code: org.code.clone(),
            name: org.name.clone(),
        },
        user_type: u.user_type.clone(),
        company: u.company.clone(),
        eao_email: u.eao_email.clone(),
        it_level: u.it_level.clone(),
        ia_training_date: u.ia_training_date,
        status,
        supervisor: person(u.supervisor_id),
        security_officer: person(u.security_officer_id),
        eao: person(u.eao_id),
        organization_security_officers: officers_of(store::users::OFFICER_SECURITY),
        iaos: officers_of(store::users::OFFICER_IAO),
        admin_roles: {
            let mut names: Vec<String> = roles.iter().map(|r| r.display_name().to_string()).collect();
            names.sort();
            names.dedup();
            names
        },
        deputy: around
            .deputy
            .as_ref()
            .map(|(d, starts_at, ends_at)| DeputyResponse {
                deputy: named_ref(d),
                starts_at: *starts_at,
                ends_at: *ends_at,
            }),
        second_factor_needed: None,
        pending_approver_changes: if around.changes_pending {
            super::approvers::pending_of(conn, u.id).await?
        } else {
            Vec::new()
        },
        created_at: u.created_at,
    })
}

/// Updates My Information; a new email waits for verification of the new address.
pub async fn update_me(ctx: &Ctx, actor: &Actor, user_id: Uuid, req: &UpdateMeRequest) -> Result<MeResponse> {
    let now = ctx.clock.now();
    let u = account(&ctx.db, user_id).await?;
    if let Some(d) = req.ia_training_date
        && d > now.date_naive()
    {
        return Err(Error::Validation(field(
            "ia_training_date",
            "future",
            "must not be in the future",
        )));
    }
    let new_email = req
        .email
        .as_deref()
        .map(normalize_email)
        .filter(|e| *e != u.email);
    if new_email.is_some() {
        // A stolen access token must not become the account: a new email needs the password.
        let Some(current) = req.current_password.clone() else {
            return Err(Error::Validation(field(
                "current_password",
                "required",
                "is required to change your email address",
            )));
        };
        if !super::throttle::password_again(ctx, &u.login, u.password_hash.clone(), current).await? {
            return Err(Error::Validation(field(
                "current_password",
                "wrong",
                "is not your current password",
            )));
        }
    }
    if new_email.is_some() {
        // Each change of address asked counts against the account (a few an hour), so a
        // signed-in person cannot test which addresses have accounts by the answer below.
        super::throttle::mail_asked(ctx, &format!("email-change:{}", u.login)).await?;
    }
    if let Some(e) = &new_email
        && store::accounts::email_in_use(&ctx.db, e, Some(u.id)).await?
    {
        return Err(Error::Duplicate(field(
            "email",
            "taken",
            "is already registered to another account",
        )));
    }
    let mut am = ProfileChange::default();
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    macro_rules! change {
        ($field:ident, $value:expr, $old:expr) => {
            if let Some(v) = $value {
                before.insert(stringify!($field).into(), json!($old));
                after.insert(stringify!($field).into(), json!(v));
                am.$field = Some(v);
            }
        };
    }
    change!(
        first_name,
        req.first_name.as_ref().map(|s| s.trim().to_string()),
        u.first_name
    );
    change!(
        middle_initial,
        req.middle_initial.as_ref().map(|s| Some(s.trim().to_uppercase())),
        u.middle_initial
    );
    change!(
        last_name,
        req.last_name.as_ref().map(|s| s.trim().to_string()),
        u.last_name
    );
    change!(phone, req.phone.as_ref().map(|s| s.trim().to_string()), u.phone);
    change!(
        job_title,
        req.job_title.as_ref().map(|s| Some(s.trim().to_string())),
        u.job_title
    );
    change!(
        company,
        req.company.as_ref().map(|s| Some(s.trim().to_string())),
        u.company
    );
    change!(
        ia_training_date,
        req.ia_training_date.map(Some),
        u.ia_training_date
    );
    change!(pending_email, new_email.clone().map(Some), u.pending_email);
    // Approvers. A new security officer (a holder of the Security Officer role) is set at
    // once; a new supervisor or EAO is only asked, and becomes the approver when they accept.
    let mut moves: Vec<(Uuid, Uuid)> = Vec::new();
    if let Some(login) = &req.security_officer {
        let s = super::approvers::security_officer_by_login(&ctx.db, login, u.id, ctx.clock.now()).await?;
        before.insert("security_officer_id".into(), json!(u.security_officer_id));
        after.insert("security_officer_id".into(), json!(s.id));
        am.security_officer_id = Some(Some(s.id));
        if let Some(old) = u.security_officer_id.filter(|o| *o != s.id) {
            moves.push((old, s.id));
        }
    }
    let supervisor = match &req.supervisor {
        Some(login) => Some(super::approvers::supervisor_by_login(&ctx.db, login, u.id).await?)
            .filter(|s| u.supervisor_id != Some(s.id)),
        None => None,
    };
    let eao = match &req.eao_email {
        Some(email) => {
            let email = normalize_email(email);
            let account = super::approvers::eao_by_email(&ctx.db, &email, u.id).await?;
            (u.eao_email.as_deref() != Some(email.as_str()) || u.eao_id != account.as_ref().map(|a| a.id))
                .then_some((account, email))
        }
        None => None,
    };
    if let Some(s) = &supervisor {
        after.insert("supervisor_asked".into(), json!(s.login));
    }
    if let Some((account, email)) = &eao {
        after.insert(
            "eao_asked".into(),
            json!(
                account
                    .as_ref()
                    .map(|a| a.login.clone())
                    .unwrap_or_else(|| email.clone())
            ),
        );
    }
    let txn = crate::store::begin(&ctx.db).await?;
    store::accounts::update_profile(&txn, u.id, am, now).await?;
    let mut moved = 0;
    for (from, to) in moves {
        moved += super::delegation::move_tasks(
            ctx,
            &txn,
            from,
            to,
            super::delegation::Move::Replace {
                subject: u.id,
                kind: "security_officer",
            },
            now,
        )
        .await?;
    }
    if moved > 0 {
        after.insert("approval_tasks_moved".into(), json!(moved));
    }
    if let Some(s) = &supervisor {
        super::approvers::ask(ctx, &txn, &u, ApproverKind::Supervisor, Some(s), None, None, now).await?;
    }
    if let Some((account, email)) = &eao {
        super::approvers::ask(
            ctx,
            &txn,
            &u,
            ApproverKind::Eao,
            account.as_ref(),
            Some(email),
            None,
            now,
        )
        .await?;
    }
    if let Some(e) = &new_email {
        let token = new_link_token(
            &txn,
            u.id,
            PURPOSE_CHANGE_EMAIL,
            Some(e.clone()),
            now,
            Duration::hours(VERIFY_TTL_HOURS),
        )
        .await?;
        let link = ctx.settings.link(&format!("/verify-email?token={token}"));
        let (subject, body) = templates::confirm_new_email(&name_of(&u), &link, VERIFY_TTL_HOURS);
        outbox::enqueue(&txn, now, e, &subject, &body).await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "account.profile_updated",
            target: Some(format!("user:{}", u.id)),
            details: json!({"before": before, "after": after}),
        },
    )
    .await?;
    txn.commit().await?;
    me_now(ctx, user_id).await
}

/// Ends every sign-in of a user but `keep` (the caller's own, on a password change): refresh
/// tokens revoked, access tokens refused, and outstanding password-reset links spent.
async fn end_sessions(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    Ok(store::sessions::end_sessions(conn, user_id, keep, PURPOSE_RESET, now).await?)
}

/// Changes one's own password (the current one is asked again).
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &ChangePasswordRequest,
) -> Result<Accepted> {
    let now = ctx.clock.now();
    let u = account(&ctx.db, p.id).await?;
    if !super::throttle::password_again(
        ctx,
        &u.login,
        u.password_hash.clone(),
        req.current_password.clone(),
    )
    .await?
    {
        return Err(Error::Validation(field(
            "current_password",
            "wrong",
            "is not your current password",
        )));
    }
    check_new_password(
        &ctx.db,
        &req.new_password,
        PasswordContext {
            login: &u.login,
            first_name: &u.first_name,
            last_name: &u.last_name,
            email: &u.email,
        },
        Some(u.id),
        "new_password",
    )
    .await?;
    let hash = password::hash(req.new_password.clone()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    set_password(&txn, &u, hash, now).await?;
    // Whoever else holds a session of this account (a stolen token, a forgotten device) is
    // signed out; so is whoever holds a reset link.
    end_sessions(&txn, u.id, p.session, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "account.password_changed",
            target: Some(format!("user:{}", u.id)),
            details: json!({"other_sessions_ended": true}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: "Your password is changed.".into(),
    })
}

/// An account status as the contract spells it.
pub(super) fn wire_status(s: AccountStatus) -> amps_openapi::AccountStatus {
    match s {
        AccountStatus::PendingVerification => amps_openapi::AccountStatus::PendingVerification,
        AccountStatus::Active => amps_openapi::AccountStatus::Active,
        AccountStatus::Disabled => amps_openapi::AccountStatus::Disabled,
        AccountStatus::Locked => amps_openapi::AccountStatus::Locked,
        AccountStatus::Suspended => amps_openapi::AccountStatus::Suspended,
        AccountStatus::Terminated => amps_openapi::AccountStatus::Terminated,
        AccountStatus::Deleted => amps_openapi::AccountStatus::Deleted,
    }
}

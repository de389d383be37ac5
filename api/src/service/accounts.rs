//! Accounts: self-registration with email verification, password rules and history,
//! forgotten password and User ID, and My Information.

use super::views::{name_of, person_ref};
use super::{Ctx, Error, Result, field};
use crate::auth::{password, tokens};
use crate::domain::account::{AccountStatus, normalize_email, normalize_login};
use crate::domain::password::{self as rules, HISTORY_DEPTH, PasswordContext, PasswordProblem};
use crate::notify::templates;
use crate::service::principal::admin_roles;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{organization, password_history, user, user_token};
use crate::store::outbox;
use amps_openapi::*;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use uuid::Uuid;

/// How long an email verification link works.
pub const VERIFY_TTL_HOURS: i64 = 24;
/// How long a password-reset link works.
pub const RESET_TTL_MINUTES: i64 = 30;

const PURPOSE_VERIFY: &str = "verify_email";
const PURPOSE_CHANGE_EMAIL: &str = "change_email";
const PURPOSE_RESET: &str = "reset_password";

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
        let hashes: Vec<String> = password_history::Entity::find()
            .select_only()
            .column(password_history::Column::Hash)
            .filter(password_history::Column::UserId.eq(id))
            .order_by_desc(password_history::Column::Id)
            .limit(HISTORY_DEPTH)
            .into_tuple()
            .all(conn)
            .await?;
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
    user_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose.into()),
        token_hash: Set(tokens::digest(&value)),
        email: Set(email),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
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
    let t = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(tokens::digest(value)))
        .one(conn)
        .await?
        .filter(|t| purposes.contains(&t.purpose.as_str()))
        .ok_or_else(invalid)?;
    if t.used_at.is_some() || t.expires_at <= now {
        return Err(invalid());
    }
    let taken = user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(now))
        .filter(user_token::Column::Id.eq(t.id))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(invalid());
    }
    Ok(t)
}

async fn email_in_use(conn: &impl ConnectionTrait, email: &str, except: Option<Uuid>) -> Result<bool> {
    let mut q = user::Entity::find().filter(
        user::Column::Email
            .eq(email)
            .or(user::Column::PendingEmail.eq(email)),
    );
    if let Some(id) = except {
        q = q.filter(user::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}

/// The full name of a user, for greetings.
/// External self-registration.
pub async fn register(ctx: &Ctx, ip: Option<String>, req: &RegisterRequest) -> Result<RegisterResponse> {
    let now = ctx.clock.now();
    let login = normalize_login(&req.user_id);
    let email = normalize_email(&req.email);
    let org = organization::Entity::find()
        .filter(organization::Column::Code.eq(req.organization.trim()))
        .one(&ctx.db)
        .await?;
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
    let mut dups = Vec::new();
    if user::Entity::find()
        .filter(user::Column::Login.eq(&login))
        .one(&ctx.db)
        .await?
        .is_some()
    {
        dups.extend(field(
            "user_id",
            "taken",
            "is already taken; choose another User ID",
        ));
    }
    if email_in_use(&ctx.db, &email, None).await? {
        dups.extend(field(
            "email",
            "taken",
            "is already registered; use Forgot User ID to recover the account",
        ));
    }
    if !dups.is_empty() {
        return Err(Error::Duplicate(dups));
    }
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
    let hash = password::hash(req.password.clone()).await?;
    let eao_email = normalize_email(&req.eao_email);
    let eao_id = user::Entity::find()
        .filter(user::Column::Email.eq(&eao_email))
        .filter(user::Column::Status.eq(AccountStatus::Active.as_str()))
        .one(&ctx.db)
        .await?
        .map(|u| u.id);
    let id = Uuid::now_v7();
    let txn = ctx.db.begin().await?;
    let u = user::ActiveModel {
        id: Set(id),
        login: Set(login.clone()),
        first_name: Set(req.first_name.trim().into()),
        middle_initial: Set(req.middle_initial.as_ref().map(|s| s.trim().to_uppercase())),
        last_name: Set(req.last_name.trim().into()),
        email: Set(email.clone()),
        pending_email: Set(None),
        phone: Set(req.phone.trim().into()),
        job_title: Set(req.job_title.as_ref().map(|s| s.trim().to_string())),
        organization_id: Set(org.id),
        user_type: Set("vendor".into()),
        company: Set(Some(req.company.trim().into())),
        eao_email: Set(Some(eao_email)),
        supervisor_id: Set(None),
        security_officer_id: Set(None),
        eao_id: Set(eao_id),
        it_level: Set("none".into()),
        ia_training_date: Set(None),
        status: Set(AccountStatus::PendingVerification.as_str().into()),
        password_hash: Set(hash.clone()),
        password_changed_at: Set(now),
        last_activity_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
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
    password_history::ActiveModel {
        id: Default::default(),
        user_id: Set(id),
        hash: Set(hash),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let token = new_link_token(
        &txn,
        id,
        PURPOSE_VERIFY,
        Some(email.clone()),
        now,
        Duration::hours(VERIFY_TTL_HOURS),
    )
    .await?;
    let link = ctx.settings.link(&format!("/verify-email?token={token}"));
    let (subject, body) = templates::verify_email(&name_of(&u), &link, VERIFY_TTL_HOURS);
    outbox::enqueue(&txn, now, &email, &subject, &body).await?;
    audit::append(&txn, now, NewEvent {
        actor: &Actor { id: Some(id), label: login.clone(), ip },
        action: "account.registered",
        target: Some(format!("user:{id}")),
        details: json!({"after": {"user_id": login, "email": email, "organization": org.code, "company": u.company}}),
    })
    .await?;
    txn.commit().await?;
    Ok(RegisterResponse {
        id,
        user_id: u.login,
        status: amps_openapi::AccountStatus::PendingVerification,
        message: format!("We sent a verification link to {email}. Open it to activate your account."),
    })
}

/// Uses an emailed verification link (registration or email change).
pub async fn verify_email(ctx: &Ctx, ip: Option<String>, req: &VerifyEmailRequest) -> Result<Accepted> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let t = take_link_token(&txn, &req.token, &[PURPOSE_VERIFY, PURPOSE_CHANGE_EMAIL], now).await?;
    let u = user::Entity::find_by_id(t.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("token without user"))?;
    let actor = Actor {
        id: Some(u.id),
        label: u.login.clone(),
        ip,
    };
    let message = if t.purpose == PURPOSE_VERIFY {
        if u.status != AccountStatus::PendingVerification.as_str() {
            return Err(Error::InvalidToken(
                "This account is already verified. Sign in.".into(),
            ));
        }
        user::ActiveModel {
            id: Set(u.id),
            status: Set(AccountStatus::Active.as_str().into()),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "account.email_verified",
                target: Some(format!("user:{}", u.id)),
                details: json!({"before": {"status": u.status}, "after": {"status": "active"}}),
            },
        )
        .await?;
        "Your email address is verified. You can sign in now."
    } else {
        let new_email = t.email.clone().unwrap_or_default();
        if u.pending_email.as_deref() != Some(new_email.as_str())
            || email_in_use(&txn, &new_email, Some(u.id)).await?
        {
            return Err(Error::InvalidToken(
                "This link is no longer valid: the email change was replaced or the address is taken.".into(),
            ));
        }
        user::ActiveModel {
            id: Set(u.id),
            email: Set(new_email.clone()),
            pending_email: Set(None),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
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
    let now = ctx.clock.now();
    let login = normalize_login(&req.user_id);
    let found = user::Entity::find()
        .filter(user::Column::Login.eq(&login))
        .one(&ctx.db)
        .await?
        .filter(|u| u.status == AccountStatus::Active.as_str() || u.status == AccountStatus::Locked.as_str());
    let txn = ctx.db.begin().await?;
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

/// Sets a new password with a reset link; ends every session of the account.
pub async fn reset_password(ctx: &Ctx, ip: Option<String>, req: &ResetPasswordRequest) -> Result<Accepted> {
    let now = ctx.clock.now();
    // Peek first so password rules are checked before the link is spent.
    let peek = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(tokens::digest(&req.token)))
        .filter(user_token::Column::Purpose.eq(PURPOSE_RESET))
        .one(&ctx.db)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(|| {
            Error::InvalidToken(
                "This link is not valid: it has expired or was already used. Ask for a new one.".into(),
            )
        })?;
    let u = user::Entity::find_by_id(peek.user_id)
        .one(&ctx.db)
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
    let txn = ctx.db.begin().await?;
    take_link_token(&txn, &req.token, &[PURPOSE_RESET], now).await?;
    set_password(&txn, &u, hash, now).await?;
    super::sessions::revoke_all(&txn, u.id, now).await?;
    crate::store::entities::login_throttle::Entity::delete_by_id(format!("login:{}", u.login))
        .exec(&txn)
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
    user::ActiveModel {
        id: Set(u.id),
        password_hash: Set(hash.clone()),
        password_changed_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?;
    password_history::ActiveModel {
        id: Default::default(),
        user_id: Set(u.id),
        hash: Set(hash),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    let (subject, body) = templates::password_changed(&name_of(u));
    outbox::enqueue(conn, now, &u.email, &subject, &body).await?;
    Ok(())
}

/// Emails the User ID(s) registered to an address, without revealing whether there are any.
pub async fn forgot_username(ctx: &Ctx, ip: Option<String>, req: &ForgotUsernameRequest) -> Result<Accepted> {
    let now = ctx.clock.now();
    let email = normalize_email(&req.email);
    let found: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .filter(user::Column::Status.ne(AccountStatus::Deleted.as_str()))
        .all(&ctx.db)
        .await?;
    let txn = ctx.db.begin().await?;
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

/// A user as a person reference (name and official email).
async fn person(conn: &impl ConnectionTrait, id: Option<Uuid>) -> Result<Option<PersonRef>> {
    let Some(id) = id else { return Ok(None) };
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .as_ref()
        .map(person_ref))
}

/// My Information.
pub async fn me(ctx: &Ctx, user_id: Uuid) -> Result<MeResponse> {
    let u = user::Entity::find_by_id(user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::NotFound("The account no longer exists.".into()))?;
    let org = organization::Entity::find_by_id(u.organization_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user without organization"))?;
    let status = match u
        .status
        .parse::<AccountStatus>()
        .map_err(|e| anyhow::anyhow!(e))?
    {
        AccountStatus::PendingVerification => amps_openapi::AccountStatus::PendingVerification,
        AccountStatus::Active => amps_openapi::AccountStatus::Active,
        AccountStatus::Disabled => amps_openapi::AccountStatus::Disabled,
        AccountStatus::Locked => amps_openapi::AccountStatus::Locked,
        AccountStatus::Deleted => amps_openapi::AccountStatus::Deleted,
    };
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
            code: org.code,
            name: org.name,
        },
        user_type: u.user_type.clone(),
        company: u.company.clone(),
        eao_email: u.eao_email.clone(),
        it_level: u.it_level.clone(),
        ia_training_date: u.ia_training_date,
        status,
        supervisor: person(&ctx.db, u.supervisor_id).await?,
        security_officer: person(&ctx.db, u.security_officer_id).await?,
        eao: person(&ctx.db, u.eao_id).await?,
        admin_roles: admin_roles(&ctx.db, u.id)
            .await?
            .into_iter()
            .map(|r| r.display_name().to_string())
            .collect(),
        deputy: super::delegation::deputy_of(&ctx.db, u.id).await?,
        created_at: u.created_at,
    })
}

/// Updates My Information; a new email waits for verification of the new address.
pub async fn update_me(ctx: &Ctx, actor: &Actor, user_id: Uuid, req: &UpdateMeRequest) -> Result<MeResponse> {
    let now = ctx.clock.now();
    let u = user::Entity::find_by_id(user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::NotFound("The account no longer exists.".into()))?;
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
    if let Some(e) = &new_email
        && email_in_use(&ctx.db, e, Some(u.id)).await?
    {
        return Err(Error::Duplicate(field(
            "email",
            "taken",
            "is already registered to another account",
        )));
    }
    let mut am = user::ActiveModel {
        id: Set(u.id),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    macro_rules! change {
        ($field:ident, $value:expr, $old:expr) => {
            if let Some(v) = $value {
                before.insert(stringify!($field).into(), json!($old));
                after.insert(stringify!($field).into(), json!(v));
                am.$field = Set(v);
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
    // Approver changes: resolved before the transaction, applied with the moves inside it.
    let mut moves: Vec<(Uuid, Uuid, &str)> = Vec::new();
    if let Some(login) = &req.supervisor {
        let s = super::delegation::approver_by_login(&ctx.db, login, "supervisor", u.id).await?;
        let org = organization::Entity::find_by_id(s.organization_id)
            .one(&ctx.db)
            .await?;
        if org.is_some_and(|o| o.is_external) {
            return Err(Error::Validation(field(
                "supervisor",
                "external",
                "must be an internal (DLA or DFAS) user",
            )));
        }
        before.insert("supervisor_id".into(), json!(u.supervisor_id));
        after.insert("supervisor_id".into(), json!(s.id));
        am.supervisor_id = Set(Some(s.id));
        if let Some(old) = u.supervisor_id.filter(|o| *o != s.id) {
            moves.push((old, s.id, "supervisor"));
        }
    }
    if let Some(login) = &req.security_officer {
        let s = super::delegation::approver_by_login(&ctx.db, login, "security_officer", u.id).await?;
        before.insert("security_officer_id".into(), json!(u.security_officer_id));
        after.insert("security_officer_id".into(), json!(s.id));
        am.security_officer_id = Set(Some(s.id));
        if let Some(old) = u.security_officer_id.filter(|o| *o != s.id) {
            moves.push((old, s.id, "security_officer"));
        }
    }
    if let Some(email) = &req.eao_email {
        let email = normalize_email(email);
        let eao = user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .filter(user::Column::Status.eq(AccountStatus::Active.as_str()))
            .one(&ctx.db)
            .await?
            .filter(|e| e.id != u.id);
        before.insert("eao_email".into(), json!(u.eao_email));
        after.insert("eao_email".into(), json!(email));
        am.eao_email = Set(Some(email));
        am.eao_id = Set(eao.as_ref().map(|e| e.id));
        if let (Some(old), Some(new)) = (u.eao_id, eao.as_ref().map(|e| e.id))
            && old != new
        {
            moves.push((old, new, "eao"));
        }
    }
    let txn = ctx.db.begin().await?;
    am.update(&txn).await?;
    let mut moved = 0;
    for (from, to, kind) in moves {
        moved += super::delegation::move_tasks(ctx, &txn, from, to, Some(u.id), Some(kind), now).await?;
    }
    if moved > 0 {
        after.insert("approval_tasks_moved".into(), json!(moved));
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
    me(ctx, user_id).await
}

/// Changes one's own password (the current one is asked again).
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    user_id: Uuid,
    req: &ChangePasswordRequest,
) -> Result<Accepted> {
    let now = ctx.clock.now();
    let u = user::Entity::find_by_id(user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::NotFound("The account no longer exists.".into()))?;
    if !password::verify(req.current_password.clone(), Some(u.password_hash.clone())).await? {
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
    let txn = ctx.db.begin().await?;
    set_password(&txn, &u, hash, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "account.password_changed",
            target: Some(format!("user:{}", u.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: "Your password is changed.".into(),
    })
}

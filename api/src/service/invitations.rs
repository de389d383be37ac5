//! Internal accounts: civilians, military members and contractors of DLA and DFAS do not
//! register themselves. An administrator or the help desk creates the account (or a CSV file
//! of them is imported, `amps user import`); the person receives a single-use link to set
//! their password, and the account cannot sign in until they do. The help desk sends the link
//! again (or, for a self-registered account, the verification link).

use super::principal::UserPrincipal;
use super::views::name_of;
use super::{Ctx, Error, Result, field};
use crate::auth::{password, tokens};
use crate::domain::account::{AccountStatus, normalize_email, normalize_login};
use crate::domain::password::{self as password_rules, PasswordContext};
use crate::domain::permission::Permission;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::{organization, user};
use crate::store::outbox;
use amps_openapi::{
    AcceptInvitationRequest, Accepted, CreateUserRequest, FieldError, InternalUserType, UserDetailResponse,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;
use validator::Validate;

/// How long an invitation link works.
pub const INVITATION_TTL_DAYS: i64 = 7;
pub(super) const PURPOSE_INVITATION: &str = "invitation";

/// An account checked against the rules and the database, ready to insert.
pub struct Checked {
    login: String,
    email: String,
    org: organization::Model,
    supervisor: Option<user::Model>,
    req: CreateUserRequest,
}

/// The User IDs and emails of a batch being imported, so two rows cannot claim the same one.
#[derive(Default)]
pub struct Claimed {
    logins: HashSet<String>,
    emails: HashSet<String>,
}

/// Checks `req` (already validated for shape) against the rules of internal accounts and the
/// accounts that exist: every problem, each with its field.
pub async fn check(
    conn: &impl ConnectionTrait,
    req: &CreateUserRequest,
    claimed: &mut Claimed,
    today: NaiveDate,
) -> Result<Checked> {
    let login = normalize_login(&req.user_id);
    let email = normalize_email(&req.email);
    let mut invalid: Vec<FieldError> = Vec::new();
    let mut taken: Vec<FieldError> = Vec::new();
    let org = store::accounts::organization_by_code(conn, req.organization.trim()).await?;
    match &org {
        None => invalid.extend(field("organization", "unknown", "no organization has this code")),
        Some(o) if o.is_external => invalid.extend(field(
            "organization",
            "external",
            "external users register themselves (and are approved by their External Authorizing Official)",
        )),
        Some(_) => {}
    }
    let contractor = req.user_type == InternalUserType::Contractor;
    let contract = [
        ("company", req.company.is_some()),
        ("contract_number", req.contract_number.is_some()),
        ("contract_ends_on", req.contract_ends_on.is_some()),
    ];
    for (name, given) in contract {
        if contractor && !given {
            invalid.extend(field(name, "required", "is required for a contractor"));
        } else if !contractor && given {
            invalid.extend(field(name, "contractors_only", "is for contractors only"));
        }
    }
    if let Some(ends) = req.contract_ends_on
        && ends <= today
    {
        invalid.extend(field("contract_ends_on", "past", "must be after today"));
    }
    let supervisor = match req.supervisor.as_deref().map(normalize_login) {
        None => None,
        Some(s) => match store::users::by_login(conn, &s).await? {
            Some(u) if u.status == AccountStatus::Active => {
                let internal = store::users::organization(conn, u.organization_id)
                    .await?
                    .is_some_and(|o| !o.is_external);
                if internal {
                    Some(u)
                } else {
                    invalid.extend(field("supervisor", "external", "must be an internal account"));
                    None
                }
            }
            _ => {
                invalid.extend(field(
                    "supervisor",
                    "unknown",
                    "is not the User ID of an active internal account",
                ));
                None
            }
        },
    };
    if claimed.logins.contains(&login) || store::users::by_login(conn, &login).await?.is_some() {
        taken.extend(field(
            "user_id",
            "taken",
            "is already taken; choose another User ID",
        ));
    }
    if claimed.emails.contains(&email) || store::accounts::email_in_use(conn, &email, None).await? {
        taken.extend(field("email", "taken", "already belongs to an account"));
    }
    if !invalid.is_empty() {
        invalid.extend(taken);
        return Err(Error::Validation(invalid));
    }
    if !taken.is_empty() {
        return Err(Error::Duplicate(taken));
    }
    let Some(org) = org else {
        return Err(Error::Validation(field(
            "organization",
            "unknown",
            "no organization has this code",
        )));
    };
    claimed.logins.insert(login.clone());
    claimed.emails.insert(email.clone());
    Ok(Checked {
        login,
        email,
        org,
        supervisor,
        req: req.clone(),
    })
}

/// Inserts checked account `c` (waiting for its invitation to be accepted), adding to
/// `writes` the invitation mail and the audit event by `actor`; returns the account.
pub async fn insert(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    c: Checked,
    actor: &Actor,
    inviter: &str,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let r = &c.req;
    let u = user::Model {
        id: Uuid::now_v7(),
        login: c.login,
        first_name: r.first_name.trim().into(),
        middle_initial: r.middle_initial.as_ref().map(|s| s.trim().to_uppercase()),
        last_name: r.last_name.trim().into(),
        email: c.email,
        pending_email: None,
        phone: r.phone.trim().into(),
        job_title: r.job_title.as_ref().map(|s| s.trim().to_string()),
        organization_id: c.org.id,
        user_type: r.user_type.as_str().into(),
        company: r.company.as_ref().map(|s| s.trim().to_string()),
        contract_number: r.contract_number.as_ref().map(|s| s.trim().to_string()),
        contract_ends_on: r.contract_ends_on,
        eao_email: None,
        supervisor_id: c.supervisor.as_ref().map(|s| s.id),
        security_officer_id: None,
        eao_id: None,
        it_level: "none".into(),
        ia_training_date: None,
        status: AccountStatus::PendingVerification,
        // Nobody knows the password this hashes: the account signs in once its person sets one.
        password_hash: password::unusable().await?,
        password_changed_at: now,
        last_activity_at: None,
        created_at: now,
        updated_at: now,
        session_epoch: 0,
        kept_session: None,
    };
    let u = store::accounts::insert_invited(conn, u).await?;
    invite(ctx, conn, writes, &u, inviter, now).await?;
    audit::append_into(
        writes,
        now,
        NewEvent {
            actor,
            action: "account.created",
            target: Some(format!("user:{}", u.id)),
            details: json!({"after": {
                "user_id": u.login,
                "email": u.email,
                "organization": c.org.code,
                "user_type": u.user_type,
                "company": u.company,
                "contract_number": u.contract_number,
                "contract_ends_on": u.contract_ends_on,
                "supervisor": c.supervisor.map(|s| s.login),
            }}),
        },
    );
    Ok(u)
}

/// Adds to `writes` the invitation of `u` (a new single-use link; earlier ones stop working).
async fn invite(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    u: &user::Model,
    inviter: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    store::accounts::use_link_tokens(conn, u.id, PURPOSE_INVITATION, now).await?;
    let token = tokens::generate();
    store::accounts::insert_link_token(
        conn,
        u.id,
        PURPOSE_INVITATION,
        tokens::digest(&token),
        Some(u.email.clone()),
        now + Duration::days(INVITATION_TTL_DAYS),
        now,
    )
    .await?;
    let link = ctx.settings.link(&format!("/invitation?token={token}"));
    outbox::enqueue_into(
        writes,
        now,
        &u.email,
        "AMPS: your account is ready: set your password",
        &format!(
            "Hello {},\n\n{inviter} created your AMPS account. Your User ID is {}.\n\nSet your password within {INVITATION_TTL_DAYS} days with this single-use link:\n\n{link}\n\nThen sign in and review My Information. If you did not expect this mail, contact {}.\n\n-- AMPS",
            u.first_name, u.login, ctx.settings.help_desk
        ),
    );
    Ok(())
}

/// `POST /users`: creates an internal account and mails its invitation.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateUserRequest,
) -> Result<UserDetailResponse> {
    p.require(Permission::CreateAccounts)?;
    req.validate()?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let checked = check(&txn, req, &mut Claimed::default(), now.date_naive()).await?;
    let mut writes = Writes::new();
    let u = insert(ctx, &txn, &mut writes, checked, actor, &name_of(&p.user), now).await?;
    writes.exec(&txn).await.map_err(taken_meanwhile)?;
    txn.commit().await.map_err(taken_meanwhile)?;
    super::users::get_user(ctx, p, u.id).await
}

/// A concurrent creation of the same User ID or email won the race.
fn taken_meanwhile(e: sea_orm::DbErr) -> Error {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Duplicate(field(
            "user_id",
            "taken",
            "is already taken; choose another User ID",
        )),
        _ => e.into(),
    }
}

/// `POST /users/{id}/invitation`: mails a waiting account its link again (a new one): the
/// invitation of an account created for the person, the verification of one they registered.
pub async fn resend(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<Accepted> {
    p.require(Permission::CreateAccounts)?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let u = store::users::find(&txn, id)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted)
        .ok_or_else(|| Error::NotFound("No such account.".into()))?;
    if u.status != AccountStatus::PendingVerification {
        return Err(Error::Conflict(format!(
            "{} is {}: only an account waiting for its person to verify it gets a link again.",
            u.login, u.status
        )));
    }
    let mut writes = Writes::new();
    let invited = !super::organization_of(&txn, &u).await?.is_external;
    if invited {
        invite(ctx, &txn, &mut writes, &u, &name_of(&p.user), now).await?;
    } else {
        super::accounts::send_verification(ctx, &txn, &mut writes, &u, now).await?;
    }
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "account.link_resent",
            target: Some(format!("user:{}", u.id)),
            details: json!({"user": u.login, "link": if invited { "invitation" } else { "verify_email" }}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    Ok(Accepted {
        message: format!("We sent {} a new link.", u.email),
    })
}

/// `POST /auth/invitation`: the invited person sets their password; the account becomes
/// active and they sign in with their User ID.
pub async fn accept(ctx: &Ctx, ip: Option<String>, req: &AcceptInvitationRequest) -> Result<Accepted> {
    req.validate()?;
    let now = ctx.clock.now();
    let invalid = || {
        Error::InvalidToken(
            "This invitation is not valid: it has expired or was already used. Ask the help desk for a new one."
                .into(),
        )
    };
    // Peek first so the password rules are checked before the link is spent.
    let peek = store::accounts::link_token(&ctx.db, &tokens::digest(&req.token))
        .await?
        .filter(|t| t.purpose == PURPOSE_INVITATION && t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(invalid)?;
    let u = store::users::find(&ctx.db, peek.user_id)
        .await?
        .filter(|u| u.status == AccountStatus::PendingVerification)
        .ok_or_else(invalid)?;
    password_rules::check(
        &req.password,
        &PasswordContext {
            login: &u.login,
            first_name: &u.first_name,
            last_name: &u.last_name,
            email: &u.email,
        },
    )
    .map_err(|p| Error::Validation(field("password", p.code(), p.message())))?;
    let hash = password::hash(req.password.clone()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::accounts::use_link_token(&txn, peek.id, now).await? {
        return Err(invalid());
    }
    if !store::accounts::activate_invited(&txn, u.id, &hash, now).await? {
        return Err(invalid());
    }
    store::users::record_status_change(
        &txn,
        u.id,
        AccountStatus::PendingVerification,
        AccountStatus::Active,
        "Accepted the invitation and set a password.",
        Some(u.id),
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
            action: "account.invitation_accepted",
            target: Some(format!("user:{}", u.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: format!(
            "Your account is active. Sign in with your User ID, {}, and the password you chose.",
            u.login
        ),
    })
}

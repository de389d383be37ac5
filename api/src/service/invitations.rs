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
    /// The COR enrolling a contractor (New IT User Enrollment).
    pub enrolled_by: Option<Uuid>,
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
        enrolled_by: None,
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
        inactivity_warned_at: None,
        deletion_started_at: None,
        deleted_email: None,
        enrolled_by: c.enrolled_by,
        contract_warned_at: None,
        created_at: now,
        updated_at: now,
        session_epoch: 0,
        kept_session: None,
        ended_sessions: None,
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
    // The help desk does not make an account whose requests it approves at the supervisor
    // level (an account it controls until the person sets the password).
    if checked.supervisor.as_ref().is_some_and(|s| s.id == p.id) && !p.can(Permission::ManageAccounts) {
        return Err(Error::Validation(field(
            "supervisor",
            "self",
            "cannot be you: name the person's own supervisor, who approves their requests",
        )));
    }
    let mut writes = Writes::new();
    let u = insert(ctx, &txn, &mut writes, checked, actor, &name_of(&p.user), now).await?;
    writes.exec(&txn).await.map_err(taken_meanwhile)?;
    txn.commit().await.map_err(taken_meanwhile)?;
    super::users::get_user(ctx, p, u.id).await
}

/// A concurrent creation of the same User ID or email won the race.
pub(super) fn taken_meanwhile(e: sea_orm::DbErr) -> Error {
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
    super::throttle::public_asked(ctx, ip.as_deref()).await?;
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
    // Vendors who named this address as their EAO before it had an account get it now.
    let eao_of = store::accounts::link_waiting_eao(&txn, u.id, &u.email).await?;
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
            details: json!({"eao_of": eao_of}),
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

/// The columns an import file's header must have (in any order).
pub const REQUIRED_COLUMNS: &[&str] = &[
    "user_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organization",
    "user_type",
];

/// The columns an import file may have (in any order): the required ones, and optional ones
/// that may be left out of the header or empty.
pub const IMPORT_COLUMNS: &[&str] = &[
    "user_id",
    "first_name",
    "middle_initial",
    "last_name",
    "email",
    "phone",
    "job_title",
    "organization",
    "user_type",
    "company",
    "contract_number",
    "contract_ends_on",
    "supervisor",
];

/// One refused row of an import file: its line and every problem with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    pub line: u64,
    pub problems: Vec<FieldError>,
}

/// What an import did (or, on a dry run or with any row refused, would have done).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// User IDs created (invited), in file order.
    pub created: Vec<String>,
    /// User IDs already there with the same email (a rerun): left as they are.
    pub unchanged: Vec<String>,
    pub refused: Vec<RefusedRow>,
    /// Whether anything was written: false on a dry run and whenever a row was refused.
    pub written: bool,
}

/// Why a whole file is refused before any row is read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line 1: the header has no column {0:?} (columns: {cols}; required: {req})", cols = IMPORT_COLUMNS.join(","), req = REQUIRED_COLUMNS.join(","))]
    MissingColumn(&'static str),
    #[error("line {line}: {message}")]
    Unreadable { line: u64, message: String },
    #[error(transparent)]
    Service(#[from] Error),
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Service(e.into())
    }
}

/// `amps user import`: creates the internal accounts of a CSV file (header
/// [`IMPORT_COLUMNS`]), each invited by mail as when created in the API. All or nothing: a
/// file with any refused row (a missing value, a malformed date, an unknown organization or
/// supervisor, an email used twice, …) imports none, and the report gives each refused row's
/// line and reasons. Rows already imported (same User ID and email) are left alone, so running
/// it again is harmless. `dry_run` checks everything and writes nothing. `progress` is called
/// after each row.
pub async fn import(
    ctx: &Ctx,
    file: impl std::io::Read,
    dry_run: bool,
    progress: &dyn Fn(),
) -> std::result::Result<ImportReport, ImportError> {
    let mut rows = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(file);
    let header = rows
        .headers()
        .map_err(|e| ImportError::Unreadable {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let mut at = std::collections::HashMap::new();
    for column in IMPORT_COLUMNS {
        match header.iter().position(|h| h.eq_ignore_ascii_case(column)) {
            Some(i) => {
                at.insert(*column, i);
            }
            None if REQUIRED_COLUMNS.contains(column) => return Err(ImportError::MissingColumn(column)),
            None => {}
        }
    }
    let now = ctx.clock.now();
    let actor = Actor {
        id: None,
        label: "amps user import".into(),
        ip: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    let mut claimed = Claimed::default();
    let mut report = ImportReport::default();
    let mut writes = Writes::new();
    for record in rows.records() {
        progress();
        let record = record.map_err(|e| ImportError::Unreadable {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let value = |c: &str| {
            at.get(c)
                .and_then(|i| record.get(*i))
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        let req = match row_request(&value) {
            Ok(r) => r,
            Err(problems) => {
                report.refused.push(RefusedRow { line, problems });
                continue;
            }
        };
        if let Err(e) = req.validate() {
            report.refused.push(RefusedRow {
                line,
                problems: amps_openapi::rules::field_errors(&e),
            });
            continue;
        }
        let login = normalize_login(&req.user_id);
        if let Some(there) = store::users::by_login(&txn, &login).await?
            && there.email == normalize_email(&req.email)
            && !claimed.logins.contains(&login)
        {
            claimed.logins.insert(login);
            report.unchanged.push(there.login);
            continue;
        }
        match check(&txn, &req, &mut claimed, now.date_naive()).await {
            Ok(c) => {
                if report.refused.is_empty() && !dry_run {
                    let u =
                        insert(ctx, &txn, &mut writes, c, &actor, "Your AMPS administrators", now).await?;
                    report.created.push(u.login);
                } else {
                    report.created.push(login);
                }
            }
            Err(Error::Validation(problems) | Error::Duplicate(problems)) => {
                report.refused.push(RefusedRow { line, problems });
            }
            Err(e) => return Err(e.into()),
        }
    }
    if dry_run || !report.refused.is_empty() {
        txn.rollback().await?;
        return Ok(report);
    }
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor: &actor,
            action: "account.imported",
            target: None,
            details: json!({"created": report.created.len(), "unchanged": report.unchanged.len()}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    report.written = true;
    Ok(report)
}

/// The account a row asks for, or what is wrong with its values before any rule is checked
/// (a required value missing, a user type or date that is not one).
fn row_request(
    value: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<CreateUserRequest, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut required = |c: &str| {
        value(c).unwrap_or_else(|| {
            problems.extend(field(c, "required", "is required"));
            String::new()
        })
    };
    let user_id = required("user_id");
    let first_name = required("first_name");
    let last_name = required("last_name");
    let email = required("email");
    let phone = required("phone");
    let organization = required("organization");
    let kind = required("user_type");
    let user_type = match kind.to_ascii_lowercase().as_str() {
        "civilian" => Some(InternalUserType::Civilian),
        "military" => Some(InternalUserType::Military),
        "contractor" => Some(InternalUserType::Contractor),
        "" => None,
        _ => {
            problems.extend(field(
                "user_type",
                "unknown",
                "must be civilian, military or contractor",
            ));
            None
        }
    };
    let contract_ends_on = match value("contract_ends_on") {
        None => None,
        Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.extend(field(
                    "contract_ends_on",
                    "date",
                    format!("{d:?} is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        },
    };
    match user_type {
        Some(user_type) if problems.is_empty() => Ok(CreateUserRequest {
            user_id,
            first_name,
            middle_initial: value("middle_initial"),
            last_name,
            email,
            phone,
            job_title: value("job_title"),
            organization,
            user_type,
            company: value("company"),
            contract_number: value("contract_number"),
            contract_ends_on,
            supervisor: value("supervisor"),
        }),
        _ => Err(problems),
    }
}

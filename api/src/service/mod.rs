//! Use cases: one function per user action. Each state change runs in one transaction that
//! also writes its audit event and the mail it causes.

pub mod accounts;
pub mod approvals;
pub mod approvers;
pub mod attachments;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod dd2875;
pub mod deadlines;
pub mod delegation;
pub mod deletion;
pub mod dev;
pub mod enrollments;
pub mod expiry;
pub mod export;
pub mod first_factor;
pub mod inactivity;
pub mod invitations;
pub mod mfa;
pub mod network;
pub mod principal;
pub mod provisioning;
pub mod reports;
pub mod retention;
pub mod revalidation;
pub mod saars;
pub mod security_keys;
pub mod sessions;
pub mod sign_ins;
pub mod throttle;
pub mod users;
pub mod views;
pub mod workflow;

use crate::auth::jwt::Keys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::store;
use crate::store::entities::{organization, saar, user};
use amps_openapi::FieldError;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::Arc;
use uuid::Uuid;

/// How many items a set-based job step (review reminders, renewal offers) handles in one
/// transaction. Its mail and audit rows go in one statement (21 parameters an item: keep it
/// under 1,500 for SQLite's 32,766 per statement). 2,000 was measured slower per item than
/// 1,000 at both scales.
pub const JOB_BATCH: u64 = 1_000;

/// What every use case needs: the database, settings, clock and signing keys.
#[derive(Clone)]
pub struct Ctx {
    /// Changes (transactions) and reads that must see the same connection.
    pub db: DatabaseConnection,
    /// Reads outside transactions (on SQLite, a pool of its own; see `store::connect_reader`).
    pub read: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<Keys>,
    /// The callers this replica has read, kept current by the principal-changes feed.
    pub principals: Arc<principal::Principals>,
    /// PIV / CAC sign-in, when configured: the authorities it accepts and the URL of its
    /// listener.
    pub certificates: Option<Arc<CertificateSignIn>>,
    /// The WebAuthn relying party (security keys), when AMPS is reached at a host name.
    pub webauthn: Option<Arc<webauthn_rs::prelude::Webauthn>>,
}

/// PIV / CAC sign-in as configured (`AMPS_CLIENT_CA`).
pub struct CertificateSignIn {
    pub authorities: Arc<crate::auth::certificate::Authorities>,
    /// Where browsers reach the certificate listener.
    pub url: url::Url,
}

/// What went wrong, in domain words. The HTTP layer renders each as problem+json.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fields break rules (422).
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// Fields collide with existing records, e.g. a User ID taken (409).
    #[error("the request conflicts with existing records")]
    Duplicate(Vec<FieldError>),
    /// An emailed link or token is unknown, expired or used (400).
    #[error("{0}")]
    InvalidToken(String),
    /// Not signed in, or credentials wrong (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The password was right and the account has a second factor: sign-in goes on at
    /// `POST /auth/login/second-factor` with this single-use token (401).
    #[error("a second factor is required")]
    SecondFactorRequired(String, Vec<&'static str>),
    /// A presented certificate signs nobody in (401).
    #[error("{}", .0.message())]
    Certificate(crate::auth::certificate::Refusal),
    /// A network sign-in (the organization's identity provider) signs nobody in (401).
    #[error("{}", .0.message())]
    Network(network::Refusal),
    /// Signed in, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// Signed in, but this needs a sign-in with a second factor that this one did not prove
    /// (403): confirm one now (`POST /auth/step-up`), or set one up first when the account has
    /// none (`second_factors` empty).
    #[error("{0}")]
    StepUpRequired(String, Vec<&'static str>),
    /// Nothing there (404).
    #[error("{0}")]
    NotFound(String),
    /// The state changed meanwhile (409).
    #[error("{0}")]
    Conflict(String),
    /// The caller's `If-Match` version is not the current one (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// A malformed request that no field error describes, e.g. a bad header (400).
    #[error("{0}")]
    BadRequest(String),
    /// A body that is not the JSON the operation takes (400).
    #[error("{0}")]
    Malformed(String),
    /// Too many attempts (429).
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: i64 },
    /// The server is at capacity for this kind of work (503 with `Retry-After`).
    #[error("{0}")]
    Busy(String),
    /// Anything unexpected (500); details are logged, not shown.
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        if e.downcast_ref::<crate::auth::password::Busy>().is_some() {
            return Error::Busy(
                "Too many sign-ins and password checks at once; try again in a second.".into(),
            );
        }
        Error::Internal(e)
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::store::is_contention(&e) {
            // PostgreSQL gave up one of two transactions that waited on each other: the
            // change was not made, and trying again will do.
            return Error::Conflict(
                "Someone changed this at the same moment; nothing was changed, try again.".into(),
            );
        }
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            // The database refused a second of something there is one of (an open request for
            // a role, an active assignment): another change made it a moment before.
            return Error::Conflict(
                "This was done a moment ago by another request; reload to see it.".into(),
            );
        }
        Error::Internal(e.into())
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(e: sea_orm::TransactionError<Error>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(c) => c.into(),
            sea_orm::TransactionError::Transaction(t) => t,
        }
    }
}

/// A single field error.
pub fn field(field: &str, code: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }]
}

/// Result of a use case.
pub type Result<T> = std::result::Result<T, Error>;

/// Refuses a write made against an older version of a record.
pub fn check_version(expected: Option<i32>, current: i32, what: &str) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(Error::PreconditionFailed(format!(
            "{what} changed since you loaded it (your version {v}, now {current}); reload it and try again."
        ))),
        _ => Ok(()),
    }
}

/// Refuses (403, `refusal`) anyone but an administrator acting on account `target` when it
/// holds an AMPS administrative role: the help desk works on every other account.
pub async fn administrators_only_for_administrative(
    conn: &impl ConnectionTrait,
    p: &principal::UserPrincipal,
    target: Uuid,
    now: chrono::DateTime<chrono::Utc>,
    refusal: &str,
) -> Result<()> {
    if !p.can(crate::domain::permission::Permission::ManageAccounts)
        && !store::users::admin_roles(conn, target, now).await?.is_empty()
    {
        return Err(Error::Forbidden(refusal.into()));
    }
    Ok(())
}

/// The account `id`, or 404.
pub async fn load_user(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    store::users::find(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such user.".into()))
}

/// The SAAR `id`, or 404.
pub async fn load_saar(conn: &impl ConnectionTrait, id: Uuid) -> Result<saar::Model> {
    store::saars::find(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such request.".into()))
}

/// The organization of `u` (every account has one).
pub async fn organization_of(conn: &impl ConnectionTrait, u: &user::Model) -> Result<organization::Model> {
    Ok(store::users::organization(conn, u.organization_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user without organization"))?)
}

/// The role `id` with its short reference, or 404.
pub async fn load_role(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(store::entities::role::Model, amps_openapi::RoleRef)> {
    store::catalog::role_with_ref(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such role.".into()))
}

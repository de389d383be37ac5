//! SAAR rows: reading them, numbering new ones, and moving them. [`apply`] is the only writer
//! of a SAAR's status and level; it takes the [`Transition`] the state machine returned and
//! compares-and-sets the version, so two people acting at once make exactly one move.

use super::entities::{counter, saar};
use crate::domain::saar::{self as rules, SaarStatus, Transition};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The SAAR `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<saar::Model>, DbErr> {
    saar::Entity::find_by_id(id).one(conn).await
}

/// Locks SAAR `id`'s row for the rest of transaction `conn` (PostgreSQL; SQLite's one writer
/// serializes every change anyway). A change to a SAAR and its tasks takes this first, so two
/// changes to one SAAR queue on the same row in the same order: a decision that claimed the task
/// before touching the SAAR, beside a cancellation that moved the SAAR before closing its tasks,
/// deadlocked.
pub async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        saar::Entity::find_by_id(id)
            .select_only()
            .column(saar::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .one(conn)
            .await?;
    }
    Ok(())
}

/// The SAARs `ids`, in no order.
pub async fn find_many(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<Vec<saar::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    saar::Entity::find()
        .filter(saar::Column::Id.is_in(ids))
        .all(conn)
        .await
}

/// The numbers of the SAARs `ids`.
pub async fn numbers(
    conn: &impl ConnectionTrait,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(saar::Entity::find()
        .select_only()
        .column(saar::Column::Id)
        .column(saar::Column::Number)
        .filter(saar::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// The newest `limit` SAARs that `user` asked for or is the subject of, newest first.
pub async fn of_user(conn: &impl ConnectionTrait, user: Uuid, limit: u64) -> Result<Vec<saar::Model>, DbErr> {
    saar::Entity::find()
        .filter(
            Condition::any()
                .add(saar::Column::SubjectId.eq(user))
                .add(saar::Column::RequesterId.eq(user)),
        )
        .order_by_desc(saar::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await
}

/// The ids of the SAARs whose subject is `user`.
pub async fn ids_about(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<Uuid>, DbErr> {
    saar::Entity::find()
        .select_only()
        .column(saar::Column::Id)
        .filter(saar::Column::SubjectId.eq(user))
        .into_tuple()
        .all(conn)
        .await
}

/// The open SAARs (pending, returned or provisioning) about `user`, oldest first.
pub async fn open_about(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<saar::Model>, DbErr> {
    let open: Vec<SaarStatus> = SaarStatus::ALL.iter().copied().filter(|s| s.is_open()).collect();
    saar::Entity::find()
        .filter(saar::Column::SubjectId.eq(user))
        .filter(saar::Column::Status.is_in(open))
        .order_by_asc(saar::Column::CreatedAt)
        .all(conn)
        .await
}

/// The SAARs about `user` still waiting on an approver or on their requester (pending or
/// returned).
pub async fn awaiting_decision_about(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<saar::Model>, DbErr> {
    saar::Entity::find()
        .filter(saar::Column::SubjectId.eq(user))
        .filter(saar::Column::Status.is_in([SaarStatus::Pending, SaarStatus::Returned]))
        .all(conn)
        .await
}

/// An open SAAR (pending, returned or provisioning) of `user` for `role`, if any.
pub async fn open_for(
    conn: &impl ConnectionTrait,
    user: Uuid,
    role: Uuid,
) -> Result<Option<saar::Model>, DbErr> {
    let open: Vec<SaarStatus> = SaarStatus::ALL.iter().copied().filter(|s| s.is_open()).collect();
    saar::Entity::find()
        .filter(saar::Column::SubjectId.eq(user))
        .filter(saar::Column::RoleId.eq(role))
        .filter(saar::Column::Status.is_in(open))
        .one(conn)
        .await
}

/// The next `n` SAAR numbers of `year`: one upsert that adds `n` to the counter and returns
/// it. Numbers are taken like a sequence's: a change that then fails leaves a gap.
pub async fn next_numbers(conn: &impl ConnectionTrait, year: i32, n: usize) -> Result<Vec<String>, DbErr> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let n = i64::try_from(n).map_err(|e| DbErr::Custom(e.to_string()))?;
    let c = counter::Entity::insert(counter::ActiveModel {
        name: Set(format!("saar-{year}")),
        value: Set(n),
    })
    .on_conflict(
        OnConflict::column(counter::Column::Name)
            .value(
                counter::Column::Value,
                Expr::col((counter::Entity, counter::Column::Value)).add(n),
            )
            .to_owned(),
    )
    .exec_with_returning(conn)
    .await?;
    Ok((c.value - n + 1..=c.value)
        .map(|v| rules::number(year, v))
        .collect())
}

/// What a new SAAR holds besides its state.
pub struct NewSaar {
    pub number: String,
    pub requester_id: Uuid,
    pub subject_id: Uuid,
    pub role_id: Uuid,
    pub request_type: rules::RequestType,
    pub justification: String,
    /// The DD 2875 user information at submission (JSON).
    pub snapshot: String,
    /// The warnings shown to approvers (JSON).
    pub warnings: String,
}

/// The row of a new SAAR in the state `start` (from [`rules::start`]), not yet written.
pub fn new_row(n: NewSaar, start: Transition, now: DateTime<Utc>) -> Result<saar::Model, DbErr> {
    if start.from().is_some() {
        return Err(DbErr::Custom(format!(
            "a new SAAR cannot start with a move from {:?}",
            start.from()
        )));
    }
    Ok(saar::Model {
        id: Uuid::now_v7(),
        number: n.number,
        requester_id: n.requester_id,
        subject_id: n.subject_id,
        role_id: n.role_id,
        request_type: n.request_type,
        status: start.to(),
        justification: n.justification,
        privacy_act_accepted_at: now,
        snapshot: n.snapshot,
        warnings: n.warnings,
        current_level: start.level(),
        sod_exception: None,
        version: 1,
        created_at: now,
        updated_at: now,
        closed_at: start.closes().then_some(now),
        access_ends_at: None,
    })
}

/// Moves `s` by `t` if its version is still `s.version`. Returns the SAAR as it now is, or
/// `None` when someone changed it meanwhile. A move computed from another state than the
/// SAAR's is refused as an error: it is a bug, not a race.
pub async fn apply(
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    t: Transition,
    now: DateTime<Utc>,
) -> Result<Option<saar::Model>, DbErr> {
    if t.from() != Some(s.status) {
        return Err(DbErr::Custom(format!(
            "{}: a move from {:?} applied to a {} SAAR",
            s.number,
            t.from(),
            s.status
        )));
    }
    let closed_at = if t.closes() { Some(now) } else { s.closed_at };
    let res = saar::Entity::update_many()
        .col_expr(saar::Column::Status, Expr::value(t.to()))
        .col_expr(saar::Column::CurrentLevel, Expr::value(t.level()))
        .col_expr(saar::Column::Version, Expr::value(s.version + 1))
        .col_expr(saar::Column::UpdatedAt, Expr::value(now))
        .col_expr(saar::Column::ClosedAt, Expr::value(closed_at))
        .filter(saar::Column::Id.eq(s.id))
        .filter(saar::Column::Version.eq(s.version))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Some(saar::Model {
        status: t.to(),
        current_level: t.level(),
        version: s.version + 1,
        updated_at: now,
        closed_at,
        ..s.clone()
    }))
}

/// Sets the justification of `id` (a resubmission's).
pub async fn set_justification(conn: &impl ConnectionTrait, id: Uuid, text: &str) -> Result<(), DbErr> {
    saar::Entity::update_many()
        .col_expr(saar::Column::Justification, Expr::value(text))
        .filter(saar::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Records the segregation-of-duties exception an approver granted on `id`.
pub async fn set_sod_exception(conn: &impl ConnectionTrait, id: Uuid, text: &str) -> Result<(), DbErr> {
    saar::Entity::update_many()
        .col_expr(saar::Column::SodException, Expr::value(text))
        .filter(saar::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Adds the insert of the new SAAR `s` (from [`new_row`]) to `writes`.
pub fn insert_into(writes: &mut super::batch::Writes, s: &saar::Model) {
    writes.insert(saar::ActiveModel::from(s.clone()));
}

/// Sets the end date approvers gave the access `id` grants.
pub async fn set_access_end(conn: &impl ConnectionTrait, id: Uuid, end: DateTime<Utc>) -> Result<(), DbErr> {
    saar::Entity::update_many()
        .col_expr(saar::Column::AccessEndsAt, Expr::value(end))
        .filter(saar::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Up to `limit` returned SAARs last changed before `before`, oldest first (the requester did
/// not resubmit them).
pub async fn returned_before(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<saar::Model>, DbErr> {
    saar::Entity::find()
        .filter(saar::Column::Status.eq(SaarStatus::Returned))
        .filter(saar::Column::UpdatedAt.lte(before))
        .order_by_asc(saar::Column::UpdatedAt)
        .limit(limit)
        .all(conn)
        .await
}

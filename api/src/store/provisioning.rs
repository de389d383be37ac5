//! Provisioning task and role assignment rows: opening a task (as a batch insert), the
//! provisioner's queue, completing a task (compare-and-set), the webhook job's claims, and
//! the assignments a completed task starts or ends.

use super::batch::Writes;
use super::entities::{application, provisioning_task, role_assignment, saar};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::provisioning::{ProvisioningKind, ProvisioningMode, ProvisioningStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashSet;
use uuid::Uuid;

/// The application `id`.
pub async fn application(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find_by_id(id).one(conn).await
}

/// Adds to `writes` the open provisioning task of `s` (grant, or revoke for a removal) for
/// role `role_id` of application `app`: automatic when the application has a webhook.
pub fn open_into(
    writes: &mut Writes,
    s: &saar::Model,
    role_id: Uuid,
    app: &application::Model,
    kind: ProvisioningKind,
    now: DateTime<Utc>,
) {
    let automatic = app.provisioning_mode == ProvisioningMode::Automatic && app.webhook_url.is_some();
    let id = Uuid::now_v7();
    writes.insert(provisioning_task::ActiveModel {
        mode: Set(if automatic {
            ProvisioningMode::Automatic
        } else {
            ProvisioningMode::Manual
        }),
        attempts: Set(0),
        next_attempt_at: Set(automatic.then_some(now)),
        last_error: Set(None),
        idempotency_key: Set(Some(id.to_string())),
        id: Set(id),
        saar_id: Set(s.id),
        application_id: Set(app.id),
        role_id: Set(role_id),
        user_id: Set(s.subject_id),
        kind: Set(kind),
        status: Set(ProvisioningStatus::Open),
        created_at: Set(now),
        completed_by: Set(None),
        completed_at: Set(None),
        note: Set(None),
    });
}

/// The applications provisioned by members of `groups`, and with `ungrouped` those that have
/// no provisioner group.
pub async fn applications_provisioned_by(
    conn: &impl ConnectionTrait,
    groups: Vec<Uuid>,
    ungrouped: bool,
) -> Result<Vec<Uuid>, DbErr> {
    let mut cond = Condition::any().add(application::Column::ProvisionerGroupId.is_in(groups));
    if ungrouped {
        cond = cond.add(application::Column::ProvisionerGroupId.is_null());
    }
    application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .filter(cond)
        .into_tuple()
        .all(conn)
        .await
}

/// The task `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<provisioning_task::Model>, DbErr> {
    provisioning_task::Entity::find_by_id(id).one(conn).await
}

/// Open manual tasks of `apps`, oldest first, at most `limit`.
pub async fn open_manual(
    conn: &impl ConnectionTrait,
    apps: Vec<Uuid>,
    limit: u64,
) -> Result<Vec<provisioning_task::Model>, DbErr> {
    provisioning_task::Entity::find()
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .filter(provisioning_task::Column::Mode.eq(ProvisioningMode::Manual))
        .filter(provisioning_task::Column::ApplicationId.is_in(apps))
        .order_by_asc(provisioning_task::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Marks open task `id` done; false when someone completed it first.
pub async fn complete(
    conn: &impl ConnectionTrait,
    id: Uuid,
    by: Option<Uuid>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = provisioning_task::Entity::update_many()
        .col_expr(
            provisioning_task::Column::Status,
            Expr::value(ProvisioningStatus::Done),
        )
        .col_expr(provisioning_task::Column::CompletedBy, Expr::value(by))
        .col_expr(provisioning_task::Column::CompletedAt, Expr::value(now))
        .col_expr(provisioning_task::Column::Note, Expr::value(note))
        .filter(provisioning_task::Column::Id.eq(id))
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Open automatic tasks whose next delivery attempt is due, at most `limit`.
pub async fn webhooks_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<provisioning_task::Model>, DbErr> {
    provisioning_task::Entity::find()
        .filter(provisioning_task::Column::Mode.eq(ProvisioningMode::Automatic))
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .filter(provisioning_task::Column::NextAttemptAt.lte(now))
        .order_by_asc(provisioning_task::Column::NextAttemptAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Claims the delivery of `t` by pushing its next attempt to `until`; false when another
/// replica claimed it.
pub async fn claim_delivery(
    conn: &impl ConnectionTrait,
    t: &provisioning_task::Model,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = provisioning_task::Entity::update_many()
        .col_expr(provisioning_task::Column::NextAttemptAt, Expr::value(until))
        .filter(provisioning_task::Column::Id.eq(t.id))
        .filter(provisioning_task::Column::Mode.eq(ProvisioningMode::Automatic))
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .filter(provisioning_task::Column::NextAttemptAt.eq(t.next_attempt_at))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records a failed delivery of task `id`: the attempts so far, the error, and either the next
/// attempt or, with `next` `None`, the fall back to a manual task.
pub async fn delivery_failed(
    conn: &impl ConnectionTrait,
    id: Uuid,
    attempts: i32,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let mode = if next.is_some() {
        ProvisioningMode::Automatic
    } else {
        ProvisioningMode::Manual
    };
    provisioning_task::Entity::update_many()
        .col_expr(provisioning_task::Column::Attempts, Expr::value(attempts))
        .col_expr(provisioning_task::Column::LastError, Expr::value(error))
        .col_expr(provisioning_task::Column::Mode, Expr::value(mode))
        .col_expr(provisioning_task::Column::NextAttemptAt, Expr::value(next))
        .filter(provisioning_task::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// The assignments in force at `now`: active and not past their end date (the expiry job may
/// not have ended them yet; from the moment they expire they grant nothing).
pub fn in_force(now: DateTime<Utc>) -> Condition {
    let col = |c| Expr::col((role_assignment::Entity, c));
    Condition::all()
        .add(col(role_assignment::Column::Status).eq(Expr::val(AssignmentStatus::Active)))
        .add(
            Condition::any()
                .add(col(role_assignment::Column::ExpiresAt).is_null())
                .add(col(role_assignment::Column::ExpiresAt).gt(now)),
        )
}

/// The query for the assignments of `user` in force at `now`, oldest first (Current Roles).
pub fn active_assignments_of(user: Uuid, now: DateTime<Utc>) -> sea_orm::Select<role_assignment::Entity> {
    role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user))
        .filter(in_force(now))
        .order_by_asc(role_assignment::Column::Since)
}

/// The assignments of `user` in force at `now`, oldest first.
pub async fn active_assignments(
    conn: &impl ConnectionTrait,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<role_assignment::Model>, DbErr> {
    active_assignments_of(user, now).all(conn).await
}

/// Up to `limit` assignments in force at `now` that end by `until` and whose holder was not
/// offered a renewal yet, soonest first.
pub async fn renewals_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<RenewalDue>, DbErr> {
    // The assignment's four columns and what the mail needs of its holder, in one statement
    // (a join on the holder's primary key), not the rows: a job's batch reads a thousand of
    // them, and SQLite's driver copies every value of every row across threads.
    use super::entities::user;
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let rows: Vec<RenewalRow> = role_assignment::Entity::find()
        .select_only()
        .columns([
            role_assignment::Column::Id,
            role_assignment::Column::UserId,
            role_assignment::Column::RoleId,
            role_assignment::Column::ExpiresAt,
        ])
        .column(user::Column::Email)
        .column(user::Column::FirstName)
        .column(user::Column::LastName)
        .column(user::Column::EaoId)
        .join(JoinType::InnerJoin, role_assignment::Relation::User.def())
        .filter(in_force(now))
        .filter(role_assignment::Column::ExpiresAt.lte(until))
        .filter(role_assignment::Column::RenewalOfferedAt.is_null())
        .order_by_asc(role_assignment::Column::ExpiresAt)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, user, role, ends, email, first, last, eao)| RenewalDue {
            id,
            user,
            role,
            ends,
            holder: (email, first, last, eao.is_some()),
        })
        .collect())
}

type RenewalRow = (
    Uuid,
    Uuid,
    Uuid,
    Option<DateTime<Utc>>,
    String,
    String,
    String,
    Option<Uuid>,
);

/// An assignment due a renewal offer, and what its mail needs of the holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalDue {
    pub id: Uuid,
    pub user: Uuid,
    pub role: Uuid,
    pub ends: Option<DateTime<Utc>>,
    /// Email, first and last name, whether they have an EAO.
    pub holder: (String, String, String, bool),
}

/// Records that the holders of assignments `ids` were offered a renewal at `now` (one
/// statement); returns the assignments claimed (those another replica offered first are
/// missing).
pub async fn claim_renewal_offers(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
    now: DateTime<Utc>,
) -> Result<HashSet<Uuid>, DbErr> {
    let mut q = sea_orm::sea_query::Query::update();
    q.table(role_assignment::Entity)
        .value(role_assignment::Column::RenewalOfferedAt, now)
        .and_where(role_assignment::Column::Id.is_in(ids))
        .and_where(
            super::filter_only(conn.get_database_backend(), role_assignment::Column::Status)
                .eq(AssignmentStatus::Active),
        )
        .and_where(
            super::filter_only(
                conn.get_database_backend(),
                role_assignment::Column::RenewalOfferedAt,
            )
            .is_null(),
        )
        .returning_col(role_assignment::Column::Id);
    conn.query_all(&q)
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0))
        .collect()
}

/// Up to `limit` active assignments whose end date passed by `now`, oldest end first.
pub async fn lapsed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<role_assignment::Model>, DbErr> {
    role_assignment::Entity::find()
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .filter(role_assignment::Column::ExpiresAt.lte(now))
        .order_by_asc(role_assignment::Column::ExpiresAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Ends `id` as `Expired` at `now` if it is still active and past its end; `false` when it
/// was renewed, removed or expired by another replica meanwhile.
pub async fn expire(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = role_assignment::Entity::update_many()
        .col_expr(
            role_assignment::Column::Status,
            Expr::value(AssignmentStatus::Expired),
        )
        .col_expr(role_assignment::Column::EndedAt, Expr::value(now))
        .filter(role_assignment::Column::Id.eq(id))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .filter(role_assignment::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Moves the end of `user`'s active assignment of `role` to `until` (a renewal), ready to
/// be offered a renewal again; `false` when there is none.
pub async fn extend(
    conn: &impl ConnectionTrait,
    user: Uuid,
    role: Uuid,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = role_assignment::Entity::update_many()
        .col_expr(role_assignment::Column::ExpiresAt, Expr::value(until))
        .col_expr(
            role_assignment::Column::RenewalOfferedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(role_assignment::Column::UserId.eq(user))
        .filter(role_assignment::Column::RoleId.eq(role))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .exec(conn)
        .await?;
    Ok(res.rows_affected >= 1)
}

/// The assignments `ids`.
pub async fn assignments(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<role_assignment::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    role_assignment::Entity::find()
        .filter(role_assignment::Column::Id.is_in(ids))
        .all(conn)
        .await
}

/// The assignment `id`.
pub async fn assignment(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<role_assignment::Model>, DbErr> {
    role_assignment::Entity::find_by_id(id).one(conn).await
}

/// Ends `user`'s active assignments of `role` as `Removed` at `now`.
pub async fn remove_assignments(
    conn: &impl ConnectionTrait,
    user: Uuid,
    role: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    role_assignment::Entity::update_many()
        .col_expr(
            role_assignment::Column::Status,
            Expr::value(AssignmentStatus::Removed),
        )
        .col_expr(role_assignment::Column::EndedAt, Expr::value(now))
        .filter(role_assignment::Column::UserId.eq(user))
        .filter(role_assignment::Column::RoleId.eq(role))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Starts an active assignment of `role` for `user`, granted by SAAR `source`.
pub async fn grant(
    conn: &impl ConnectionTrait,
    user: Uuid,
    role: Uuid,
    source: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<role_assignment::Model, DbErr> {
    role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        role_id: Set(role),
        status: Set(AssignmentStatus::Active),
        since: Set(now),
        expires_at: Set(expires_at),
        source_saar_id: Set(source),
        renewal_offered_at: Set(None),
        ended_at: Set(None),
        reviewed_at: Set(None),
    }
    .insert(conn)
    .await
}

/// How many provisioning tasks of `user`'s access are still open (grants and revokes).
pub async fn open_count_of(conn: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    provisioning_task::Entity::find()
        .filter(provisioning_task::Column::UserId.eq(user))
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .count(conn)
        .await
}

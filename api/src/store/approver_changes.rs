//! Approver changes waiting for acceptance: asked (replacing the user's earlier request of the
//! same kind), listed for the person asked, decided once (compare-and-set on the status).

use super::entities::approver_change;
use crate::domain::approver_change::{ApproverChangeStatus, ApproverKind};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Marks the pending changes of `user`'s `kind` replaced (a newer request, or a change made
/// at once by someone allowed to).
pub async fn replace_pending(
    conn: &impl ConnectionTrait,
    user: Uuid,
    kind: ApproverKind,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    approver_change::Entity::update_many()
        .col_expr(
            approver_change::Column::Status,
            Expr::value(ApproverChangeStatus::Replaced),
        )
        .col_expr(approver_change::Column::DecidedAt, Expr::value(now))
        .filter(approver_change::Column::UserId.eq(user))
        .filter(approver_change::Column::Kind.eq(kind))
        .filter(approver_change::Column::Status.eq(ApproverChangeStatus::Pending))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Stores the requested change `c`.
pub async fn insert(conn: &impl ConnectionTrait, c: approver_change::Model) -> Result<(), DbErr> {
    approver_change::ActiveModel::from(c)
        .insert(conn)
        .await
        .map(|_| ())
}

/// The change `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<approver_change::Model>, DbErr> {
    approver_change::Entity::find_by_id(id).one(conn).await
}

/// The pending change whose emailed link has the digest `hash`.
pub async fn by_link_hash(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<approver_change::Model>, DbErr> {
    approver_change::Entity::find()
        .filter(approver_change::Column::LinkTokenHash.eq(hash))
        .filter(approver_change::Column::Status.eq(ApproverChangeStatus::Pending))
        .one(conn)
        .await
}

/// The pending changes asking `approver` to accept, oldest first.
pub async fn pending_for(
    conn: &impl ConnectionTrait,
    approver: Uuid,
) -> Result<Vec<approver_change::Model>, DbErr> {
    approver_change::Entity::find()
        .filter(approver_change::Column::NewApproverId.eq(approver))
        .filter(approver_change::Column::Status.eq(ApproverChangeStatus::Pending))
        .order_by_asc(approver_change::Column::RequestedAt)
        .all(conn)
        .await
}

/// The pending changes of `user`'s approvers, oldest first.
pub async fn pending_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<approver_change::Model>, DbErr> {
    approver_change::Entity::find()
        .filter(approver_change::Column::UserId.eq(user))
        .filter(approver_change::Column::Status.eq(ApproverChangeStatus::Pending))
        .order_by_asc(approver_change::Column::RequestedAt)
        .all(conn)
        .await
}

/// Records the decision `status` on pending change `id` by `by` (`None`: through the emailed
/// link); false when it was decided or replaced meanwhile.
pub async fn decide(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: ApproverChangeStatus,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = approver_change::Entity::update_many()
        .col_expr(approver_change::Column::Status, Expr::value(status))
        .col_expr(approver_change::Column::DecidedBy, Expr::value(by))
        .col_expr(approver_change::Column::DecidedAt, Expr::value(now))
        .col_expr(
            approver_change::Column::LinkTokenHash,
            Expr::value(Option::<String>::None),
        )
        .filter(approver_change::Column::Id.eq(id))
        .filter(approver_change::Column::Status.eq(ApproverChangeStatus::Pending))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

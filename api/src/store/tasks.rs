//! Approval task rows: the inboxes (a person's and their groups'), the decision's
//! compare-and-set, and the claims the deadline job makes. Every claim filters on the state
//! it expects, so of two writers at once exactly one wins.

use super::entities::{application, approval_task, organization, role, role_chain_level, saar, user};
use super::select_prefixed;
use crate::domain::task::TaskStatus;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use uuid::Uuid;

/// Open tasks `user` may decide: not of a SAAR they are the subject or the requester of,
/// nor of one where they approved another level (`domain::routing`). The query joins `saars`.
fn decidable_by(user: Uuid) -> Condition {
    let d = Alias::new("d");
    let approved_another_level = Query::select()
        .expr(Expr::val(1))
        .from_as(approval_task::Entity, d.clone())
        .and_where(
            Expr::col((d.clone(), approval_task::Column::SaarId))
                .equals((approval_task::Entity, approval_task::Column::SaarId)),
        )
        .and_where(Expr::col((d.clone(), approval_task::Column::DecidedBy)).eq(user))
        .and_where(Expr::col((d.clone(), approval_task::Column::Status)).eq(Expr::val(TaskStatus::Approved)))
        .and_where(
            Expr::col((d, approval_task::Column::Level))
                .ne(Expr::col((approval_task::Entity, approval_task::Column::Level))),
        )
        .to_owned();
    Condition::all()
        .add(approval_task::Column::Status.eq(TaskStatus::Open))
        .add(Expr::col((saar::Entity, saar::Column::SubjectId)).ne(user))
        .add(Expr::col((saar::Entity, saar::Column::RequesterId)).ne(user))
        .add(Expr::exists(approved_another_level).not())
}

/// Who approved which level of SAAR `saar`: (level, person), oldest first.
pub async fn approvals_of(conn: &impl ConnectionTrait, saar: Uuid) -> Result<Vec<(i32, Uuid)>, DbErr> {
    let rows: Vec<(i32, Option<Uuid>)> = approval_task::Entity::find()
        .select_only()
        .column(approval_task::Column::Level)
        .column(approval_task::Column::DecidedBy)
        .filter(approval_task::Column::SaarId.eq(saar))
        .filter(approval_task::Column::Status.eq(TaskStatus::Approved))
        .order_by_asc(approval_task::Column::DecidedAt)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(l, by)| Some((l, by?))).collect())
}

/// The task `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<approval_task::Model>, DbErr> {
    approval_task::Entity::find_by_id(id).one(conn).await
}

/// The task whose emailed link has the digest `hash`.
pub async fn by_link_hash(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<approval_task::Model>, DbErr> {
    approval_task::Entity::find()
        .filter(approval_task::Column::LinkTokenHash.eq(hash))
        .one(conn)
        .await
}

/// Open tasks joined with their SAAR, of those `user` may decide.
fn decidable(user: Uuid) -> sea_orm::Select<approval_task::Entity> {
    approval_task::Entity::find()
        .join(JoinType::InnerJoin, approval_task::Relation::Saar.def())
        .filter(decidable_by(user))
}

/// The open tasks assigned to `user` that they may decide (their inbox's own half; the query
/// is public so a test can check its plan).
pub fn own_inbox(user: Uuid) -> sea_orm::Select<approval_task::Entity> {
    decidable(user).filter(approval_task::Column::AssigneeId.eq(user))
}

/// The open tasks of `groups` that `user` may decide (their inbox's other half).
pub fn groups_inbox(user: Uuid, groups: &[Uuid]) -> sea_orm::Select<approval_task::Entity> {
    decidable(user).filter(approval_task::Column::GroupId.is_in(groups.iter().copied()))
}

/// The open tasks of `user` and of `groups` they may decide, soonest due first, at most
/// `limit`: one indexed query for their own, one for their groups' (an OR of the two would
/// scan every open task).
///
/// Each task comes with its SAAR (the query joins it already).
pub async fn open_for(
    conn: &impl ConnectionTrait,
    user: Uuid,
    groups: &[Uuid],
    limit: u64,
) -> Result<Vec<(approval_task::Model, saar::Model)>, DbErr> {
    let with_saar = |rows: Vec<(approval_task::Model, Option<saar::Model>)>| {
        rows.into_iter()
            .filter_map(|(t, s)| Some((t, s?)))
            .collect::<Vec<_>>()
    };
    let mut tasks = with_saar(
        own_inbox(user)
            .select_also(saar::Entity)
            .order_by_asc(approval_task::Column::DueAt)
            .limit(limit)
            .all(conn)
            .await?,
    );
    if !groups.is_empty() {
        tasks.extend(with_saar(
            groups_inbox(user, groups)
                .select_also(saar::Entity)
                .order_by_asc(approval_task::Column::DueAt)
                .limit(limit)
                .all(conn)
                .await?,
        ));
        tasks.sort_by_key(|(t, _)| t.due_at);
        tasks.truncate(limit as usize);
    }
    Ok(tasks)
}

/// How many open tasks `user` may decide, their own and their `groups`' (each half counted
/// by its own index): an expression for [`super::counts`].
pub fn open_count(user: Uuid, groups: &[Uuid]) -> Expr {
    let own = super::count_of(own_inbox(user));
    if groups.is_empty() {
        own
    } else {
        own.add(super::count_of(groups_inbox(user, groups)))
    }
}

/// Every task of the SAARs `saars`, in the order they opened.
pub async fn of_saars(
    conn: &impl ConnectionTrait,
    saars: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<approval_task::Model>, DbErr> {
    approval_task::Entity::find()
        .filter(approval_task::Column::SaarId.is_in(saars))
        .order_by_asc(approval_task::Column::OpenedAt)
        .order_by_asc(approval_task::Column::Level)
        .all(conn)
        .await
}

/// Whether `user` may act on (themselves or through `groups`), or has acted on, a task of
/// the SAAR `saar`.
pub async fn is_approver_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    groups: Vec<Uuid>,
    saar: Uuid,
) -> Result<bool, DbErr> {
    let n = approval_task::Entity::find()
        .filter(approval_task::Column::SaarId.eq(saar))
        .filter(
            Condition::any()
                .add(approval_task::Column::AssigneeId.eq(user))
                .add(approval_task::Column::GroupId.is_in(groups))
                .add(approval_task::Column::DecidedBy.eq(user)),
        )
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// A decision on a task, as recorded.
pub struct Decided<'a> {
    pub status: TaskStatus,
    pub by: Uuid,
    pub reason_code: Option<&'a str>,
    pub comment: Option<&'a str>,
}

/// Records `d` on task `id` if it is still open; false when someone decided it first.
pub async fn decide(
    conn: &impl ConnectionTrait,
    id: Uuid,
    d: Decided<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = approval_task::Entity::update_many()
        .col_expr(approval_task::Column::Status, Expr::value(d.status))
        .col_expr(approval_task::Column::DecidedBy, Expr::value(d.by))
        .col_expr(approval_task::Column::DecidedAt, Expr::value(now))
        .col_expr(approval_task::Column::ReasonCode, Expr::value(d.reason_code))
        .col_expr(approval_task::Column::Comment, Expr::value(d.comment))
        .filter(approval_task::Column::Id.eq(id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Closes every open task of the SAAR `saar` with `status` (no one decided them).
pub async fn close_open(
    conn: &impl ConnectionTrait,
    saar: Uuid,
    status: TaskStatus,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    approval_task::Entity::update_many()
        .col_expr(approval_task::Column::Status, Expr::value(status))
        .col_expr(approval_task::Column::DecidedAt, Expr::value(now))
        .filter(approval_task::Column::SaarId.eq(saar))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Open tasks due at or before `now`, oldest deadline first, at most `limit`.
pub async fn overdue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<approval_task::Model>, DbErr> {
    approval_task::Entity::find()
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::DueAt.lte(now))
        .order_by_asc(approval_task::Column::DueAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Claims the expiry of open task `id`; false when it was decided or expired meanwhile.
pub async fn claim_expiry(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = approval_task::Entity::update_many()
        .col_expr(approval_task::Column::Status, Expr::value(TaskStatus::Expired))
        .col_expr(approval_task::Column::DecidedAt, Expr::value(now))
        .filter(approval_task::Column::Id.eq(id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Open tasks whose reminder is due at `now`, at most `limit`.
pub async fn reminders_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<approval_task::Model>, DbErr> {
    approval_task::Entity::find()
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::NextReminderAt.lte(now))
        .order_by_asc(approval_task::Column::NextReminderAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Claims the reminder of `t` (due at `t.next_reminder_at`) and schedules the next at `next`;
/// false when another replica sent it.
pub async fn claim_reminder(
    conn: &impl ConnectionTrait,
    t: &approval_task::Model,
    next: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = approval_task::Entity::update_many()
        .col_expr(approval_task::Column::NextReminderAt, Expr::value(next))
        .filter(approval_task::Column::Id.eq(t.id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::NextReminderAt.eq(t.next_reminder_at))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Replaces the digest of the emailed link of task `id` (the previous link stops working).
pub async fn set_link_hash(conn: &impl ConnectionTrait, id: Uuid, hash: &str) -> Result<(), DbErr> {
    approval_task::Entity::update_many()
        .col_expr(approval_task::Column::LinkTokenHash, Expr::value(hash))
        .filter(approval_task::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Open tasks assigned to `from`, optionally only of `saars` and of `kind`.
pub async fn open_assigned_to(
    conn: &impl ConnectionTrait,
    from: Uuid,
    saars: Option<Vec<Uuid>>,
    kind: Option<&str>,
) -> Result<Vec<approval_task::Model>, DbErr> {
    let mut q = approval_task::Entity::find()
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::AssigneeId.eq(from));
    if let Some(k) = kind {
        q = q.filter(approval_task::Column::Kind.eq(k));
    }
    if let Some(s) = saars {
        q = q.filter(approval_task::Column::SaarId.is_in(s));
    }
    q.all(conn).await
}

/// Hands open task `id` over from `from` to person `to` or, with `to` `None`, to approval group
/// `group`, saying why in `note`; false when it was decided or moved meanwhile.
pub async fn hand_over(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: Uuid,
    to: Option<Uuid>,
    group: Option<Uuid>,
    note: &str,
) -> Result<bool, DbErr> {
    let res = approval_task::Entity::update_many()
        .col_expr(approval_task::Column::AssigneeId, Expr::value(to))
        .col_expr(approval_task::Column::GroupId, Expr::value(group))
        .col_expr(approval_task::Column::DelegatedFrom, Expr::value(None::<Uuid>))
        .col_expr(approval_task::Column::RoutedNote, Expr::value(note))
        .filter(approval_task::Column::Id.eq(id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::AssigneeId.eq(from))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Moves open task `id` from `from` to `to`, who holds it for `delegated_from` (a deputy) or
/// in their own name (`None`); false when it was decided or moved meanwhile.
pub async fn reassign(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: Uuid,
    to: Uuid,
    delegated_from: Option<Uuid>,
) -> Result<bool, DbErr> {
    let res = approval_task::Entity::update_many()
        .col_expr(approval_task::Column::AssigneeId, Expr::value(to))
        .col_expr(approval_task::Column::DelegatedFrom, Expr::value(delegated_from))
        .filter(approval_task::Column::Id.eq(id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::AssigneeId.eq(from))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Open tasks a deputy holds for `principal` (all principals when `None`) whose delegation is
/// no longer in force at `now` (ended, cleared or given to another deputy), at most `limit`.
pub async fn delegations_ended(
    conn: &impl ConnectionTrait,
    principal: Option<Uuid>,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<approval_task::Model>, DbErr> {
    use super::entities::deputy;
    let in_force = Query::select()
        .expr(Expr::val(1))
        .from(deputy::Entity)
        .and_where(
            Expr::col((deputy::Entity, deputy::Column::UserId))
                .equals((approval_task::Entity, approval_task::Column::DelegatedFrom)),
        )
        .and_where(
            Expr::col((deputy::Entity, deputy::Column::DeputyId))
                .equals((approval_task::Entity, approval_task::Column::AssigneeId)),
        )
        .and_where(Expr::col((deputy::Entity, deputy::Column::StartsAt)).lte(now))
        .and_where(Expr::col((deputy::Entity, deputy::Column::EndsAt)).gt(now))
        .to_owned();
    let mut q = approval_task::Entity::find()
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .filter(approval_task::Column::DelegatedFrom.is_not_null())
        .filter(Expr::exists(in_force).not());
    if let Some(p) = principal {
        q = q.filter(approval_task::Column::DelegatedFrom.eq(p));
    }
    q.limit(limit).all(conn).await
}

/// A task with its SAAR, role, application, subject, the subject's organization and the
/// role's chain levels, in order.
pub struct DecisionRows {
    pub task: approval_task::Model,
    pub saar: saar::Model,
    pub role: role::Model,
    pub app: application::Model,
    pub subject: user::Model,
    pub org: organization::Model,
    pub levels: Vec<role_chain_level::Model>,
}

/// What deciding task `task_id` needs: one query (a row per chain level).
pub async fn decision_rows(
    conn: &impl ConnectionTrait,
    task_id: Uuid,
) -> Result<Option<DecisionRows>, DbErr> {
    let mut q = Query::select();
    q.from(approval_task::Entity)
        .inner_join(
            saar::Entity,
            Expr::col((saar::Entity, saar::Column::Id))
                .equals((approval_task::Entity, approval_task::Column::SaarId)),
        )
        .inner_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id)).equals((saar::Entity, saar::Column::RoleId)),
        )
        .inner_join(
            application::Entity,
            Expr::col((application::Entity, application::Column::Id))
                .equals((role::Entity, role::Column::ApplicationId)),
        )
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((saar::Entity, saar::Column::SubjectId)),
        )
        .inner_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((user::Entity, user::Column::OrganizationId)),
        )
        .left_join(
            role_chain_level::Entity,
            Expr::col((role_chain_level::Entity, role_chain_level::Column::RoleId))
                .equals((role::Entity, role::Column::Id)),
        )
        .and_where(Expr::col((approval_task::Entity, approval_task::Column::Id)).eq(task_id))
        .order_by(
            (role_chain_level::Entity, role_chain_level::Column::Position),
            Order::Asc,
        );
    select_prefixed::<approval_task::Entity>(&mut q, "t_");
    select_prefixed::<saar::Entity>(&mut q, "s_");
    select_prefixed::<role::Entity>(&mut q, "r_");
    select_prefixed::<application::Entity>(&mut q, "a_");
    select_prefixed::<user::Entity>(&mut q, "u_");
    select_prefixed::<organization::Entity>(&mut q, "o_");
    select_prefixed::<role_chain_level::Entity>(&mut q, "l_");
    let rows = conn.query_all(&q).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut levels = Vec::new();
    for row in &rows {
        if let Some(l) = role_chain_level::Model::from_query_result_optional(row, "l_")? {
            levels.push(l);
        }
    }
    Ok(Some(DecisionRows {
        task: approval_task::Model::from_query_result(first, "t_")?,
        saar: saar::Model::from_query_result(first, "s_")?,
        role: role::Model::from_query_result(first, "r_")?,
        app: application::Model::from_query_result(first, "a_")?,
        subject: user::Model::from_query_result(first, "u_")?,
        org: organization::Model::from_query_result(first, "o_")?,
        levels,
    }))
}

/// Adds the insert of task `t` to `writes`.
pub fn insert_into(writes: &mut super::batch::Writes, t: &approval_task::Model) {
    writes.insert(approval_task::ActiveModel::from(t.clone()));
}

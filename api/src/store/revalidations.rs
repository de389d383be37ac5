//! Revalidation rows: opening reviews set-based (a campaign over every user in scope is two
//! `INSERT … SELECT` statements and one for the mail, whatever the number of users), a user's
//! review and its items, the reviewer's queue, compare-and-set moves, the job's claims, and a
//! campaign's progress counted by the database.

use super::entities::{revalidation, revalidation_campaign, revalidation_item};
use super::users::Addressee;
use crate::domain::revalidation::{RevalidationStatus, Trigger};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Whom to open reviews for.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Every active internal user holding a role.
    Internal,
    /// Every active user of the organization holding a role.
    Organization(Uuid),
    /// Every active user holding a role of the application (only those roles).
    Application(Uuid),
    /// One user (a change in their circumstances).
    User(Uuid),
}

/// `sql` written with `$1`, `$2`… for `backend` (SQLite numbers its parameters `?1`, `?2`…),
/// with `{id}` replaced by a new id for each row: this moment's UUIDv7 time prefix and random
/// bits, so rows inserted together sort after the ones before, as UUIDv7 ids do.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let prefix: String = Uuid::now_v7().simple().to_string().chars().take(12).collect();
    let (sql, id) = match backend {
        DbBackend::Postgres => (
            sql.to_string(),
            format!("('{prefix}' || substr(replace(gen_random_uuid()::text, '-', ''), 13))::uuid"),
        ),
        _ => (
            sql.replace('$', "?"),
            format!("unhex('{prefix}' || hex(randomblob(10)))"),
        ),
    };
    Statement::from_sql_and_values(backend, sql.replace("{id}", &id), values)
}

/// What a review opened for `target` is about: its users and roles, as SQL conditions on
/// `u` (users), `o` (organizations), `a` (role_assignments) and `r` (roles), with `$5` the
/// target's id.
fn scope(target: Target) -> (&'static str, &'static str, Option<Uuid>) {
    match target {
        Target::Internal => ("NOT o.is_external", "", None),
        Target::Organization(id) => ("u.organization_id = $5", "", Some(id)),
        Target::Application(id) => ("TRUE", "AND r.application_id = $5", Some(id)),
        Target::User(id) => ("u.id = $5", "", Some(id)),
    }
}

/// Opens a review, due at `due`, for every active user of `target` holding a role in force at
/// `now` and not under review already (campaign `campaign`, or none for a change, with
/// `trigger`); its reviewer is the user's supervisor (EAO for external users). Adds the roles
/// under review and, for a campaign, mails each user. Returns how many opened.
#[expect(clippy::too_many_arguments, reason = "the review's facts")]
pub async fn open(
    conn: &impl ConnectionTrait,
    target: Target,
    campaign: Option<Uuid>,
    trigger: Trigger,
    due: DateTime<Utc>,
    first_reminder: DateTime<Utc>,
    now: DateTime<Utc>,
    mail: Option<(&str, &str, &str)>,
) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let (users, roles, id) = scope(target);
    let values = |extra: Vec<Value>| {
        let mut v: Vec<Value> = vec![campaign.into(), due.into(), now.into(), first_reminder.into()];
        v.push(id.unwrap_or_default().into());
        v.extend(extra);
        v
    };
    // The statement reads `revalidations` (who is under review already) while it inserts into
    // it. On PostgreSQL a nested-loop anti-join there rescans the table, pages written by this
    // very statement included, once per user: with statistics that say the table is small (the
    // first campaign after a load) that took 5 minutes for 100k users, against 4 s with the
    // hash anti-join, which reads the table once before the first insert. So for a campaign,
    // and for this statement only, the planner may not use nested loops.
    let bulk_pg = campaign.is_some() && backend == DbBackend::Postgres;
    if bulk_pg {
        conn.execute_unprepared("SET LOCAL enable_nestloop = off").await?;
    }
    let opened = conn
        .execute_raw(statement(
            backend,
            &format!(
                "INSERT INTO revalidations (id, campaign_id, user_id, trigger, reviewer_id, status, due_at, \
                 opened_at, next_reminder_at, version) \
                 SELECT {{id}}, $1, u.id, $6, CASE WHEN o.is_external THEN u.eao_id ELSE u.supervisor_id END, \
                 'open', $2, $3, $4, 1 \
                 FROM users u JOIN organizations o ON o.id = u.organization_id \
                 WHERE u.status = 'active' AND {users} \
                 AND EXISTS (SELECT 1 FROM role_assignments a JOIN roles r ON r.id = a.role_id \
                   WHERE a.user_id = u.id AND a.status = 'active' AND (a.expires_at IS NULL OR a.expires_at > $3) {roles}) \
                 AND NOT EXISTS (SELECT 1 FROM revalidations v WHERE v.user_id = u.id AND v.status IN ('open', 'submitted'))"
            ),
            values(vec![trigger.as_str().into()]),
        ))
        .await?
        .rows_affected();
    if bulk_pg {
        conn.execute_unprepared("SET LOCAL enable_nestloop TO DEFAULT")
            .await?;
    }
    if opened == 0 {
        return Ok(0);
    }
    // The reviews just opened (at `now`): the campaign's, or the user's one. Being new, they
    // have no items yet: no anti-join against the items being inserted (on PostgreSQL, with
    // statistics from before the campaign, the planner chose a nested loop that scanned the
    // growing items table once per row: minutes at 100k reviews).
    let which = if campaign.is_some() {
        "v.campaign_id = $1 AND v.opened_at = $3"
    } else {
        "v.user_id = $5 AND v.status = 'open' AND v.opened_at = $3"
    };
    conn.execute_raw(statement(
        backend,
        &format!(
            "INSERT INTO revalidation_items (revalidation_id, assignment_id, role_id) \
             SELECT v.id, a.id, a.role_id FROM revalidations v \
             JOIN role_assignments a ON a.user_id = v.user_id JOIN roles r ON r.id = a.role_id \
             WHERE {which} AND a.status = 'active' AND (a.expires_at IS NULL OR a.expires_at > $3) {roles}"
        ),
        values(vec![]),
    ))
    .await?;
    if let Some((subject, greeting_end, body)) = mail {
        conn.execute_raw(statement(
            backend,
            &format!(
                "INSERT INTO outbox (id, recipient, subject, body, status, attempts, next_attempt_at, created_at) \
                 SELECT {{id}}, u.email, $6, 'Hello ' || u.first_name || $7 || $8, 'pending', 0, $3, $3 \
                 FROM revalidations v JOIN users u ON u.id = v.user_id WHERE {which}"
            ),
            values(vec![subject.into(), greeting_end.into(), body.into()]),
        ))
        .await?;
    }
    Ok(opened)
}

/// After `opened` reviews were opened at once (a campaign): on PostgreSQL, refreshes the
/// planner's statistics of the review tables, so the reminder and lapse rounds that follow plan
/// by what is there now, not by the table as it was before (autovacuum's analyze comes up to a
/// minute later). SQLite plans without statistics.
pub async fn after_bulk_open(conn: &impl ConnectionTrait, opened: u64) -> Result<(), DbErr> {
    if opened >= 1_000 && conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        conn.execute_unprepared("ANALYZE revalidations, revalidation_items")
            .await?;
    }
    Ok(())
}

/// Inserts campaign `c`.
pub async fn insert_campaign(
    conn: &impl ConnectionTrait,
    c: revalidation_campaign::Model,
) -> Result<(), DbErr> {
    c.into_active_model().insert(conn).await.map(drop)
}

/// Campaign `id`.
pub async fn campaign(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<revalidation_campaign::Model>, DbErr> {
    revalidation_campaign::Entity::find_by_id(id).one(conn).await
}

/// Every campaign, newest first.
pub async fn campaigns(conn: &impl ConnectionTrait) -> Result<Vec<revalidation_campaign::Model>, DbErr> {
    revalidation_campaign::Entity::find()
        .order_by_desc(revalidation_campaign::Column::CreatedAt)
        .limit(200)
        .all(conn)
        .await
}

/// Review `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<revalidation::Model>, DbErr> {
    revalidation::Entity::find_by_id(id).one(conn).await
}

fn open_statuses() -> [RevalidationStatus; 2] {
    [RevalidationStatus::Open, RevalidationStatus::Submitted]
}

/// Reviews `ids`, in no order (one statement).
pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<revalidation::Model>, DbErr> {
    revalidation::Entity::find()
        .filter(revalidation::Column::Id.is_in(ids))
        .all(conn)
        .await
}

/// `user`'s review still waiting on someone, if any.
pub async fn open_of(conn: &impl ConnectionTrait, user: Uuid) -> Result<Option<revalidation::Model>, DbErr> {
    revalidation::Entity::find()
        .filter(revalidation::Column::UserId.eq(user))
        .filter(revalidation::Column::Status.is_in(open_statuses()))
        .one(conn)
        .await
}

/// `user`'s reviews, newest first.
pub async fn of_user(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<revalidation::Model>, DbErr> {
    revalidation::Entity::find()
        .filter(revalidation::Column::UserId.eq(user))
        .order_by_desc(revalidation::Column::OpenedAt)
        .limit(50)
        .all(conn)
        .await
}

/// Whose submitted reviews `reviewer` decides at `now`: their own reviewees', those of the
/// people whose deputy they are now, and with `administrators` those without a reviewer; never
/// their own review.
fn decided_by(reviewer: Uuid, administrators: bool, now: DateTime<Utc>) -> Condition {
    use super::entities::deputy;
    use sea_orm::sea_query::Query;
    let deputy_for = Query::select()
        .column(deputy::Column::UserId)
        .from(deputy::Entity)
        .and_where(deputy::Column::DeputyId.eq(reviewer))
        .and_where(deputy::Column::StartsAt.lte(now))
        .and_where(deputy::Column::EndsAt.gt(now))
        .to_owned();
    let mut whose = Condition::any()
        .add(revalidation::Column::ReviewerId.eq(reviewer))
        .add(revalidation::Column::ReviewerId.in_subquery(deputy_for));
    if administrators {
        whose = whose.add(revalidation::Column::ReviewerId.is_null());
    }
    Condition::all()
        .add(revalidation::Column::Status.eq(RevalidationStatus::Submitted))
        .add(whose)
        .add(revalidation::Column::UserId.ne(reviewer))
}

/// The submitted reviews `reviewer` decides at `now` (see [`decided_by`]), soonest due first.
pub async fn to_review(
    conn: &impl ConnectionTrait,
    reviewer: Uuid,
    administrators: bool,
    now: DateTime<Utc>,
) -> Result<Vec<revalidation::Model>, DbErr> {
    revalidation::Entity::find()
        .filter(decided_by(reviewer, administrators, now))
        .order_by_asc(revalidation::Column::DueAt)
        .limit(200)
        .all(conn)
        .await
}

/// How many reviews `reviewer` decides now (`administrators`: with those reassigned to the
/// administrators): an expression for [`super::counts`].
pub fn to_review_count(reviewer: Uuid, administrators: bool, now: DateTime<Utc>) -> Expr {
    super::count_of(revalidation::Entity::find().filter(decided_by(reviewer, administrators, now)))
}

/// The items of reviews `ids`, by review.
pub async fn items_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<revalidation_item::Model>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<revalidation_item::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for i in revalidation_item::Entity::find()
        .filter(revalidation_item::Column::RevalidationId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
    {
        out.entry(i.revalidation_id).or_default().push(i);
    }
    Ok(out)
}

/// One role under review with what a view shows of it: the role's name, environment and
/// application code, and since when and until when it is held.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct ItemRow {
    pub revalidation_id: Uuid,
    pub assignment_id: Uuid,
    pub role_id: Uuid,
    pub keep: Option<bool>,
    pub reason: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub role_name: String,
    pub environment: String,
    pub application: String,
}

/// The items of reviews `ids` with their roles and assignments, by review: one statement.
pub async fn items_with_roles(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ItemRow>>, DbErr> {
    use super::entities::{application, role, role_assignment};
    use sea_orm::sea_query::{Alias, ExprTrait, Query};
    use sea_orm::{FromQueryResult, JoinType};
    let mut out: HashMap<Uuid, Vec<ItemRow>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let i = revalidation_item::Entity;
    let q = Query::select()
        .columns([
            (i, revalidation_item::Column::RevalidationId),
            (i, revalidation_item::Column::AssignmentId),
            (i, revalidation_item::Column::RoleId),
            (i, revalidation_item::Column::Keep),
            (i, revalidation_item::Column::Reason),
        ])
        .column((role_assignment::Entity, role_assignment::Column::Since))
        .column((role_assignment::Entity, role_assignment::Column::ExpiresAt))
        .expr_as(
            Expr::col((role::Entity, role::Column::Name)),
            Alias::new("role_name"),
        )
        .column((role::Entity, role::Column::Environment))
        .expr_as(
            Expr::col((application::Entity, application::Column::Code)),
            Alias::new("application"),
        )
        .from(i)
        .join(
            JoinType::InnerJoin,
            role::Entity,
            Expr::col((role::Entity, role::Column::Id)).equals((i, revalidation_item::Column::RoleId)),
        )
        .join(
            JoinType::InnerJoin,
            application::Entity,
            Expr::col((application::Entity, application::Column::Id))
                .equals((role::Entity, role::Column::ApplicationId)),
        )
        .join(
            JoinType::LeftJoin,
            role_assignment::Entity,
            Expr::col((role_assignment::Entity, role_assignment::Column::Id))
                .equals((i, revalidation_item::Column::AssignmentId)),
        )
        .and_where(Expr::col((i, revalidation_item::Column::RevalidationId)).is_in(ids.iter().copied()))
        .to_owned();
    for row in conn.query_all(&q).await? {
        let item = ItemRow::from_query_result(&row, "")?;
        out.entry(item.revalidation_id).or_default().push(item);
    }
    Ok(out)
}

/// What a review's view names besides its roles: its user, reviewer and decider by name and its
/// campaign (`None` where the review has none, or the person is gone).
#[derive(Debug, Clone, Default, sea_orm::FromQueryResult)]
pub struct Labels {
    pub user_name: Option<String>,
    pub reviewer_name: Option<String>,
    pub decider_name: Option<String>,
    pub campaign_name: Option<String>,
}

/// `select` (of reviews) with their [`Labels`] as four scalar subqueries on primary keys: a view
/// costs its reviews' statement and their items', not two more for names.
fn labelled(select: sea_orm::Select<revalidation::Entity>) -> sea_orm::Select<revalidation::Entity> {
    use super::entities::user;
    use sea_orm::sea_query::{ExprTrait, Query, SubQueryStatement};
    let sub = |q: sea_orm::sea_query::SelectStatement| {
        Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(q)))
    };
    let name = |of: revalidation::Column| {
        sub(Query::select()
            // The same text on both databases (no placeholders: SQLite and PostgreSQL number them
            // differently in custom expressions).
            .expr(Expr::cust(
                r#""users"."first_name" || ' ' || "users"."last_name""#,
            ))
            .from(user::Entity)
            .and_where(Expr::col((user::Entity, user::Column::Id)).equals((revalidation::Entity, of)))
            .to_owned())
    };
    let campaign = sub(Query::select()
        .column((revalidation_campaign::Entity, revalidation_campaign::Column::Name))
        .from(revalidation_campaign::Entity)
        .and_where(
            Expr::col((revalidation_campaign::Entity, revalidation_campaign::Column::Id))
                .equals((revalidation::Entity, revalidation::Column::CampaignId)),
        )
        .to_owned());
    select
        .expr_as(name(revalidation::Column::UserId), "user_name")
        .expr_as(name(revalidation::Column::ReviewerId), "reviewer_name")
        .expr_as(name(revalidation::Column::DecidedBy), "decider_name")
        .expr_as(campaign, "campaign_name")
}

/// Reviews read by `select`, each with its [`Labels`]: one statement.
async fn all_labelled(
    conn: &impl ConnectionTrait,
    select: sea_orm::Select<revalidation::Entity>,
) -> Result<Vec<(revalidation::Model, Labels)>, DbErr> {
    use sea_orm::{FromQueryResult, QueryTrait};
    let stmt = labelled(select).build(conn.get_database_backend());
    conn.query_all_raw(stmt)
        .await?
        .iter()
        .map(|row| {
            Ok((
                revalidation::Model::from_query_result(row, "")?,
                Labels::from_query_result(row, "")?,
            ))
        })
        .collect()
}

/// `user`'s review still waiting on someone, with its [`Labels`]: one statement.
pub async fn open_of_labelled(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Option<(revalidation::Model, Labels)>, DbErr> {
    let select = revalidation::Entity::find()
        .filter(revalidation::Column::UserId.eq(user))
        .filter(revalidation::Column::Status.is_in(open_statuses()))
        .limit(1);
    Ok(all_labelled(conn, select).await?.pop())
}

/// The [`Labels`] of reviews `ids`, by review: one statement.
pub async fn labels_of(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Labels>, DbErr> {
    let select = revalidation::Entity::find().filter(revalidation::Column::Id.is_in(ids));
    Ok(all_labelled(conn, select)
        .await?
        .into_iter()
        .map(|(r, l)| (r.id, l))
        .collect())
}

/// Records the user's decision on one role of review `id`.
pub async fn set_item(
    conn: &impl ConnectionTrait,
    id: Uuid,
    assignment: Uuid,
    keep: bool,
    reason: Option<&str>,
) -> Result<(), DbErr> {
    revalidation_item::Entity::update_many()
        .col_expr(revalidation_item::Column::Keep, Expr::value(keep))
        .col_expr(
            revalidation_item::Column::Reason,
            Expr::value(reason.map(str::to_string)),
        )
        .filter(revalidation_item::Column::RevalidationId.eq(id))
        .filter(revalidation_item::Column::AssignmentId.eq(assignment))
        .exec(conn)
        .await
        .map(drop)
}

/// What a move of a review writes besides its status.
#[derive(Debug, Default, Clone)]
pub struct Move<'a> {
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub comment: Option<&'a str>,
    /// Some(None) clears the next reminder.
    pub next_reminder_at: Option<Option<DateTime<Utc>>>,
}

/// Moves `r` to `to` if its version is still `r.version`; `false` when someone changed it.
pub async fn advance(
    conn: &impl ConnectionTrait,
    r: &revalidation::Model,
    to: RevalidationStatus,
    m: Move<'_>,
) -> Result<bool, DbErr> {
    let mut q = revalidation::Entity::update_many()
        .col_expr(revalidation::Column::Status, Expr::value(to))
        .col_expr(revalidation::Column::Version, Expr::value(r.version + 1));
    if let Some(t) = m.submitted_at {
        q = q.col_expr(revalidation::Column::SubmittedAt, Expr::value(t));
    }
    if let Some(t) = m.decided_at {
        q = q.col_expr(revalidation::Column::DecidedAt, Expr::value(t));
    }
    if let Some(by) = m.decided_by {
        q = q.col_expr(revalidation::Column::DecidedBy, Expr::value(by));
    }
    if let Some(c) = m.comment {
        q = q.col_expr(revalidation::Column::Comment, Expr::value(c));
    }
    if let Some(next) = m.next_reminder_at {
        q = q.col_expr(revalidation::Column::NextReminderAt, Expr::value(next));
    }
    let res = q
        .filter(revalidation::Column::Id.eq(r.id))
        .filter(revalidation::Column::Version.eq(r.version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Bumps the version of `r` (a saved decision) if it is still `r.version`.
pub async fn touch(conn: &impl ConnectionTrait, r: &revalidation::Model) -> Result<bool, DbErr> {
    let res = revalidation::Entity::update_many()
        .col_expr(revalidation::Column::Version, Expr::value(r.version + 1))
        .filter(revalidation::Column::Id.eq(r.id))
        .filter(revalidation::Column::Version.eq(r.version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records when the reviewer first opened submitted review `id` (the start of their
/// decision); `false` when it was opened before.
pub async fn review_opened(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = revalidation::Entity::update_many()
        .col_expr(revalidation::Column::ReviewOpenedAt, Expr::value(now))
        .filter(revalidation::Column::Id.eq(id))
        .filter(revalidation::Column::Status.eq(RevalidationStatus::Submitted))
        .filter(revalidation::Column::ReviewOpenedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Up to `limit` open reviews whose reminder is due at `now`.
pub async fn reminders_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(Reminder, Addressee)>, DbErr> {
    // By the reminder index alone: a finished review has no next reminder (every decision and
    // the lapse clear it), and a filter on status let SQLite pick the (status, due_at) index
    // and sort every open review for each batch (at 100k open reviews, 113 ms a batch instead
    // of 45). The claim checks the status.
    // With what the mail needs of each review's user, in the same statement (a join on the
    // user's primary key).
    use super::entities::user;
    use sea_orm::{EntityTrait as _, JoinType, QuerySelect};
    let rows: Vec<ReminderRow> = revalidation::Entity::find()
        .select_only()
        .columns([
            revalidation::Column::Id,
            revalidation::Column::UserId,
            revalidation::Column::ReviewerId,
            revalidation::Column::Status,
            revalidation::Column::DueAt,
            revalidation::Column::NextReminderAt,
        ])
        .column(user::Column::Email)
        .column(user::Column::FirstName)
        .column(user::Column::LastName)
        .column(user::Column::OrganizationId)
        .join(
            JoinType::InnerJoin,
            revalidation::Entity::belongs_to(user::Entity)
                .from(revalidation::Column::UserId)
                .to(user::Column::Id)
                .into(),
        )
        .filter(revalidation::Column::NextReminderAt.lte(now))
        .order_by_asc(revalidation::Column::NextReminderAt)
        .limit(limit)
        .into_model::<ReminderRow>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Reminder {
                    id: r.id,
                    user_id: r.user_id,
                    reviewer_id: r.reviewer_id,
                    status: r.status,
                    due_at: r.due_at,
                    next_reminder_at: r.next_reminder_at,
                },
                Addressee {
                    id: r.user_id,
                    email: r.email,
                    first_name: r.first_name,
                    last_name: r.last_name,
                    organization_id: r.organization_id,
                },
            )
        })
        .collect())
}

#[derive(sea_orm::FromQueryResult)]
struct ReminderRow {
    id: Uuid,
    user_id: Uuid,
    reviewer_id: Option<Uuid>,
    status: RevalidationStatus,
    due_at: DateTime<Utc>,
    next_reminder_at: Option<DateTime<Utc>>,
    email: String,
    first_name: String,
    last_name: String,
    organization_id: Uuid,
}

/// What a reminder needs of a review (six columns, not the row: a batch reads a thousand).
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Reminder {
    pub id: Uuid,
    pub user_id: Uuid,
    pub reviewer_id: Option<Uuid>,
    pub status: RevalidationStatus,
    pub due_at: DateTime<Utc>,
    pub next_reminder_at: Option<DateTime<Utc>>,
}

impl From<&revalidation::Model> for Reminder {
    fn from(r: &revalidation::Model) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            reviewer_id: r.reviewer_id,
            status: r.status,
            due_at: r.due_at,
            next_reminder_at: r.next_reminder_at,
        }
    }
}

/// Clears the next reminder of those of reviews `ids` that are finished (so a reminder left
/// on one by an older version is not looked at again); one statement.
pub async fn clear_finished_reminders(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    revalidation::Entity::update_many()
        .col_expr(
            revalidation::Column::NextReminderAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(revalidation::Column::Id.is_in(ids))
        .filter(revalidation::Column::Status.is_not_in(open_statuses()))
        .exec(conn)
        .await
        .map(drop)
}

/// Claims, of reviews `ids`, those whose due reminder is still `was` (one statement, so a
/// job claims a batch at once), scheduling the next at `next`; returns the id and status of
/// each claimed review (another replica's claims are missing).
pub async fn claim_reminders(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
    was: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> Result<Vec<(Uuid, RevalidationStatus)>, DbErr> {
    use sea_orm::sea_query::{ExprTrait, Query};
    let only = |c| super::filter_only(conn.get_database_backend(), c);
    let mut q = Query::update();
    q.table(revalidation::Entity)
        .value(revalidation::Column::NextReminderAt, next)
        .and_where(revalidation::Column::Id.is_in(ids))
        .and_where(only(revalidation::Column::NextReminderAt).eq(was))
        .and_where(only(revalidation::Column::Status).is_in(open_statuses()))
        // Two columns, not the row: a batch claims a thousand.
        .returning(Query::returning().columns([revalidation::Column::Id, revalidation::Column::Status]));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get_by_index::<Uuid>(0)?,
                row.try_get_by_index::<RevalidationStatus>(1)?,
            ))
        })
        .collect()
}

/// The deputies acting at `now` for each of `people` (person → deputy); one statement.
pub async fn deputies_of(
    conn: &impl ConnectionTrait,
    people: impl IntoIterator<Item = Uuid>,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Uuid>, DbErr> {
    use super::entities::deputy;
    use sea_orm::QuerySelect;
    Ok(deputy::Entity::find()
        .select_only()
        .column(deputy::Column::UserId)
        .column(deputy::Column::DeputyId)
        .filter(deputy::Column::UserId.is_in(people))
        .filter(deputy::Column::StartsAt.lte(now))
        .filter(deputy::Column::EndsAt.gt(now))
        .into_tuple::<(Uuid, Uuid)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Up to `limit` reviews still open whose due date is `now` or earlier (the caller passes the
/// moment a review lapses at).
pub async fn overdue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<revalidation::Model>, DbErr> {
    revalidation::Entity::find()
        .filter(revalidation::Column::Status.is_in(open_statuses()))
        .filter(revalidation::Column::DueAt.lte(now))
        .order_by_asc(revalidation::Column::DueAt)
        .limit(limit)
        .all(conn)
        .await
}

/// How many reviews of campaign `id` are open or waiting on a reviewer.
pub async fn open_in(conn: &impl ConnectionTrait, id: Uuid) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    revalidation::Entity::find()
        .filter(revalidation::Column::CampaignId.eq(id))
        .filter(revalidation::Column::Status.is_in(open_statuses()))
        .count(conn)
        .await
}

/// Closes campaign `id` at `now`; `false` when it was closed already.
pub async fn close_campaign(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = revalidation_campaign::Entity::update_many()
        .col_expr(revalidation_campaign::Column::ClosedAt, Expr::value(now))
        .filter(revalidation_campaign::Column::Id.eq(id))
        .filter(revalidation_campaign::Column::ClosedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Open campaigns due at `due_before` or earlier with no review still open or submitted.
pub async fn finished_campaigns(
    conn: &impl ConnectionTrait,
    due_before: DateTime<Utc>,
) -> Result<Vec<revalidation_campaign::Model>, DbErr> {
    use sea_orm::sea_query::Query;
    let open = Query::select()
        .column(revalidation::Column::CampaignId)
        .from(revalidation::Entity)
        .and_where(revalidation::Column::Status.is_in(open_statuses()))
        .and_where(revalidation::Column::CampaignId.is_not_null())
        .to_owned();
    revalidation_campaign::Entity::find()
        .filter(revalidation_campaign::Column::ClosedAt.is_null())
        .filter(revalidation_campaign::Column::DueAt.lte(due_before))
        .filter(revalidation_campaign::Column::Id.not_in_subquery(open))
        .limit(50)
        .all(conn)
        .await
}

/// The open reviews of campaign `id` past their due date at `now`.
pub async fn overdue_in(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<revalidation::Model>, DbErr> {
    revalidation::Entity::find()
        .filter(revalidation::Column::CampaignId.eq(id))
        .filter(revalidation::Column::Status.is_in(open_statuses()))
        .filter(revalidation::Column::DueAt.lte(now))
        .all(conn)
        .await
}

/// Up to `limit` active users holding a role in force at `now` whose IA training is older than
/// `trained_before`, with no review open and none opened for their training in the last year
/// (so a lapsed training opens one review, not one a round).
pub async fn training_lapsed(
    conn: &impl ConnectionTrait,
    trained_before: chrono::NaiveDate,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(statement(
            backend,
            "SELECT u.id FROM users u WHERE u.status = 'active' AND u.ia_training_date < $1 \
             AND EXISTS (SELECT 1 FROM role_assignments a WHERE a.user_id = u.id AND a.status = 'active' \
               AND (a.expires_at IS NULL OR a.expires_at > $2)) \
             AND NOT EXISTS (SELECT 1 FROM revalidations v WHERE v.user_id = u.id \
               AND (v.status IN ('open', 'submitted') OR (v.trigger = 'ia_training' AND v.opened_at > $3))) \
             LIMIT $4",
            vec![
                trained_before.into(),
                now.into(),
                // A review for a lapsed training counts for a year.
                (now - chrono::Duration::days(365)).into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        ))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<Uuid>(0)).collect()
}

/// One bucket of a campaign's progress: organization, status, overdue, without reviewer, count.
pub type ProgressRow = (String, RevalidationStatus, bool, bool, i64);

/// The reviews of campaign `id` counted by organization, status, overdue at `now` and
/// whether they have a reviewer.
pub async fn progress(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<ProgressRow>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(statement(
            backend,
            "SELECT o.name, v.status, CASE WHEN v.due_at <= $2 THEN 1 ELSE 0 END, \
             CASE WHEN v.reviewer_id IS NULL THEN 1 ELSE 0 END, COUNT(*) \
             FROM revalidations v JOIN users u ON u.id = v.user_id JOIN organizations o ON o.id = u.organization_id \
             WHERE v.campaign_id = $1 GROUP BY o.name, v.status, 3, 4",
            vec![id.into(), now.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<String>(0)?,
                r.try_get_by_index::<RevalidationStatus>(1)?,
                r.try_get_by_index::<i32>(2)? == 1,
                r.try_get_by_index::<i32>(3)? == 1,
                r.try_get_by_index::<i64>(4)?,
            ))
        })
        .collect()
}

/// The roles campaign `id` removes, by organization and whether their deprovisioning is
/// confirmed (the assignment no longer active).
pub async fn removals(conn: &impl ConnectionTrait, id: Uuid) -> Result<Vec<(String, bool, i64)>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(statement(
            backend,
            "SELECT o.name, CASE WHEN a.status = 'active' THEN 0 ELSE 1 END, COUNT(*) \
             FROM revalidation_items i JOIN revalidations v ON v.id = i.revalidation_id \
             JOIN role_assignments a ON a.id = i.assignment_id \
             JOIN users u ON u.id = v.user_id JOIN organizations o ON o.id = u.organization_id \
             WHERE v.campaign_id = $1 AND (v.status IN ('rejected', 'lapsed') OR (v.status = 'approved' AND i.keep = FALSE)) \
             GROUP BY o.name, 2",
            vec![id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<String>(0)?,
                r.try_get_by_index::<i32>(1)? == 1,
                r.try_get_by_index::<i64>(2)?,
            ))
        })
        .collect()
}

/// The reviewer decisions of campaign `id`: (seconds from opening to deciding, roles, whether
/// every role was kept).
pub async fn decisions(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, i64, bool)>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(statement(
            backend,
            "SELECT v.review_opened_at, v.decided_at, COUNT(*), \
             CASE WHEN v.status = 'approved' AND SUM(CASE WHEN i.keep = FALSE THEN 1 ELSE 0 END) = 0 THEN 1 ELSE 0 END \
             FROM revalidations v JOIN revalidation_items i ON i.revalidation_id = v.id \
             WHERE v.campaign_id = $1 AND v.status IN ('approved', 'rejected') AND v.review_opened_at IS NOT NULL \
             GROUP BY v.id, v.review_opened_at, v.decided_at, v.status",
            vec![id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<DateTime<Utc>>(0)?,
                r.try_get_by_index::<DateTime<Utc>>(1)?,
                r.try_get_by_index::<i64>(2)?,
                r.try_get_by_index::<i32>(3)? == 1,
            ))
        })
        .collect()
}

/// Marks the assignments `ids` reviewed at `now`.
pub async fn mark_reviewed(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use super::entities::role_assignment;
    if ids.is_empty() {
        return Ok(());
    }
    role_assignment::Entity::update_many()
        .col_expr(role_assignment::Column::ReviewedAt, Expr::value(now))
        .filter(role_assignment::Column::Id.is_in(ids))
        .exec(conn)
        .await
        .map(drop)
}

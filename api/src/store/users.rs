//! Account rows as the workflow reads them: people by id, the members of an approval group,
//! who acts for an approver today (their deputy), direct reports, and organizations.

use super::entities::{approval_group_member, deputy, organization, role, role_assignment, user};
use crate::domain::account::AccountStatus;
use crate::domain::permission::AdminRole;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SubQueryStatement, UpdateStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait,
};
use uuid::Uuid;

/// The account `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(conn).await
}

/// Locks the rows of accounts `ids` (in id order, so two transactions locking the same pair
/// queue instead of deadlocking) until the transaction ends. PostgreSQL only: a SQLite write
/// transaction holds the database's one write lock from its start.
pub async fn lock(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        for id in ids {
            user::Entity::find_by_id(id)
                .select_only()
                .column(user::Column::Id)
                .lock_exclusive()
                .into_tuple::<Uuid>()
                .one(conn)
                .await?;
        }
    }
    Ok(())
}

/// Locks the row of role `id` until the transaction ends (PostgreSQL; a SQLite write
/// transaction holds the database's one write lock from its start): two removals of an
/// AMPS administrative role queue, so each counts the holders the other left.
pub async fn lock_role(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        role::Entity::find_by_id(id)
            .select_only()
            .column(role::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .one(conn)
            .await?;
    }
    Ok(())
}

/// The accounts `ids`, in no order.
pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await
}

/// What a job's mail needs of a person: where to write, how to greet and name them, and their
/// organization (to choose stand-ins), without the rest of their row.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Addressee {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub organization_id: Uuid,
}

impl From<&user::Model> for Addressee {
    fn from(u: &user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            organization_id: u.organization_id,
        }
    }
}

/// The [`Addressee`]s of accounts `ids`, in no order (one statement).
pub async fn addressees(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Addressee>, DbErr> {
    user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::Email,
            user::Column::FirstName,
            user::Column::LastName,
            user::Column::OrganizationId,
        ])
        .filter(user::Column::Id.is_in(ids))
        .into_model::<Addressee>()
        .all(conn)
        .await
}

/// The User ID and the first and last names of the accounts `ids` (what a view shows of the
/// people it names, without the rest of their rows), in no order.
pub async fn names_of(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<(Uuid, String, String, String)>, DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Login)
        .column(user::Column::FirstName)
        .column(user::Column::LastName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await
}

/// The members of approval group `group`: one query.
pub async fn members_of(conn: &impl ConnectionTrait, group: Uuid) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(approval_group_member::Column::UserId)
                    .from(approval_group_member::Entity)
                    .and_where(approval_group_member::Column::GroupId.eq(group))
                    .to_owned(),
            ),
        )
        .all(conn)
        .await
}

/// Role assignments in force at `now` joined with their roles: callers add what they select
/// and filter.
fn active_assignments_with_roles(now: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .from(role_assignment::Entity)
        .inner_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id))
                .equals((role_assignment::Entity, role_assignment::Column::RoleId)),
        )
        .cond_where(super::provisioning::in_force(now))
        .to_owned()
}

/// The active accounts holding the Administrator role at `now` (the administrators' queue).
pub async fn administrators(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Status.eq(AccountStatus::Active.as_str()))
        .filter(
            user::Column::Id.in_subquery(
                active_assignments_with_roles(now)
                    .column((role_assignment::Entity, role_assignment::Column::UserId))
                    .and_where(
                        Expr::col((role::Entity, role::Column::AdminKey))
                            .eq(Expr::val(AdminRole::Administrator)),
                    )
                    .to_owned(),
            ),
        )
        .all(conn)
        .await
}

/// The person who acts for `person` at `now`: their deputy during an active period, else
/// them; one query.
pub async fn acting_for(
    conn: &impl ConnectionTrait,
    person: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>, DbErr> {
    let deputy = Query::select()
        .column(deputy::Column::DeputyId)
        .from(deputy::Entity)
        .and_where(deputy::Column::UserId.eq(person))
        .and_where(deputy::Column::StartsAt.lte(now))
        .and_where(deputy::Column::EndsAt.gt(now))
        .to_owned();
    let who = Func::coalesce([
        Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(deputy))),
        Expr::val(person),
    ]);
    user::Entity::find()
        .filter(Expr::col((user::Entity, user::Column::Id)).eq(who))
        .one(conn)
        .await
}

/// The accounts whose supervisor is `supervisor`, except deleted ones, by last name.
pub async fn direct_reports(
    conn: &impl ConnectionTrait,
    supervisor: Uuid,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::SupervisorId.eq(supervisor))
        .filter(user::Column::Status.ne(AccountStatus::Deleted.as_str()))
        .order_by_asc(user::Column::LastName)
        .all(conn)
        .await
}

/// The organization `id`.
pub async fn organization(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find_by_id(id).one(conn).await
}

/// The DD 2875 fields a submission records on the account, as a statement for a batch.
pub fn update_request_profile(
    id: Uuid,
    ia_training_date: Option<NaiveDate>,
    job_title: Option<String>,
    phone: String,
    now: DateTime<Utc>,
) -> UpdateStatement {
    Query::update()
        .table(user::Entity)
        .value(user::Column::IaTrainingDate, ia_training_date)
        .value(user::Column::JobTitle, job_title)
        .value(user::Column::Phone, phone)
        .value(user::Column::UpdatedAt, now)
        .and_where(user::Column::Id.eq(id))
        .to_owned()
}

/// Records the IT level the Security Officer assigned to `id`.
pub async fn set_it_level(
    conn: &impl ConnectionTrait,
    id: Uuid,
    level: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::ItLevel, Expr::value(level))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// An active account by normalised User ID.
pub async fn active_by_login(conn: &impl ConnectionTrait, login: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .filter(user::Column::Status.eq(AccountStatus::Active.as_str()))
        .one(conn)
        .await
}

/// Replaces the deputy arrangement of `d.user_id` with `d`: one upsert, so two people naming
/// a deputy for the same account at once end with one arrangement (the later), where a delete
/// and an insert let both inserts collide on PostgreSQL.
pub async fn set_deputy(conn: &impl ConnectionTrait, d: deputy::Model) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    deputy::Entity::insert(deputy::ActiveModel::from(d))
        .on_conflict(
            OnConflict::column(deputy::Column::UserId)
                .update_columns([
                    deputy::Column::DeputyId,
                    deputy::Column::StartsAt,
                    deputy::Column::EndsAt,
                    deputy::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await
        .map(|_| ())
}

/// Ends the deputy arrangement of `user`; false when there was none.
pub async fn clear_deputy(conn: &impl ConnectionTrait, user: Uuid) -> Result<bool, DbErr> {
    Ok(deputy::Entity::delete_by_id(user).exec(conn).await?.rows_affected > 0)
}

/// The people `deputy` acts for at `now` (their deputy period includes it).
pub async fn deputizing_for(
    conn: &impl ConnectionTrait,
    deputy: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    deputy::Entity::find()
        .select_only()
        .column(deputy::Column::UserId)
        .filter(deputy::Column::DeputyId.eq(deputy))
        .filter(deputy::Column::StartsAt.lte(now))
        .filter(deputy::Column::EndsAt.gt(now))
        .into_tuple()
        .all(conn)
        .await
}

/// The deputy arrangements whose period includes `now`.
pub async fn deputies_active(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<deputy::Model>, DbErr> {
    deputy::Entity::find()
        .filter(deputy::Column::StartsAt.lte(now))
        .filter(deputy::Column::EndsAt.gt(now))
        .all(conn)
        .await
}

/// Whether `d` (read earlier) is still `user`'s arrangement in force at `now`, locking its row
/// for the rest of transaction `conn` on PostgreSQL: a job moving tasks to the deputy then
/// either sees the arrangement cleared, or holds it until the tasks are moved (and the clearing,
/// which waits, gives them back).
pub async fn deputy_still_in_force(
    conn: &impl ConnectionTrait,
    d: &deputy::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = deputy::Entity::find_by_id(d.user_id)
        .filter(deputy::Column::DeputyId.eq(d.deputy_id))
        .filter(deputy::Column::StartsAt.lte(now))
        .filter(deputy::Column::EndsAt.gt(now));
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    Ok(q.one(conn).await?.is_some())
}

/// `text` as a LIKE pattern that matches it literally, anywhere, ignoring case.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| {
            if matches!(c, '\\' | '%' | '_') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// A filter of the users list.
#[derive(Debug, Default)]
pub struct UserFilter<'a> {
    pub status: Option<AccountStatus>,
    /// Part of the User ID, a name or the email address, any case.
    pub text: Option<&'a str>,
    /// Only User IDs after this one (the keyset cursor).
    pub after: Option<&'a str>,
}

/// Accounts matching `f` ordered by User ID, at most `limit`, each with its organization's
/// code (one statement).
pub async fn list(
    conn: &impl ConnectionTrait,
    f: &UserFilter<'_>,
    limit: u64,
) -> Result<Vec<(user::Model, String)>, DbErr> {
    let mut cond = Condition::all();
    if let Some(status) = f.status {
        cond = cond.add(user::Column::Status.eq(status.as_str()));
    }
    if let Some(text) = f.text {
        let pattern = contains_pattern(text);
        let mut any = Condition::any();
        for col in [
            user::Column::Login,
            user::Column::FirstName,
            user::Column::LastName,
            user::Column::Email,
        ] {
            any = any.add(Expr::expr(Func::lower(Expr::col(col))).like(pattern.clone()));
        }
        // A SAAR number finds the person it is for.
        any = any.add(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(super::entities::saar::Column::SubjectId)
                    .from(super::entities::saar::Entity)
                    .and_where(
                        Expr::col(super::entities::saar::Column::Number).eq(text.trim().to_uppercase()),
                    )
                    .to_owned(),
            ),
        );
        cond = cond.add(any);
    }
    if let Some(after) = f.after {
        cond = cond.add(user::Column::Login.gt(after));
    }
    Ok(user::Entity::find()
        .find_also_related(organization::Entity)
        .filter(cond)
        .order_by_asc(user::Column::Login)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|(u, o)| (u, o.map(|o| o.code).unwrap_or_default()))
        .collect())
}

/// The account with the normalised User ID `login`, whatever its status.
pub async fn by_login(conn: &impl ConnectionTrait, login: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .one(conn)
        .await
}

/// Records activity of `id` at `now`.
pub async fn touch(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::LastActivityAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// The AMPS administrative roles a user holds at `now`.
pub async fn admin_roles(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<AdminRole>, DbErr> {
    let mut rows: Vec<AdminRole> = role_assignment::Entity::find()
        .select_only()
        .column(role::Column::AdminKey)
        .join(JoinType::InnerJoin, role_assignment::Relation::Role.def())
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(super::provisioning::in_force(now))
        .filter(role::Column::AdminKey.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by_key(|r| r.display_name());
    rows.dedup();
    Ok(rows)
}

/// Separates the role keys aggregated by `caller`; no key contains it.
const SEP: &str = "\u{1f}";

/// Who a signed-in person is: their account, organization, AMPS administrative roles and the
/// approval groups they belong to.
#[derive(Debug, Clone)]
pub struct CallerRow {
    pub user: user::Model,
    pub org: organization::Model,
    pub admin_roles: Vec<AdminRole>,
    pub groups: Vec<Uuid>,
    /// When the first of the administrative roles ends (the row is stale from then on).
    pub admin_until: Option<DateTime<Utc>>,
}

/// A user with their organization, AMPS administrative roles (in force at `now`) and approval
/// groups, in one query (a replica runs it when it does not know the caller yet).
pub async fn caller(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<CallerRow>, DbErr> {
    let backend = conn.get_database_backend();
    let name = Expr::col((role::Entity, role::Column::AdminKey));
    let names = match backend {
        DbBackend::Postgres => Func::cust("string_agg").arg(name).arg(SEP),
        _ => Func::cust("group_concat").arg(name).arg(SEP),
    };
    let admin = |what: sea_orm::sea_query::SimpleExpr| {
        active_assignments_with_roles(now)
            .expr(what)
            .and_where(
                Expr::col((role_assignment::Entity, role_assignment::Column::UserId))
                    .equals((user::Entity, user::Column::Id)),
            )
            .and_where(Expr::col((role::Entity, role::Column::AdminKey)).is_not_null())
            .to_owned()
    };
    let until = admin(
        Func::min(Expr::col((
            role_assignment::Entity,
            role_assignment::Column::ExpiresAt,
        )))
        .into(),
    );
    let admin = admin(names.into());
    // Group ids as text: hyphenated on PostgreSQL, 32 hex digits on SQLite (both parse).
    let group = Expr::col((
        approval_group_member::Entity,
        approval_group_member::Column::GroupId,
    ));
    let group_ids = match backend {
        DbBackend::Postgres => Func::cust("string_agg")
            .arg(Expr::expr(group).cast_as("text"))
            .arg(SEP),
        _ => Func::cust("group_concat")
            .arg(Func::cust("hex").arg(group))
            .arg(SEP),
    };
    let groups = Query::select()
        .expr(group_ids)
        .from(approval_group_member::Entity)
        .and_where(
            Expr::col((
                approval_group_member::Entity,
                approval_group_member::Column::UserId,
            ))
            .equals((user::Entity, user::Column::Id)),
        )
        .to_owned();
    let stmt = user::Entity::find_by_id(id)
        .find_also_related(organization::Entity)
        .expr_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(admin))),
            "admin_roles",
        )
        .expr_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(groups))),
            "approval_groups",
        )
        .expr_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(until))),
            "admin_until",
        )
        .build(backend);
    let Some(row) = conn.query_one_raw(stmt).await? else {
        return Ok(None);
    };
    let u = user::Model::from_query_result(&row, "A_")?;
    let org = organization::Model::from_query_result(&row, "B_")?;
    let roles: Option<String> = row.try_get("", "admin_roles")?;
    let mut roles: Vec<AdminRole> = roles
        .iter()
        .flat_map(|r| r.split(SEP))
        .filter(|r| !r.is_empty())
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e: crate::domain::UnknownName| DbErr::Custom(e.to_string()))?;
    roles.sort_by_key(|r| r.display_name());
    roles.dedup();
    let groups: Option<String> = row.try_get("", "approval_groups")?;
    let groups = groups
        .iter()
        .flat_map(|g| g.split(SEP))
        .filter(|g| !g.is_empty())
        .map(Uuid::parse_str)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbErr::Custom(format!("approval group id: {e}")))?;
    let admin_until: Option<DateTime<Utc>> = row.try_get("", "admin_until")?;
    Ok(Some(CallerRow {
        user: u,
        org,
        admin_roles: roles,
        groups,
        admin_until,
    }))
}

/// Sets the status of account `id`.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: AccountStatus,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status.as_str()))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Records that `user`'s status went from `from` to `to` for `reason` (by `by`, or a job).
pub async fn record_status_change(
    conn: &impl ConnectionTrait,
    user: Uuid,
    from: AccountStatus,
    to: AccountStatus,
    reason: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use super::entities::account_status_change;
    use sea_orm::{ActiveModelTrait, Set};
    account_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        from_status: Set(from),
        to_status: Set(to),
        reason: Set(reason.to_string()),
        changed_by: Set(by),
        at: Set(now),
    }
    .insert(conn)
    .await
    .map(drop)
}

/// The last 50 changes of `user`'s status, newest first.
pub async fn status_history(
    conn: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<super::entities::account_status_change::Model>, DbErr> {
    use super::entities::account_status_change as change;
    change::Entity::find()
        .filter(change::Column::UserId.eq(user))
        .order_by_desc(change::Column::At)
        .limit(50)
        .all(conn)
        .await
}

/// Why `user` has the status they have, if someone recorded it.
pub async fn status_reason(conn: &impl ConnectionTrait, user: Uuid) -> Result<Option<String>, DbErr> {
    Ok(status_history(conn, user)
        .await?
        .into_iter()
        .next()
        .map(|c| c.reason))
}

/// Moves `id` to organization `org`.
pub async fn set_organization(
    conn: &impl ConnectionTrait,
    id: Uuid,
    org: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::OrganizationId, Expr::value(org))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(drop)
}

/// What makes an external account idle at `now`: active, in an external organization,
/// holding no role in force, and last active (or, never signed in, created) at or before
/// `idle_since`.
fn idle(now: DateTime<Utc>, idle_since: DateTime<Utc>) -> Condition {
    let external = Query::select()
        .column(organization::Column::Id)
        .from(organization::Entity)
        .and_where(Expr::col(organization::Column::IsExternal).eq(true))
        .to_owned();
    // Correlated, so only the idle candidates' own assignments are looked at (by the
    // assignments' user index), not every role in force on every round.
    let holds = Query::select()
        .expr(Expr::val(1))
        .from(role_assignment::Entity)
        .and_where(
            Expr::col((role_assignment::Entity, role_assignment::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .cond_where(super::provisioning::in_force(now))
        .to_owned();
    Condition::all()
        .add(user::Column::Status.eq(AccountStatus::Active.as_str()))
        .add(user::Column::OrganizationId.in_subquery(external))
        .add(Expr::exists(holds).not())
        .add(
            Condition::any()
                .add(user::Column::LastActivityAt.lte(idle_since))
                .add(
                    Condition::all()
                        .add(user::Column::LastActivityAt.is_null())
                        .add(user::Column::CreatedAt.lte(idle_since)),
                ),
        )
}

/// Not warned since it was last active.
fn unwarned() -> Condition {
    Condition::any()
        .add(user::Column::InactivityWarnedAt.is_null())
        .add(Expr::col(user::Column::InactivityWarnedAt).lt(Expr::col(user::Column::LastActivityAt)))
}

/// Warned at or before `warned_by`, and not active since.
fn warned(warned_by: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(user::Column::InactivityWarnedAt.lte(warned_by))
        .add(
            Condition::any()
                .add(user::Column::LastActivityAt.is_null())
                .add(Expr::col(user::Column::LastActivityAt).lt(Expr::col(user::Column::InactivityWarnedAt))),
        )
}

/// Up to `limit` idle external accounts (see [`idle`]) not warned since they were last
/// active.
pub async fn idle_to_warn(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(idle(now, idle_since))
        .filter(unwarned())
        .limit(limit)
        .all(conn)
        .await
}

/// Records that idle account `id` was warned at `now`; false when it no longer needs it (it
/// signed in, got a role, or another replica warned it first).
pub async fn claim_idle_warning(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = user::Entity::update_many()
        .col_expr(user::Column::InactivityWarnedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(idle(now, idle_since))
        .filter(unwarned())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Up to `limit` idle external accounts (see [`idle`]) warned at or before `warned_by` and not
/// active since.
pub async fn idle_to_disable(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
    warned_by: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(idle(now, idle_since))
        .filter(warned(warned_by))
        .limit(limit)
        .all(conn)
        .await
}

/// Disables idle account `id` (warned at or before `warned_by`, not active since); false when
/// it no longer qualifies or another replica disabled it first.
pub async fn disable_idle(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
    warned_by: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = user::Entity::update_many()
        .col_expr(
            user::Column::Status,
            Expr::value(AccountStatus::Disabled.as_str()),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(idle(now, idle_since))
        .filter(warned(warned_by))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Claims the start of Delete User for `id`: disables the account (`to`) and records when,
/// unless a deletion already started or the account is deleted. False when it had.
pub async fn start_deletion(
    conn: &impl ConnectionTrait,
    id: Uuid,
    to: AccountStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(to.as_str()))
        .col_expr(user::Column::DeletionStartedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::DeletionStartedAt.is_null())
        .filter(user::Column::Status.ne(AccountStatus::Deleted.as_str()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The update that marks account `id` deleted at `now` and gives up its address: kept in
/// `deleted_email`, `email` becomes `<id>@deleted.invalid` (which no mail reaches), no pending
/// address; the caller adds the conditions under which it applies.
fn deleted_giving_up_address(id: Uuid, now: DateTime<Utc>) -> sea_orm::UpdateMany<user::Entity> {
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(AccountStatus::Deleted.as_str()))
        .col_expr(user::Column::DeletedEmail, Expr::col(user::Column::Email))
        .col_expr(user::Column::Email, Expr::value(format!("{id}@deleted.invalid")))
        .col_expr(user::Column::PendingEmail, Expr::value(Option::<String>::None))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
}

/// Deletes account `id`, whose deletion started: the status becomes deleted and the address
/// is given up (kept in `deleted_email`; `email` becomes `<id>@deleted.invalid`, which no mail
/// reaches) so that the person may register again with it. False when it was deleted already.
pub async fn finish_deletion(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = deleted_giving_up_address(id, now)
        .filter(user::Column::DeletionStartedAt.is_not_null())
        .filter(user::Column::Status.ne(AccountStatus::Deleted.as_str()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Accounts whose contract ends: active or waiting on their invitation, with a contract whose
/// last day is `last_day` or earlier.
fn contract_ends(last_day: NaiveDate) -> Condition {
    Condition::all()
        .add(user::Column::Status.is_in([
            AccountStatus::Active.as_str(),
            AccountStatus::PendingVerification.as_str(),
        ]))
        .add(user::Column::ContractEndsOn.is_not_null())
        .add(user::Column::ContractEndsOn.lte(last_day))
}

/// Up to `limit` accounts whose contract's last day is `by` or earlier and whose people were
/// not warned yet.
pub async fn contracts_to_warn(
    conn: &impl ConnectionTrait,
    by: NaiveDate,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(contract_ends(by))
        .filter(user::Column::ContractWarnedAt.is_null())
        .limit(limit)
        .all(conn)
        .await
}

/// Records that the end of `id`'s contract (by `by`) was announced; false when another replica
/// did it first, or the contract was extended meanwhile.
pub async fn claim_contract_warning(
    conn: &impl ConnectionTrait,
    id: Uuid,
    by: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = user::Entity::update_many()
        .col_expr(user::Column::ContractWarnedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(contract_ends(by))
        .filter(user::Column::ContractWarnedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Up to `limit` accounts whose contract's last day was before `today`.
pub async fn contracts_ended(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(contract_ends(today - chrono::Duration::days(1)))
        .limit(limit)
        .all(conn)
        .await
}

/// Disables account `id`, whose contract ended before `today`; false when another replica did,
/// or the contract was extended meanwhile.
pub async fn disable_ended_contract(
    conn: &impl ConnectionTrait,
    id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = user::Entity::update_many()
        .col_expr(
            user::Column::Status,
            Expr::value(AccountStatus::Disabled.as_str()),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(contract_ends(today - chrono::Duration::days(1)))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The contractors `cor` enrolled (not deleted), the contract ending soonest first; all
/// enrolled contractors when `cor` is `None`.
pub async fn enrolled_by(
    conn: &impl ConnectionTrait,
    cor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    let mut q = user::Entity::find()
        .filter(user::Column::EnrolledBy.is_not_null())
        .filter(user::Column::Status.ne(AccountStatus::Deleted.as_str()));
    if let Some(cor) = cor {
        q = q.filter(user::Column::EnrolledBy.eq(cor));
    }
    q.order_by_asc(user::Column::ContractEndsOn)
        .order_by_asc(user::Column::Login)
        .limit(limit)
        .all(conn)
        .await
}

/// Sets `id`'s contract's last day (and number), so its end is announced again when it nears.
pub async fn extend_contract(
    conn: &impl ConnectionTrait,
    id: Uuid,
    ends_on: NaiveDate,
    number: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut q = user::Entity::update_many()
        .col_expr(user::Column::ContractEndsOn, Expr::value(ends_on))
        .col_expr(
            user::Column::ContractWarnedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now));
    if let Some(n) = number {
        q = q.col_expr(user::Column::ContractNumber, Expr::value(n));
    }
    q.filter(user::Column::Id.eq(id)).exec(conn).await.map(drop)
}

/// `organization_officers.kind` of a security officer, and of an IAO.
pub const OFFICER_SECURITY: &str = "security_officer";
pub const OFFICER_IAO: &str = "iao";

/// The officers organization `org` names, of `kind` (`security_officer` or `iao`), active
/// accounts only, by last name.
pub async fn officers_of(
    conn: &impl ConnectionTrait,
    org: Uuid,
    kind: &str,
) -> Result<Vec<user::Model>, DbErr> {
    use super::entities::organization_officer as officer;
    let ids = Query::select()
        .column(officer::Column::UserId)
        .from(officer::Entity)
        .and_where(Expr::col(officer::Column::OrganizationId).eq(org))
        .and_where(Expr::col(officer::Column::Kind).eq(kind))
        .to_owned();
    user::Entity::find()
        .filter(user::Column::Id.in_subquery(ids))
        .filter(user::Column::Status.eq(AccountStatus::Active.as_str()))
        .order_by_asc(user::Column::LastName)
        .all(conn)
        .await
}

/// Replaces the officers of `kind` that organization `org` names with `users`.
pub async fn set_officers(
    conn: &impl ConnectionTrait,
    org: Uuid,
    kind: &str,
    users: &[Uuid],
) -> Result<(), DbErr> {
    use super::entities::organization_officer as officer;
    use sea_orm::Set;
    officer::Entity::delete_many()
        .filter(officer::Column::OrganizationId.eq(org))
        .filter(officer::Column::Kind.eq(kind))
        .exec(conn)
        .await?;
    if users.is_empty() {
        return Ok(());
    }
    officer::Entity::insert_many(users.iter().map(|u| officer::ActiveModel {
        organization_id: Set(org),
        kind: Set(kind.to_string()),
        user_id: Set(*u),
    }))
    .exec(conn)
    .await
    .map(drop)
}

/// The (kind, user id) of every officer organization `org` names.
pub async fn officer_ids(conn: &impl ConnectionTrait, org: Uuid) -> Result<Vec<(String, Uuid)>, DbErr> {
    use super::entities::organization_officer as officer;
    officer::Entity::find()
        .select_only()
        .column(officer::Column::Kind)
        .column(officer::Column::UserId)
        .filter(officer::Column::OrganizationId.eq(org))
        .into_tuple()
        .all(conn)
        .await
}

/// Up to `limit` registrations still waiting for their email to be verified, made before
/// `before`.
pub async fn unverified_before(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    unverified_query(before).limit(limit).all(conn).await
}

/// The query of [`unverified_before`] (public for the plan test: found by
/// `idx_users_status_created`).
pub fn unverified_query(before: DateTime<Utc>) -> sea_orm::Select<user::Entity> {
    user::Entity::find()
        .filter(user::Column::Status.eq(AccountStatus::PendingVerification.as_str()))
        .filter(user::Column::CreatedAt.lt(before))
}

/// Ends registration `id`, never verified and made before `before`: the account is deleted and
/// its address given up (kept in `deleted_email`), so it may register again. False when it
/// was verified meanwhile or another replica ended it first.
pub async fn end_unverified(
    conn: &impl ConnectionTrait,
    id: Uuid,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = deleted_giving_up_address(id, now)
        .filter(user::Column::Status.eq(AccountStatus::PendingVerification.as_str()))
        .filter(user::Column::CreatedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The condition "`users.pending_email` was asked for before `before`": no link to confirm it
/// was sent since.
fn pending_email_stale(before: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(user::Column::PendingEmail.is_not_null())
        .add(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(super::entities::user_token::Entity)
                    .and_where(
                        Expr::col((
                            super::entities::user_token::Entity,
                            super::entities::user_token::Column::UserId,
                        ))
                        .equals((user::Entity, user::Column::Id)),
                    )
                    .and_where(Expr::col(super::entities::user_token::Column::Purpose).eq("change_email"))
                    .and_where(Expr::col(super::entities::user_token::Column::CreatedAt).gte(before))
                    .to_owned(),
            )
            .not(),
        )
}

/// Up to `limit` accounts whose change of email was asked for before `before` and never
/// confirmed.
pub async fn stale_pending_emails(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    stale_pending_emails_query(before).limit(limit).all(conn).await
}

/// The query of [`stale_pending_emails`] (public for the plan test: found by the partial
/// `idx_users_pending_email`).
pub fn stale_pending_emails_query(before: DateTime<Utc>) -> sea_orm::Select<user::Entity> {
    user::Entity::find().filter(pending_email_stale(before))
}

/// Forgets account `id`'s unconfirmed new address `email` (asked for before `before`); false
/// when it changed meanwhile.
pub async fn drop_pending_email(
    conn: &impl ConnectionTrait,
    id: Uuid,
    email: &str,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = user::Entity::update_many()
        .col_expr(user::Column::PendingEmail, Expr::value(Option::<String>::None))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::PendingEmail.eq(email))
        .filter(pending_email_stale(before))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// A person as My Information names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: Uuid,
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// What My Information shows around an account, read in one round trip.
#[derive(Debug, Default)]
pub struct Around {
    /// The people the account names (supervisor, security officer, EAO), in no order.
    pub named: Vec<Named>,
    /// The active officers its organization names: (kind, person), by last and first name.
    pub officers: Vec<(String, Named)>,
    /// Its deputy arrangement: the deputy, from, until.
    pub deputy: Option<(Named, DateTime<Utc>, DateTime<Utc>)>,
    /// Whether approver changes it asked for wait for acceptance.
    pub changes_pending: bool,
}

/// The people account `u` names, the active officers of its organization (`officers_of` when
/// the organization is internal), its deputy, and whether it has approver changes waiting: four
/// reads of one shape (what, officer kind, person, from, until) in one `UNION ALL`.
pub async fn around(
    conn: &impl ConnectionTrait,
    u: &user::Model,
    officers_of: Option<Uuid>,
) -> Result<Around, DbErr> {
    use super::entities::{approver_change, organization_officer as officer};
    use crate::domain::approver_change::ApproverChangeStatus;
    use sea_orm::sea_query::{SelectStatement, UnionType};
    let no_time = || Expr::val(Option::<DateTime<Utc>>::None);
    let no_kind = || Expr::val(Option::<String>::None);
    // (what, kind, the person's columns, from, until); the person's columns come from `users`.
    let head = |what: &str, kind: Expr| -> SelectStatement {
        Query::select()
            .expr(Expr::val(what.to_string()))
            .expr(kind)
            .column((user::Entity, user::Column::Id))
            .column((user::Entity, user::Column::Login))
            .column((user::Entity, user::Column::FirstName))
            .column((user::Entity, user::Column::LastName))
            .column((user::Entity, user::Column::Email))
            .to_owned()
    };
    let named_ids: Vec<Uuid> = [u.supervisor_id, u.security_officer_id, u.eao_id]
        .into_iter()
        .flatten()
        .collect();
    let mut q = head("named", no_kind())
        .expr(no_time())
        .expr(no_time())
        .from(user::Entity)
        .and_where(Expr::col((user::Entity, user::Column::Id)).is_in(named_ids))
        .to_owned();
    if let Some(org) = officers_of {
        q.union(
            UnionType::All,
            head("officer", Expr::col((officer::Entity, officer::Column::Kind)))
                .expr(no_time())
                .expr(no_time())
                .from(officer::Entity)
                .inner_join(
                    user::Entity,
                    Expr::col((user::Entity, user::Column::Id))
                        .equals((officer::Entity, officer::Column::UserId)),
                )
                .and_where(Expr::col((officer::Entity, officer::Column::OrganizationId)).eq(org))
                .and_where(Expr::col((user::Entity, user::Column::Status)).eq(AccountStatus::Active.as_str()))
                .to_owned(),
        );
    }
    q.union(
        UnionType::All,
        head("deputy", no_kind())
            .column((deputy::Entity, deputy::Column::StartsAt))
            .column((deputy::Entity, deputy::Column::EndsAt))
            .from(deputy::Entity)
            .inner_join(
                user::Entity,
                Expr::col((user::Entity, user::Column::Id))
                    .equals((deputy::Entity, deputy::Column::DeputyId)),
            )
            .and_where(Expr::col((deputy::Entity, deputy::Column::UserId)).eq(u.id))
            .to_owned(),
    )
    .union(
        UnionType::All,
        head("change", no_kind())
            .expr(no_time())
            .expr(no_time())
            .from(approver_change::Entity)
            .inner_join(
                user::Entity,
                Expr::col((user::Entity, user::Column::Id))
                    .equals((approver_change::Entity, approver_change::Column::UserId)),
            )
            .and_where(Expr::col((approver_change::Entity, approver_change::Column::UserId)).eq(u.id))
            .and_where(
                Expr::col((approver_change::Entity, approver_change::Column::Status))
                    .eq(ApproverChangeStatus::Pending.as_str()),
            )
            .to_owned(),
    );
    let mut out = Around::default();
    for row in conn.query_all(&q).await? {
        let what: String = row.try_get_by_index(0)?;
        let person = Named {
            id: row.try_get_by_index(2)?,
            login: row.try_get_by_index(3)?,
            first_name: row.try_get_by_index(4)?,
            last_name: row.try_get_by_index(5)?,
            email: row.try_get_by_index(6)?,
        };
        match what.as_str() {
            "named" => out.named.push(person),
            "officer" => out.officers.push((row.try_get_by_index(1)?, person)),
            "deputy" => out.deputy = Some((person, row.try_get_by_index(7)?, row.try_get_by_index(8)?)),
            "change" => out.changes_pending = true,
            _ => return Err(DbErr::Custom(format!("unexpected row {what} around an account"))),
        }
    }
    out.officers
        .sort_by(|(_, a), (_, b)| (&a.last_name, &a.first_name).cmp(&(&b.last_name, &b.first_name)));
    Ok(out)
}

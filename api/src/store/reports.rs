//! The reads of My Reports. List reports page by a key (the row's id: `after` gives the rows
//! after it, in id order), so an export reads page after page without holding a cursor or a
//! transaction open; summary reports are one grouped statement.

use super::entities::{application, approval_task, organization, role, role_assignment, saar, user};
use crate::domain::account::AccountStatus;
use crate::domain::assignment::AssignmentStatus;
use crate::domain::task::TaskStatus;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// The filters a report applies (each report those that fit it).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub organization: Option<Uuid>,
    pub application: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// `col` within the filter's period.
fn in_period(
    q: &mut SelectStatement,
    f: &Filter,
    col: (impl sea_orm::Iden + 'static, impl sea_orm::Iden + 'static),
) {
    let col = Expr::col(col);
    if let Some(from) = f.from {
        q.and_where(col.clone().gte(from));
    }
    if let Some(to) = f.to {
        q.and_where(col.lt(to));
    }
}

/// Joins the role that `role_col` names, and its application.
fn with_role_and_application(
    q: &mut SelectStatement,
    role_col: (impl sea_orm::Iden + 'static, impl sea_orm::Iden + 'static),
) {
    q.inner_join(
        role::Entity,
        Expr::col((role::Entity, role::Column::Id)).equals(role_col),
    )
    .inner_join(
        application::Entity,
        Expr::col((application::Entity, application::Column::Id))
            .equals((role::Entity, role::Column::ApplicationId)),
    );
}

/// Joins the person that `user_col` names, and their organization.
fn with_person_and_organization(
    q: &mut SelectStatement,
    user_col: (impl sea_orm::Iden + 'static, impl sea_orm::Iden + 'static),
) {
    q.inner_join(
        user::Entity,
        Expr::col((user::Entity, user::Column::Id)).equals(user_col),
    )
    .inner_join(
        organization::Entity,
        Expr::col((organization::Entity, organization::Column::Id))
            .equals((user::Entity, user::Column::OrganizationId)),
    );
}

/// The filter's organization and application, on the joined organization and application.
fn of_organization_and_application(q: &mut SelectStatement, f: &Filter) {
    if let Some(o) = f.organization {
        q.and_where(Expr::col((organization::Entity, organization::Column::Id)).eq(o));
    }
    if let Some(a) = f.application {
        q.and_where(Expr::col((application::Entity, application::Column::Id)).eq(a));
    }
}

/// One open approval task of a pending SAAR.
#[derive(Debug)]
pub struct PendingRow {
    pub task_id: Uuid,
    pub number: String,
    pub role: String,
    pub application: String,
    pub organization: String,
    pub level: i32,
    pub kind: String,
    pub waiting_since: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
}

/// Open approval tasks (a pending SAAR waits at each), after task `after`, at most `limit`:
/// filtered by the subject's organization, the role's application and when the SAAR was
/// submitted.
pub async fn pending(
    conn: &impl ConnectionTrait,
    f: &Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<PendingRow>, DbErr> {
    let mut q = Query::select()
        .column((approval_task::Entity, approval_task::Column::Id))
        .column((saar::Entity, saar::Column::Number))
        .column((role::Entity, role::Column::Name))
        .column((application::Entity, application::Column::Code))
        .column((organization::Entity, organization::Column::Code))
        .column((approval_task::Entity, approval_task::Column::Level))
        .column((approval_task::Entity, approval_task::Column::Kind))
        .column((approval_task::Entity, approval_task::Column::OpenedAt))
        .column((saar::Entity, saar::Column::CreatedAt))
        .from(approval_task::Entity)
        .inner_join(
            saar::Entity,
            Expr::col((saar::Entity, saar::Column::Id))
                .equals((approval_task::Entity, approval_task::Column::SaarId)),
        )
        .and_where(
            Expr::col((approval_task::Entity, approval_task::Column::Status)).eq(TaskStatus::Open.as_str()),
        )
        .order_by((approval_task::Entity, approval_task::Column::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    with_role_and_application(&mut q, (saar::Entity, saar::Column::RoleId));
    with_person_and_organization(&mut q, (saar::Entity, saar::Column::SubjectId));
    of_organization_and_application(&mut q, f);
    if let Some(after) = after {
        q.and_where(Expr::col((approval_task::Entity, approval_task::Column::Id)).gt(after));
    }
    in_period(&mut q, f, (saar::Entity, saar::Column::CreatedAt));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok(PendingRow {
                task_id: r.try_get_by_index(0)?,
                number: r.try_get_by_index(1)?,
                role: r.try_get_by_index(2)?,
                application: r.try_get_by_index(3)?,
                organization: r.try_get_by_index(4)?,
                level: r.try_get_by_index(5)?,
                kind: r.try_get_by_index(6)?,
                waiting_since: r.try_get_by_index(7)?,
                submitted_at: r.try_get_by_index(8)?,
            })
        })
        .collect()
}

/// One active role assignment.
#[derive(Debug)]
pub struct HolderRow {
    pub assignment_id: Uuid,
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub organization: String,
    pub application: String,
    pub role: String,
    pub environment: String,
    pub since: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Active role assignments after `after`, at most `limit`: filtered by the holder's
/// organization, the role's application and when the role was granted.
pub async fn holders(
    conn: &impl ConnectionTrait,
    f: &Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<HolderRow>, DbErr> {
    let ra = role_assignment::Entity;
    let mut q = Query::select()
        .column((ra, role_assignment::Column::Id))
        .column((user::Entity, user::Column::Login))
        .column((user::Entity, user::Column::FirstName))
        .column((user::Entity, user::Column::LastName))
        .column((organization::Entity, organization::Column::Code))
        .column((application::Entity, application::Column::Code))
        .column((role::Entity, role::Column::Name))
        .column((role::Entity, role::Column::Environment))
        .column((ra, role_assignment::Column::Since))
        .column((ra, role_assignment::Column::ExpiresAt))
        .from(ra)
        .and_where(Expr::col((ra, role_assignment::Column::Status)).eq(AssignmentStatus::Active.as_str()))
        .order_by((ra, role_assignment::Column::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    with_person_and_organization(&mut q, (ra, role_assignment::Column::UserId));
    with_role_and_application(&mut q, (ra, role_assignment::Column::RoleId));
    of_organization_and_application(&mut q, f);
    if let Some(after) = after {
        q.and_where(Expr::col((ra, role_assignment::Column::Id)).gt(after));
    }
    in_period(&mut q, f, (ra, role_assignment::Column::Since));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok(HolderRow {
                assignment_id: r.try_get_by_index(0)?,
                login: r.try_get_by_index(1)?,
                first_name: r.try_get_by_index(2)?,
                last_name: r.try_get_by_index(3)?,
                organization: r.try_get_by_index(4)?,
                application: r.try_get_by_index(5)?,
                role: r.try_get_by_index(6)?,
                environment: r.try_get_by_index(7)?,
                since: r.try_get_by_index(8)?,
                expires_at: r.try_get_by_index(9)?,
            })
        })
        .collect()
}

/// How many accounts each organization has in each status: (organization, status, count),
/// filtered by organization and when the accounts were made.
pub async fn accounts(
    conn: &impl ConnectionTrait,
    f: &Filter,
) -> Result<Vec<(String, AccountStatus, i64)>, DbErr> {
    let n = Alias::new("n");
    let mut q = Query::select()
        .column((organization::Entity, organization::Column::Code))
        .column((user::Entity, user::Column::Status))
        .expr_as(Expr::col((user::Entity, user::Column::Id)).count(), n)
        .from(user::Entity)
        .inner_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((user::Entity, user::Column::OrganizationId)),
        )
        .group_by_col((organization::Entity, organization::Column::Code))
        .group_by_col((user::Entity, user::Column::Status))
        .order_by((organization::Entity, organization::Column::Code), Order::Asc)
        .order_by((user::Entity, user::Column::Status), Order::Asc)
        .to_owned();
    if let Some(o) = f.organization {
        q.and_where(Expr::col((organization::Entity, organization::Column::Id)).eq(o));
    }
    in_period(&mut q, f, (user::Entity, user::Column::CreatedAt));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let status: String = r.try_get_by_index(1)?;
            let status = status
                .parse::<AccountStatus>()
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            Ok((r.try_get_by_index(0)?, status, r.try_get_by_index(2)?))
        })
        .collect()
}

/// Keeps the approval tasks of the filter's application (through their SAAR's role).
fn tasks_of_application(q: &mut SelectStatement, f: &Filter) {
    let t = approval_task::Entity;
    if let Some(a) = f.application {
        q.inner_join(
            saar::Entity,
            Expr::col((saar::Entity, saar::Column::Id)).equals((t, approval_task::Column::SaarId)),
        )
        .inner_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id)).equals((saar::Entity, saar::Column::RoleId)),
        )
        .and_where(Expr::col((role::Entity, role::Column::ApplicationId)).eq(a));
    }
}

/// Each approver's open tasks and how many are past due at `now`: (User ID, first name, last
/// name, open, overdue), most open first; filtered by the role's application.
pub async fn workload(
    conn: &impl ConnectionTrait,
    f: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String, i64, i64)>, DbErr> {
    let t = approval_task::Entity;
    let open = Alias::new("open_tasks");
    let overdue = Alias::new("overdue_tasks");
    let late = Expr::case(Expr::col((t, approval_task::Column::DueAt)).lt(now), 1).finally(0);
    let mut q = Query::select()
        .column((user::Entity, user::Column::Login))
        .column((user::Entity, user::Column::FirstName))
        .column((user::Entity, user::Column::LastName))
        .expr_as(Expr::col((t, approval_task::Column::Id)).count(), open.clone())
        .expr_as(Expr::expr(Func::sum(late)).cast_as(Alias::new("BIGINT")), overdue)
        .from(t)
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((t, approval_task::Column::AssigneeId)),
        )
        .and_where(Expr::col((t, approval_task::Column::Status)).eq(TaskStatus::Open.as_str()))
        .group_by_col((user::Entity, user::Column::Id))
        .group_by_col((user::Entity, user::Column::Login))
        .group_by_col((user::Entity, user::Column::FirstName))
        .group_by_col((user::Entity, user::Column::LastName))
        .order_by_expr(Expr::col(open), Order::Desc)
        .order_by((user::Entity, user::Column::Login), Order::Asc)
        .to_owned();
    tasks_of_application(&mut q, f);
    if let Some(o) = f.organization {
        q.and_where(Expr::col((user::Entity, user::Column::OrganizationId)).eq(o));
    }
    in_period(&mut q, f, (t, approval_task::Column::OpenedAt));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let overdue: Option<i64> = r.try_get_by_index(4)?;
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
                overdue.unwrap_or(0),
            ))
        })
        .collect()
}

/// Each approval group's open tasks (any member may take them) and how many are past due at
/// `now`: (group name, open, overdue), most open first; filtered by the role's application and
/// when the task opened (groups belong to no organization).
pub async fn group_workload(
    conn: &impl ConnectionTrait,
    f: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    use super::entities::approval_group as g;
    let t = approval_task::Entity;
    let open = Alias::new("open_tasks");
    let overdue = Alias::new("overdue_tasks");
    let late = Expr::case(Expr::col((t, approval_task::Column::DueAt)).lt(now), 1).finally(0);
    let mut q = Query::select()
        .column((g::Entity, g::Column::Name))
        .expr_as(Expr::col((t, approval_task::Column::Id)).count(), open.clone())
        .expr_as(Expr::expr(Func::sum(late)).cast_as(Alias::new("BIGINT")), overdue)
        .from(t)
        .inner_join(
            g::Entity,
            Expr::col((g::Entity, g::Column::Id)).equals((t, approval_task::Column::GroupId)),
        )
        .and_where(Expr::col((t, approval_task::Column::Status)).eq(TaskStatus::Open.as_str()))
        .group_by_col((g::Entity, g::Column::Id))
        .group_by_col((g::Entity, g::Column::Name))
        .order_by_expr(Expr::col(open), Order::Desc)
        .order_by((g::Entity, g::Column::Name), Order::Asc)
        .to_owned();
    tasks_of_application(&mut q, f);
    in_period(&mut q, f, (t, approval_task::Column::OpenedAt));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let overdue: Option<i64> = r.try_get_by_index(2)?;
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                overdue.unwrap_or(0),
            ))
        })
        .collect()
}

/// One open provisioning task.
#[derive(Debug)]
pub struct BacklogRow {
    pub task_id: Uuid,
    pub number: String,
    pub application: String,
    pub role: String,
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub organization: String,
    pub kind: String,
    pub mode: String,
    pub since: DateTime<Utc>,
    pub attempts: i32,
}

/// Open provisioning tasks after task `after`, at most `limit`: filtered by the user's
/// organization, the application and when the task opened.
pub async fn backlog(
    conn: &impl ConnectionTrait,
    f: &Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<BacklogRow>, DbErr> {
    use super::entities::provisioning_task as pt;
    use crate::domain::provisioning::ProvisioningStatus;
    let mut q = Query::select()
        .column((pt::Entity, pt::Column::Id))
        .column((saar::Entity, saar::Column::Number))
        .column((application::Entity, application::Column::Code))
        .column((role::Entity, role::Column::Name))
        .column((user::Entity, user::Column::Login))
        .column((user::Entity, user::Column::FirstName))
        .column((user::Entity, user::Column::LastName))
        .column((organization::Entity, organization::Column::Code))
        .column((pt::Entity, pt::Column::Kind))
        .column((pt::Entity, pt::Column::Mode))
        .column((pt::Entity, pt::Column::CreatedAt))
        .column((pt::Entity, pt::Column::Attempts))
        .from(pt::Entity)
        .inner_join(
            saar::Entity,
            Expr::col((saar::Entity, saar::Column::Id)).equals((pt::Entity, pt::Column::SaarId)),
        )
        .inner_join(
            application::Entity,
            Expr::col((application::Entity, application::Column::Id))
                .equals((pt::Entity, pt::Column::ApplicationId)),
        )
        .inner_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id)).equals((pt::Entity, pt::Column::RoleId)),
        )
        .and_where(Expr::col((pt::Entity, pt::Column::Status)).eq(ProvisioningStatus::Open.as_str()))
        .order_by((pt::Entity, pt::Column::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    with_person_and_organization(&mut q, (pt::Entity, pt::Column::UserId));
    of_organization_and_application(&mut q, f);
    if let Some(after) = after {
        q.and_where(Expr::col((pt::Entity, pt::Column::Id)).gt(after));
    }
    in_period(&mut q, f, (pt::Entity, pt::Column::CreatedAt));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok(BacklogRow {
                task_id: r.try_get_by_index(0)?,
                number: r.try_get_by_index(1)?,
                application: r.try_get_by_index(2)?,
                role: r.try_get_by_index(3)?,
                login: r.try_get_by_index(4)?,
                first_name: r.try_get_by_index(5)?,
                last_name: r.try_get_by_index(6)?,
                organization: r.try_get_by_index(7)?,
                kind: r.try_get_by_index(8)?,
                mode: r.try_get_by_index(9)?,
                since: r.try_get_by_index(10)?,
                attempts: r.try_get_by_index(11)?,
            })
        })
        .collect()
}

/// When a request was submitted (or a step opened) and when its access was confirmed (or the
/// step decided): (key, of what, start, end).
pub type Span = (Uuid, String, DateTime<Utc>, DateTime<Utc>);

/// When each granted request was submitted and when its access was confirmed, by application
/// code, for grants confirmed in the filter's period: the provisioning tasks after `after`, at
/// most `limit`, in id order.
pub async fn access_times(
    conn: &impl ConnectionTrait,
    f: &Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Span>, DbErr> {
    use super::entities::provisioning_task as pt;
    use crate::domain::provisioning::{ProvisioningKind, ProvisioningStatus};
    let mut q = Query::select()
        .column((pt::Entity, pt::Column::Id))
        .column((application::Entity, application::Column::Code))
        .column((saar::Entity, saar::Column::CreatedAt))
        .column((pt::Entity, pt::Column::CompletedAt))
        .from(pt::Entity)
        .inner_join(
            saar::Entity,
            Expr::col((saar::Entity, saar::Column::Id)).equals((pt::Entity, pt::Column::SaarId)),
        )
        .inner_join(
            application::Entity,
            Expr::col((application::Entity, application::Column::Id))
                .equals((pt::Entity, pt::Column::ApplicationId)),
        )
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((pt::Entity, pt::Column::UserId)),
        )
        .and_where(Expr::col((pt::Entity, pt::Column::Status)).eq(ProvisioningStatus::Done.as_str()))
        .and_where(Expr::col((pt::Entity, pt::Column::Kind)).eq(ProvisioningKind::Grant.as_str()))
        .and_where(Expr::col((pt::Entity, pt::Column::CompletedAt)).is_not_null())
        .order_by((pt::Entity, pt::Column::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some(o) = f.organization {
        q.and_where(Expr::col((user::Entity, user::Column::OrganizationId)).eq(o));
    }
    if let Some(a) = f.application {
        q.and_where(Expr::col((application::Entity, application::Column::Id)).eq(a));
    }
    if let Some(after) = after {
        q.and_where(Expr::col((pt::Entity, pt::Column::Id)).gt(after));
    }
    in_period(&mut q, f, (pt::Entity, pt::Column::CompletedAt));
    spans(conn, &q).await
}

async fn spans(conn: &impl ConnectionTrait, q: &SelectStatement) -> Result<Vec<Span>, DbErr> {
    conn.query_all(q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
            ))
        })
        .collect()
}

/// When each decided approval step opened and was decided, by the kind of level, for steps
/// decided in the filter's period: the tasks after `after`, at most `limit`, in id order.
pub async fn decision_times(
    conn: &impl ConnectionTrait,
    f: &Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Span>, DbErr> {
    let t = approval_task::Entity;
    let mut q = Query::select()
        .column((t, approval_task::Column::Id))
        .column((t, approval_task::Column::Kind))
        .column((t, approval_task::Column::OpenedAt))
        .column((t, approval_task::Column::DecidedAt))
        .from(t)
        .inner_join(
            saar::Entity,
            Expr::col((saar::Entity, saar::Column::Id)).equals((t, approval_task::Column::SaarId)),
        )
        .inner_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id)).equals((saar::Entity, saar::Column::RoleId)),
        )
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((saar::Entity, saar::Column::SubjectId)),
        )
        .and_where(Expr::col((t, approval_task::Column::DecidedAt)).is_not_null())
        .order_by((t, approval_task::Column::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some(o) = f.organization {
        q.and_where(Expr::col((user::Entity, user::Column::OrganizationId)).eq(o));
    }
    if let Some(a) = f.application {
        q.and_where(Expr::col((role::Entity, role::Column::ApplicationId)).eq(a));
    }
    if let Some(after) = after {
        q.and_where(Expr::col((t, approval_task::Column::Id)).gt(after));
    }
    in_period(&mut q, f, (t, approval_task::Column::DecidedAt));
    spans(conn, &q).await
}

/// Current holders of two roles that one segregation-of-duties rule keeps apart: (User ID,
/// first name, last name, organization, rule, first role, second role), by User ID.
pub async fn sod_conflicts(conn: &impl ConnectionTrait, f: &Filter) -> Result<Vec<[String; 7]>, DbErr> {
    use super::entities::{sod_rule, sod_rule_role};
    let (a1, a2) = (Alias::new("a1"), Alias::new("a2"));
    let (x1, x2) = (Alias::new("x1"), Alias::new("x2"));
    let (r1, r2) = (Alias::new("r1"), Alias::new("r2"));
    let mut q = Query::select()
        .column((user::Entity, user::Column::Login))
        .column((user::Entity, user::Column::FirstName))
        .column((user::Entity, user::Column::LastName))
        .column((organization::Entity, organization::Column::Code))
        .column((sod_rule::Entity, sod_rule::Column::Name))
        .column((r1.clone(), role::Column::Name))
        .column((r2.clone(), role::Column::Name))
        .from_as(role_assignment::Entity, a1.clone())
        .join_as(
            sea_orm::JoinType::InnerJoin,
            role_assignment::Entity,
            a2.clone(),
            Expr::col((a2.clone(), role_assignment::Column::UserId))
                .equals((a1.clone(), role_assignment::Column::UserId))
                .and(
                    Expr::col((a1.clone(), role_assignment::Column::RoleId))
                        .lt(Expr::col((a2.clone(), role_assignment::Column::RoleId))),
                ),
        )
        .join_as(
            sea_orm::JoinType::InnerJoin,
            sod_rule_role::Entity,
            x1.clone(),
            Expr::col((x1.clone(), sod_rule_role::Column::RoleId))
                .equals((a1.clone(), role_assignment::Column::RoleId)),
        )
        .join_as(
            sea_orm::JoinType::InnerJoin,
            sod_rule_role::Entity,
            x2.clone(),
            Expr::col((x2.clone(), sod_rule_role::Column::RoleId))
                .equals((a2.clone(), role_assignment::Column::RoleId))
                .and(
                    Expr::col((x2.clone(), sod_rule_role::Column::RuleId))
                        .equals((x1.clone(), sod_rule_role::Column::RuleId)),
                ),
        )
        .inner_join(
            sod_rule::Entity,
            Expr::col((sod_rule::Entity, sod_rule::Column::Id))
                .equals((x1.clone(), sod_rule_role::Column::RuleId)),
        )
        .join_as(
            sea_orm::JoinType::InnerJoin,
            role::Entity,
            r1.clone(),
            Expr::col((r1.clone(), role::Column::Id)).equals((a1.clone(), role_assignment::Column::RoleId)),
        )
        .join_as(
            sea_orm::JoinType::InnerJoin,
            role::Entity,
            r2.clone(),
            Expr::col((r2.clone(), role::Column::Id)).equals((a2.clone(), role_assignment::Column::RoleId)),
        )
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((a1.clone(), role_assignment::Column::UserId)),
        )
        .inner_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((user::Entity, user::Column::OrganizationId)),
        )
        .and_where(
            Expr::col((a1.clone(), role_assignment::Column::Status)).eq(AssignmentStatus::Active.as_str()),
        )
        .and_where(
            Expr::col((a2.clone(), role_assignment::Column::Status)).eq(AssignmentStatus::Active.as_str()),
        )
        .order_by((user::Entity, user::Column::Login), Order::Asc)
        .to_owned();
    if let Some(o) = f.organization {
        q.and_where(Expr::col((organization::Entity, organization::Column::Id)).eq(o));
    }
    if let Some(a) = f.application {
        q.and_where(
            Expr::col((r1.clone(), role::Column::ApplicationId))
                .eq(a)
                .or(Expr::col((r2.clone(), role::Column::ApplicationId)).eq(a)),
        );
    }
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok([
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
                r.try_get_by_index(4)?,
                r.try_get_by_index(5)?,
                r.try_get_by_index(6)?,
            ])
        })
        .collect()
}

/// Reviews per campaign and status: (campaign, status, count), filtered by the reviewed
/// user's organization and when the reviews opened.
pub async fn revalidation_progress(
    conn: &impl ConnectionTrait,
    f: &Filter,
) -> Result<Vec<(String, String, i64)>, DbErr> {
    use super::entities::{revalidation, revalidation_campaign as campaign};
    let n = Alias::new("n");
    let mut q = Query::select()
        .column((campaign::Entity, campaign::Column::Name))
        .column((revalidation::Entity, revalidation::Column::Status))
        .expr_as(
            Expr::col((revalidation::Entity, revalidation::Column::Id)).count(),
            n,
        )
        .from(revalidation::Entity)
        .inner_join(
            campaign::Entity,
            Expr::col((campaign::Entity, campaign::Column::Id))
                .equals((revalidation::Entity, revalidation::Column::CampaignId)),
        )
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id))
                .equals((revalidation::Entity, revalidation::Column::UserId)),
        )
        .group_by_col((campaign::Entity, campaign::Column::Name))
        .group_by_col((revalidation::Entity, revalidation::Column::Status))
        .order_by((campaign::Entity, campaign::Column::Name), Order::Asc)
        .order_by((revalidation::Entity, revalidation::Column::Status), Order::Asc)
        .to_owned();
    if let Some(o) = f.organization {
        q.and_where(Expr::col((user::Entity, user::Column::OrganizationId)).eq(o));
    }
    if let Some(a) = f.application {
        q.and_where(Expr::col((campaign::Entity, campaign::Column::ApplicationId)).eq(a));
    }
    in_period(&mut q, f, (revalidation::Entity, revalidation::Column::OpenedAt));
    conn.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
            ))
        })
        .collect()
}

//! Account rows as the workflow reads them: people by id, the members of an approval group,
//! who acts for an approver today (their deputy), direct reports, and organizations.

use super::entities::{approval_group_member, deputy, organization, user};
use crate::domain::account::AccountStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SubQueryStatement, UpdateStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The account `id`.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(conn).await
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

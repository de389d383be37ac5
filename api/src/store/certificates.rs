//! PIV / CAC certificates bound to accounts (`user_certificates`).

use super::entities::user_certificate;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A binding to write.
pub struct NewBinding<'a> {
    pub user: Uuid,
    pub identity: &'a str,
    pub subject: &'a str,
    pub issuer: &'a str,
    pub serial: &'a str,
    pub fingerprint: &'a str,
    pub not_after: DateTime<Utc>,
}

/// Binds a certificate; `None` when its identity is bound (to anyone) already.
pub async fn insert(
    conn: &impl ConnectionTrait,
    b: NewBinding<'_>,
    now: DateTime<Utc>,
) -> Result<Option<user_certificate::Model>, DbErr> {
    let row = user_certificate::Model {
        id: Uuid::now_v7(),
        user_id: b.user,
        identity: b.identity.to_string(),
        subject: b.subject.to_string(),
        issuer: b.issuer.to_string(),
        serial: b.serial.to_string(),
        fingerprint: b.fingerprint.to_string(),
        not_after: b.not_after,
        created_at: now,
        last_used_at: None,
    };
    let inserted = user_certificate::Entity::insert(user_certificate::ActiveModel::from(row.clone()))
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(user_certificate::Column::Identity)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok((inserted == 1).then_some(row))
}

/// The binding of `identity`, if any.
pub async fn by_identity(
    conn: &impl ConnectionTrait,
    identity: &str,
) -> Result<Option<user_certificate::Model>, DbErr> {
    user_certificate::Entity::find()
        .filter(user_certificate::Column::Identity.eq(identity))
        .one(conn)
        .await
}

/// `user`'s bindings, oldest first.
pub async fn of_user(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<user_certificate::Model>, DbErr> {
    user_certificate::Entity::find()
        .filter(user_certificate::Column::UserId.eq(user))
        .order_by_asc(user_certificate::Column::CreatedAt)
        .all(conn)
        .await
}

/// Removes `user`'s binding `id`; `None` when they have no such binding.
pub async fn remove(
    conn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
) -> Result<Option<user_certificate::Model>, DbErr> {
    let Some(row) = user_certificate::Entity::find_by_id(id)
        .filter(user_certificate::Column::UserId.eq(user))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let gone = user_certificate::Entity::delete_many()
        .filter(user_certificate::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok((gone.rows_affected == 1).then_some(row))
}

/// Removes every binding of `user` (a deleted account); how many there were.
pub async fn remove_all(conn: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    Ok(user_certificate::Entity::delete_many()
        .filter(user_certificate::Column::UserId.eq(user))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Records a sign-in with binding `id`.
pub async fn used(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    user_certificate::Entity::update_many()
        .col_expr(user_certificate::Column::LastUsedAt, Expr::value(now))
        .filter(user_certificate::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(drop)
}

//! PIV / CAC certificates bound to accounts (`user_certificates`).

use super::entities::user_certificate;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
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

/// Binds a certificate; `false` when its identity is bound (to anyone) already.
pub async fn insert(
    conn: &impl ConnectionTrait,
    b: NewBinding<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::now_v7();
    let row = user_certificate::ActiveModel {
        id: Set(id),
        user_id: Set(b.user),
        identity: Set(b.identity.to_string()),
        subject: Set(b.subject.to_string()),
        issuer: Set(b.issuer.to_string()),
        serial: Set(b.serial.to_string()),
        fingerprint: Set(b.fingerprint.to_string()),
        not_after: Set(b.not_after),
        created_at: Set(now),
        last_used_at: Set(None),
    };
    let inserted = user_certificate::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(user_certificate::Column::Identity)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok((inserted == 1).then_some(id))
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

//! Second factors as stored: a user's TOTP authenticator and their recovery codes.

use super::entities::{recovery_code, totp_credential};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

/// The second factors `user` signs in with: `totp` (a confirmed authenticator app) and
/// `security_key`.
pub async fn second_factors(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<&'static str>, DbErr> {
    let mut f = Vec::new();
    if totp(conn, user).await?.is_some_and(|t| t.confirmed_at.is_some()) {
        f.push("totp");
    }
    if super::security_keys::count(conn, user).await? > 0 {
        f.push("security_key");
    }
    Ok(f)
}

/// `user`'s authenticator, confirmed or not.
pub async fn totp(conn: &impl ConnectionTrait, user: Uuid) -> Result<Option<totp_credential::Model>, DbErr> {
    totp_credential::Entity::find_by_id(user).one(conn).await
}

/// Stores a new, unconfirmed authenticator secret for `user`, replacing an unconfirmed one.
/// False when a confirmed authenticator is in place (it must be removed first).
pub async fn put_unconfirmed(
    conn: &impl ConnectionTrait,
    user: Uuid,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    totp_credential::Entity::delete_many()
        .filter(totp_credential::Column::UserId.eq(user))
        .filter(totp_credential::Column::ConfirmedAt.is_null())
        .exec(conn)
        .await?;
    let r = totp_credential::Entity::insert(totp_credential::ActiveModel {
        user_id: Set(user),
        secret: Set(secret.to_string()),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(totp_credential::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(r == 1)
}

/// Records that `user`'s authenticator accepted the code of `step`, confirming it if it was
/// not; false when a code of that step or a later one was accepted already (a code works once).
pub async fn use_step(
    conn: &impl ConnectionTrait,
    user: Uuid,
    step: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = totp_credential::Entity::update_many()
        .col_expr(totp_credential::Column::LastStep, Expr::value(step))
        .col_expr(
            totp_credential::Column::ConfirmedAt,
            Expr::col(totp_credential::Column::ConfirmedAt).if_null(now),
        )
        .filter(totp_credential::Column::UserId.eq(user))
        .filter(
            totp_credential::Column::LastStep
                .is_null()
                .or(totp_credential::Column::LastStep.lt(step)),
        )
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Removes `user`'s authenticator and recovery codes (not their security keys).
pub async fn remove(conn: &impl ConnectionTrait, user: Uuid) -> Result<(), DbErr> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user))
        .exec(conn)
        .await?;
    totp_credential::Entity::delete_many()
        .filter(totp_credential::Column::UserId.eq(user))
        .exec(conn)
        .await
        .map(drop)
}

/// Replaces `user`'s recovery codes with the codes whose digests are `hashes`.
pub async fn replace_recovery_codes(
    conn: &impl ConnectionTrait,
    user: Uuid,
    hashes: &[String],
) -> Result<(), DbErr> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user))
        .exec(conn)
        .await?;
    recovery_code::Entity::insert_many(hashes.iter().map(|h| recovery_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        code_hash: Set(h.clone()),
        used_at: Set(None),
    }))
    .exec_without_returning(conn)
    .await
    .map(drop)
}

/// Spends `user`'s unused recovery code whose digest is `hash`; false when there is none.
pub async fn use_recovery_code(
    conn: &impl ConnectionTrait,
    user: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
        .filter(recovery_code::Column::UserId.eq(user))
        .filter(recovery_code::Column::CodeHash.eq(hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// How many unused recovery codes `user` has.
pub async fn recovery_codes_left(conn: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(conn)
        .await
}

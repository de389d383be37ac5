//! FIDO2 / WebAuthn security keys (`security_keys`) and the ceremonies under way
//! (`webauthn_challenges`).

use super::entities::{security_key, webauthn_challenge};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

/// `user`'s keys, oldest first.
pub async fn of_user(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<security_key::Model>, DbErr> {
    security_key::Entity::find()
        .filter(security_key::Column::UserId.eq(user))
        .order_by_asc(security_key::Column::CreatedAt)
        .all(conn)
        .await
}

/// How many keys `user` has.
pub async fn count(conn: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    security_key::Entity::find()
        .filter(security_key::Column::UserId.eq(user))
        .count(conn)
        .await
}

/// Stores a new key; `None` when its credential is registered (to anyone) already.
pub async fn insert(
    conn: &impl ConnectionTrait,
    user: Uuid,
    name: &str,
    credential_id: &str,
    passkey: &str,
    now: DateTime<Utc>,
) -> Result<Option<security_key::Model>, DbErr> {
    let row = security_key::Model {
        id: Uuid::now_v7(),
        user_id: user,
        name: name.to_string(),
        credential_id: credential_id.to_string(),
        passkey: passkey.to_string(),
        created_at: now,
        last_used_at: None,
    };
    let inserted = security_key::Entity::insert(security_key::ActiveModel::from(row.clone()))
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(security_key::Column::CredentialId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok((inserted == 1).then_some(row))
}

/// Records a sign-in with key `id`, and its credential as updated (the signature counter).
pub async fn used(
    conn: &impl ConnectionTrait,
    id: Uuid,
    passkey: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut q =
        security_key::Entity::update_many().col_expr(security_key::Column::LastUsedAt, Expr::value(now));
    if let Some(p) = passkey {
        q = q.col_expr(security_key::Column::Passkey, Expr::value(p));
    }
    q.filter(security_key::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(drop)
}

/// Removes `user`'s key `id`; `None` when they have no such key.
pub async fn remove(
    conn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
) -> Result<Option<security_key::Model>, DbErr> {
    let Some(row) = security_key::Entity::find_by_id(id)
        .filter(security_key::Column::UserId.eq(user))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let gone = security_key::Entity::delete_many()
        .filter(security_key::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok((gone.rows_affected == 1).then_some(row))
}

/// Removes every key of `user`; how many there were.
pub async fn remove_all(conn: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    Ok(security_key::Entity::delete_many()
        .filter(security_key::Column::UserId.eq(user))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Keeps the state of a ceremony of `user` (`register` or `sign_in`) until `expires_at`, in
/// place of their earlier one of that kind; its id.
pub async fn put_challenge(
    conn: &impl ConnectionTrait,
    user: Uuid,
    purpose: &str,
    state: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    // Ceremonies left unfinished go when the next starts: anyone's expired ones, and this
    // person's earlier one of the same kind (at most one each is open per account).
    webauthn_challenge::Entity::delete_many()
        .filter(
            webauthn_challenge::Column::ExpiresAt
                .lte(now)
                .or(webauthn_challenge::Column::UserId
                    .eq(user)
                    .and(webauthn_challenge::Column::Purpose.eq(purpose))),
        )
        .exec(conn)
        .await?;
    let id = Uuid::new_v4();
    webauthn_challenge::Entity::insert(webauthn_challenge::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        purpose: Set(purpose.to_string()),
        state: Set(state.to_string()),
        expires_at: Set(expires_at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// Takes (reads and deletes: a challenge is answered once) `user`'s ceremony `id` of
/// `purpose`, if it has not expired at `now`.
pub async fn take_challenge(
    conn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let Some(row) = webauthn_challenge::Entity::find_by_id(id)
        .filter(webauthn_challenge::Column::UserId.eq(user))
        .filter(webauthn_challenge::Column::Purpose.eq(purpose))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let gone = webauthn_challenge::Entity::delete_many()
        .filter(webauthn_challenge::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok((gone.rows_affected == 1 && row.expires_at > now).then_some(row.state))
}

//! Account rows as their owner changes them: registration, single-use email links, status,
//! email and password (with the password history the rules check), and My Information.

use super::entities::{organization, password_history, user, user_token};
use crate::domain::account::AccountStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

/// The organization with code `code`.
pub async fn organization_by_code(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(conn)
        .await
}

/// Whether `email` is the address, or the address waiting for confirmation, of an account
/// other than `except`.
pub async fn email_in_use(
    conn: &impl ConnectionTrait,
    email: &str,
    except: Option<Uuid>,
) -> Result<bool, DbErr> {
    let mut q = user::Entity::find().filter(
        user::Column::Email
            .eq(email)
            .or(user::Column::PendingEmail.eq(email)),
    );
    if let Some(id) = except {
        q = q.filter(user::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}

/// The active account whose address is `email`.
pub async fn active_by_email(conn: &impl ConnectionTrait, email: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::Status.eq(AccountStatus::Active.as_str()))
        .one(conn)
        .await
}

/// The accounts, except deleted ones, whose address is `email`.
pub async fn with_email(conn: &impl ConnectionTrait, email: &str) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::Status.ne(AccountStatus::Deleted.as_str()))
        .all(conn)
        .await
}

/// Stores a new account with its first password in the history.
pub async fn insert(conn: &impl ConnectionTrait, u: user::Model) -> Result<user::Model, DbErr> {
    let u = user::ActiveModel::from(u).insert(conn).await?;
    add_password_history(conn, u.id, &u.password_hash, u.created_at).await?;
    Ok(u)
}

/// Sets the status of `id`.
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

/// Makes `email` the address of `id` (the change is confirmed).
pub async fn set_email(
    conn: &impl ConnectionTrait,
    id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::value(email))
        .col_expr(user::Column::PendingEmail, Expr::value(Option::<String>::None))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Sets the password hash of `id` and adds it to the history.
pub async fn set_password(
    conn: &impl ConnectionTrait,
    id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    add_password_history(conn, id, hash, now).await
}

async fn add_password_history(
    conn: &impl ConnectionTrait,
    id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    password_history::ActiveModel {
        id: Default::default(),
        user_id: Set(id),
        hash: Set(hash.to_string()),
        created_at: Set(now),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// The `depth` newest password hashes of `id`.
pub async fn password_history(
    conn: &impl ConnectionTrait,
    id: Uuid,
    depth: u64,
) -> Result<Vec<String>, DbErr> {
    password_history::Entity::find()
        .select_only()
        .column(password_history::Column::Hash)
        .filter(password_history::Column::UserId.eq(id))
        .order_by_desc(password_history::Column::Id)
        .limit(depth)
        .into_tuple()
        .all(conn)
        .await
}

/// Stores a single-use link token of `user` for `purpose` by its digest `hash`.
pub async fn insert_link_token(
    conn: &impl ConnectionTrait,
    user: Uuid,
    purpose: &str,
    hash: String,
    email: Option<String>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        purpose: Set(purpose.into()),
        token_hash: Set(hash),
        email: Set(email),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// The link token whose digest is `hash`.
pub async fn link_token(conn: &impl ConnectionTrait, hash: &str) -> Result<Option<user_token::Model>, DbErr> {
    user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(hash))
        .one(conn)
        .await
}

/// Inserts account `u` created for its person (an invitation): its password hash is one
/// nobody knows, so it starts no password history.
pub async fn insert_invited(conn: &impl ConnectionTrait, u: user::Model) -> Result<user::Model, DbErr> {
    user::ActiveModel::from(u).insert(conn).await
}

/// Sets the first password of invited account `id` and makes it active; false when it is no
/// longer waiting for its person.
pub async fn activate_invited(
    conn: &impl ConnectionTrait,
    id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(user::Column::Status, Expr::value(AccountStatus::Active.as_str()))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Status.eq(AccountStatus::PendingVerification.as_str()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    add_password_history(conn, id, hash, now).await?;
    Ok(true)
}

/// Makes `eao` the External Authorizing Official of every account that named its `email` and
/// has none yet (the vendor registered before their EAO had an account); returns how many.
pub async fn link_waiting_eao(conn: &impl ConnectionTrait, eao: Uuid, email: &str) -> Result<u64, DbErr> {
    Ok(user::Entity::update_many()
        .col_expr(user::Column::EaoId, Expr::value(eao))
        .filter(user::Column::EaoEmail.eq(email))
        .filter(user::Column::EaoId.is_null())
        .filter(user::Column::Id.ne(eao))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Marks every unused link token of `user` for `purpose` used (a new one replaces them).
pub async fn use_link_tokens(
    conn: &impl ConnectionTrait,
    user: Uuid,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(now))
        .filter(user_token::Column::UserId.eq(user))
        .filter(user_token::Column::Purpose.eq(purpose))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(conn)
        .await
        .map(drop)
}

/// Marks link token `id` used; false when it already was.
pub async fn use_link_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(now))
        .filter(user_token::Column::Id.eq(id))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The fields of My Information a change sets (`None`: unchanged).
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub first_name: Option<String>,
    pub middle_initial: Option<Option<String>>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub ia_training_date: Option<Option<NaiveDate>>,
    pub pending_email: Option<Option<String>>,
    pub supervisor_id: Option<Option<Uuid>>,
    pub security_officer_id: Option<Option<Uuid>>,
    pub eao_email: Option<Option<String>>,
    pub eao_id: Option<Option<Uuid>>,
}

/// Writes the fields `c` sets on account `id`, and nothing else.
pub async fn update_profile(
    conn: &impl ConnectionTrait,
    id: Uuid,
    c: ProfileChange,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    fn set<V: Into<sea_orm::Value>>(v: Option<V>) -> sea_orm::ActiveValue<V> {
        v.map_or(sea_orm::ActiveValue::NotSet, Set)
    }
    user::ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        first_name: set(c.first_name),
        middle_initial: set(c.middle_initial),
        last_name: set(c.last_name),
        phone: set(c.phone),
        job_title: set(c.job_title),
        company: set(c.company),
        ia_training_date: set(c.ia_training_date),
        pending_email: set(c.pending_email),
        supervisor_id: set(c.supervisor_id),
        security_officer_id: set(c.security_officer_id),
        eao_email: set(c.eao_email),
        eao_id: set(c.eao_id),
        ..Default::default()
    }
    .update(conn)
    .await
    .map(|_| ())
}

//! Sign-in state: login throttles (per User ID and per address), refresh token families, and
//! service clients.

use super::entities::{login_throttle, refresh_token, service_client, sign_in, user, user_token};
use crate::domain::throttle::ThrottlePolicy;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

/// How many seconds the longest block among `keys` still lasts at `now`, if any.
pub async fn blocked_for(
    conn: &impl ConnectionTrait,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    // Every key in one statement.
    let rows = login_throttle::Entity::find()
        .filter(login_throttle::Column::Key.is_in(keys.iter().map(|(k, _)| k.clone())))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.blocked_until.filter(|until| *until > now))
        .map(|until| (until - now).num_seconds().max(1))
        .max())
}

/// Counts an attempt against each of `keys` before it is evaluated, unless one of them is
/// blocked at `now`: then answers how many seconds the longest block still lasts, and the
/// caller rolls back `conn` (a write transaction) so the refused attempt counts nowhere.
///
/// Check and count are one statement per key (an upsert that only counts where the key is
/// not blocked), so parallel guesses each see the ones before them: of a burst, at most the
/// policy's free failures and one more are evaluated. An attempt that turns out right is
/// taken back ([`release`]).
pub async fn reserve_attempt(
    conn: &impl ConnectionTrait,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    for (key, policy) in keys {
        let counted = conn.query_one(&count_attempt(key, policy, now)?).await?;
        if counted.is_none() {
            return Ok(Some(blocked_for(conn, keys, now).await?.unwrap_or(1)));
        }
    }
    Ok(None)
}

/// `INSERT … ON CONFLICT (key) DO UPDATE … WHERE not blocked RETURNING key`: one more failure
/// of `key` at `now`, with the block its policy gives that count.
fn count_attempt(
    key: &str,
    policy: &ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<sea_orm::sea_query::InsertStatement, DbErr> {
    use login_throttle::Column as C;
    use sea_orm::sea_query::{CaseStatement, ExprTrait, OnConflict, Query};
    let t = login_throttle::Entity;
    let col = |c: C| Expr::col((t, c));
    let failures = || col(C::Failures);
    let stale = || col(C::LastFailureAt).lt(now - policy.forget_after);
    let mut until = CaseStatement::new()
        .case(stale(), Expr::val(policy.blocked_until(1, now)))
        .case(
            failures().add(1).lte(policy.free_failures),
            Expr::val(Option::<DateTime<Utc>>::None),
        );
    for n in policy.free_failures + 1..policy.lock_after {
        until = until.case(failures().add(1).eq(n), Expr::val(policy.blocked_until(n, now)));
    }
    let until = until.finally(Expr::val(policy.blocked_until(policy.lock_after, now)));
    let mut q = Query::insert();
    q.into_table(t)
        .columns([C::Key, C::Failures, C::LastFailureAt, C::BlockedUntil])
        .values([
            Expr::val(key),
            Expr::val(1),
            Expr::val(now),
            Expr::val(policy.blocked_until(1, now)),
        ])
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .on_conflict(
            OnConflict::column(C::Key)
                .value(
                    C::Failures,
                    CaseStatement::new().case(stale(), 1).finally(failures().add(1)),
                )
                .value(C::LastFailureAt, Expr::val(now))
                .value(C::BlockedUntil, until)
                .action_and_where(col(C::BlockedUntil).is_null().or(col(C::BlockedUntil).lte(now)))
                .to_owned(),
        )
        .returning_col(C::Key);
    Ok(q)
}

/// Takes back the attempt [`reserve_attempt`] counted against each of `keys`: it was right.
/// A block it caused is lifted when the count falls back within the free failures.
pub async fn release(conn: &impl ConnectionTrait, keys: &[(String, ThrottlePolicy)]) -> Result<(), DbErr> {
    use login_throttle::Column as C;
    use sea_orm::sea_query::{CaseStatement, ExprTrait, Query};
    for (key, policy) in keys {
        let failures = || Expr::col(C::Failures);
        let mut q = Query::update();
        q.table(login_throttle::Entity)
            .value(C::Failures, failures().sub(1))
            .value(
                C::BlockedUntil,
                CaseStatement::new()
                    .case(
                        failures().sub(1).lte(policy.free_failures),
                        Expr::val(Option::<DateTime<Utc>>::None),
                    )
                    .finally(Expr::col(C::BlockedUntil)),
            )
            .and_where(Expr::col(C::Key).eq(key.as_str()))
            .and_where(failures().gt(0));
        conn.execute(&q).await?;
    }
    Ok(())
}

/// Counts a failed attempt against each of `keys`, blocking as its policy says.
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for (key, policy) in keys {
        let existing = login_throttle::Entity::find_by_id(key.clone()).one(conn).await?;
        let failures = match &existing {
            Some(r) => policy.next_failures(r.failures, r.last_failure_at, now),
            None => 1,
        };
        let am = login_throttle::ActiveModel {
            key: Set(key.clone()),
            failures: Set(failures),
            last_failure_at: Set(now),
            blocked_until: Set(policy.blocked_until(failures, now)),
        };
        if existing.is_some() {
            am.update(conn).await?;
        } else {
            am.insert(conn).await?;
        }
    }
    Ok(())
}

/// Forgets the failures of the throttle `key`.
pub async fn clear_throttle(conn: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    login_throttle::Entity::delete_by_id(key.to_string())
        .exec(conn)
        .await
        .map(|_| ())
}

/// A refresh token to store: whose, of which sign-in (`family`), its digest, when it expires
/// unused, and when the sign-in ends.
pub struct NewRefresh {
    pub user: Uuid,
    pub family: Uuid,
    pub hash: String,
    pub expires_at: DateTime<Utc>,
    pub session_ends_at: DateTime<Utc>,
    /// Whether the sign-in proved a second factor.
    pub second_factor: bool,
}

/// Stores the refresh token `r`.
pub async fn insert_refresh(
    conn: &impl ConnectionTrait,
    r: NewRefresh,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let NewRefresh {
        user,
        family,
        hash,
        expires_at,
        session_ends_at,
        second_factor,
    } = r;
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        family_id: Set(family),
        token_hash: Set(hash),
        expires_at: Set(expires_at),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        session_ends_at: Set(Some(session_ends_at)),
        second_factor: Set(second_factor),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// The refresh token whose digest is `hash`.
pub async fn refresh_by_hash(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<refresh_token::Model>, DbErr> {
    refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(conn)
        .await
}

/// Marks refresh token `id` rotated; false when it already was (a reuse).
pub async fn rotate(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records that sign-in `family` proved a second factor (its next access tokens say so).
pub async fn mark_second_factor(
    conn: &impl ConnectionTrait,
    family: Uuid,
    methods: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::SecondFactor, Expr::value(true))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    // A sign-in that proved more already (a certificate) keeps saying so.
    let methods =
        Expr::case(sign_in::Column::Methods.eq("pwd"), methods).finally(Expr::col(sign_in::Column::Methods));
    Ok(sign_in::Entity::update_many()
        .col_expr(sign_in::Column::Methods, methods.into())
        .col_expr(sign_in::Column::FactorAt, Expr::value(now))
        .filter(sign_in::Column::Id.eq(family))
        .filter(sign_in::Column::EndedAt.is_null())
        .exec_with_returning(conn)
        .await?
        .into_iter()
        .next()
        .map(|s| s.methods))
}

/// Revokes every live token of `family`.
pub async fn revoke_family(
    conn: &impl ConnectionTrait,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    sign_in::Entity::update_many()
        .col_expr(sign_in::Column::EndedAt, Expr::value(now))
        .filter(sign_in::Column::Id.eq(family))
        .filter(sign_in::Column::EndedAt.is_null())
        .exec(conn)
        .await
        .map(drop)
}

/// Ends every sign-in of `user` but `keep` (the one making the change, if any): its refresh
/// tokens are revoked, access tokens issued before are refused (the account's session epoch
/// rises), and unused links of `link_purpose` (password reset) stop working.
pub async fn end_sessions(
    conn: &impl ConnectionTrait,
    user: Uuid,
    keep: Option<Uuid>,
    link_purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut q = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user))
        .filter(refresh_token::Column::RevokedAt.is_null());
    let mut ended = sign_in::Entity::update_many()
        .col_expr(sign_in::Column::EndedAt, Expr::value(now))
        .filter(sign_in::Column::UserId.eq(user))
        .filter(sign_in::Column::EndedAt.is_null());
    if let Some(k) = keep {
        q = q.filter(refresh_token::Column::FamilyId.ne(k));
        ended = ended.filter(sign_in::Column::Id.ne(k));
    }
    q.exec(conn).await?;
    ended.exec(conn).await?;
    user::Entity::update_many()
        .col_expr(
            user::Column::SessionEpoch,
            sea_orm::sea_query::ExprTrait::add(Expr::col(user::Column::SessionEpoch), 1),
        )
        .col_expr(user::Column::KeptSession, Expr::value(keep))
        .filter(user::Column::Id.eq(user))
        .exec(conn)
        .await?;
    user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(now))
        .filter(user_token::Column::UserId.eq(user))
        .filter(user_token::Column::Purpose.eq(link_purpose))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(conn)
        .await
        .map(|_| ())
}

/// The service client `client_id`.
pub async fn client(
    conn: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<service_client::Model>, DbErr> {
    service_client::Entity::find()
        .filter(service_client::Column::ClientId.eq(client_id))
        .one(conn)
        .await
}

/// Replaces the stored form of client `id`'s secret.
pub async fn set_client_secret(conn: &impl ConnectionTrait, id: Uuid, stored: &str) -> Result<(), DbErr> {
    service_client::Entity::update_many()
        .col_expr(service_client::Column::SecretHash, Expr::value(stored))
        .filter(service_client::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Stores a new service client.
pub async fn insert_client(conn: &impl ConnectionTrait, c: service_client::Model) -> Result<(), DbErr> {
    service_client::ActiveModel::from(c)
        .insert(conn)
        .await
        .map(|_| ())
}

/// A sign-in to record as it starts (same id as its refresh-token family).
pub struct NewSignIn {
    pub id: Uuid,
    pub user: Uuid,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// RFC 8176 values separated by spaces.
    pub methods: &'static str,
    pub expires_at: DateTime<Utc>,
}

/// Records sign-in `s` starting at `now`.
pub async fn insert_sign_in(
    conn: &impl ConnectionTrait,
    s: NewSignIn,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    sign_in::ActiveModel {
        id: Set(s.id),
        user_id: Set(s.user),
        started_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(s.expires_at),
        ip: Set(s.ip.map(|i| i.chars().take(64).collect())),
        user_agent: Set(s.user_agent.map(|u| u.chars().take(300).collect())),
        methods: Set(s.methods.to_string()),
        ended_at: Set(None),
        factor_at: Set((s.methods != "pwd").then_some(now)),
    }
    .insert(conn)
    .await
    .map(drop)
}

/// Records that sign-in `id` got a new access token at `now` and now lasts until `expires_at`;
/// returns how it was proved (its `methods`) and when it last proved a second factor, if it
/// is recorded.
pub async fn sign_in_used(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<(String, Option<DateTime<Utc>>)>, DbErr> {
    Ok(sign_in::Entity::update_many()
        .col_expr(sign_in::Column::LastUsedAt, Expr::value(now))
        .col_expr(sign_in::Column::ExpiresAt, Expr::value(expires_at))
        .filter(sign_in::Column::Id.eq(id))
        .exec_with_returning(conn)
        .await?
        .into_iter()
        .next()
        .map(|s| (s.methods, s.factor_at)))
}

/// `user`'s sign-ins started since `since`, newest first, at most `limit`.
pub async fn sign_ins_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<sign_in::Model>, DbErr> {
    sign_in::Entity::find()
        .filter(sign_in::Column::UserId.eq(user))
        .filter(sign_in::Column::StartedAt.gte(since))
        .order_by_desc(sign_in::Column::StartedAt)
        .limit(limit)
        .all(conn)
        .await
}

/// `user`'s sign-in `id` (none when it is someone else's).
pub async fn sign_in(
    conn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
) -> Result<Option<sign_in::Model>, DbErr> {
    sign_in::Entity::find_by_id(id)
        .filter(sign_in::Column::UserId.eq(user))
        .one(conn)
        .await
}

/// Makes every replica refuse the access tokens of `user`'s sign-in `id` from now on: the
/// account row lists it (`sid@unix-time-until`, space-separated) until its last access token
/// has expired; entries past that are dropped. Compare-and-set, so two ends at once both stick.
pub async fn refuse_access_of(
    conn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let until = now.timestamp() + crate::auth::jwt::ACCESS_TTL_SECS;
    for _ in 0..5 {
        let Some(u) = user::Entity::find_by_id(user).one(conn).await? else {
            return Ok(());
        };
        let mut kept: Vec<String> = u
            .ended_sessions
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .filter(|e| {
                e.split_once('@')
                    .and_then(|(_, t)| t.parse::<i64>().ok())
                    .is_some_and(|t| t > now.timestamp())
            })
            .map(str::to_string)
            .collect();
        kept.push(format!("{id}@{until}"));
        let mut q = user::Entity::update_many()
            .col_expr(user::Column::EndedSessions, Expr::value(kept.join(" ")))
            .filter(user::Column::Id.eq(user));
        q = match u.ended_sessions {
            Some(was) => q.filter(user::Column::EndedSessions.eq(was)),
            None => q.filter(user::Column::EndedSessions.is_null()),
        };
        if q.exec(conn).await?.rows_affected == 1 {
            return Ok(());
        }
    }
    Err(DbErr::Custom(
        "the account changed too often to record an ended sign-in".into(),
    ))
}

/// Throttle rows whose last failure was before `before` and that block nothing at `now`.
fn stale_throttle(before: DateTime<Utc>, now: DateTime<Utc>) -> sea_orm::Condition {
    use sea_orm::{ColumnTrait, Condition};
    Condition::all()
        .add(login_throttle::Column::LastFailureAt.lt(before))
        .add(
            Condition::any()
                .add(login_throttle::Column::BlockedUntil.is_null())
                .add(login_throttle::Column::BlockedUntil.lt(now)),
        )
}

/// The query of the rows [`prune_throttle`] deletes (public for the plan test: found by
/// `idx_login_throttle_last_failure`).
pub fn stale_throttle_query(
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sea_orm::Select<login_throttle::Entity> {
    use sea_orm::{EntityTrait, QueryFilter};
    login_throttle::Entity::find().filter(stale_throttle(before, now))
}

/// Deletes up to `limit` throttle rows whose last failure was before `before` and that block
/// nothing at `now` (found by `idx_login_throttle_last_failure`); returns how many.
pub async fn prune_throttle(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let keys = stale_throttle_query(before, now)
        .select_only()
        .column(login_throttle::Column::Key)
        .limit(limit)
        .into_tuple::<String>()
        .all(conn)
        .await?;
    if keys.is_empty() {
        return Ok(0);
    }
    let r = login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::Key.is_in(keys))
        .filter(stale_throttle(before, now))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

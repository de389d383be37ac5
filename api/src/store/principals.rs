//! The feed of changes to signed-in callers that migration 14's triggers write: on SQLite the
//! `principal_changes` log (read by sequence), on PostgreSQL notifications on
//! [`CHANNEL`] (an account id, empty for "everyone", or `sync:<id>` sent by a replica to
//! itself as a barrier).

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use uuid::Uuid;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "amps_principals";

/// Whether the database delivers the feed as notifications (PostgreSQL) rather than as a log
/// to poll (SQLite).
pub fn notifies(conn: &impl ConnectionTrait) -> bool {
    conn.get_database_backend() == sea_orm::DbBackend::Postgres
}

/// The log's newest sequence number (0 when empty).
pub async fn last_seq(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM principal_changes",
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "seq")?,
        None => 0,
    })
}

/// One change of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An account (its row, organization, administrative roles or approval groups).
    User(Uuid),
    /// A service client, by `client_id`.
    Client(String),
    /// Possibly everyone (an organization or an administrative role's definition).
    Everyone,
    /// The signing keys (migration 39): read them again.
    SigningKeys,
}

/// The feed's name for a change of the signing keys (no service client's id starts with `*`).
const SIGNING_KEYS: &str = "*signing-keys";

impl Change {
    /// A PostgreSQL notification's payload: an account id, `client:<client_id>`, or empty.
    pub fn from_payload(payload: &str) -> Self {
        if payload == SIGNING_KEYS {
            return Change::SigningKeys;
        }
        if let Some(client) = payload.strip_prefix("client:") {
            return Change::Client(client.to_string());
        }
        payload.parse().map_or(Change::Everyone, Change::User)
    }
}

/// The changes after `seq`, oldest first, at most `limit`, with their sequence numbers
/// (SQLite).
pub async fn changes_after(
    conn: &impl ConnectionTrait,
    seq: i64,
    limit: i64,
) -> Result<Vec<(i64, Change)>, DbErr> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT seq, user_id, client_id FROM principal_changes WHERE seq > ? ORDER BY seq LIMIT ?",
            [seq.into(), limit.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let user: Option<Uuid> = r.try_get("", "user_id")?;
            let client: Option<String> = r.try_get("", "client_id")?;
            let change = match (user, client) {
                (Some(u), _) => Change::User(u),
                (None, Some(c)) if c == SIGNING_KEYS => Change::SigningKeys,
                (None, Some(c)) => Change::Client(c),
                (None, None) => Change::Everyone,
            };
            Ok((r.try_get("", "seq")?, change))
        })
        .collect()
}

/// Keeps the log's newest `keep` rows.
pub async fn prune(conn: &impl ConnectionTrait, keep: i64) -> Result<u64, DbErr> {
    Ok(conn
        .execute_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "DELETE FROM principal_changes WHERE seq <= (SELECT MAX(seq) FROM principal_changes) - ?",
            [keep.into()],
        ))
        .await?
        .rows_affected())
}

/// A connection listening on [`CHANNEL`].
pub async fn listen(url: &str) -> Result<PgListener, DbErr> {
    let mut l = PgListener::connect(url)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?;
    l.listen(CHANNEL)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))?;
    Ok(l)
}

/// Sends `sync:<nonce>` on [`CHANNEL`], committed at once: a listener that receives it has
/// received every change committed before.
pub async fn notify_sync(conn: &impl ConnectionTrait, nonce: Uuid) -> Result<(), DbErr> {
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), format!("sync:{nonce}").into()],
    ))
    .await?;
    Ok(())
}

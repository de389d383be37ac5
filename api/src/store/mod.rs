//! Persistence: sea-orm entities and the queries the services use. Functions take
//! `&impl ConnectionTrait` so the same code runs inside a transaction or not.

pub mod accounts;
pub mod approver_changes;
pub mod attachments;
pub mod audit;
pub mod batch;
pub mod catalog;
pub mod catalog_admin;
pub mod certificates;
pub mod columns;
pub mod entities;
pub mod labels;
pub mod mfa;
pub mod network;
pub mod outbox;
pub mod principals;
pub mod provisioning;
pub mod reports;
pub mod revalidations;
pub mod saars;
pub mod security_keys;
pub mod sessions;
pub mod tasks;
pub mod users;

use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait, IdenStatic, Iterable,
};
use std::time::Duration;

/// Opens the database at `url` (a `sqlite:` or `postgres:` URL) and applies pending
/// migrations.
pub async fn connect(url: &str, migrate: bool) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        // SQLite allows one writer at a time; one pooled connection turns lock contention
        // into orderly queueing instead of "database is locked" errors.
        .max_connections(if is_sqlite { 1 } else { 16 })
        .min_connections(1)
        // sqlx pings a pooled connection on every checkout by default: one more round trip
        // per statement outside a transaction. Ping only one idle long enough for a server,
        // proxy or firewall to have dropped it; SQLite's in-process connections never need it.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        // Set on every connection the pool opens (it replaces idle ones), not once after
        // connecting: WAL, so readers do not wait on the writer; foreign keys; waiting on a
        // lock. Commits stay fully synchronous: an approval, once answered, survives a crash.
        .map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::SqliteJournalMode;
            o.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // The one writer's page cache: 64 MiB at most, filled only as used (SQLite's
                // default is 2 MiB). A job's batch changes a thousand rows of tables of a
                // million; with 2 MiB the transaction spilled its dirty pages and re-read
                // index pages on every statement.
                .pragma("cache_size", "-65536")
        });
    let db = Database::connect(opts).await?;
    if migrate {
        use migration::MigratorTrait;
        migration::Migrator::up(&db, None).await?;
    }
    Ok(db)
}

/// Connections for reads outside transactions. SQLite has one writer: its single pooled
/// connection would also queue every read behind every transaction, so reads get their own
/// pool of query-only connections (WAL lets them run beside the writer and see every
/// committed change). PostgreSQL (and an in-memory SQLite database, which exists only in its
/// own connection) reads through `writer`'s pool.
pub async fn connect_reader(url: &str, writer: &DatabaseConnection) -> Result<DatabaseConnection, DbErr> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(writer.clone());
    }
    // A statement holds its connection for a round trip to the connection's own thread, so
    // reads scale with connections past the core count: measured on 2 cores, 4 readers gave
    // 7.4k Current Roles/s, 8 gave 10k, 16 and 32 no more (and 2 MB of page cache each).
    let readers = std::thread::available_parallelism()
        .map_or(8, |n| n.get() * 4)
        .clamp(4, 16);
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        .max_connections(readers as u32)
        .min_connections(1)
        .test_before_acquire(false)
        .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::from_secs(5)).pragma("query_only", "ON"));
    Database::connect(opts).await
}

/// Begins a write transaction. On SQLite it takes the write lock at `BEGIN` (`IMMEDIATE`): a
/// transaction that reads before it writes must not find, at its first write, that another
/// connection (another process on the same file, or a tool) committed since its first read —
/// SQLite refuses that upgrade with `SQLITE_BUSY` at once, without the busy timeout. Taking the
/// lock first makes a second writer wait its turn instead. PostgreSQL ignores the mode.
pub async fn begin(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// A read-only transaction that sees one moment of the database: a view built from several
/// statements (a SAAR, its tasks, its provisioning) never mixes states from before and after a
/// change committed meanwhile. PostgreSQL: REPEATABLE READ; SQLite: a deferred transaction
/// (in WAL mode its first read fixes the snapshot).
pub async fn snapshot(conn: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{AccessMode, IsolationLevel, TransactionTrait};
    match conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            conn.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await
        }
        _ => conn.begin().await,
    }
}

/// Held while a server prepares a shared database (migrations, reference data, the first
/// signing key), so replicas starting together on an empty PostgreSQL take turns instead of
/// racing to create the same tables and rows. A session-level advisory lock on a connection of
/// its own; SQLite (one host, one writer) needs none.
pub struct StartupLock(Option<DatabaseConnection>);

/// The advisory lock key: "AMPS" in ASCII.
const STARTUP_LOCK_KEY: i64 = 0x414D_5053;

impl StartupLock {
    /// Waits until no other server is preparing the database at `url`, then holds the lock.
    pub async fn acquire(url: &str) -> Result<Self, DbErr> {
        if !url.starts_with("postgres") {
            return Ok(Self(None));
        }
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false).max_connections(1).min_connections(1);
        let conn = Database::connect(opts).await?;
        conn.execute_unprepared(&format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})"))
            .await?;
        Ok(Self(Some(conn)))
    }

    /// Lets the next server go on.
    pub async fn release(self) -> Result<(), DbErr> {
        if let Some(conn) = self.0 {
            conn.execute_unprepared(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})"))
                .await?;
            conn.close().await?;
        }
        Ok(())
    }
}

/// Whether `e` is the database giving up a transaction to let a concurrent one go on
/// (PostgreSQL's deadlock_detected, 40P01, or serialization_failure, 40001): nothing of it was
/// written.
pub fn is_contention(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e else {
        return false;
    };
    matches!(e.as_ref(), sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")))
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Selects every column of `E` as `{prefix}{column}`, to be read back with
/// `E::Model::from_query_result(row, prefix)`, as sea-orm's own joined selects do; for one
/// query that joins more tables than those give.
pub fn select_prefixed<E: EntityTrait>(q: &mut SelectStatement, prefix: &str) {
    for c in E::Column::iter() {
        q.expr_as(
            Expr::col((E::default(), c)),
            Alias::new(format!("{prefix}{}", c.as_str())),
        );
    }
}

/// Column `col` as a condition that only filters the rows a claim already found by primary
/// key (`id IN (…)`): on SQLite, `+col`, which its planner cannot drive from an index on `col`.
/// Without it SQLite prefers an index on the claim's other condition (`next_reminder_at = ?`,
/// shared by a whole campaign's reviews) and walks every row still due for each batch of a
/// thousand: at 100k due reviews, 47 ms a batch instead of 12. On PostgreSQL, `COALESCE(col,
/// col)` (same type, same value, no index on it): its planner trusts statistics, which a burst
/// of updates leaves stale, and with a campaign's reviews all set to one reminder time since the
/// last `ANALYZE` it drove each claim from the reminder index, filtering out 99,000 rows for a
/// thousand (115 ms a batch, and every batch of the pass again).
pub fn filter_only<C: IdenStatic>(backend: sea_orm::DbBackend, col: C) -> Expr {
    match backend {
        sea_orm::DbBackend::Sqlite => Expr::cust(format!("+\"{}\"", col.as_str())),
        _ => Expr::cust(format!("COALESCE(\"{0}\", \"{0}\")", col.as_str())),
    }
}

/// `SELECT COUNT(*)` of `q`, as a scalar subquery: several counts read in one statement by
/// [`counts`].
pub fn count_of<E: EntityTrait>(q: sea_orm::Select<E>) -> Expr {
    use sea_orm::sea_query::{Asterisk, ExprTrait, SubQueryStatement};
    use sea_orm::{QuerySelect, QueryTrait};
    Expr::SubQuery(
        None,
        Box::new(SubQueryStatement::SelectStatement(
            q.select_only().expr(Expr::col(Asterisk).count()).into_query(),
        )),
    )
}

/// The values of integer expressions `exprs` (e.g. [`count_of`]), in one statement.
pub async fn counts<const N: usize>(
    conn: &impl ConnectionTrait,
    exprs: [Expr; N],
) -> Result<[i64; N], DbErr> {
    let mut q = sea_orm::sea_query::Query::select();
    for e in exprs {
        q.expr(e);
    }
    let row = conn
        .query_one(&q)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("counts".into()))?;
    let mut out = [0; N];
    for (i, v) in out.iter_mut().enumerate() {
        *v = row.try_get_by_index::<Option<i64>>(i)?.unwrap_or(0);
    }
    Ok(out)
}

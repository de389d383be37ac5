//! Persistence: sea-orm entities and the queries the services use. Functions take
//! `&impl ConnectionTrait` so the same code runs inside a transaction or not.

pub mod audit;
pub mod entities;
pub mod leases;
pub mod outbox;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
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
        .min_connections(1);
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
            .await?;
    }
    if migrate {
        use migration::MigratorTrait;
        migration::Migrator::up(&db, None).await?;
    }
    Ok(db)
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

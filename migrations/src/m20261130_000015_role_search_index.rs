//! Role search finds a role by any part of its name without reading the whole catalog: on
//! SQLite an FTS5 table with the trigram tokenizer (`role_search`, kept by triggers), on
//! PostgreSQL a trigram (pg_trgm) GIN index on the lower-cased name. Where pg_trgm cannot be
//! installed (no privilege, no contrib package), the search still works by reading the roles.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE role_search USING fts5(role_id UNINDEXED, name, tokenize = 'trigram')",
    "INSERT INTO role_search (role_id, name) SELECT id, name FROM roles",
    "CREATE TRIGGER role_search_added AFTER INSERT ON roles \
     BEGIN INSERT INTO role_search (role_id, name) VALUES (NEW.id, NEW.name); END",
    "CREATE TRIGGER role_search_renamed AFTER UPDATE OF name ON roles \
     BEGIN DELETE FROM role_search WHERE role_id = OLD.id; \
     INSERT INTO role_search (role_id, name) VALUES (NEW.id, NEW.name); END",
    "CREATE TRIGGER role_search_removed AFTER DELETE ON roles \
     BEGIN DELETE FROM role_search WHERE role_id = OLD.id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS role_search_added",
    "DROP TRIGGER IF EXISTS role_search_renamed",
    "DROP TRIGGER IF EXISTS role_search_removed",
    "DROP TABLE IF EXISTS role_search",
];

const POSTGRES_UP: &[&str] = &[
    r"DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): role search reads the catalog', SQLERRM;
END
$$",
    r"DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_roles_name_trigram ON roles USING gin (lower(name) gin_trgm_ops);
    END IF;
END
$$",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS idx_roles_name_trigram"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(m, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(m, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}

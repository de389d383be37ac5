//! Every replica hears when the signing keys change (`amps keys rotate`, or a replica that
//! starts with a new `AMPS_SIGNING_KEY_FILE`) through the principal feed of migration 14: the
//! SQLite log gets a row whose `client_id` is `*signing-keys` (no service client's id starts
//! with `*`), PostgreSQL a notification with that payload. Each replica then reads the keys
//! again, so new tokens are signed with the new key everywhere within a second or two.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER principal_signing_key_added AFTER INSERT ON signing_keys \
     BEGIN INSERT INTO principal_changes (client_id) VALUES ('*signing-keys'); END",
    "CREATE TRIGGER principal_signing_key_changed AFTER UPDATE ON signing_keys \
     BEGIN INSERT INTO principal_changes (client_id) VALUES ('*signing-keys'); END",
    "CREATE TRIGGER principal_signing_key_deleted AFTER DELETE ON signing_keys \
     BEGIN INSERT INTO principal_changes (client_id) VALUES ('*signing-keys'); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_signing_key_added",
    "DROP TRIGGER IF EXISTS principal_signing_key_changed",
    "DROP TRIGGER IF EXISTS principal_signing_key_deleted",
];

const POSTGRES_UP: &[&str] = &[
    r"CREATE FUNCTION amps_signing_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('amps_principals', '*signing-keys');
    RETURN NULL;
END
$$",
    // For each row, not statement: a statement that changes nothing (an insert that found
    // the key there already) must not make every replica read the keys again.
    "CREATE TRIGGER principal_signing_keys_changed AFTER INSERT OR UPDATE OR DELETE ON signing_keys \
     FOR EACH ROW EXECUTE FUNCTION amps_signing_keys_changed()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_signing_keys_changed ON signing_keys",
    "DROP FUNCTION IF EXISTS amps_signing_keys_changed()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(m, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_for_backend(m, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}

//! An assignment's update tells the replicas' caller caches only when it can change what its
//! holder may do: its holder, role, status or end date. A job that records a renewal offer or a
//! review on a hundred thousand assignments no longer runs the trigger's role lookup (and, on
//! SQLite, its insert) for each of them: on a 1M-row table that doubled the claim's time.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_admin_role_changed",
    "CREATE TRIGGER principal_admin_role_changed \
     AFTER UPDATE OF user_id, role_id, status, expires_at ON role_assignments \
     WHEN NEW.role_id IN (SELECT id FROM roles WHERE admin_key IS NOT NULL) \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NEW.user_id); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_admin_role_changed",
    "CREATE TRIGGER principal_admin_role_changed AFTER UPDATE ON role_assignments \
     WHEN NEW.role_id IN (SELECT id FROM roles WHERE admin_key IS NOT NULL) \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NEW.user_id); END",
];

const POSTGRES_UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_admin_role_changed ON role_assignments",
    "CREATE TRIGGER principal_admin_role_changed \
     AFTER INSERT OR UPDATE OF user_id, role_id, status, expires_at OR DELETE ON role_assignments \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_admin_role_changed ON role_assignments",
    "CREATE TRIGGER principal_admin_role_changed AFTER INSERT OR UPDATE OR DELETE ON role_assignments \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
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

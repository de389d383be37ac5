//! A feed of changes to what a signed-in caller is: every replica keeps the callers it has
//! read in memory and forgets one as soon as the feed says their account, their organization,
//! their AMPS administrative roles or their approval groups changed (or a service client's
//! row), whoever changed them
//! (this server, another replica, a job, or an operator with SQL). Triggers write the feed,
//! so no code path can forget to. SQLite: a `principal_changes` log, in commit order (one writer), read every
//! 100 ms by each server process and pruned to its last 10,000 rows. PostgreSQL: a
//! notification on channel `amps_principals`, delivered to every replica at commit, in commit
//! order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Which rows change a caller: the payload is the account's id, `client:<client_id>`, or empty
/// for "everyone" (an organization's name or code).
const SQLITE_UP: &[&str] = &[
    // A row names an account (`user_id`), a service client (`client_id`), or neither: everyone.
    "CREATE TABLE principal_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id BLOB NULL, client_id TEXT NULL)",
    "CREATE TRIGGER principal_user_updated AFTER UPDATE ON users \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NEW.id); END",
    "CREATE TRIGGER principal_user_deleted AFTER DELETE ON users \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (OLD.id); END",
    "CREATE TRIGGER principal_organization_updated AFTER UPDATE ON organizations \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NULL); END",
    "CREATE TRIGGER principal_organization_deleted AFTER DELETE ON organizations \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NULL); END",
    "CREATE TRIGGER principal_admin_role_granted AFTER INSERT ON role_assignments \
     WHEN NEW.role_id IN (SELECT id FROM roles WHERE admin_key IS NOT NULL) \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NEW.user_id); END",
    "CREATE TRIGGER principal_admin_role_changed AFTER UPDATE ON role_assignments \
     WHEN NEW.role_id IN (SELECT id FROM roles WHERE admin_key IS NOT NULL) \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NEW.user_id); END",
    "CREATE TRIGGER principal_admin_role_removed AFTER DELETE ON role_assignments \
     WHEN OLD.role_id IN (SELECT id FROM roles WHERE admin_key IS NOT NULL) \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (OLD.user_id); END",
    // A role that becomes (or stops being) an administrative role changes its holders.
    "CREATE TRIGGER principal_admin_key_changed AFTER UPDATE OF admin_key ON roles \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NULL); END",
    "CREATE TRIGGER principal_group_joined AFTER INSERT ON approval_group_members \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (NEW.user_id); END",
    "CREATE TRIGGER principal_group_changed AFTER UPDATE ON approval_group_members \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (OLD.user_id); \
     INSERT INTO principal_changes (user_id) VALUES (NEW.user_id); END",
    "CREATE TRIGGER principal_group_left AFTER DELETE ON approval_group_members \
     BEGIN INSERT INTO principal_changes (user_id) VALUES (OLD.user_id); END",
    "CREATE TRIGGER principal_client_changed AFTER UPDATE ON service_clients \
     BEGIN INSERT INTO principal_changes (client_id) VALUES (OLD.client_id); \
     INSERT INTO principal_changes (client_id) VALUES (NEW.client_id); END",
    "CREATE TRIGGER principal_client_deleted AFTER DELETE ON service_clients \
     BEGIN INSERT INTO principal_changes (client_id) VALUES (OLD.client_id); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_user_updated",
    "DROP TRIGGER IF EXISTS principal_user_deleted",
    "DROP TRIGGER IF EXISTS principal_organization_updated",
    "DROP TRIGGER IF EXISTS principal_organization_deleted",
    "DROP TRIGGER IF EXISTS principal_admin_role_granted",
    "DROP TRIGGER IF EXISTS principal_admin_role_changed",
    "DROP TRIGGER IF EXISTS principal_admin_role_removed",
    "DROP TRIGGER IF EXISTS principal_admin_key_changed",
    "DROP TRIGGER IF EXISTS principal_group_joined",
    "DROP TRIGGER IF EXISTS principal_group_changed",
    "DROP TRIGGER IF EXISTS principal_group_left",
    "DROP TRIGGER IF EXISTS principal_client_changed",
    "DROP TRIGGER IF EXISTS principal_client_deleted",
    "DROP TABLE IF EXISTS principal_changes",
];

const POSTGRES_UP: &[&str] = &[
    r"CREATE FUNCTION amps_principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('amps_principals', r.id::text);
    ELSIF TG_TABLE_NAME = 'approval_group_members' THEN
        PERFORM pg_notify('amps_principals', r.user_id::text);
        IF TG_OP = 'UPDATE' THEN
            PERFORM pg_notify('amps_principals', OLD.user_id::text);
        END IF;
    ELSIF TG_TABLE_NAME = 'service_clients' THEN
        PERFORM pg_notify('amps_principals', 'client:' || OLD.client_id);
        IF TG_OP = 'UPDATE' THEN
            PERFORM pg_notify('amps_principals', 'client:' || NEW.client_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'role_assignments' THEN
        IF EXISTS (SELECT 1 FROM roles WHERE id = r.role_id AND admin_key IS NOT NULL) THEN
            PERFORM pg_notify('amps_principals', r.user_id::text);
        END IF;
    ELSE
        PERFORM pg_notify('amps_principals', '');
    END IF;
    RETURN NULL;
END
$$",
    "CREATE TRIGGER principal_user_changed AFTER UPDATE OR DELETE ON users \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
    "CREATE TRIGGER principal_organization_changed AFTER UPDATE OR DELETE ON organizations \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
    "CREATE TRIGGER principal_admin_role_changed AFTER INSERT OR UPDATE OR DELETE ON role_assignments \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
    "CREATE TRIGGER principal_admin_key_changed AFTER UPDATE OF admin_key ON roles \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
    "CREATE TRIGGER principal_group_changed AFTER INSERT OR UPDATE OR DELETE ON approval_group_members \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
    "CREATE TRIGGER principal_client_changed AFTER UPDATE OR DELETE ON service_clients \
     FOR EACH ROW EXECUTE FUNCTION amps_principal_changed()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS principal_user_changed ON users",
    "DROP TRIGGER IF EXISTS principal_organization_changed ON organizations",
    "DROP TRIGGER IF EXISTS principal_admin_role_changed ON role_assignments",
    "DROP TRIGGER IF EXISTS principal_admin_key_changed ON roles",
    "DROP TRIGGER IF EXISTS principal_group_changed ON approval_group_members",
    "DROP TRIGGER IF EXISTS principal_client_changed ON service_clients",
    "DROP FUNCTION IF EXISTS amps_principal_changed()",
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

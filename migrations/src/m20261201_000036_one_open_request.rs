//! What the workflow checks before it writes, the database now holds whatever the timing: one
//! open request for a role per person (two submissions of the same role at the same moment both
//! passed the check and both were approved), and one active assignment of a role per person.
//! Only first requests are counted open here: a removal or an expiry may open beside a renewal
//! still being provisioned.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let create = [
            "CREATE UNIQUE INDEX uq_saars_open_initial ON saars (subject_id, role_id) \
             WHERE request_type = 'initial' AND status IN ('pending', 'returned', 'provisioning')",
            "CREATE UNIQUE INDEX uq_role_assignments_active ON role_assignments (user_id, role_id) \
             WHERE status = 'active'",
        ];
        crate::run_for_backend(m, &create, &create).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let drop = [
            "DROP INDEX uq_saars_open_initial",
            "DROP INDEX uq_role_assignments_active",
        ];
        crate::run_for_backend(m, &drop, &drop).await
    }
}

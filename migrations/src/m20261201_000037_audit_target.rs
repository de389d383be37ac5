//! A SAAR's history (and any trail of one target) is read by an index on the audit events'
//! target, not by reading the audit log whole.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_audit_events_target")
                .table(AuditEvents::Table)
                .col(AuditEvents::Target)
                .col(AuditEvents::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_audit_events_target")
                .table(AuditEvents::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Target,
    Id,
}

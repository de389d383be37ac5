//! The audit trail searched by who acted (an assessor's first question: everything one person
//! did) is read by an index on the actor, newest first, not by reading the audit log whole.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_audit_events_actor")
                .table(AuditEvents::Table)
                .col(AuditEvents::Actor)
                .col(AuditEvents::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_audit_events_actor")
                .table(AuditEvents::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Actor,
    Id,
}

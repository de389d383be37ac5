//! The audit chain is sealed after the fact: events are appended without a global lock and a
//! sealer chains them (position, previous hash, hash) in the order it seals them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuditEvents::Table)
                .add_column(big_integer_null(AuditEvents::Seq))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_audit_seq")
                .table(AuditEvents::Table)
                .col(AuditEvents::Seq)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("uq_audit_seq")
                .table(AuditEvents::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditEvents::Table)
                .drop_column(AuditEvents::Seq)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
}

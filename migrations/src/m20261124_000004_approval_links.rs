//! Emailed approval links: the hash of the single-use token an external approver acts with.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ApprovalTasks::Table)
                .add_column(string_len_null(ApprovalTasks::LinkTokenHash, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tasks_link")
                .table(ApprovalTasks::Table)
                .col(ApprovalTasks::LinkTokenHash)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_tasks_link")
                .table(ApprovalTasks::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApprovalTasks::Table)
                .drop_column(ApprovalTasks::LinkTokenHash)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum ApprovalTasks {
    Table,
    LinkTokenHash,
}

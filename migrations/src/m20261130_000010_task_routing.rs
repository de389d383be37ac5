//! Who a task went to and why: `delegated_from` names the approver a deputy holds a task for
//! (the task returns to them when the delegation ends), `routed_note` says why a task went to
//! someone other than the approver the chain names (the named approver may not decide it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        m.alter_table(
            Table::alter()
                .table(ApprovalTasks::Table)
                .add_column(uuid_null(ApprovalTasks::DelegatedFrom))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApprovalTasks::Table)
                .add_column(text_null(ApprovalTasks::RoutedNote))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tasks_delegated_from")
                .table(ApprovalTasks::Table)
                .col(ApprovalTasks::DelegatedFrom)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_tasks_delegated_from")
                .table(ApprovalTasks::Table)
                .to_owned(),
        )
        .await?;
        for c in [ApprovalTasks::RoutedNote, ApprovalTasks::DelegatedFrom] {
            m.alter_table(
                Table::alter()
                    .table(ApprovalTasks::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ApprovalTasks {
    Table,
    DelegatedFrom,
    RoutedNote,
}

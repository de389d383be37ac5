//! Who approves the renewal of a role about to expire: the holder's supervisor (or EAO) unless
//! the role names its data owner or its whole approval chain.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Roles::Table)
                .add_column(string_len(Roles::RenewalApprover, 20).default("supervisor"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Roles::Table)
                .drop_column(Roles::RenewalApprover)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    RenewalApprover,
}

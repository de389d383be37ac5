//! Every change of an account's status, with who made it and why: the reason a user is told
//! at sign-in, and the account's history for the help desk.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AccountStatusChanges::Table)
                .col(uuid(AccountStatusChanges::Id).primary_key())
                .col(uuid(AccountStatusChanges::UserId))
                .col(string_len(AccountStatusChanges::FromStatus, 32))
                .col(string_len(AccountStatusChanges::ToStatus, 32))
                .col(text(AccountStatusChanges::Reason))
                .col(uuid_null(AccountStatusChanges::ChangedBy))
                .col(timestamp_with_time_zone(AccountStatusChanges::At))
                .foreign_key(
                    ForeignKey::create()
                        .from(AccountStatusChanges::Table, AccountStatusChanges::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_account_status_changes_user")
                .table(AccountStatusChanges::Table)
                .col(AccountStatusChanges::UserId)
                .col(AccountStatusChanges::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AccountStatusChanges::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccountStatusChanges {
    Table,
    Id,
    UserId,
    FromStatus,
    ToStatus,
    Reason,
    ChangedBy,
    At,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

//! Sign-ins a person can see and end: one row per sign-in (a refresh-token family) with the
//! device and address it came from, how it was proved, when it was last used and when it
//! ended; and, on the account, the sign-ins ended early (`users.ended_sessions`), whose access
//! tokens every replica refuses from the moment the cached account is invalidated.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignIns::Table)
                .col(uuid(SignIns::Id).primary_key())
                .col(uuid(SignIns::UserId))
                .col(timestamp_with_time_zone(SignIns::StartedAt))
                .col(timestamp_with_time_zone(SignIns::LastUsedAt))
                .col(timestamp_with_time_zone(SignIns::ExpiresAt))
                .col(string_len_null(SignIns::Ip, 64))
                .col(string_len_null(SignIns::UserAgent, 300))
                .col(string_len(SignIns::Methods, 32))
                .col(timestamp_with_time_zone_null(SignIns::EndedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SignIns::Table, SignIns::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sign_ins_user")
                .table(SignIns::Table)
                .col(SignIns::UserId)
                .col(SignIns::StartedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(text_null(Users::EndedSessions))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::EndedSessions)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(SignIns::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SignIns {
    Table,
    Id,
    UserId,
    StartedAt,
    LastUsedAt,
    ExpiresAt,
    Ip,
    UserAgent,
    Methods,
    EndedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EndedSessions,
}

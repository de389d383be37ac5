//! Sessions end when they should: `users.session_epoch` is raised when every session of an
//! account must end (a password change or reset), and access tokens carry the epoch they were
//! issued in; `users.kept_session` is the one session a password change keeps (the one that
//! made it); `refresh_tokens.session_ends_at` is the absolute end of a sign-in, however often
//! it is refreshed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer(Users::SessionEpoch).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(uuid_null(Users::KeptSession))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(timestamp_with_time_zone_null(RefreshTokens::SessionEndsAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::SessionEndsAt)
                .to_owned(),
        )
        .await?;
        for c in [Users::KeptSession, Users::SessionEpoch] {
            m.alter_table(Table::alter().table(Users::Table).drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    SessionEpoch,
    KeptSession,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    SessionEndsAt,
}

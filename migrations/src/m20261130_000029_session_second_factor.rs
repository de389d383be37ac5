//! Whether a sign-in (a refresh-token family) proved a second factor: its access tokens then
//! carry `amr: ["pwd", "otp"]`, and roles marked "MFA required" may be requested and decided
//! from it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(boolean(RefreshTokens::SecondFactor).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::SecondFactor)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    SecondFactor,
}

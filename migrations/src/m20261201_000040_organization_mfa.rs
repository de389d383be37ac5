//! An organization can require a second factor of all its users, and a sign-in records when it
//! last proved its second factor (a decision on a role marked "MFA required" asks for a fresh
//! one: issue #15's MFA policy and step-up).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Organizations::Table)
                .add_column(boolean(Organizations::MfaRequired).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SignIns::Table)
                .add_column(timestamp_with_time_zone_null(SignIns::FactorAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SignIns::Table)
                .drop_column(SignIns::FactorAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Organizations::Table)
                .drop_column(Organizations::MfaRequired)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    MfaRequired,
}

#[derive(DeriveIden)]
enum SignIns {
    Table,
    FactorAt,
}

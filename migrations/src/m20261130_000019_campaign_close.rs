//! When a revalidation campaign closed: until then its reviewers may correct their decisions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RevalidationCampaigns::Table)
                .add_column(timestamp_with_time_zone_null(RevalidationCampaigns::ClosedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RevalidationCampaigns::Table)
                .drop_column(RevalidationCampaigns::ClosedAt)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum RevalidationCampaigns {
    Table,
    ClosedAt,
}

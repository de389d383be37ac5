//! Deputies: an approver names someone to act for them during a period (out of office).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Deputies::Table)
                .col(uuid(Deputies::UserId).primary_key())
                .col(uuid(Deputies::DeputyId))
                .col(timestamp_with_time_zone(Deputies::StartsAt))
                .col(timestamp_with_time_zone(Deputies::EndsAt))
                .col(timestamp_with_time_zone(Deputies::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Deputies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Deputies {
    Table,
    UserId,
    DeputyId,
    StartsAt,
    EndsAt,
    CreatedAt,
}

//! Roles that end on time: when the holder was offered a renewal and when an assignment ended
//! (removed or expired), an end date an approver may set on a SAAR's access, and the indexes
//! the expiry job and the returned-request deadline search by.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for c in [RoleAssignments::RenewalOfferedAt, RoleAssignments::EndedAt] {
            m.alter_table(
                Table::alter()
                    .table(RoleAssignments::Table)
                    .add_column(timestamp_with_time_zone_null(c))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Saars::Table)
                .add_column(timestamp_with_time_zone_null(Saars::AccessEndsAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_assignments_expiry")
                .table(RoleAssignments::Table)
                .col(RoleAssignments::Status)
                .col(RoleAssignments::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_saars_status_updated")
                .table(Saars::Table)
                .col(Saars::Status)
                .col(Saars::UpdatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_saars_status_updated")
                .table(Saars::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_assignments_expiry")
                .table(RoleAssignments::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Saars::Table)
                .drop_column(Saars::AccessEndsAt)
                .to_owned(),
        )
        .await?;
        for c in [RoleAssignments::EndedAt, RoleAssignments::RenewalOfferedAt] {
            m.alter_table(
                Table::alter()
                    .table(RoleAssignments::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum RoleAssignments {
    Table,
    Status,
    ExpiresAt,
    RenewalOfferedAt,
    EndedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Saars {
    Table,
    Status,
    UpdatedAt,
    AccessEndsAt,
}

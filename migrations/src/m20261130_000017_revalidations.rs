//! Revalidation: campaigns (an administrator's annual review of who holds what), each user's
//! revalidation (the roles they keep or give up, decided by their supervisor or EAO, or by the
//! administrators when they have none), its items, and when a kept role was last reviewed.
//! Event-driven revalidations (IA training lapsed, new supervisor, new organization) have no
//! campaign.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RevalidationCampaigns::Table)
                .col(pk_uuid(RevalidationCampaigns::Id))
                .col(string_len(RevalidationCampaigns::Name, 120))
                .col(string_len(RevalidationCampaigns::Scope, 16))
                .col(uuid_null(RevalidationCampaigns::OrganizationId))
                .col(uuid_null(RevalidationCampaigns::ApplicationId))
                .col(timestamp_with_time_zone(RevalidationCampaigns::DueAt))
                .col(uuid(RevalidationCampaigns::CreatedBy))
                .col(timestamp_with_time_zone(RevalidationCampaigns::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Revalidations::Table)
                .col(pk_uuid(Revalidations::Id))
                .col(uuid_null(Revalidations::CampaignId))
                .col(uuid(Revalidations::UserId))
                .col(string_len(Revalidations::Trigger, 24))
                .col(uuid_null(Revalidations::ReviewerId))
                .col(string_len(Revalidations::Status, 16))
                .col(timestamp_with_time_zone(Revalidations::DueAt))
                .col(timestamp_with_time_zone(Revalidations::OpenedAt))
                .col(timestamp_with_time_zone_null(Revalidations::SubmittedAt))
                .col(timestamp_with_time_zone_null(Revalidations::ReviewOpenedAt))
                .col(timestamp_with_time_zone_null(Revalidations::DecidedAt))
                .col(uuid_null(Revalidations::DecidedBy))
                .col(text_null(Revalidations::Comment))
                .col(timestamp_with_time_zone_null(Revalidations::NextReminderAt))
                .col(integer(Revalidations::Version))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "idx_revalidations_campaign",
                &[Revalidations::CampaignId, Revalidations::Status][..],
            ),
            (
                "idx_revalidations_user",
                &[Revalidations::UserId, Revalidations::Status][..],
            ),
            (
                "idx_revalidations_reviewer",
                &[Revalidations::ReviewerId, Revalidations::Status][..],
            ),
            (
                "idx_revalidations_due",
                &[Revalidations::Status, Revalidations::DueAt][..],
            ),
            ("idx_revalidations_reminder", &[Revalidations::NextReminderAt][..]),
        ] {
            let mut i = Index::create();
            i.name(name).table(Revalidations::Table);
            for c in cols {
                i.col(*c);
            }
            m.create_index(i.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(RevalidationItems::Table)
                .col(uuid(RevalidationItems::RevalidationId))
                .col(uuid(RevalidationItems::AssignmentId))
                .col(uuid(RevalidationItems::RoleId))
                .col(boolean_null(RevalidationItems::Keep))
                .col(text_null(RevalidationItems::Reason))
                .primary_key(
                    Index::create()
                        .col(RevalidationItems::RevalidationId)
                        .col(RevalidationItems::AssignmentId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_revalidation_items_assignment")
                .table(RevalidationItems::Table)
                .col(RevalidationItems::AssignmentId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RoleAssignments::Table)
                .add_column(timestamp_with_time_zone_null(RoleAssignments::ReviewedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RoleAssignments::Table)
                .drop_column(RoleAssignments::ReviewedAt)
                .to_owned(),
        )
        .await?;
        for t in [
            RevalidationItems::Table.into_iden(),
            Revalidations::Table.into_iden(),
            RevalidationCampaigns::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum RevalidationCampaigns {
    Table,
    Id,
    Name,
    Scope,
    OrganizationId,
    ApplicationId,
    DueAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Revalidations {
    Table,
    Id,
    CampaignId,
    UserId,
    Trigger,
    ReviewerId,
    Status,
    DueAt,
    OpenedAt,
    SubmittedAt,
    ReviewOpenedAt,
    DecidedAt,
    DecidedBy,
    Comment,
    NextReminderAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum RevalidationItems {
    Table,
    RevalidationId,
    AssignmentId,
    RoleId,
    Keep,
    Reason,
}

#[derive(DeriveIden, Clone, Copy)]
enum RoleAssignments {
    Table,
    ReviewedAt,
}

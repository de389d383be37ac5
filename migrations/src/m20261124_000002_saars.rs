//! The SAAR workflow: approval chains and groups, segregation-of-duties rules, SAARs, their
//! approval tasks and provisioning tasks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for col in [Roles::DataOwnerId, Roles::IaoId] {
            m.alter_table(
                Table::alter()
                    .table(Roles::Table)
                    .add_column(uuid_null(col))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(uuid_null(Applications::ProvisionerGroupId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApprovalGroups::Table)
                .col(pk_uuid(ApprovalGroups::Id))
                .col(string_len_uniq(ApprovalGroups::Name, 200))
                .col(text(ApprovalGroups::Description))
                .col(timestamp_with_time_zone(ApprovalGroups::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApprovalGroupMembers::Table)
                .col(uuid(ApprovalGroupMembers::GroupId))
                .col(uuid(ApprovalGroupMembers::UserId))
                .primary_key(
                    Index::create()
                        .col(ApprovalGroupMembers::GroupId)
                        .col(ApprovalGroupMembers::UserId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_group_members_user")
                .table(ApprovalGroupMembers::Table)
                .col(ApprovalGroupMembers::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RoleChainLevels::Table)
                .col(uuid(RoleChainLevels::RoleId))
                .col(integer(RoleChainLevels::Position))
                .col(string_len(RoleChainLevels::Kind, 32))
                .col(uuid_null(RoleChainLevels::GroupId))
                .primary_key(
                    Index::create()
                        .col(RoleChainLevels::RoleId)
                        .col(RoleChainLevels::Position),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SodRules::Table)
                .col(pk_uuid(SodRules::Id))
                .col(string_len_uniq(SodRules::Name, 200))
                .col(text(SodRules::Description))
                .col(timestamp_with_time_zone(SodRules::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SodRuleRoles::Table)
                .col(uuid(SodRuleRoles::RuleId))
                .col(uuid(SodRuleRoles::RoleId))
                .primary_key(
                    Index::create()
                        .col(SodRuleRoles::RuleId)
                        .col(SodRuleRoles::RoleId),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Counters::Table)
                .col(string_len(Counters::Name, 64).primary_key())
                .col(big_integer(Counters::Value))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Saars::Table)
                .col(pk_uuid(Saars::Id))
                .col(string_len_uniq(Saars::Number, 32))
                .col(uuid(Saars::RequesterId))
                .col(uuid(Saars::SubjectId))
                .col(uuid(Saars::RoleId))
                .col(string_len(Saars::RequestType, 16))
                .col(string_len(Saars::Status, 16))
                .col(text(Saars::Justification))
                .col(timestamp_with_time_zone(Saars::PrivacyActAcceptedAt))
                .col(text(Saars::Snapshot))
                .col(text(Saars::Warnings))
                .col(integer_null(Saars::CurrentLevel))
                .col(text_null(Saars::SodException))
                .col(integer(Saars::Version))
                .col(timestamp_with_time_zone(Saars::CreatedAt))
                .col(timestamp_with_time_zone(Saars::UpdatedAt))
                .col(timestamp_with_time_zone_null(Saars::ClosedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_saars_subject")
                .table(Saars::Table)
                .col(Saars::SubjectId)
                .col(Saars::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_saars_requester")
                .table(Saars::Table)
                .col(Saars::RequesterId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApprovalTasks::Table)
                .col(pk_uuid(ApprovalTasks::Id))
                .col(uuid(ApprovalTasks::SaarId))
                .col(integer(ApprovalTasks::Level))
                .col(string_len(ApprovalTasks::Kind, 32))
                .col(uuid_null(ApprovalTasks::AssigneeId))
                .col(uuid_null(ApprovalTasks::GroupId))
                .col(string_len(ApprovalTasks::Status, 16))
                .col(timestamp_with_time_zone(ApprovalTasks::OpenedAt))
                .col(timestamp_with_time_zone(ApprovalTasks::DueAt))
                .col(timestamp_with_time_zone(ApprovalTasks::NextReminderAt))
                .col(uuid_null(ApprovalTasks::DecidedBy))
                .col(timestamp_with_time_zone_null(ApprovalTasks::DecidedAt))
                .col(string_len_null(ApprovalTasks::ReasonCode, 32))
                .col(text_null(ApprovalTasks::Comment))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApprovalTasks::Table, ApprovalTasks::SaarId)
                        .to(Saars::Table, Saars::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "idx_tasks_assignee",
                vec![ApprovalTasks::AssigneeId, ApprovalTasks::Status],
            ),
            (
                "idx_tasks_group",
                vec![ApprovalTasks::GroupId, ApprovalTasks::Status],
            ),
            ("idx_tasks_due", vec![ApprovalTasks::Status, ApprovalTasks::DueAt]),
            (
                "idx_tasks_reminder",
                vec![ApprovalTasks::Status, ApprovalTasks::NextReminderAt],
            ),
            ("idx_tasks_saar", vec![ApprovalTasks::SaarId]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(ApprovalTasks::Table);
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(ProvisioningTasks::Table)
                .col(pk_uuid(ProvisioningTasks::Id))
                .col(uuid(ProvisioningTasks::SaarId))
                .col(uuid(ProvisioningTasks::ApplicationId))
                .col(uuid(ProvisioningTasks::RoleId))
                .col(uuid(ProvisioningTasks::UserId))
                .col(string_len(ProvisioningTasks::Kind, 16))
                .col(string_len(ProvisioningTasks::Status, 16))
                .col(timestamp_with_time_zone(ProvisioningTasks::CreatedAt))
                .col(uuid_null(ProvisioningTasks::CompletedBy))
                .col(timestamp_with_time_zone_null(ProvisioningTasks::CompletedAt))
                .col(text_null(ProvisioningTasks::Note))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_provisioning_open")
                .table(ProvisioningTasks::Table)
                .col(ProvisioningTasks::Status)
                .col(ProvisioningTasks::ApplicationId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ProvisioningTasks::Table.into_iden(),
            ApprovalTasks::Table.into_iden(),
            Saars::Table.into_iden(),
            Counters::Table.into_iden(),
            SodRuleRoles::Table.into_iden(),
            SodRules::Table.into_iden(),
            RoleChainLevels::Table.into_iden(),
            ApprovalGroupMembers::Table.into_iden(),
            ApprovalGroups::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    DataOwnerId,
    IaoId,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    ProvisionerGroupId,
}

#[derive(DeriveIden)]
enum ApprovalGroups {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApprovalGroupMembers {
    Table,
    GroupId,
    UserId,
}

#[derive(DeriveIden)]
enum RoleChainLevels {
    Table,
    RoleId,
    Position,
    Kind,
    GroupId,
}

#[derive(DeriveIden)]
enum SodRules {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SodRuleRoles {
    Table,
    RuleId,
    RoleId,
}

#[derive(DeriveIden)]
enum Counters {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Saars {
    Table,
    Id,
    Number,
    RequesterId,
    SubjectId,
    RoleId,
    RequestType,
    Status,
    Justification,
    PrivacyActAcceptedAt,
    Snapshot,
    Warnings,
    CurrentLevel,
    SodException,
    Version,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum ApprovalTasks {
    Table,
    Id,
    SaarId,
    Level,
    Kind,
    AssigneeId,
    GroupId,
    Status,
    OpenedAt,
    DueAt,
    NextReminderAt,
    DecidedBy,
    DecidedAt,
    ReasonCode,
    Comment,
}

#[derive(DeriveIden)]
enum ProvisioningTasks {
    Table,
    Id,
    SaarId,
    ApplicationId,
    RoleId,
    UserId,
    Kind,
    Status,
    CreatedAt,
    CompletedBy,
    CompletedAt,
    Note,
}

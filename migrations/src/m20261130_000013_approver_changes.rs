//! Approver changes waiting for acceptance: a user who names a new supervisor or External
//! Authorizing Official does not get them until that person accepts (in their inbox, or for an
//! EAO without an account through a single-use emailed link). Who asked, who decided and when
//! are kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApproverChanges::Table)
                .col(pk_uuid(ApproverChanges::Id))
                .col(uuid(ApproverChanges::UserId))
                .col(string_len(ApproverChanges::Kind, 16))
                .col(uuid_null(ApproverChanges::NewApproverId))
                .col(string_len_null(ApproverChanges::NewEaoEmail, 254))
                .col(uuid(ApproverChanges::RequestedBy))
                .col(timestamp_with_time_zone(ApproverChanges::RequestedAt))
                .col(string_len(ApproverChanges::Status, 16))
                .col(uuid_null(ApproverChanges::DecidedBy))
                .col(timestamp_with_time_zone_null(ApproverChanges::DecidedAt))
                .col(string_len_null(ApproverChanges::LinkTokenHash, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_approver_changes_approver")
                .table(ApproverChanges::Table)
                .col(ApproverChanges::NewApproverId)
                .col(ApproverChanges::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_approver_changes_user")
                .table(ApproverChanges::Table)
                .col(ApproverChanges::UserId)
                .col(ApproverChanges::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_approver_changes_link")
                .table(ApproverChanges::Table)
                .col(ApproverChanges::LinkTokenHash)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApproverChanges::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ApproverChanges {
    Table,
    Id,
    UserId,
    Kind,
    NewApproverId,
    NewEaoEmail,
    RequestedBy,
    RequestedAt,
    Status,
    DecidedBy,
    DecidedAt,
    LinkTokenHash,
}

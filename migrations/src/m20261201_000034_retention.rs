//! Retention: the body of a delivered mail is removed a day after delivery (it may hold live
//! links), and sign-in throttle rows are pruned once nothing blocks them and their run of
//! failures is forgotten. Registrations never verified and changes of email never confirmed
//! end after some days (found by the account's status and creation time, and by its pending
//! address, which an address check at registration also looks up). Each is found by index, so
//! each round reads only what it changes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(timestamp_with_time_zone_null(Outbox::BodyRemovedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_delivered")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::BodyRemovedAt)
                .col(Outbox::SentAt)
                .to_owned(),
        )
        .await?;
        // Partial: few accounts have a pending address, and both the registration's address
        // check (`pending_email = ?`) and the expiry round (`IS NOT NULL`) imply the condition.
        let partial =
            ["CREATE INDEX idx_users_pending_email ON users (pending_email) WHERE pending_email IS NOT NULL"];
        crate::run_for_backend(m, &partial, &partial).await?;
        m.create_index(
            Index::create()
                .name("idx_users_status_created")
                .table(Users::Table)
                .col(Users::Status)
                .col(Users::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_throttle_last_failure")
                .table(LoginThrottle::Table)
                .col(LoginThrottle::LastFailureAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_users_pending_email", "idx_users_status_created"] {
            m.drop_index(Index::drop().name(name).table(Users::Table).to_owned())
                .await?;
        }
        m.drop_index(
            Index::drop()
                .name("idx_login_throttle_last_failure")
                .table(LoginThrottle::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_outbox_delivered")
                .table(Outbox::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .drop_column(Outbox::BodyRemovedAt)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Status,
    SentAt,
    BodyRemovedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    LastFailureAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Status,
    CreatedAt,
}

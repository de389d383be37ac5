//! Automatic provisioning: each application's webhook secret, and the delivery state of
//! provisioning tasks (attempts, next attempt, last error, idempotency key).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(text_null(Applications::WebhookSecret))
                .to_owned(),
        )
        .await?;
        // SQLite takes one column per ALTER TABLE.
        let cols = [
            string_len(ProvisioningTasks::Mode, 16)
                .default("manual")
                .to_owned(),
            integer(ProvisioningTasks::Attempts).default(0).to_owned(),
            timestamp_with_time_zone_null(ProvisioningTasks::NextAttemptAt),
            text_null(ProvisioningTasks::LastError),
            string_len_null(ProvisioningTasks::IdempotencyKey, 64),
        ];
        for c in cols {
            let mut c = c;
            m.alter_table(
                Table::alter()
                    .table(ProvisioningTasks::Table)
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_provisioning_due")
                .table(ProvisioningTasks::Table)
                .col(ProvisioningTasks::Mode)
                .col(ProvisioningTasks::Status)
                .col(ProvisioningTasks::NextAttemptAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_provisioning_due")
                .table(ProvisioningTasks::Table)
                .to_owned(),
        )
        .await?;
        for c in [
            ProvisioningTasks::Mode,
            ProvisioningTasks::Attempts,
            ProvisioningTasks::NextAttemptAt,
            ProvisioningTasks::LastError,
            ProvisioningTasks::IdempotencyKey,
        ] {
            m.alter_table(
                Table::alter()
                    .table(ProvisioningTasks::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .drop_column(Applications::WebhookSecret)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    WebhookSecret,
}

#[derive(DeriveIden)]
enum ProvisioningTasks {
    Table,
    Mode,
    Attempts,
    NextAttemptAt,
    LastError,
    IdempotencyKey,
    Status,
}

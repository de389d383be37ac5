//! A SAAR's provisioning task is found by the SAAR: every view of a SAAR being provisioned
//! looks it up, which without this index scans every provisioning task ever opened.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_provisioning_saar")
                .table(ProvisioningTasks::Table)
                .col(ProvisioningTasks::SaarId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_provisioning_saar")
                .table(ProvisioningTasks::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum ProvisioningTasks {
    Table,
    SaarId,
}

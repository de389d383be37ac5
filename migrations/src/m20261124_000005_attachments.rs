//! SAAR attachments, kept in the database so every replica serves them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .col(pk_uuid(Attachments::Id))
                .col(uuid(Attachments::SaarId))
                .col(string_len(Attachments::Filename, 255))
                .col(string_len(Attachments::ContentType, 100))
                .col(big_integer(Attachments::Size))
                .col(string_len(Attachments::Sha256, 64))
                .col(blob(Attachments::Data))
                .col(uuid(Attachments::UploadedBy))
                .col(timestamp_with_time_zone(Attachments::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_attachments_saar")
                .table(Attachments::Table)
                .col(Attachments::SaarId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    SaarId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
    UploadedBy,
    CreatedAt,
}

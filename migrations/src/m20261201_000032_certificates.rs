//! PIV / CAC certificates bound to accounts: one row per binding, found at sign-in by the
//! identity the certificate carries (its UPN, else the EDIPI in its subject, else its SHA-256
//! fingerprint), so a reissued card with the same UPN or EDIPI still signs its owner in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UserCertificates::Table)
                .col(uuid(UserCertificates::Id).primary_key())
                .col(uuid(UserCertificates::UserId))
                .col(string_len(UserCertificates::Identity, 300).unique_key())
                .col(string_len(UserCertificates::Subject, 500))
                .col(string_len(UserCertificates::Issuer, 500))
                .col(string_len(UserCertificates::Serial, 80))
                .col(string_len(UserCertificates::Fingerprint, 64))
                .col(timestamp_with_time_zone(UserCertificates::NotAfter))
                .col(timestamp_with_time_zone(UserCertificates::CreatedAt))
                .col(timestamp_with_time_zone_null(UserCertificates::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserCertificates::Table, UserCertificates::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_certificates_user")
                .table(UserCertificates::Table)
                .col(UserCertificates::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UserCertificates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UserCertificates {
    Table,
    Id,
    UserId,
    Identity,
    Subject,
    Issuer,
    Serial,
    Fingerprint,
    NotAfter,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

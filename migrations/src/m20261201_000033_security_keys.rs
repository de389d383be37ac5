//! FIDO2 / WebAuthn security keys as a second factor: the keys a person registered (several,
//! named), and the challenges of registrations and sign-ins under way (single use, short-lived,
//! kept in the database so any replica can finish what another started).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SecurityKeys::Table)
                .col(uuid(SecurityKeys::Id).primary_key())
                .col(uuid(SecurityKeys::UserId))
                .col(string_len(SecurityKeys::Name, 64))
                .col(string_len(SecurityKeys::CredentialId, 1400).unique_key())
                .col(text(SecurityKeys::Passkey))
                .col(timestamp_with_time_zone(SecurityKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(SecurityKeys::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SecurityKeys::Table, SecurityKeys::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_security_keys_user")
                .table(SecurityKeys::Table)
                .col(SecurityKeys::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebauthnChallenges::Table)
                .col(uuid(WebauthnChallenges::Id).primary_key())
                .col(uuid(WebauthnChallenges::UserId))
                .col(string_len(WebauthnChallenges::Purpose, 16))
                .col(text(WebauthnChallenges::State))
                .col(timestamp_with_time_zone(WebauthnChallenges::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebauthnChallenges::Table, WebauthnChallenges::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebauthnChallenges::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SecurityKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SecurityKeys {
    Table,
    Id,
    UserId,
    Name,
    CredentialId,
    Passkey,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum WebauthnChallenges {
    Table,
    Id,
    UserId,
    Purpose,
    State,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

//! Sign-in with an organization's network credentials (OpenID Connect, issue #15): each
//! organization may name its identity provider (issuer, client id and secret); a sign-in in
//! progress keeps its state, nonce and PKCE verifier server-side (single use, 10 minutes, bound
//! to the browser that started it); an account is linked to the provider's subject the first
//! time it signs in by its verified email, and found by that subject afterwards.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NetworkProviders::Table)
                .col(uuid(NetworkProviders::OrganizationId).primary_key())
                .col(string_len(NetworkProviders::Issuer, 500))
                .col(string_len(NetworkProviders::ClientId, 255))
                .col(string_len(NetworkProviders::ClientSecret, 500))
                .col(timestamp_with_time_zone(NetworkProviders::CreatedAt))
                .col(timestamp_with_time_zone(NetworkProviders::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NetworkProviders::Table, NetworkProviders::OrganizationId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NetworkFlows::Table)
                .col(uuid(NetworkFlows::Id).primary_key())
                .col(string_len(NetworkFlows::StateHash, 64).unique_key())
                .col(string_len(NetworkFlows::BrowserHash, 64))
                .col(uuid(NetworkFlows::OrganizationId))
                .col(string_len(NetworkFlows::Nonce, 128))
                .col(string_len(NetworkFlows::PkceVerifier, 128))
                .col(string_len_null(NetworkFlows::AppState, 128))
                .col(timestamp_with_time_zone(NetworkFlows::CreatedAt))
                .col(timestamp_with_time_zone(NetworkFlows::ExpiresAt))
                .col(timestamp_with_time_zone_null(NetworkFlows::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NetworkFlows::Table, NetworkFlows::OrganizationId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_network_flows_expires")
                .table(NetworkFlows::Table)
                .col(NetworkFlows::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NetworkIdentities::Table)
                .col(uuid(NetworkIdentities::Id).primary_key())
                .col(uuid(NetworkIdentities::UserId))
                .col(string_len(NetworkIdentities::Issuer, 500))
                .col(string_len(NetworkIdentities::Subject, 255))
                .col(timestamp_with_time_zone(NetworkIdentities::CreatedAt))
                .col(timestamp_with_time_zone_null(NetworkIdentities::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NetworkIdentities::Table, NetworkIdentities::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_network_identities_subject")
                .table(NetworkIdentities::Table)
                .col(NetworkIdentities::Issuer)
                .col(NetworkIdentities::Subject)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_network_identities_user")
                .table(NetworkIdentities::Table)
                .col(NetworkIdentities::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            NetworkIdentities::Table.into_iden(),
            NetworkFlows::Table.into_iden(),
            NetworkProviders::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum NetworkProviders {
    Table,
    OrganizationId,
    Issuer,
    ClientId,
    ClientSecret,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NetworkFlows {
    Table,
    Id,
    StateHash,
    BrowserHash,
    OrganizationId,
    Nonce,
    PkceVerifier,
    AppState,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum NetworkIdentities {
    Table,
    Id,
    UserId,
    Issuer,
    Subject,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

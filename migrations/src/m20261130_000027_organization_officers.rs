//! The security officers and Information Assurance Officers an organization names: My
//! Information shows them ("Security Officer(s)", the IAO), and a user's own security officer
//! is one of them where the organization names any.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OrganizationOfficers::Table)
                .col(uuid(OrganizationOfficers::OrganizationId))
                .col(uuid(OrganizationOfficers::UserId))
                .col(string_len(OrganizationOfficers::Kind, 32))
                .primary_key(
                    Index::create()
                        .col(OrganizationOfficers::OrganizationId)
                        .col(OrganizationOfficers::Kind)
                        .col(OrganizationOfficers::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrganizationOfficers::Table, OrganizationOfficers::OrganizationId)
                        .to(Organizations::Table, Organizations::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OrganizationOfficers::Table, OrganizationOfficers::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OrganizationOfficers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OrganizationOfficers {
    Table,
    OrganizationId,
    UserId,
    Kind,
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

//! AMPS's administrative roles are recognised by a stable key, not by their display name: a
//! role renamed in the catalog keeps its powers, and a role of another application (or a new
//! one) named "Administrator" grants nothing. Existing administrative roles (the AMPS
//! application's roles with the reference names) get their keys.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The reference names and their keys (`domain::permission::AdminRole`).
const KEYS: &[(&str, &str)] = &[
    ("Administrator", "administrator"),
    ("Help Desk", "help_desk"),
    ("Provisioner", "provisioner"),
    ("Reports", "reports"),
    ("New IT User Requestor", "new_it_user_requestor"),
    ("Role Catalog Owner", "role_catalog_owner"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Roles::Table)
                .add_column(ColumnDef::new(Roles::AdminKey).string().null())
                .to_owned(),
        )
        .await?;
        // One role per key.
        m.create_index(
            Index::create()
                .name("idx_roles_admin_key")
                .table(Roles::Table)
                .col(Roles::AdminKey)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, key) in KEYS {
            let amps = Query::select()
                .column(Applications::Id)
                .from(Applications::Table)
                .and_where(Expr::col(Applications::Code).eq("AMPS"))
                .to_owned();
            m.exec_stmt(
                Query::update()
                    .table(Roles::Table)
                    .value(Roles::AdminKey, *key)
                    .and_where(Expr::col(Roles::Name).eq(*name))
                    .and_where(Expr::col(Roles::ApplicationId).in_subquery(amps))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_roles_admin_key")
                .table(Roles::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Roles::Table)
                .drop_column(Roles::AdminKey)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Name,
    ApplicationId,
    AdminKey,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    Code,
}

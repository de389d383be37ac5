//! Delete User: when an account's deletion started (it is disabled at once and deleted when its
//! last role is deprovisioned), and, once deleted, the address it had. A deleted account gives
//! its address up (`email` becomes `<id>@deleted.invalid`, a name RFC 2606 keeps from ever
//! receiving mail) so that the person may register again with it, while the record and its
//! history stay. `users.email` keeps its unique constraint: SQLite cannot drop a column's
//! constraint without rebuilding the table, and a partial unique index would be the same rule.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::DeletionStartedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(string_len_null(Users::DeletedEmail, 254))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in [Users::DeletedEmail, Users::DeletionStartedAt] {
            m.alter_table(Table::alter().table(Users::Table).drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    DeletionStartedAt,
    DeletedEmail,
}

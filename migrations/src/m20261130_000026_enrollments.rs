//! New IT User Enrollment: the COR who enrolled a contractor (they follow and extend the
//! contract), and when the people concerned were warned that the contract ends (the account is
//! disabled when it does, unless extended). Indexed for the COR's list and the daily job.

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
                .add_column(uuid_null(Users::EnrolledBy))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::ContractWarnedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_enrolled_by")
                .table(Users::Table)
                .col(Users::EnrolledBy)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_users_contract_ends_on")
                .table(Users::Table)
                .col(Users::ContractEndsOn)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_users_contract_ends_on", "idx_users_enrolled_by"] {
            m.drop_index(Index::drop().name(name).table(Users::Table).to_owned())
                .await?;
        }
        for c in [Users::ContractWarnedAt, Users::EnrolledBy] {
            m.alter_table(Table::alter().table(Users::Table).drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    EnrolledBy,
    ContractWarnedAt,
    ContractEndsOn,
}

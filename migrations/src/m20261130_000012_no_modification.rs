//! "modification" is no longer a request type: it was accepted and handled as a first request
//! for a role not held, so stored ones become what they were.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::update()
                .table(Saars::Table)
                .value(Saars::RequestType, "initial")
                .and_where(Expr::col(Saars::RequestType).eq("modification"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Saars {
    Table,
    RequestType,
}

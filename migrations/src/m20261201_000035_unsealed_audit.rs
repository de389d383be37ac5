//! The audit sealer finds the events it has not chained yet by a partial index on their id:
//! without it each of its rounds read the whole audit table (a sequential scan on PostgreSQL,
//! where events are sealed after the fact), which grows with every change ever made.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let partial = ["CREATE INDEX idx_audit_events_unsealed ON audit_events (id) WHERE seq IS NULL"];
        crate::run_for_backend(m, &partial, &partial).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let drop = ["DROP INDEX idx_audit_events_unsealed"];
        crate::run_for_backend(m, &drop, &drop).await
    }
}

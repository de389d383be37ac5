//! The `audit_events` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
    /// Position in the sealed chain; `None` until the sealer reaches the event.
    pub seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! The `revalidation_campaigns` table.

use crate::domain::revalidation::Scope;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revalidation_campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub scope: Scope,
    pub organization_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub due_at: DateTimeUtc,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    /// When it closed (decisions then stand).
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

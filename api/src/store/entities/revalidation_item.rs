//! The `revalidation_items` table: one role under review, kept or given up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revalidation_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub revalidation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub assignment_id: Uuid,
    pub role_id: Uuid,
    /// None until the user decides.
    pub keep: Option<bool>,
    /// Why the role is given up.
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

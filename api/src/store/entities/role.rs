//! The `roles` table.

use crate::domain::permission::AdminRole;
use crate::domain::request::{RenewalApprover, Requestable};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub name: String,
    pub environment: String,
    pub description: String,
    pub hidden: bool,
    pub requestable_by: Requestable,
    pub min_it_level: String,
    pub default_expiration_days: Option<i32>,
    pub mfa_required: bool,
    pub data_owner_id: Option<Uuid>,
    pub iao_id: Option<Uuid>,
    /// Set on AMPS's own administrative roles only: what they are recognised by.
    pub admin_key: Option<AdminRole>,
    pub created_at: DateTimeUtc,
    /// Who approves a renewal of the role.
    pub renewal_approver: RenewalApprover,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "Column::ApplicationId",
        to = "super::application::Column::Id"
    )]
    Application,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

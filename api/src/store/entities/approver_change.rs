//! The `approver_changes` table.

use crate::domain::approver_change::{ApproverChangeStatus, ApproverKind};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approver_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: ApproverKind,
    pub new_approver_id: Option<Uuid>,
    pub new_eao_email: Option<String>,
    pub requested_by: Uuid,
    pub requested_at: DateTimeUtc,
    pub status: ApproverChangeStatus,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub link_token_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

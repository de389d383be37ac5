//! The `approval_tasks` table.

use crate::domain::task::TaskStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub saar_id: Uuid,
    pub level: i32,
    pub kind: String,
    pub assignee_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub status: TaskStatus,
    pub opened_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub next_reminder_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub reason_code: Option<String>,
    pub comment: Option<String>,
    pub link_token_hash: Option<String>,
    /// The approver a deputy holds this task for; it returns to them when the delegation ends.
    pub delegated_from: Option<Uuid>,
    /// Why the task went to someone other than the approver the chain names.
    pub routed_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::saar::Entity",
        from = "Column::SaarId",
        to = "super::saar::Column::Id"
    )]
    Saar,
}

impl Related<super::saar::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Saar.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! The `revalidations` table: one user's review of their roles.

use crate::domain::revalidation::{RevalidationStatus, Trigger};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revalidations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// None for an event-driven revalidation.
    pub campaign_id: Option<Uuid>,
    pub user_id: Uuid,
    pub trigger: Trigger,
    /// The supervisor (EAO for external users) who decides; none: the administrators.
    pub reviewer_id: Option<Uuid>,
    pub status: RevalidationStatus,
    pub due_at: DateTimeUtc,
    pub opened_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    /// When the reviewer first opened it after submission (for seconds per decision).
    pub review_opened_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<Uuid>,
    pub comment: Option<String>,
    pub next_reminder_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

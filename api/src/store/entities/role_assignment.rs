//! The `role_assignments` table.

use crate::domain::assignment::AssignmentStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub role_id: Uuid,
    pub status: AssignmentStatus,
    pub since: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub source_saar_id: Option<Uuid>,
    /// When the holder was offered a renewal (the expiry job mails them once).
    pub renewal_offered_at: Option<DateTimeUtc>,
    /// When the assignment ended (removed or expired).
    pub ended_at: Option<DateTimeUtc>,
    /// When a revalidation last confirmed it.
    pub reviewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::role::Entity",
        from = "Column::RoleId",
        to = "super::role::Column::Id"
    )]
    Role,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}

//! The `provisioning_tasks` table.

use crate::domain::provisioning::{ProvisioningKind, ProvisioningMode, ProvisioningStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provisioning_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub saar_id: Uuid,
    pub application_id: Uuid,
    pub role_id: Uuid,
    pub user_id: Uuid,
    pub kind: ProvisioningKind,
    pub status: ProvisioningStatus,
    pub created_at: DateTimeUtc,
    pub completed_by: Option<Uuid>,
    pub completed_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub mode: ProvisioningMode,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

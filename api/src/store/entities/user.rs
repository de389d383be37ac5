//! The `users` table.

use crate::domain::account::AccountStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub login: String,
    pub first_name: String,
    pub middle_initial: Option<String>,
    pub last_name: String,
    pub email: String,
    pub pending_email: Option<String>,
    pub phone: String,
    pub job_title: Option<String>,
    pub organization_id: Uuid,
    pub user_type: String,
    pub company: Option<String>,
    /// A contractor's contract and the day it ends.
    pub contract_number: Option<String>,
    pub contract_ends_on: Option<Date>,
    pub eao_email: Option<String>,
    pub supervisor_id: Option<Uuid>,
    pub security_officer_id: Option<Uuid>,
    pub eao_id: Option<Uuid>,
    pub it_level: String,
    pub ia_training_date: Option<Date>,
    pub status: AccountStatus,
    pub password_hash: String,
    pub password_changed_at: DateTimeUtc,
    pub last_activity_at: Option<DateTimeUtc>,
    /// When the person of an idle external account was last warned it will be disabled.
    pub inactivity_warned_at: Option<DateTimeUtc>,
    /// When Delete User started for this account (disabled until its last role is removed).
    pub deletion_started_at: Option<DateTimeUtc>,
    /// The address a deleted account had (its `email` is then `<id>@deleted.invalid`).
    pub deleted_email: Option<String>,
    /// The COR who enrolled this contractor (New IT User Enrollment).
    pub enrolled_by: Option<Uuid>,
    /// When the contractor, supervisor and COR were warned that the contract ends.
    pub contract_warned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Raised when every session must end; access tokens of an older epoch are refused.
    pub session_epoch: i32,
    /// The session (refresh family) a password change kept, whose older tokens still count.
    pub kept_session: Option<Uuid>,
    /// Sign-ins ended early whose access tokens are refused (`sid@unix-time-until`, spaces).
    pub ended_sessions: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

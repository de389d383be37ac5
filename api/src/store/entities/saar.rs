//! The `saars` table.

use crate::domain::saar::{RequestType, SaarStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub requester_id: Uuid,
    pub subject_id: Uuid,
    pub role_id: Uuid,
    pub request_type: RequestType,
    pub status: SaarStatus,
    pub justification: String,
    pub privacy_act_accepted_at: DateTimeUtc,
    pub snapshot: String,
    pub warnings: String,
    pub current_level: Option<i32>,
    pub sod_exception: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// The end date an approver set on the access this SAAR grants (before the role's own
    /// period ends, if it has one).
    pub access_ends_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Bodies of revalidation: campaigns and their progress, a user's review of their roles, and
//! the reviewer's decision.

use crate::workflow::RoleRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Who a campaign reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignScope {
    /// Every active internal (DLA, DFAS) user holding a role.
    Internal,
    /// Every active user of `organization_id` holding a role.
    Organization,
    /// Every active user holding a role of `application_id` (only those roles are reviewed).
    Application,
}

/// Start a revalidation campaign.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    #[validate(length(min = 3, max = 120), custom(function = "crate::rules::free_text"))]
    pub name: String,
    pub scope: CampaignScope,
    /// With scope `organization`.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// With scope `application`.
    #[serde(default)]
    pub application_id: Option<Uuid>,
    /// The last day to finish, at least 7 days after today; a review not approved by its end is
    /// overdue, and a week later loses every role in it.
    pub due_on: NaiveDate,
}

/// How far a campaign (or one organization in it) has come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CampaignProgress {
    /// Revalidations in all.
    pub total: i64,
    /// Decided (approved, rejected) or lapsed.
    pub done: i64,
    pub waiting_on_user: i64,
    pub waiting_on_reviewer: i64,
    /// Still open after the due date.
    pub overdue: i64,
    /// Open ones whose user has no supervisor (EAO): the administrators review them.
    pub without_reviewer: i64,
    /// Roles the campaign removed, deprovisioning confirmed.
    pub roles_removed: i64,
    /// Roles the campaign removes whose deprovisioning is not confirmed yet.
    pub removals_pending: i64,
}

/// One organization's progress in a campaign.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganizationProgress {
    pub organization: String,
    pub progress: CampaignProgress,
}

/// Whether the reviews mean something.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewQuality {
    /// Reviewer decisions so far.
    pub decisions: i64,
    /// Median seconds from the reviewer opening a review to deciding it.
    pub median_seconds: Option<f64>,
    /// Share of decisions that kept every role in under 3 seconds per role (0 to 1).
    pub rubber_stamp_share: Option<f64>,
}

/// A revalidation campaign.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CampaignResponse {
    pub id: Uuid,
    pub name: String,
    pub scope: CampaignScope,
    pub organization_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The administrator who started it (User ID).
    pub created_by: String,
    /// When it was closed (its decisions then stand); open campaigns have none.
    pub closed_at: Option<DateTime<Utc>>,
    pub progress: CampaignProgress,
    /// Per organization, by name.
    pub by_organization: Vec<OrganizationProgress>,
    pub review: ReviewQuality,
}

/// Where a revalidation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevalidationStatus {
    /// Waiting on the user to review their roles.
    Open,
    /// Waiting on the reviewer.
    Submitted,
    /// Approved: the roles given up are removed, the rest kept.
    Approved,
    /// Rejected: every role is removed.
    Rejected,
    /// Not finished a week after the due date: every role is removed.
    Lapsed,
}

/// One role under review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevalidationItem {
    pub assignment_id: Uuid,
    pub role: RoleRef,
    pub since: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// None until the user decides.
    pub keep: Option<bool>,
    /// Why the role is given up.
    pub reason: Option<String>,
}

/// A user's review of their roles.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevalidationResponse {
    pub id: Uuid,
    /// The campaign's name; none for one opened by a change (see `trigger`).
    pub campaign: Option<String>,
    /// `campaign`, `ia_training`, `supervisor_change` or `organization_change`.
    pub trigger: String,
    pub user: String,
    pub user_id: Uuid,
    /// Who decides: the supervisor (EAO), or "Administrators" when the user has none.
    pub reviewer: String,
    pub status: RevalidationStatus,
    pub due_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    /// The reviewer's comment (a rejection's reason).
    pub comment: Option<String>,
    pub items: Vec<RevalidationItem>,
    /// What happens if nobody finishes it by the due date.
    pub if_not_finished: String,
    /// Pass as `version` on writes.
    pub version: i32,
}

/// A user's decision on one role.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemDecisionRequest {
    pub assignment_id: Uuid,
    pub keep: bool,
    /// Required to give a role up.
    #[validate(length(max = 2000), custom(function = "crate::rules::free_text"))]
    #[serde(default)]
    pub reason: Option<String>,
}

/// Record decisions on my roles, and submit the review when every role is decided.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRevalidationRequest {
    #[validate(length(max = 500), nested)]
    pub items: Vec<ItemDecisionRequest>,
    /// Send the review to the reviewer (every role must be kept, or given up with a reason).
    #[serde(default)]
    pub submit: bool,
    /// The version read (`version`); a stale one is refused with 409.
    #[serde(default)]
    pub version: Option<i32>,
}

/// The reviewer approves a review, removing any of the roles the user kept that they should
/// not (`remove`). Until the campaign closes, the reviewer may correct an approved review by
/// approving it again with more roles to remove (or by rejecting it); what was removed stays
/// removed (ask for a role again to restore it).
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRevalidationRequest {
    #[validate(length(max = 2000), custom(function = "crate::rules::free_text"))]
    #[serde(default)]
    pub comment: Option<String>,
    /// Roles the user kept that the reviewer removes, each with a reason.
    #[validate(length(max = 500), nested)]
    #[serde(default)]
    pub remove: Vec<ReviewerRemoval>,
    #[serde(default)]
    pub version: Option<i32>,
}

/// A role the reviewer removes from a review.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerRemoval {
    /// The item's `assignment_id`.
    pub assignment_id: Uuid,
    #[validate(length(min = 5, max = 500), custom(function = "crate::rules::free_text"))]
    pub reason: String,
}

/// The reviewer rejects a review: every role is removed.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRevalidationRequest {
    #[validate(length(min = 5, max = 2000), custom(function = "crate::rules::free_text"))]
    pub reason: String,
    #[serde(default)]
    pub version: Option<i32>,
}

/// How many overdue people were reminded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RemindResponse {
    pub reminded: i64,
}

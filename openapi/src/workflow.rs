//! Bodies of the SAAR workflow: catalog, requests, approvals, provisioning, current roles.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// How an application is provisioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningMode {
    /// A provisioner does it and marks the task done.
    Manual,
    /// AMPS calls the application's webhook.
    Automatic,
}

impl ProvisioningMode {
    /// The mode in words.
    pub fn label(self) -> &'static str {
        match self {
            ProvisioningMode::Manual => "manual",
            ProvisioningMode::Automatic => "automatic",
        }
    }
}

/// Create an application.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplicationRequest {
    #[validate(length(min = 2, max = 64), custom(function = "crate::rules::plain_text"))]
    pub code: String,
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    pub name: String,
    pub provisioning_mode: ProvisioningMode,
    #[validate(url, length(max = 500))]
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// The approval group whose members do manual provisioning.
    #[serde(default)]
    pub provisioner_group_id: Option<Uuid>,
}

/// An application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationResponse {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub provisioning_mode: ProvisioningMode,
    pub webhook_url: Option<String>,
    pub provisioner_group_id: Option<Uuid>,
    /// The HMAC-SHA256 key of the webhook's `X-AMPS-Signature`: shown once, when the
    /// application is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

/// One level of an approval chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainLevel {
    /// `supervisor`, `security_officer`, `data_owner`, `iao`, `eao` or `group`.
    pub kind: String,
    /// The approval group, for a `group` level.
    #[serde(default)]
    pub group_id: Option<Uuid>,
}

/// Who may request a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requestable {
    Internal,
    External,
    Both,
}

/// Who approves the renewal of a role about to expire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalApprover {
    /// The holder's supervisor (the EAO for external users).
    #[default]
    Supervisor,
    /// The role's data owner.
    DataOwner,
    /// The role's whole approval chain, as for a new request.
    Chain,
}

/// Create a role in the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    pub application_id: Uuid,
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    pub name: String,
    /// `PROD`, `TEST`, …
    #[validate(length(min = 2, max = 16), custom(function = "crate::rules::plain_text"))]
    pub environment: String,
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub description: String,
    /// Hidden roles are never listed in searches.
    #[serde(default)]
    pub hidden: bool,
    /// Organization codes that see the role; empty means every organization.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub visible_to: Vec<String>,
    pub requestable_by: Requestable,
    /// `none`, `I`, `II` or `III`.
    #[validate(length(min = 1, max = 8))]
    pub min_it_level: String,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub prerequisites: Vec<Uuid>,
    #[validate(length(min = 1, max = 10))]
    pub chain: Vec<ChainLevel>,
    #[validate(range(min = 1, max = 3650))]
    #[serde(default)]
    pub default_expiration_days: Option<i32>,
    #[serde(default)]
    pub mfa_required: bool,
    #[serde(default)]
    pub data_owner_id: Option<Uuid>,
    #[serde(default)]
    pub iao_id: Option<Uuid>,
    /// Who approves a renewal (default: the supervisor).
    #[serde(default)]
    pub renewal_approver: RenewalApprover,
}

/// A role as the catalog shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleResponse {
    pub id: Uuid,
    pub name: String,
    pub application: String,
    pub application_id: Uuid,
    pub environment: String,
    pub description: String,
    pub min_it_level: String,
    pub requestable_by: Requestable,
    pub prerequisites: Vec<RoleRef>,
    pub chain: Vec<ChainLevel>,
    pub default_expiration_days: Option<i32>,
    /// Who approves a renewal of it.
    pub renewal_approver: RenewalApprover,
    /// Marked "MFA required": it is requested and decided only from a sign-in with a second
    /// factor (two-step sign-in).
    #[serde(default)]
    pub mfa_required: bool,
    /// The caller already holds it.
    pub held: bool,
    /// The caller already has a request open for it.
    pub pending: bool,
    /// What only catalog managers see (in the catalog view, `all=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<RoleCatalogFacts>,
}

/// A role's settings as catalog managers see and change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleCatalogFacts {
    pub hidden: bool,
    /// Organization codes that see the role; empty means every organization.
    pub visible_to: Vec<String>,
    pub mfa_required: bool,
    pub data_owner_id: Option<Uuid>,
    pub iao_id: Option<Uuid>,
}

/// A short reference to a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleRef {
    pub id: Uuid,
    pub name: String,
    pub application: String,
    pub environment: String,
}

/// Role search.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchRolesQuery {
    /// Text in the role or application name.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// An application code.
    #[validate(length(max = 64))]
    pub application: Option<String>,
    #[validate(range(min = 1, max = 500))]
    pub limit: Option<u64>,
    /// The catalog view: every role, hidden ones included, with their settings (catalog
    /// managers only).
    pub all: Option<bool>,
}

/// Create an approval group.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApprovalGroupRequest {
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    pub name: String,
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub description: String,
    #[validate(length(max = 500))]
    pub members: Vec<Uuid>,
}

/// An approval group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApprovalGroupResponse {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// Member user ids (what create and change take).
    pub members: Vec<Uuid>,
    /// The same members as people, in name order.
    pub people: Vec<crate::PersonRef>,
}

/// Create a segregation-of-duties rule: no one may hold two roles of the set.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSodRuleRequest {
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    pub name: String,
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub description: String,
    #[validate(length(min = 2, max = 50))]
    pub role_ids: Vec<Uuid>,
}

/// A segregation-of-duties rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SodRuleResponse {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub role_ids: Vec<Uuid>,
}

/// DD 2875 request type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestType {
    /// Access to a role the user does not hold.
    Initial,
    /// The removal of a role the user holds.
    Deactivate,
    /// More time for a role the user holds that is about to expire (asked from Current
    /// Roles; `POST /me/roles/{id}/renewal`).
    Renewal,
}

impl RequestType {
    /// The DD 2875 request type in words.
    pub fn label(self) -> &'static str {
        match self {
            RequestType::Initial => "Initial",
            RequestType::Deactivate => "Deactivate",
            RequestType::Renewal => "Renewal",
        }
    }
}

/// Where a SAAR stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SaarStatus {
    /// Waiting on an approval level.
    Pending,
    /// Every level approved; the role is being provisioned (or removed).
    Provisioning,
    /// Provisioned (or, for a removal, removed).
    Completed,
    Rejected,
    /// Sent back to the requester for more information.
    Returned,
    Cancelled,
    /// A level did not act before its deadline.
    Expired,
}

impl SaarStatus {
    /// The status in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            SaarStatus::Pending => "Pending",
            SaarStatus::Provisioning => "Provisioning",
            SaarStatus::Completed => "Completed",
            SaarStatus::Rejected => "Rejected",
            SaarStatus::Returned => "Returned for information",
            SaarStatus::Cancelled => "Cancelled",
            SaarStatus::Expired => "Expired",
        }
    }

    /// Whether the request is still under way (Pending Requests rather than SAAR History).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            SaarStatus::Pending | SaarStatus::Provisioning | SaarStatus::Returned
        )
    }
}

/// Where one approval step of a SAAR stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting on its approver.
    Open,
    Approved,
    Rejected,
    /// Sent back to the requester for more information.
    Returned,
    /// Its deadline passed with no decision.
    Expired,
    /// The request was cancelled while this step was open.
    Cancelled,
}

impl TaskStatus {
    /// The status in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::Open => "Open",
            TaskStatus::Approved => "Approved",
            TaskStatus::Rejected => "Rejected",
            TaskStatus::Returned => "Returned",
            TaskStatus::Expired => "Expired",
            TaskStatus::Cancelled => "Cancelled",
        }
    }
}

/// The DD 2875 user information given with a request (updates My Information).
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaarUserInfo {
    /// Date of the last IA / cyber-awareness training; must be within the last year.
    pub ia_training_date: NaiveDate,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub job_title: Option<String>,
    #[validate(custom(function = "crate::rules::phone"))]
    #[serde(default)]
    pub phone: Option<String>,
}

/// Submit a request for one or more roles (one SAAR per role).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitSaarsRequest {
    /// The requester accepted the Privacy Act Statement.
    pub privacy_act_accepted: bool,
    #[validate(length(min = 1, max = 20))]
    pub role_ids: Vec<Uuid>,
    #[validate(length(min = 10, max = 2000), custom(function = "crate::rules::free_text"))]
    pub justification: String,
    pub request_type: RequestType,
    #[validate(nested)]
    pub user_info: SaarUserInfo,
    /// A supervisor requesting for a direct report.
    #[serde(default)]
    pub on_behalf_of: Option<Uuid>,
}

/// A warning recorded on a SAAR and shown to approvers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SaarWarning {
    /// `sod_conflict` or `missing_prerequisite`.
    pub kind: String,
    pub message: String,
    /// The other role involved.
    pub role: Option<RoleRef>,
}

/// One event of a SAAR's audit trail: what happened to it, when and by whom, as the
/// hash-chained audit log recorded it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SaarHistoryEntry {
    /// The event's position in the sealed audit chain; absent until the chain reaches it (a
    /// moment after the change, on PostgreSQL).
    pub seq: Option<i64>,
    pub at: DateTime<Utc>,
    /// Who acted: a User ID, `system` for the server's own jobs, or `client:<id>`.
    pub actor: String,
    /// What happened, e.g. `saar.submitted`, `saar.level_approved`, `saar.provisioned`.
    pub action: String,
    /// The event's details as recorded.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The event's seal (SHA-256, hex) once sealed, to check against the audit log.
    pub hash: Option<String>,
}

/// One step of a SAAR's approval chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SaarStep {
    pub level: i32,
    /// `supervisor`, `security_officer`, `data_owner`, `iao`, `eao`, `group`.
    pub kind: String,
    /// Who acts (a person's name, or the group's name).
    pub approver: String,
    pub status: TaskStatus,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason_code: Option<String>,
    pub comment: Option<String>,
}

/// Whom a SAAR waits on now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WaitingOn {
    pub who: String,
    pub kind: String,
    pub since: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// Seconds left before the deadline (negative when overdue).
    pub seconds_left: Option<i64>,
    /// Why the request waits on someone other than the approver its chain names (that
    /// approver may not decide it: they are its subject, its requester, or approved another
    /// level), or on a deputy (whom they act for).
    pub reason: Option<String>,
}

/// A SAAR.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SaarResponse {
    pub id: Uuid,
    pub number: String,
    pub status: SaarStatus,
    pub request_type: RequestType,
    pub role: RoleRef,
    pub requester: String,
    /// The person the role is for.
    pub subject: String,
    pub subject_id: Uuid,
    pub justification: String,
    pub warnings: Vec<SaarWarning>,
    pub sod_exception: Option<String>,
    /// The end date an approver set on the access this request grants or renews.
    #[serde(default)]
    pub access_ends_at: Option<DateTime<Utc>>,
    pub waiting_on: Option<WaitingOn>,
    pub steps: Vec<SaarStep>,
    /// The DD 2875 user information at submission.
    pub user_info: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Pass as `If-Match` / `version` on writes.
    pub version: i32,
}

/// The result of a submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmitSaarsResponse {
    pub saars: Vec<SaarResponse>,
    /// Prerequisite roles neither held, pending nor requested: the wizard offers to add them.
    pub missing_prerequisites: Vec<RoleRef>,
}

/// Pending Requests and SAAR History.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MyRequestsResponse {
    pub pending: Vec<SaarResponse>,
    pub history: Vec<SaarResponse>,
    /// My reviews of my roles (revalidations), newest first.
    #[serde(default)]
    pub revalidations: Vec<crate::revalidation::RevalidationResponse>,
}

/// Resubmit a returned SAAR.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResubmitSaarRequest {
    #[validate(length(min = 10, max = 2000), custom(function = "crate::rules::free_text"))]
    pub justification: String,
}

/// An open approval task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApprovalTaskResponse {
    pub id: Uuid,
    pub level: i32,
    pub kind: String,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub saar: SaarResponse,
}

/// The caller's open approvals count (for a badge).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApprovalCountResponse {
    /// Open approval tasks of requests.
    pub open: i64,
    /// Reviews of people's roles waiting on the caller (`GET /revalidations`).
    #[serde(default)]
    pub revalidations: i64,
}

/// Approve a task.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    #[validate(length(max = 2000), custom(function = "crate::rules::free_text"))]
    #[serde(default)]
    pub comment: Option<String>,
    /// Security Officer level: the user's IT level (`I`, `II`, `III`).
    #[validate(length(max = 8))]
    #[serde(default)]
    pub it_level: Option<String>,
    /// Required to approve past a segregation-of-duties conflict.
    #[validate(length(min = 10, max = 2000), custom(function = "crate::rules::free_text"))]
    #[serde(default)]
    pub sod_exception_reason: Option<String>,
    /// The last day of the access this request grants (or renews), if it must end before the
    /// role's own period: a date after today. The earliest date any level sets holds.
    #[serde(default)]
    pub access_ends_on: Option<NaiveDate>,
}

/// Why a request is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    ItLevelInsufficient,
    NotNeeded,
    SodConflict,
    NeedsInformation,
    Other,
}

impl RejectReason {
    /// The reason for its wire code (`not_needed`, …); unknown codes read as `Other`.
    pub fn from_code(code: &str) -> Self {
        match code {
            "it_level_insufficient" => RejectReason::ItLevelInsufficient,
            "not_needed" => RejectReason::NotNeeded,
            "sod_conflict" => RejectReason::SodConflict,
            "needs_information" => RejectReason::NeedsInformation,
            _ => RejectReason::Other,
        }
    }
}

/// Reject a task.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub reason: RejectReason,
    /// Required when the reason is `other`.
    #[validate(length(max = 2000), custom(function = "crate::rules::free_text"))]
    #[serde(default)]
    pub comment: Option<String>,
}

/// Return a request to the requester for more information.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    #[validate(length(min = 5, max = 2000), custom(function = "crate::rules::free_text"))]
    pub comment: String,
}

/// A provisioning task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProvisioningTaskResponse {
    pub id: Uuid,
    pub saar_number: String,
    pub role: RoleRef,
    pub user: String,
    pub user_id: Uuid,
    /// `grant` or `revoke`.
    pub kind: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// `manual`, or `automatic` while AMPS delivers the webhook.
    pub mode: String,
    /// Failed webhook deliveries so far.
    pub attempts: i32,
    /// Why the last webhook delivery failed (a manual task after failures shows it).
    pub last_error: Option<String>,
}

/// Complete a provisioning task.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteProvisioningRequest {
    #[validate(length(max = 2000), custom(function = "crate::rules::free_text"))]
    #[serde(default)]
    pub note: Option<String>,
}

/// A role the user holds (Current Roles).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CurrentRoleResponse {
    pub assignment_id: Uuid,
    pub role: RoleRef,
    /// The role is marked "MFA required": it was asked for, and is decided, only from a
    /// sign-in with a second factor.
    #[serde(default)]
    pub mfa_required: bool,
    pub since: DateTime<Utc>,
    /// When the role ends unless it is renewed (none: it does not expire).
    pub expires_at: Option<DateTime<Utc>>,
    pub source_saar: Option<String>,
    /// From when a renewal may be asked (`POST /me/roles/{id}/renewal`): the renewal window
    /// before `expires_at` (a setting, 30 days by default).
    #[serde(default)]
    pub renewable_from: Option<DateTime<Utc>>,
    /// When a review of roles (revalidation) last confirmed it.
    #[serde(default)]
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// Ask for more time on a role that is about to expire.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalRequest {
    /// Why the role is still needed (shown to the supervisor or EAO who approves).
    #[validate(length(min = 10, max = 2000), custom(function = "crate::rules::free_text"))]
    pub justification: String,
}

/// Ask to remove a role (the user's own, or a direct report's).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovalRequest {
    #[validate(length(min = 5, max = 2000), custom(function = "crate::rules::free_text"))]
    pub reason: String,
}

/// A direct report and the roles they hold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DirectReportResponse {
    pub id: Uuid,
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// The report's DD 2875 information on file, which a request for them starts from.
    pub phone: String,
    pub job_title: Option<String>,
    pub ia_training_date: Option<NaiveDate>,
    /// The account's status (a report being deleted is `disabled` until its roles are removed).
    pub status: crate::AccountStatus,
    pub roles: Vec<CurrentRoleResponse>,
    /// The open requests about the report (waiting on an approver, returned, or being
    /// provisioned), whoever asked for them.
    pub pending: Vec<SaarResponse>,
}

/// An attachment of a SAAR (metadata; the content is downloaded separately).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentResponse {
    pub id: Uuid,
    pub filename: String,
    /// Detected from the content, not taken from the upload.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Upload parameters.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name, as shown to approvers.
    #[validate(length(min = 1, max = 255), custom(function = "crate::rules::plain_text"))]
    pub filename: String,
}

//! Bodies of administration: organizations, changes to roles and approval groups, and the
//! users list of administrators and the help desk.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::workflow::{ChainLevel, RenewalApprover, Requestable};

/// An organization (DLA, DFAS, External, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationResponse {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Users of an external organization are approved by their External Authorizing Official.
    pub is_external: bool,
    /// Whether its users may request non-PROD (TEST, …) roles.
    pub allows_non_prod: bool,
    /// Whether its users must sign in with a second factor (an authenticator app, a security
    /// key or a PIV / CAC certificate): a sign-in with the password alone may only set one up.
    pub mfa_required: bool,
}

/// The security officers and Information Assurance Officers an organization names (each list
/// replaces the one before; an empty list names nobody). Users see them in My Information; a
/// user's own security officer must be one of the organization's when it names any.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationOfficersRequest {
    /// User IDs of accounts holding the Security Officer role.
    #[validate(length(max = 50))]
    pub security_officers: Vec<String>,
    /// User IDs of active internal accounts.
    #[validate(length(max = 50))]
    pub iaos: Vec<String>,
}

/// Who an organization names as its officers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganizationOfficersResponse {
    pub security_officers: Vec<crate::PersonRef>,
    pub iaos: Vec<crate::PersonRef>,
}

/// Add an organization.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganizationRequest {
    /// A short code, upper case letters and digits (`DLA`).
    #[validate(length(min = 2, max = 16), custom(function = "crate::rules::code"))]
    pub code: String,
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    pub name: String,
    #[serde(default)]
    pub is_external: bool,
    #[serde(default)]
    pub allows_non_prod: bool,
    /// Its users must sign in with a second factor.
    #[serde(default)]
    pub mfa_required: bool,
}

/// Change an organization. Fields left out keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub allows_non_prod: Option<bool>,
    /// Require a second factor of every user: each sign-in with the password alone may then
    /// only set one up (or confirm one) before anything else.
    #[serde(default)]
    pub mfa_required: Option<bool>,
}

/// An organization's identity provider for signing in with its network credentials (OpenID
/// Connect). Register AMPS with the provider first as a confidential client whose redirect URI
/// is the `redirect_uri` this answers (`<public URL>/api/v1/auth/network/callback`), with the
/// `openid` and `email` scopes.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSignInRequest {
    /// The provider's issuer identifier, exactly as its discovery document states it.
    #[validate(url, length(max = 500))]
    #[schema(example = "https://login.dla.example/realms/dla")]
    pub issuer: String,
    #[validate(length(min = 1, max = 255), custom(function = "crate::rules::plain_text"))]
    #[schema(example = "amps")]
    pub client_id: String,
    /// The client secret; left out, the one set before stays (required the first time). Never
    /// shown again.
    #[validate(length(min = 1, max = 500))]
    #[serde(default)]
    pub client_secret: Option<String>,
}

/// An organization's network sign-in as set (the client secret is never shown).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NetworkSignInResponse {
    pub organization_id: Uuid,
    pub issuer: String,
    pub client_id: String,
    /// The redirect URI to register with the provider.
    #[schema(example = "https://amps.example/api/v1/auth/network/callback")]
    pub redirect_uri: String,
    pub updated_at: DateTime<Utc>,
}

/// Change a role. Fields left out keep their value; a chain change applies to the levels a
/// request has not reached yet.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoleRequest {
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub hidden: Option<bool>,
    /// Organization codes that see the role; empty means every organization.
    #[validate(length(max = 50))]
    #[serde(default)]
    pub visible_to: Option<Vec<String>>,
    #[serde(default)]
    pub requestable_by: Option<Requestable>,
    /// `none`, `I`, `II` or `III`.
    #[validate(length(min = 1, max = 8))]
    #[serde(default)]
    pub min_it_level: Option<String>,
    #[validate(length(max = 20))]
    #[serde(default)]
    pub prerequisites: Option<Vec<Uuid>>,
    #[validate(length(min = 1, max = 10))]
    #[serde(default)]
    pub chain: Option<Vec<ChainLevel>>,
    /// Days a granted role lasts; 0 means it does not expire.
    #[validate(range(min = 0, max = 3650))]
    #[serde(default)]
    pub default_expiration_days: Option<i32>,
    #[serde(default)]
    pub mfa_required: Option<bool>,
    #[serde(default)]
    pub data_owner_id: Option<Uuid>,
    #[serde(default)]
    pub iao_id: Option<Uuid>,
    #[serde(default)]
    pub renewal_approver: Option<RenewalApprover>,
}

impl UpdateRoleRequest {
    /// Whether the request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.description.is_none()
            && self.hidden.is_none()
            && self.visible_to.is_none()
            && self.requestable_by.is_none()
            && self.min_it_level.is_none()
            && self.prerequisites.is_none()
            && self.chain.is_none()
            && self.default_expiration_days.is_none()
            && self.mfa_required.is_none()
            && self.data_owner_id.is_none()
            && self.iao_id.is_none()
            && self.renewal_approver.is_none()
    }
}

/// Change an approval group. Fields left out keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApprovalGroupRequest {
    #[validate(length(min = 2, max = 200), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub name: Option<String>,
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub description: Option<String>,
    /// The whole new member list (user ids).
    #[validate(length(max = 500))]
    #[serde(default)]
    pub members: Option<Vec<Uuid>>,
}

/// Users list filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Text in the User ID, the names or the email.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// `pending_verification`, `active`, `disabled`, `locked`, `suspended`, `terminated` or
    /// `deleted`.
    #[validate(length(max = 32))]
    pub status: Option<String>,
    #[validate(range(min = 1, max = 100))]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 200))]
    pub cursor: Option<String>,
}

/// One user in the users list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserSummaryResponse {
    pub id: Uuid,
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// Organization code.
    pub organization: String,
    pub user_type: String,
    pub status: String,
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// A page of the users list, ordered by User ID.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserListResponse {
    pub users: Vec<UserSummaryResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An account status an administrator (every one) or the help desk (disabled, and active
/// again from disabled) sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettableStatus {
    Active,
    Disabled,
    Locked,
    Suspended,
    Terminated,
}

/// Change an account's status, with the reason the person is told (by mail and at sign-in).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetUserStatusRequest {
    pub status: SettableStatus,
    #[validate(length(min = 5, max = 500), custom(function = "crate::rules::free_text"))]
    pub reason: String,
}

/// Delete an account (Delete User), with the reason the person is told.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteUserRequest {
    #[validate(length(min = 5, max = 500), custom(function = "crate::rules::free_text"))]
    pub reason: String,
}

/// Where a Delete User stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserDeletionResponse {
    /// `deleted` when the account held no role; otherwise `disabled` until every removal
    /// below is provisioned, when it becomes `deleted` by itself.
    pub status: String,
    /// The deprovisioning SAARs opened, one per role the person held.
    pub removals: Vec<String>,
    /// The requests about the person that were waiting on an approver and are now cancelled.
    pub cancelled: Vec<String>,
}

/// Change an account (administrators). Fields left out keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// The code of the organization the person moved to: a review of the roles they hold opens
    /// at once for their supervisor.
    #[validate(length(min = 1, max = 32))]
    #[serde(default)]
    pub organization: Option<String>,
}

/// One change of an account's status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChangeResponse {
    pub from: String,
    pub to: String,
    pub reason: String,
    /// Who changed it (name); absent when a job did.
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

/// An account as the help desk and administrators see it: the list's facts, the contract a
/// contractor works under, and the history of its status, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserDetailResponse {
    pub user: UserSummaryResponse,
    pub company: Option<String>,
    pub contract_number: Option<String>,
    pub contract_ends_on: Option<NaiveDate>,
    /// The supervisor's name, if one is named.
    pub supervisor: Option<String>,
    pub status_history: Vec<StatusChangeResponse>,
}

/// Who an internal account belongs to: a civilian employee, a member of the military, or a
/// contractor (who carries company, contract number and contract end date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InternalUserType {
    Civilian,
    Military,
    Contractor,
}

impl InternalUserType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Civilian => "civilian",
            Self::Military => "military",
            Self::Contractor => "contractor",
        }
    }
}

/// Create an internal account (administrators and the help desk). The person receives a
/// single-use link to set their password; until then the account cannot sign in.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// The User ID the person signs in with.
    #[validate(custom(function = "crate::rules::user_id"))]
    pub user_id: String,
    #[validate(length(min = 1, max = 100), custom(function = "crate::rules::plain_text"))]
    pub first_name: String,
    #[validate(length(max = 1), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub middle_initial: Option<String>,
    #[validate(length(min = 1, max = 100), custom(function = "crate::rules::plain_text"))]
    pub last_name: String,
    /// Official email address: the invitation goes there.
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub email: String,
    #[validate(custom(function = "crate::rules::phone"))]
    pub phone: String,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub job_title: Option<String>,
    /// Code of an internal organization (external users register themselves).
    #[validate(length(min = 1, max = 32))]
    pub organization: String,
    pub user_type: InternalUserType,
    /// Contractors only (and required for them): company, contract number, last day of the
    /// contract (after today).
    #[validate(length(min = 1, max = 200), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub company: Option<String>,
    #[validate(length(min = 1, max = 64), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub contract_number: Option<String>,
    #[serde(default)]
    pub contract_ends_on: Option<NaiveDate>,
    /// The User ID of the person's supervisor (an active internal account).
    #[validate(length(min = 1, max = 64))]
    #[serde(default)]
    pub supervisor: Option<String>,
}

/// New IT User Enrollment: a COR (holding New IT User Requestor) enrolls a new contractor, who
/// receives an invitation to set a password and finish their profile. The account ends with
/// the contract unless the COR extends it.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollContractorRequest {
    /// The User ID the contractor signs in with.
    #[validate(custom(function = "crate::rules::user_id"))]
    pub user_id: String,
    #[validate(length(min = 1, max = 100), custom(function = "crate::rules::plain_text"))]
    pub first_name: String,
    #[validate(length(max = 1), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub middle_initial: Option<String>,
    #[validate(length(min = 1, max = 100), custom(function = "crate::rules::plain_text"))]
    pub last_name: String,
    /// Official email address: the invitation goes there.
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub email: String,
    #[validate(custom(function = "crate::rules::phone"))]
    pub phone: String,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub job_title: Option<String>,
    #[validate(length(min = 1, max = 200), custom(function = "crate::rules::plain_text"))]
    pub company: String,
    #[validate(length(min = 1, max = 64), custom(function = "crate::rules::plain_text"))]
    pub contract_number: String,
    /// The contract's last day (after today): the account is disabled after it.
    pub contract_ends_on: NaiveDate,
    /// The User ID of the contractor's supervisor (an active internal account).
    #[validate(length(min = 1, max = 64))]
    pub supervisor: String,
}

/// Extend an enrolled contractor's contract (a new last day, and the new contract number if it
/// changed). An account the contract's end disabled is enabled again.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendContractRequest {
    pub contract_ends_on: NaiveDate,
    #[validate(length(min = 1, max = 64), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub contract_number: Option<String>,
}

/// A mail AMPS sent (or is trying to send) to an account's address, as the help desk sees it:
/// never its body (links in it act for the person).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountMailResponse {
    pub subject: String,
    /// `pending` (waiting or being retried), `sent` or `failed` (given up).
    pub status: String,
    pub attempts: i32,
    /// Why the last delivery attempt failed, if it did.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// What to find in the audit trail (every filter optional; all given must hold).
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Who acted, as recorded: a User ID, `system` for the server's own jobs, or
    /// `client:<id>`.
    #[validate(length(min = 1, max = 100))]
    pub actor: Option<String>,
    /// What the event is about, e.g. `saar:<id>`, `user:<id>` or `role:<id>`.
    #[validate(length(min = 1, max = 200))]
    pub target: Option<String>,
    /// One action (`saar.submitted`), or every action under a prefix ending in a dot
    /// (`saar.`).
    #[validate(length(min = 1, max = 100))]
    pub action: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// A page of the audit trail.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPageQuery {
    /// Events per page (default 100).
    #[validate(range(min = 1, max = 500))]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    #[validate(length(min = 1, max = 20))]
    pub cursor: Option<String>,
}

/// One event of the audit trail, as the hash-chained log recorded it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEventResponse {
    /// The event's number (in the order events were recorded).
    pub id: i64,
    /// Its position in the sealed chain; absent until the chain reaches it (a moment after).
    pub seq: Option<i64>,
    pub at: DateTime<Utc>,
    /// Who acted: a User ID, `system`, or `client:<id>`.
    pub actor: String,
    /// What happened, e.g. `saar.submitted`, `account.status_changed`.
    pub action: String,
    /// What it happened to, e.g. `saar:<id>`.
    pub target: Option<String>,
    /// The address the request came from, when a person or client acted.
    pub ip: Option<String>,
    /// The event's details as recorded.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The event's seal (SHA-256, hex) once sealed.
    pub hash: Option<String>,
}

/// Audit events, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEventList {
    pub events: Vec<AuditEventResponse>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The audit chain, checked from its first event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditVerifyResponse {
    /// Every sealed event links to the one before and matches its seal.
    pub intact: bool,
    /// How many events were found intact (all of them when `intact`; before the first broken
    /// link otherwise).
    pub intact_events: i64,
    /// The first event that was changed, or that follows a deleted one.
    pub broken_at: Option<AuditEventResponse>,
}

/// A report of My Reports.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportInfo {
    /// The name in `/reports/{name}`.
    pub name: String,
    pub title: String,
    pub description: String,
}

/// The filters of a report (each report uses those that apply to it) and its page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// An organization's code (DLA, DFAS, External, …).
    #[validate(length(min = 1, max = 32))]
    pub organization: Option<String>,
    /// An application's code (EBS, HMMS-POP, …).
    #[validate(length(min = 1, max = 64))]
    pub application: Option<String>,
    /// From this time (RFC 3339): what the report counts started then or later.
    pub from: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Rows per page (default 100).
    #[validate(range(min = 1, max = 500))]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    #[validate(length(min = 1, max = 64))]
    pub cursor: Option<String>,
}

/// A column of a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportColumn {
    pub key: String,
    pub label: String,
    /// `text`, `number` or `time` (RFC 3339): how to read the column's cells.
    pub kind: String,
}

/// A page of a report: its columns and rows (each row one cell per column, as text).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportResponse {
    pub name: String,
    pub title: String,
    pub columns: Vec<ReportColumn>,
    pub rows: Vec<Vec<String>>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

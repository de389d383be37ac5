//! Request and response bodies. Requests refuse unknown fields and carry the same
//! `validate()` rules on the server and in the SPA; responses are plain data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// One offending field of a request, in a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The JSON field name.
    pub field: String,
    /// A stable machine code (`too_short`, `email`, `breached`, …).
    pub code: String,
    /// What is wrong, in words a user understands.
    pub message: String,
}

/// An RFC 9457 problem document: every error AMPS returns has this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A stable URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems, each offending field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `/problems/second-factor-required` (sign-in): the single-use token to send with the
    /// second factor to `POST /auth/login/second-factor`, valid 5 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<String>,
    /// For `/problems/second-factor-required` and `/problems/step-up-required`: the second
    /// factors the account has, `totp` (a code, or a recovery code) and `security_key`. A
    /// `step-up-required` answer with none means: set one up first (My Information).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub second_factors: Vec<String>,
}

/// Self-registration of an external user (vendor). Internal accounts are created by
/// administrators or by enrolment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The User ID used to sign in.
    #[validate(custom(function = "crate::rules::user_id"))]
    pub user_id: String,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    pub first_name: String,
    #[validate(length(max = 1), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub middle_initial: Option<String>,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    pub last_name: String,
    /// Official email address; it must be verified before the account can sign in.
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub email: String,
    #[validate(custom(function = "crate::rules::phone"))]
    pub phone: String,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    #[serde(default)]
    pub job_title: Option<String>,
    /// Organization code; self-registration is open to `External` only.
    #[validate(length(min = 1, max = 32))]
    pub organization: String,
    /// The vendor's company.
    #[validate(length(max = 200), custom(function = "crate::rules::plain_text"))]
    pub company: String,
    /// Email of the user's External Authorizing Official.
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub eao_email: String,
    #[validate(custom(function = "crate::rules::password_length"))]
    pub password: String,
}

/// Accept an invitation to an account created by an administrator or the help desk: the
/// token from the emailed link and the password to sign in with.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    #[validate(length(min = 10, max = 200))]
    pub token: String,
    #[validate(custom(function = "crate::rules::password_length"))]
    pub password: String,
}

/// The result of a registration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterResponse {
    pub id: Uuid,
    pub user_id: String,
    pub status: AccountStatus,
    /// What the user must do next.
    pub message: String,
}

/// Account status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    PendingVerification,
    Active,
    Disabled,
    Locked,
    Suspended,
    Terminated,
    Deleted,
}

impl AccountStatus {
    /// The status in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::PendingVerification => "Pending email verification",
            AccountStatus::Active => "Active",
            AccountStatus::Disabled => "Disabled",
            AccountStatus::Locked => "Locked",
            AccountStatus::Suspended => "Suspended",
            AccountStatus::Terminated => "Terminated",
            AccountStatus::Deleted => "Deleted",
        }
    }
}

/// A single-use token sent by email (verification, password reset).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    #[validate(length(min = 10, max = 200))]
    pub token: String,
}

/// Sign-in with User ID and password.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 64))]
    pub user_id: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

/// An access token (a signed EdDSA JWT) for the `Authorization: Bearer` header.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// OAuth2 client-credentials grant (RFC 6749 §4.4), form-encoded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientCredentialsRequest {
    /// Must be `client_credentials`.
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub scope: Option<String>,
}

/// Ask for a password-reset link, sent to the account's email.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    #[validate(length(min = 1, max = 64))]
    pub user_id: String,
}

/// Ask for one's account status (before signing in): it is mailed to the account's address.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileStatusRequest {
    #[validate(length(min = 1, max = 64))]
    pub user_id: String,
}

/// Set a new password with the emailed reset token.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    #[validate(length(min = 10, max = 200))]
    pub token: String,
    #[validate(custom(function = "crate::rules::password_length"))]
    pub new_password: String,
}

/// Ask for the User ID(s) registered to an email address.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotUsernameRequest {
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub email: String,
}

/// Change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 1024))]
    pub current_password: String,
    #[validate(custom(function = "crate::rules::password_length"))]
    pub new_password: String,
}

/// A neutral acknowledgement (used where the answer must not reveal whether an account
/// exists).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    pub message: String,
}

/// A person named on a profile (supervisor, security officer, EAO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonRef {
    pub id: Uuid,
    pub user_id: String,
    pub name: String,
    pub email: String,
}

/// An organization, as shown on a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationRef {
    pub code: String,
    pub name: String,
}

/// My Information: the signed-in user's profile.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    pub user_id: String,
    pub first_name: String,
    pub middle_initial: Option<String>,
    pub last_name: String,
    pub email: String,
    /// A new email waiting for verification; `email` stays in use until it is verified.
    pub pending_email: Option<String>,
    pub phone: String,
    pub job_title: Option<String>,
    pub organization: OrganizationRef,
    /// `military`, `civilian`, `contractor`, `vendor` or `public`.
    pub user_type: String,
    pub company: Option<String>,
    pub eao_email: Option<String>,
    /// `none`, `I`, `II` or `III`.
    pub it_level: String,
    pub ia_training_date: Option<NaiveDate>,
    pub status: AccountStatus,
    pub supervisor: Option<PersonRef>,
    pub security_officer: Option<PersonRef>,
    pub eao: Option<PersonRef>,
    /// The security officers the user's organization names (internal users; the user's own
    /// security officer is one of them when there are any).
    #[serde(default)]
    pub organization_security_officers: Vec<PersonRef>,
    /// The organization's Information Assurance Officers (internal users).
    #[serde(default)]
    pub iaos: Vec<PersonRef>,
    /// AMPS administrative roles held (Administrator, Help Desk, Provisioner, …).
    pub admin_roles: Vec<String>,
    /// Why this sign-in may do nothing else until it proves a second factor (administrators
    /// always, and everyone of an organization that requires it): set one up in My
    /// Information (doing so proves it for this sign-in), or confirm one (`POST
    /// /auth/step-up`). Absent when the sign-in may go on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor_needed: Option<String>,
    /// The deputy acting on my approvals, if one is named.
    pub deputy: Option<DeputyResponse>,
    /// Supervisor or EAO changes I asked for, waiting for the new approver to accept.
    pub pending_approver_changes: Vec<ApproverChangeResponse>,
    pub created_at: DateTime<Utc>,
}

/// A change of a user's supervisor or External Authorizing Official waiting for the new
/// approver to accept it: until then the user keeps their current approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApproverChangeResponse {
    pub id: Uuid,
    /// Whose approver changes.
    pub user: PersonRef,
    /// `supervisor` or `eao`.
    pub kind: String,
    /// The new approver, when they have an account.
    pub new_approver: Option<PersonRef>,
    /// The new EAO's email (EAO changes).
    pub new_eao_email: Option<String>,
    pub requested_at: DateTime<Utc>,
}

/// Sets a user's approvers at once: for their current supervisor, the help desk and
/// administrators. Absent fields are unchanged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetApproversRequest {
    /// New supervisor, by User ID.
    #[validate(length(min = 1, max = 64))]
    pub supervisor: Option<String>,
    /// New security officer, by User ID.
    #[validate(length(min = 1, max = 64))]
    pub security_officer: Option<String>,
    /// New External Authorizing Official, by email.
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub eao_email: Option<String>,
}

/// Who approves a user's requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApproversResponse {
    pub user: PersonRef,
    pub supervisor: Option<PersonRef>,
    /// The supervisor the user was handed over to, until they accept.
    #[serde(default)]
    pub pending_supervisor: Option<PersonRef>,
    pub security_officer: Option<PersonRef>,
    pub eao: Option<PersonRef>,
    pub eao_email: Option<String>,
}

/// Partial update of My Information. Absent fields are unchanged. A new email is kept as
/// pending until the link sent to it is used.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    pub first_name: Option<String>,
    #[validate(length(max = 1), custom(function = "crate::rules::plain_text"))]
    pub middle_initial: Option<String>,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    pub last_name: Option<String>,
    #[validate(custom(function = "crate::rules::phone"))]
    pub phone: Option<String>,
    #[validate(length(max = 100), custom(function = "crate::rules::plain_text"))]
    pub job_title: Option<String>,
    #[validate(length(max = 200), custom(function = "crate::rules::plain_text"))]
    pub company: Option<String>,
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub email: Option<String>,
    /// The current password, asked again to change `email` (a borrowed session must not be
    /// able to take the account over through a reset sent to a new address).
    #[validate(length(min = 1, max = 1024))]
    pub current_password: Option<String>,
    /// Date of the last IA / cyber-awareness training.
    pub ia_training_date: Option<NaiveDate>,
    /// New supervisor (an active internal account), by User ID: they are asked to accept, and
    /// become the supervisor (open supervisor approvals moving to them) when they do.
    #[validate(length(min = 1, max = 64))]
    pub supervisor: Option<String>,
    /// New security officer (a holder of the Security Officer role), by User ID; open
    /// security-officer approvals move to them.
    #[validate(length(min = 1, max = 64))]
    pub security_officer: Option<String>,
    /// New External Authorizing Official (external users), by email: they are asked to accept
    /// (in AMPS, or through an emailed link when they have no account), and become the EAO when
    /// they do.
    #[validate(length(max = 254), custom(function = "crate::rules::email"))]
    pub eao_email: Option<String>,
}

/// Name a deputy who acts on my approvals during a period (out of office).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDeputyRequest {
    /// The deputy's User ID.
    #[validate(length(min = 1, max = 64))]
    pub deputy: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A deputy and the period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeputyResponse {
    pub deputy: PersonRef,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A message in the development mailbox (only when no SMTP server is configured).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MailboxMessage {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The development mailbox, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MailboxResponse {
    pub messages: Vec<MailboxMessage>,
}

/// Move the development clock forward (browser journeys; development servers only).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClockRequest {
    /// Seconds to move forward: at least 1, at most ten years.
    #[validate(range(min = 1, max = 315_360_000))]
    pub seconds: i64,
}

/// The server's time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClockResponse {
    pub now: DateTime<Utc>,
}

/// Whom to call: shown on the Help page, on sign-in problems and disabled-account messages.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HelpResponse {
    /// The help desk contact (the `AMPS_HELP_DESK` setting), e.g. the Enterprise Help Desk's
    /// phone numbers.
    pub help_desk: String,
}

/// The second step of a sign-in with a second factor: the token from the
/// `/problems/second-factor-required` answer and a code from the authenticator app (6 digits)
/// or one of the recovery codes.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    #[validate(length(min = 1, max = 128))]
    pub mfa_token: String,
    #[validate(length(min = 6, max = 32))]
    pub code: String,
}

/// Prove a second factor for the current sign-in (step-up): a code from the authenticator
/// app (6 digits) or one of the recovery codes.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUpRequest {
    #[validate(length(min = 6, max = 32))]
    pub code: String,
}

/// Prove a second factor for the current sign-in with a security key: the browser's answer to
/// the options of `POST /auth/step-up/security-key/options`.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUpSecurityKeyRequest {
    pub challenge_id: Uuid,
    /// The `PublicKeyCredential` assertion (WebAuthn's JSON, binary fields base64url).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// The sign-in methods this server offers besides a User ID and password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignInMethodsResponse {
    /// Where a browser starts a PIV / CAC sign-in (`GET` it with `state`: the certificate
    /// listener asks for the card's certificate and comes back to the web app); `null` when
    /// certificate sign-in is not set up.
    #[schema(example = "https://amps.example:8443/api/v1/auth/certificate")]
    pub certificate_url: Option<String>,
    /// The organizations whose people may sign in with their network credentials (their
    /// organization's identity provider), by name.
    #[serde(default)]
    pub network: Vec<NetworkSignInOption>,
}

/// Signing in with an organization's network credentials: a browser `GET`s `url` with `state`
/// and comes back to the web app's `/sign-in/network` with `#code=…&state=…` (or
/// `#error=…&state=…`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NetworkSignInOption {
    pub organization_id: Uuid,
    #[schema(example = "Defense Logistics Agency")]
    pub organization: String,
    #[schema(example = "https://amps.example/api/v1/auth/network/0190f1c2-…")]
    pub url: String,
}

/// A network identity (an organization provider's subject) that signs me in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NetworkIdentityResponse {
    pub id: Uuid,
    /// The provider's issuer.
    #[schema(example = "https://login.dla.example/realms/dla")]
    pub issuer: String,
    /// My subject at the provider.
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The code a network sign-in came back with (single use, 2 minutes), for tokens.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkTokenRequest {
    #[validate(length(min = 20, max = 128))]
    pub code: String,
}

/// The code a PIV / CAC sign-in came back with (single use, 2 minutes), for tokens.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSignInRequest {
    #[validate(length(min = 20, max = 128))]
    pub code: String,
}

/// Where and with what to bind my PIV / CAC certificate: `POST` the `ticket` as a form field
/// to `url` from the browser holding the card (single use, 5 minutes).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateBindingResponse {
    #[schema(example = "https://amps.example:8443/api/v1/auth/certificate/binding")]
    pub url: String,
    pub ticket: String,
    /// Seconds the ticket lasts.
    pub expires_in: i64,
}

/// A PIV / CAC certificate bound to an account: signing in with it (or a reissued card with
/// the same identity) signs the account in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateResponse {
    pub id: Uuid,
    /// What sign-in looks it up by: `upn:` the card's User Principal Name, `edipi:` the DoD ID
    /// number ending its common name, or `sha256:` this certificate only.
    #[schema(example = "upn:1234567890@mil")]
    pub identity: String,
    #[schema(example = "CN=DOE.JANE.Q.1234567890, OU=DLA, O=U.S. Government, C=US")]
    pub subject: String,
    pub issuer: String,
    /// Hexadecimal.
    pub serial: String,
    pub not_after: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Which second factors I have.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MfaStatusResponse {
    /// Whether an authenticator app (TOTP) is set up and confirmed: sign-in then asks for a code.
    pub totp: bool,
    /// Unused recovery codes left.
    pub recovery_codes_left: u64,
    /// My FIDO2 / WebAuthn security keys: with one, sign-in asks for a key (or a code).
    #[serde(default)]
    pub security_keys: Vec<SecurityKeyResponse>,
}

/// A FIDO2 / WebAuthn security key of mine.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SecurityKeyResponse {
    pub id: Uuid,
    #[schema(example = "Blue YubiKey")]
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A WebAuthn ceremony started: pass `options` to `navigator.credentials.create` (adding a
/// key) or `.get` (signing in) as WebAuthn's JSON, and send the answer back with
/// `challenge_id` (single use, 5 minutes).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SecurityKeyOptionsResponse {
    pub challenge_id: Uuid,
    /// `CredentialCreationOptions` or `CredentialRequestOptions` (binary fields base64url).
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    /// Adding the account's first second factor from a sign-in that proved only its password:
    /// the address a six-digit code was emailed to, which `POST /me/mfa/security-keys` then
    /// needs as `email_code` (15 minutes). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_code_sent_to: Option<String>,
}

/// Add a security key: the name I give it and the browser's answer to the options of
/// `POST /me/mfa/security-keys/options`.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSecurityKeyRequest {
    pub challenge_id: Uuid,
    #[validate(length(min = 1, max = 64), custom(function = "crate::rules::free_text"))]
    #[schema(example = "Blue YubiKey")]
    pub name: String,
    /// The `PublicKeyCredential` the browser created (WebAuthn's JSON, binary fields base64url).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    /// The code emailed when the set-up started, when it said so (`email_code_sent_to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 6, max = 6), custom(function = "crate::rules::emailed_code"))]
    #[schema(example = "123456")]
    pub email_code: Option<String>,
}

/// Start the second step of a sign-in with a security key.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityKeyChallengeRequest {
    #[validate(length(min = 1, max = 128))]
    pub mfa_token: String,
}

/// The second step of a sign-in with a security key: the browser's answer to the options.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityKeySignInRequest {
    #[validate(length(min = 1, max = 128))]
    pub mfa_token: String,
    pub challenge_id: Uuid,
    /// The `PublicKeyCredential` assertion (WebAuthn's JSON, binary fields base64url).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// One of my sign-ins (or, for the help desk and administrators, a person's).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignInResponse {
    pub id: Uuid,
    /// The browser and system it came from, in words ("Firefox on Windows"); "API client" when
    /// no browser said what it is.
    #[schema(example = "Firefox on Windows")]
    pub device: String,
    /// The address it signed in from.
    pub ip: Option<String>,
    /// What it proved (RFC 8176): `pwd`, and `otp` after an authenticator code; `sc` and `hwk`
    /// for a PIV / CAC certificate.
    pub methods: Vec<String>,
    pub started_at: DateTime<Utc>,
    /// When it last got a new access token.
    pub last_used_at: DateTime<Utc>,
    /// When it was signed out or ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Whether it can still be used.
    pub active: bool,
    /// Whether it is the sign-in asking.
    pub current: bool,
}

/// A new authenticator secret, shown once: scan `otpauth_url` as a QR code, or type `secret`,
/// then confirm with a code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrollmentResponse {
    /// Base32 (RFC 4648).
    pub secret: String,
    /// `otpauth://totp/AMPS:<User ID>?secret=…&issuer=AMPS` (SHA-1, 6 digits, 30 s).
    pub otpauth_url: String,
    /// Setting up the account's first second factor from a sign-in that proved only its
    /// password: the address a six-digit code was emailed to, which the confirmation then
    /// needs as `email_code` (15 minutes). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_code_sent_to: Option<String>,
}

/// A code from the authenticator app being set up (and the emailed code, when the set-up
/// said one was sent).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmTotpRequest {
    #[validate(length(min = 6, max = 6), custom(function = "crate::rules::digits"))]
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 6, max = 6), custom(function = "crate::rules::emailed_code"))]
    #[schema(example = "123456")]
    pub email_code: Option<String>,
}

/// Ten single-use recovery codes, shown once: each stands in for the authenticator once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

/// Reset a person's two-step sign-in (help desk): the reason they are mailed.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetSecondFactorRequest {
    #[validate(length(min = 5, max = 500), custom(function = "crate::rules::free_text"))]
    pub reason: String,
}

/// Turn the authenticator off: the password again.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveTotpRequest {
    #[validate(length(min = 1, max = 256))]
    pub password: String,
}

/// Liveness / readiness answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    pub status: String,
}

/// One public key of the JSON Web Key Set (RFC 8037 OKP / Ed25519).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub usage: String,
}

/// The keys that verify AMPS access tokens.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

//! Who may call what (issue #11, item 10): every operation of the OpenAPI document is called
//! as every kind of caller, against real objects (another person's SAAR, its open task, its
//! attachment, a held role, a direct report, a provisioning task, an approver change), and
//! the outcome is compared with the table in the README ("Who may call what"). An operation
//! without a row, or a row the server disagrees with, fails the test; the failure prints the
//! table as the server behaves, to review and commit.
//!
//! A call counts as refused when the answer is 401, 403, or 404 for an object that exists
//! (hidden from the caller); any other answer (2xx, or a 4xx about the request's content or
//! the object's state) means the caller got past authorization. Bodies are chosen so that no
//! call changes what later calls see, except where the order below says so; several are
//! invalid on purpose, so that a caller who is refused must be refused before the body is
//! read (authorization comes before validation).

use crate::both_dbs;
use crate::helpers::*;
use amps::domain::permission::AdminRole;
use amps_openapi::*;
use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

both_dbs!(every_operation_refuses_exactly_the_callers_the_table_names);

/// The caller kinds: the table's columns, in order, with whom each is in the fixture.
const CALLERS: &[(&str, &str)] = &[
    ("anonymous", "no token"),
    ("external", "vvendor, a vendor with no part in the request"),
    ("later approver", "iiao, the approver of level 4, not reached yet"),
    (
        "requester",
        "jrequester, who asked for the request for themselves (its subject)",
    ),
    (
        "supervisor",
        "ssupervisor, the requester's supervisor, who approved level 1",
    ),
    ("approver", "ssecurity, whose level (2) is open"),
    ("other supervisor", "an internal user who supervises someone else"),
    (
        "named",
        "eeao, whom the requester asked to be their new supervisor",
    ),
    ("deputy", "ddataowner, the supervisor's deputy"),
    (
        "group member",
        "an internal user in the request's application's provisioner group",
    ),
    ("provisioner", "pprovisioner"),
    ("help desk", "hhelpdesk"),
    ("catalog owner", "a holder of Role Catalog Owner"),
    ("administrator", "aadmin"),
    ("client (scoped)", "a service client with the roles:read scope"),
    ("client (no scope)", "a service client with no scope"),
    ("disabled", "an account disabled after it signed in"),
];

/// A caller: their access token and refresh cookie, if any.
#[derive(Clone, Default)]
struct Caller {
    token: Option<String>,
    cookie: Option<String>,
}

/// Signs in through the API, keeping the access token and the refresh cookie.
async fn sign_in(app: &TestApp, login: &str, password: &str) -> Caller {
    let resp = app
        .http()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"user_id": login, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 200, "{login} signs in");
    caller_of(resp).await
}

/// The caller a sign-in (or a refresh) answered: its access token and refresh cookie.
async fn caller_of(resp: reqwest::Response) -> Caller {
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("amps_refresh="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    let token: TokenResponse = resp.json().await.expect("token");
    Caller {
        token: Some(token.access_token),
        cookie,
    }
}

/// Signs in an account that uses a second factor (an administrator) as its owner does: the
/// password, then the authenticator's code (set up by an earlier sign-in of the fixture).
async fn sign_in_two_step(app: &TestApp, login: &str, password: &str) -> Caller {
    let http = app.http();
    let first = http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"user_id": login, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(
        first.status().as_u16(),
        401,
        "{login} is asked for a second factor"
    );
    let problem: Value = first.json().await.expect("problem");
    let resp = http
        .post(app.url("/api/v1/auth/login/second-factor"))
        .json(&json!({"mfa_token": problem["mfa_token"], "code": next_code(app, login).await}))
        .send()
        .await
        .expect("second step");
    assert_eq!(resp.status().as_u16(), 200, "{login} signs in with a code");
    caller_of(resp).await
}

/// A service client with `scopes`, signed in with client credentials.
async fn client(app: &TestApp, scopes: &str) -> Caller {
    let (id, secret) = amps::service::sessions::create_service_client(
        &app.ctx,
        &amps::store::audit::Actor::system(),
        "reports",
        scopes,
    )
    .await
    .expect("client");
    let resp = app
        .http()
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status().as_u16(), 200);
    let t: TokenResponse = resp.json().await.expect("token");
    Caller {
        token: Some(t.access_token),
        cookie: None,
    }
}

/// A new internal (DLA) account `login`, created by an administrator and activated through its
/// invitation, signed in.
async fn internal(app: &TestApp, login: &str) -> Caller {
    app.internal_user(login).await;
    sign_in(app, login, PASSWORD).await
}

/// A client signed in as `login` with `password`.
async fn as_user_pw(app: &TestApp, login: &str, password: &str) -> Client {
    let mut c = app.client();
    c.login(&LoginRequest {
        user_id: login.into(),
        password: password.into(),
    })
    .await
    .expect(login);
    c
}

/// The real objects the calls are about.
struct Objects {
    saar: Uuid,
    task: Uuid,
    attachment: Uuid,
    assignment: Uuid,
    requester: Uuid,
    provisioning: Uuid,
    change: Uuid,
    role: Uuid,
    group: Uuid,
    campaign: Uuid,
    revalidation: Uuid,
    /// The requester's organization (DLA).
    organization: Uuid,
}

/// One call: method, path, body.
struct Call {
    method: Method,
    path: String,
    body: Option<Body>,
    if_match: Option<String>,
    /// Whether a 404 means "nothing of yours there" (allowed) rather than a hidden object.
    not_found_is_empty: bool,
}

enum Body {
    Json(Value),
    Form(&'static str),
    Bytes(Vec<u8>),
}

fn call(method: Method, path: impl Into<String>) -> Call {
    Call {
        method,
        path: path.into(),
        body: None,
        if_match: None,
        not_found_is_empty: false,
    }
}

impl Call {
    fn json(mut self, v: Value) -> Self {
        self.body = Some(Body::Json(v));
        self
    }
}

/// The call each operation makes, against `o`; `None` for an operation the test does not know
/// (which fails it).
fn operation(id: &str, o: &Objects, n: usize) -> Option<Call> {
    use Method as M;
    let stale = Some("\"0\"".to_string());
    let bad_token = "not-a-valid-link-token";
    Some(match id {
        // Public: anyone.
        "get_healthz" => call(M::GET, "/healthz"),
        "get_readyz" => call(M::GET, "/readyz"),
        "get_metrics" => call(M::GET, "/metrics"),
        "get_jwks" => call(M::GET, "/.well-known/jwks.json"),
        "list_mailbox" => call(M::GET, "/api/v1/dev/mailbox"),
        "get_clock" => call(M::GET, "/api/v1/dev/clock"),
        "advance_clock" => call(M::POST, "/api/v1/dev/clock").json(json!({"seconds": 0})),
        "register_account" => call(M::POST, "/api/v1/auth/register").json(json!({"user_id": ""})),
        "verify_email" => call(M::POST, "/api/v1/auth/verify-email").json(json!({"token": bad_token})),
        "forgot_password" => call(M::POST, "/api/v1/auth/forgot-password").json(json!({"user_id": "nobody-here"})),
        "profile_status" => call(M::POST, "/api/v1/auth/profile-status").json(json!({"user_id": "nobody-here"})),
        "forgot_username" => {
            call(M::POST, "/api/v1/auth/forgot-username").json(json!({"email": "nobody@nowhere.example"}))
        }
        "reset_password" => call(M::POST, "/api/v1/auth/reset-password")
            .json(json!({"token": bad_token, "new_password": "a perfectly fine passphrase"})),
        "get_help" => call(M::GET, "/api/v1/help"),
        "get_sign_in_methods" => call(M::GET, "/api/v1/auth/methods"),
        // Served at the certificate address only: here everyone gets the same 404.
        "certificate_sign_in" => Call {
            not_found_is_empty: true,
            ..call(M::GET, "/api/v1/auth/certificate")
        },
        "bind_certificate" => Call {
            body: Some(Body::Form("ticket=not-a-ticket")),
            not_found_is_empty: true,
            ..call(M::POST, "/api/v1/auth/certificate/binding")
        },
        "certificate_token" => call(M::POST, "/api/v1/auth/certificate/token").json(json!({"code": ""})),
        // The requester's organization has no network sign-in: the same 404 for everyone.
        "network_sign_in" => Call {
            not_found_is_empty: true,
            ..call(M::GET, format!("/api/v1/auth/network/{}", o.organization))
        },
        // No state: refused (400) before anything is counted.
        "network_callback" => call(M::GET, "/api/v1/auth/network/callback"),
        "network_token" => call(M::POST, "/api/v1/auth/network/token").json(json!({"code": ""})),
        "list_my_network_identities" => call(M::GET, "/api/v1/me/network-identities"),
        // Nothing of the caller's there: the same 404 for everyone signed in.
        "unlink_my_network_identity" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/me/network-identities/{}", Uuid::nil()))
        },
        "get_network_sign_in" => Call {
            not_found_is_empty: true,
            ..call(M::GET, format!("/api/v1/organizations/{}/network-sign-in", o.organization))
        },
        "put_network_sign_in" => call(M::PUT, format!("/api/v1/organizations/{}/network-sign-in", o.organization))
            .json(json!({"issuer": "not a url", "client_id": "amps"})),
        "delete_network_sign_in" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/organizations/{}/network-sign-in", o.organization))
        },
        "security_key_challenge" => {
            call(M::POST, "/api/v1/auth/login/security-key/options").json(json!({"mfa_token": ""}))
        }
        "login_security_key" => call(M::POST, "/api/v1/auth/login/security-key")
            .json(json!({"mfa_token": "", "challenge_id": Uuid::nil(), "credential": {}})),
        "accept_invitation" => call(M::POST, "/api/v1/auth/invitation")
            .json(json!({"token": bad_token, "password": "a perfectly fine passphrase"})),
        "login" => call(M::POST, "/api/v1/auth/login").json(json!({"user_id": ""})),
        "login_second_factor" => call(M::POST, "/api/v1/auth/login/second-factor").json(json!({"mfa_token": "", "code": ""})),
        "issue_client_token" => Call {
            body: Some(Body::Form("grant_type=password")),
            ..call(M::POST, "/api/v1/auth/token")
        },
        "refresh_session" => call(M::POST, "/api/v1/auth/refresh"),
        "logout" => call(M::POST, "/api/v1/auth/logout"),
        "get_approval_link" => call(M::GET, format!("/api/v1/approval-links/{bad_token}")),
        "approve_by_link" => call(M::POST, format!("/api/v1/approval-links/{bad_token}/approve")).json(json!({})),
        "reject_by_link" => call(M::POST, format!("/api/v1/approval-links/{bad_token}/reject"))
            .json(json!({"reason": "not_needed"})),
        "return_by_link" => call(M::POST, format!("/api/v1/approval-links/{bad_token}/return"))
            .json(json!({"comment": "Which depot?"})),
        "get_approver_change_link" => call(M::GET, format!("/api/v1/approver-change-links/{bad_token}")),
        "accept_approver_change_by_link" => {
            call(M::POST, format!("/api/v1/approver-change-links/{bad_token}/accept"))
        }
        "decline_approver_change_by_link" => {
            call(M::POST, format!("/api/v1/approver-change-links/{bad_token}/decline"))
        }
        // Oneself.
        "get_me" => call(M::GET, "/api/v1/me"),
        "update_me" => call(M::PATCH, "/api/v1/me").json(json!({"job_title": "Unchanged"})),
        "get_mfa" => call(M::GET, "/api/v1/me/mfa"),
        "start_totp" => call(M::POST, "/api/v1/me/mfa/totp"),
        "confirm_totp" => call(M::POST, "/api/v1/me/mfa/totp/confirm").json(json!({"code": ""})),
        "remove_totp" => call(M::POST, "/api/v1/me/mfa/totp/removal").json(json!({"password": ""})),
        "list_my_sign_ins" => call(M::GET, "/api/v1/me/sessions"),
        "step_up" => call(M::POST, "/api/v1/auth/step-up").json(json!({"code": ""})),
        // WebAuthn does not work at an IP address: allowed callers without a recent second
        // factor get 404 (the administrator, who has one, 409).
        "step_up_security_key_options" => Call {
            not_found_is_empty: true,
            ..call(M::POST, "/api/v1/auth/step-up/security-key/options")
        },
        "step_up_security_key" => Call {
            not_found_is_empty: true,
            ..call(M::POST, "/api/v1/auth/step-up/security-key")
                .json(json!({"challenge_id": Uuid::nil(), "credential": {}}))
        },
        "list_my_certificates" => call(M::GET, "/api/v1/me/certificates"),
        // The fixture's server is reached at an IP address, where WebAuthn does not work:
        // allowed callers get 404.
        "security_key_options" => Call {
            not_found_is_empty: true,
            ..call(M::POST, "/api/v1/me/mfa/security-keys/options")
        },
        "add_security_key" => call(M::POST, "/api/v1/me/mfa/security-keys")
            .json(json!({"challenge_id": Uuid::nil(), "name": "", "credential": {}})),
        "remove_security_key" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/me/mfa/security-keys/{}", Uuid::nil()))
        },
        // Certificate sign-in is not set up here: allowed callers get 404.
        "start_certificate_binding" => Call {
            not_found_is_empty: true,
            ..call(M::POST, "/api/v1/me/certificates/binding")
        },
        "remove_my_certificate" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/me/certificates/{}", Uuid::nil()))
        },
        // No such sign-in of theirs: allowed callers get 404, and nobody's sign-in ends.
        "end_my_sign_in" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/me/sessions/{}", Uuid::nil()))
        },
        "change_password" => call(M::POST, "/api/v1/me/password")
            .json(json!({"current_password": "not the password", "new_password": "a perfectly fine passphrase"})),
        "set_deputy" => call(M::PUT, "/api/v1/me/deputy")
            .json(json!({"deputy": "aadmin", "starts_at": "2026-12-10T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"})),
        "clear_deputy" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, "/api/v1/me/deputy")
        },
        "list_direct_reports" => call(M::GET, "/api/v1/me/direct-reports"),
        "list_my_requests" => call(M::GET, "/api/v1/me/requests"),
        "list_my_roles" => call(M::GET, "/api/v1/me/roles"),
        "request_role_removal" => {
            call(M::POST, format!("/api/v1/me/roles/{}/removal", o.assignment)).json(json!({"reason": ""}))
        }
        "request_role_renewal" => call(M::POST, format!("/api/v1/me/roles/{}/renewal", o.assignment))
            .json(json!({"justification": ""})),
        // Revalidation.
        "create_campaign" => call(M::POST, "/api/v1/revalidation-campaigns").json(json!({"name": ""})),
        "list_campaigns" => call(M::GET, "/api/v1/revalidation-campaigns"),
        "get_campaign" => call(M::GET, format!("/api/v1/revalidation-campaigns/{}", o.campaign)),
        "remind_overdue" => call(M::POST, format!("/api/v1/revalidation-campaigns/{}/remind", o.campaign)),
        // Reviews of it are open: an administrator is refused with 409 and nothing changes.
        "close_campaign" => call(M::POST, format!("/api/v1/revalidation-campaigns/{}/close", o.campaign)),
        "get_my_revalidation" => Call {
            not_found_is_empty: true,
            ..call(M::GET, "/api/v1/me/revalidation")
        },
        "update_my_revalidation" => Call {
            not_found_is_empty: true,
            ..call(M::POST, "/api/v1/me/revalidation").json(json!({"items": "none"}))
        },
        "list_revalidations_to_review" => call(M::GET, "/api/v1/revalidations"),
        "get_revalidation" => call(M::GET, format!("/api/v1/revalidations/{}", o.revalidation)),
        "approve_revalidation" => call(M::POST, format!("/api/v1/revalidations/{}/approve", o.revalidation))
            .json(json!({"version": "stale"})),
        "reject_revalidation" => call(M::POST, format!("/api/v1/revalidations/{}/reject", o.revalidation))
            .json(json!({})),
        // Requests.
        "search_roles" => call(M::GET, "/api/v1/roles?q=POP"),
        "submit_saars" => call(M::POST, "/api/v1/saars").json(json!({
            "privacy_act_accepted": false, "role_ids": [o.role], "justification": "",
            "request_type": "initial", "user_info": {"ia_training_date": "2026-11-01"}
        })),
        "get_saar" => call(M::GET, format!("/api/v1/saars/{}", o.saar)),
        "get_saar_history" => call(M::GET, format!("/api/v1/saars/{}/history", o.saar)),
        "get_saar_dd2875" => call(M::GET, format!("/api/v1/saars/{}/dd2875", o.saar)),
        "cancel_saar" => Call {
            if_match: stale.clone(),
            ..call(M::POST, format!("/api/v1/saars/{}/cancel", o.saar))
        },
        "resubmit_saar" => Call {
            if_match: stale.clone(),
            ..call(M::POST, format!("/api/v1/saars/{}/resubmit", o.saar)).json(json!({"justification": ""}))
        },
        "list_attachments" => call(M::GET, format!("/api/v1/saars/{}/attachments", o.saar)),
        "upload_attachment" => Call {
            body: Some(Body::Bytes(b"%PDF-1.7\n%%EOF\n".to_vec())),
            ..call(M::POST, format!("/api/v1/saars/{}/attachments?filename=note-{n}.pdf", o.saar))
        },
        "download_attachment" => call(M::GET, format!("/api/v1/saars/{}/attachments/{}", o.saar, o.attachment)),
        // Approvals.
        "list_approvals" => call(M::GET, "/api/v1/approvals"),
        "count_approvals" => call(M::GET, "/api/v1/approvals/count"),
        "approve_task" => Call {
            if_match: stale.clone(),
            ..call(M::POST, format!("/api/v1/approvals/{}/approve", o.task)).json(json!({}))
        },
        "reject_task" => Call {
            if_match: stale.clone(),
            ..call(M::POST, format!("/api/v1/approvals/{}/reject", o.task)).json(json!({"reason": "other"}))
        },
        "return_task" => Call {
            if_match: stale,
            ..call(M::POST, format!("/api/v1/approvals/{}/return", o.task)).json(json!({"comment": ""}))
        },
        "list_approver_changes" => call(M::GET, "/api/v1/approver-changes"),
        // Declined first: the accept that follows finds it decided (409), changing nothing.
        "decline_approver_change" => call(M::POST, format!("/api/v1/approver-changes/{}/decline", o.change)),
        "accept_approver_change" => call(M::POST, format!("/api/v1/approver-changes/{}/accept", o.change)),
        // Provisioning.
        "list_provisioning_tasks" => call(M::GET, "/api/v1/provisioning-tasks"),
        "complete_provisioning_task" => {
            call(M::POST, format!("/api/v1/provisioning-tasks/{}/complete", o.provisioning)).json(json!({}))
        }
        // People.
        "list_users" => call(M::GET, "/api/v1/users"),
        "list_audit_events" => call(M::GET, "/api/v1/audit-events"),
        "export_audit_events" => call(M::GET, "/api/v1/audit-events/export?action=saar."),
        "verify_audit_chain" => call(M::GET, "/api/v1/audit-events/verify"),
        "list_reports" => call(M::GET, "/api/v1/reports"),
        "get_report" => call(M::GET, "/api/v1/reports/accounts"),
        "export_report" => call(M::GET, "/api/v1/reports/accounts/export"),
        // Not a whole account: refused before it is read, or 422 (nothing is created).
        "create_user" => call(M::POST, "/api/v1/users").json(json!({"user_id": ""})),
        // The requester is active: refused, or 409 (no link is sent).
        "resend_user_link" => call(M::POST, format!("/api/v1/users/{}/invitation", o.requester)),
        "get_user" => call(M::GET, format!("/api/v1/users/{}", o.requester)),
        "list_user_mail" => call(M::GET, format!("/api/v1/users/{}/mail", o.requester)),
        // No reason: refused before it is read, or 422 (nothing changes).
        "set_user_status" => call(M::POST, format!("/api/v1/users/{}/status", o.requester))
            .json(json!({"status": "disabled", "reason": ""})),
        "update_user" => call(M::PATCH, format!("/api/v1/users/{}", o.requester)).json(json!({"organization": ""})),
        "enroll_contractor" => call(M::POST, "/api/v1/enrollments").json(json!({})),
        "list_enrollments" => call(M::GET, "/api/v1/enrollments"),
        "extend_contract" => call(M::POST, format!("/api/v1/enrollments/{}/extension", o.requester))
            .json(json!({"contract_ends_on": "2099-01-01"})),
        "list_user_requests" => call(M::GET, format!("/api/v1/users/{}/saars", o.requester)),
        "resend_approval_mail" => call(M::POST, format!("/api/v1/saars/{}/approval-mail", o.saar)),
        "update_organization" => call(M::PATCH, format!("/api/v1/organizations/{}", o.organization))
            .json(json!({"allows_non_prod": true})),
        "set_organization_officers" => call(M::PUT, format!("/api/v1/organizations/{}/officers", o.organization))
            .json(json!({"security_officers": ["nobody-here"], "iaos": []})),
        "list_user_sign_ins" => call(M::GET, format!("/api/v1/users/{}/sessions", o.requester)),
        "end_user_sign_in" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/users/{}/sessions/{}", o.requester, Uuid::nil()))
        },
        "list_user_certificates" => call(M::GET, format!("/api/v1/users/{}/certificates", o.requester)),
        "remove_user_certificate" => Call {
            not_found_is_empty: true,
            ..call(M::DELETE, format!("/api/v1/users/{}/certificates/{}", o.requester, Uuid::nil()))
        },
        "reset_second_factor" => call(M::POST, format!("/api/v1/users/{}/mfa/reset", o.requester)).json(json!({"reason": ""})),
        "delete_user" => call(M::POST, format!("/api/v1/users/{}/deletion", o.requester)).json(json!({"reason": ""})),
        "set_approvers" => call(M::PATCH, format!("/api/v1/users/{}/approvers", o.requester)).json(json!({})),
        "remove_direct_report_role" => call(
            M::POST,
            format!("/api/v1/users/{}/roles/{}/removal", o.requester, o.assignment),
        )
        .json(json!({"reason": ""})),
        // Catalog.
        "list_applications" => call(M::GET, "/api/v1/applications"),
        "create_application" => call(M::POST, "/api/v1/applications")
            .json(json!({"code": "", "name": "", "provisioning_mode": "manual"})),
        "list_approval_groups" => call(M::GET, "/api/v1/approval-groups"),
        "create_approval_group" => call(M::POST, "/api/v1/approval-groups").json(json!({"name": ""})),
        "update_approval_group" => call(M::PATCH, format!("/api/v1/approval-groups/{}", o.group)).json(json!({})),
        "create_role" => call(M::POST, "/api/v1/roles").json(json!({
            "application_id": Uuid::nil(), "name": "", "environment": "PROD",
            "requestable_by": "both", "min_it_level": "none", "chain": []
        })),
        "update_role" => call(M::PATCH, format!("/api/v1/roles/{}", o.role)).json(json!({})),
        "list_sod_rules" => call(M::GET, "/api/v1/sod-rules"),
        "create_sod_rule" => call(M::POST, "/api/v1/sod-rules").json(json!({"name": "", "role_ids": []})),
        "list_organizations" => call(M::GET, "/api/v1/organizations"),
        "create_organization" => call(M::POST, "/api/v1/organizations").json(json!({"code": "", "name": ""})),
        _ => return None,
    })
}

/// Whether `caller` gets past authorization on `c`: the answer's status, and the verdict.
async fn allowed(app: &TestApp, caller: &Caller, c: &Call) -> (u16, bool) {
    let mut req = app.http().request(c.method.clone(), app.url(&c.path));
    if let Some(t) = &caller.token {
        req = req.bearer_auth(t);
    }
    if let Some(cookie) = &caller.cookie {
        req = req.header("cookie", cookie);
    }
    if let Some(v) = &c.if_match {
        req = req.header("if-match", v);
    }
    req = match &c.body {
        Some(Body::Json(v)) => req.json(v),
        Some(Body::Form(f)) => req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(*f),
        Some(Body::Bytes(b)) => req
            .header("content-type", "application/octet-stream")
            .body(b.clone()),
        None => req,
    };
    let status = req.send().await.expect("send").status().as_u16();
    assert!(status < 500, "{} {}: {status}", c.method, c.path);
    let refused = matches!(status, 401 | 403) || (status == 404 && !c.not_found_is_empty);
    (status, !refused)
}

/// The table in the README: operation → the verdict per caller kind.
fn the_table() -> BTreeMap<String, Vec<bool>> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
    let start = readme
        .find("<!-- authorization:begin -->")
        .expect("the README's table begins");
    let end = readme.find("<!-- authorization:end -->").expect("and ends");
    let mut rows = BTreeMap::new();
    for line in readme[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let op = cells[0].trim_matches('`').to_string();
        let verdicts = cells[1..].iter().map(|c| *c == "yes").collect::<Vec<_>>();
        rows.insert(op, verdicts);
    }
    rows
}

async fn every_operation_refuses_exactly_the_callers_the_table_names(db: Db) {
    let app = seeded(db).await;
    let demo = amps::seed::DEMO_PASSWORD;
    let as_client = |login: &'static str| as_user(&app, login);
    let requester = as_client("jrequester").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let pop_test = role_id(&requester, "Web User POP-001", "TEST").await;
    // A role the requester holds.
    grant(&app, &requester, vec![ebs]).await;
    let assignment = requester.my_roles().await.expect("roles")[0].assignment_id;
    // A campaign: the requester's review of the role waits on her (her supervisor decides it).
    let campaign = as_client("aadmin")
        .await
        .create_campaign(&CreateCampaignRequest {
            name: "Annual review".into(),
            scope: CampaignScope::Internal,
            organization_id: None,
            application_id: None,
            due_on: app.now().date_naive() + Duration::days(30),
        })
        .await
        .expect("campaign")
        .id;
    let revalidation = requester.my_revalidation().await.expect("review").id;
    // A request waiting on the security officer, with an attachment.
    let saar = submit_one(&app, &requester, pop).await;
    approve_chain(&app, saar.id, &[("ssupervisor", None)]).await;
    let attachment = requester
        .upload_attachment(saar.id, "training.pdf", b"%PDF-1.7\n%%EOF\n".to_vec())
        .await
        .expect("attachment")
        .id;
    let task = task_for(&as_client("ssecurity").await, saar.id).await.id;
    // A request approved at every level, waiting on the provisioner.
    let done = submit_one(&app, &requester, pop_test).await;
    approve_chain(
        &app,
        done.id,
        &[
            ("ssupervisor", None),
            ("ssecurity", None),
            ("ddataowner", None),
            ("iiao", None),
        ],
    )
    .await;
    let provisioning = as_client("pprovisioner")
        .await
        .provisioning_tasks()
        .await
        .expect("queue")
        .into_iter()
        .find(|t| t.saar_number == done.number)
        .expect("task")
        .id;
    // The requester asks eeao to be their supervisor; the supervisor has a deputy.
    requester
        .update_me(&UpdateMeRequest {
            supervisor: Some("eeao".into()),
            ..Default::default()
        })
        .await
        .expect("asked");
    let change = as_client("eeao").await.approver_changes().await.expect("asked")[0].id;
    as_client("ssupervisor")
        .await
        .set_deputy(&SetDeputyRequest {
            deputy: "ddataowner".into(),
            starts_at: app.now(),
            ends_at: app.now() + Duration::days(5),
        })
        .await
        .expect("deputy");
    let group = as_client("aadmin")
        .await
        .approval_groups()
        .await
        .expect("groups")
        .into_iter()
        .find(|g| g.name == "HMMS-POP Provisioners")
        .expect("group")
        .id;
    let objects = Objects {
        saar: saar.id,
        task,
        attachment,
        assignment,
        requester: requester.me().await.expect("me").id,
        organization: as_user(&app, "aadmin")
            .await
            .organizations()
            .await
            .expect("organizations")
            .into_iter()
            .find(|o| o.code == "DLA")
            .expect("DLA")
            .id,
        provisioning,
        change,
        role: ebs,
        group,
        campaign,
        revalidation,
    };
    // The callers.
    let mut callers: Vec<Caller> = Vec::new();
    for (kind, _) in CALLERS {
        let c = match *kind {
            "anonymous" => Caller::default(),
            "external" => sign_in(&app, "vvendor", demo).await,
            "later approver" => sign_in(&app, "iiao", demo).await,
            "requester" => sign_in(&app, "jrequester", demo).await,
            "supervisor" => sign_in(&app, "ssupervisor", demo).await,
            "approver" => sign_in(&app, "ssecurity", demo).await,
            "named" => sign_in(&app, "eeao", demo).await,
            "deputy" => sign_in(&app, "ddataowner", demo).await,
            "provisioner" => sign_in(&app, "pprovisioner", demo).await,
            "help desk" => sign_in(&app, "hhelpdesk", demo).await,
            "catalog owner" => {
                app.active_user("cowner").await;
                grant_admin_role(&app, "cowner", AdminRole::RoleCatalogOwner).await;
                sign_in(&app, "cowner", PASSWORD).await
            }
            "administrator" => sign_in_two_step(&app, "aadmin", demo).await,
            "client (scoped)" => client(&app, "roles:read").await,
            "client (no scope)" => client(&app, "").await,
            "other supervisor" => {
                let c = internal(&app, "osup").await;
                let desk = as_client("hhelpdesk").await.me().await.expect("me").id;
                as_client("aadmin")
                    .await
                    .set_approvers(
                        desk,
                        &SetApproversRequest {
                            supervisor: Some("osup".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("osup supervises the help desk");
                c
            }
            "group member" => {
                let c = internal(&app, "gmember").await;
                let admin = as_client("aadmin").await;
                let mut members = admin
                    .approval_groups()
                    .await
                    .expect("groups")
                    .into_iter()
                    .find(|g| g.id == objects.group)
                    .expect("group")
                    .members;
                members.push(
                    as_user_pw(&app, "gmember", PASSWORD)
                        .await
                        .me()
                        .await
                        .expect("me")
                        .id,
                );
                admin
                    .update_approval_group(
                        objects.group,
                        &UpdateApprovalGroupRequest {
                            members: Some(members),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("member");
                c
            }
            "disabled" => {
                app.active_user("gone").await;
                let c = sign_in(&app, "gone", PASSWORD).await;
                use sea_orm::ConnectionTrait;
                app.ctx
                    .db
                    .execute_unprepared("UPDATE users SET status = 'disabled' WHERE login = 'gone'")
                    .await
                    .expect("disable");
                // A change made in the database reaches every replica's cached callers through
                // the principal feed (within a second).
                let token = c.token.clone().expect("token");
                eventually("the disabled account's token is refused", || {
                    let (http, url, token) = (app.http(), app.url("/api/v1/me"), token.clone());
                    async move {
                        http.get(url)
                            .bearer_auth(token)
                            .send()
                            .await
                            .is_ok_and(|r| r.status().as_u16() == 401)
                    }
                })
                .await;
                c
            }
            other => panic!("no caller {other}"),
        };
        callers.push(c);
    }
    // Every operation of the document, in the table's order, as every caller.
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json"))
            .expect("openapi.json"),
    )
    .expect("json");
    let mut documented = Vec::new();
    for ops in doc["paths"].as_object().expect("paths").values() {
        for op in ops.as_object().expect("operations").values() {
            documented.push(op["operationId"].as_str().expect("id").to_string());
        }
    }
    let table = the_table();
    let mut order: Vec<String> = README_ORDER.iter().map(|s| s.to_string()).collect();
    for op in &documented {
        if !order.contains(op) {
            order.push(op.clone());
        }
    }
    let mut actual: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    let mut seen: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for (n, op) in order.iter().enumerate() {
        let c = operation(op, &objects, n)
            .unwrap_or_else(|| panic!("no call for {op}: add it to the test and the table"));
        for caller in &callers {
            let (status, ok) = allowed(&app, caller, &c).await;
            actual.entry(op.clone()).or_default().push(ok);
            seen.entry(op.clone()).or_default().push(status);
        }
    }
    // The table as the server behaves, with the statuses seen, for review.
    let mut printed = String::from("| operation |");
    for (kind, _) in CALLERS {
        printed.push_str(&format!(" {kind} |"));
    }
    printed.push('\n');
    for op in &order {
        printed.push_str(&format!("| `{op}` |"));
        for (ok, status) in actual[op].iter().zip(&seen[op]) {
            printed.push_str(&format!(" {} |", if *ok { "yes" } else { "no" }));
            let _ = status;
        }
        printed.push_str(&format!(" <!-- {:?} -->\n", seen[op]));
    }
    let missing: Vec<&String> = documented.iter().filter(|op| !table.contains_key(*op)).collect();
    assert!(
        missing.is_empty(),
        "operations without a row: {missing:?}\n{printed}"
    );
    let stale: Vec<&String> = table.keys().filter(|op| !documented.contains(op)).collect();
    assert!(
        stale.is_empty(),
        "rows for operations that do not exist: {stale:?}"
    );
    let mut wrong = Vec::new();
    for op in &documented {
        if table[op].len() != CALLERS.len() {
            wrong.push(format!(
                "{op}: the row has {} cells, for {} kinds of caller",
                table[op].len(),
                CALLERS.len()
            ));
            continue;
        }
        for (i, (kind, _)) in CALLERS.iter().enumerate() {
            if table[op][i] != actual[op][i] {
                wrong.push(format!(
                    "{op} as {kind}: the table says {}, the server answered {}",
                    if table[op][i] { "allowed" } else { "refused" },
                    seen[op][i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n\nAs the server behaves:\n{printed}",
        wrong.join("\n")
    );
}

/// The order the operations are called in (the README table's): calls that change something
/// later calls see come after those calls.
const README_ORDER: &[&str] = &[
    "get_healthz",
    "get_readyz",
    "get_metrics",
    "get_jwks",
    "list_mailbox",
    "get_clock",
    "advance_clock",
    "register_account",
    "verify_email",
    "forgot_password",
    "profile_status",
    "forgot_username",
    "reset_password",
    "accept_invitation",
    "get_help",
    "get_sign_in_methods",
    "login",
    "login_second_factor",
    "certificate_sign_in",
    "bind_certificate",
    "certificate_token",
    "network_sign_in",
    "network_callback",
    "network_token",
    "security_key_challenge",
    "login_security_key",
    "issue_client_token",
    "refresh_session",
    "get_approval_link",
    "approve_by_link",
    "reject_by_link",
    "return_by_link",
    "get_approver_change_link",
    "accept_approver_change_by_link",
    "decline_approver_change_by_link",
    "get_me",
    "update_me",
    "change_password",
    "get_mfa",
    "start_totp",
    "confirm_totp",
    "remove_totp",
    "security_key_options",
    "add_security_key",
    "remove_security_key",
    "list_my_sign_ins",
    "step_up",
    "step_up_security_key_options",
    "step_up_security_key",
    "end_my_sign_in",
    "list_my_certificates",
    "start_certificate_binding",
    "remove_my_certificate",
    "list_my_network_identities",
    "unlink_my_network_identity",
    "set_deputy",
    "list_direct_reports",
    "list_my_requests",
    "list_my_roles",
    "request_role_removal",
    "request_role_renewal",
    "search_roles",
    "submit_saars",
    "get_saar",
    "get_saar_history",
    "get_saar_dd2875",
    "cancel_saar",
    "resubmit_saar",
    "list_attachments",
    "upload_attachment",
    "download_attachment",
    "list_approvals",
    "count_approvals",
    "approve_task",
    "reject_task",
    "return_task",
    "list_approver_changes",
    "decline_approver_change",
    "accept_approver_change",
    "list_provisioning_tasks",
    "complete_provisioning_task",
    "list_users",
    "create_user",
    "resend_user_link",
    "get_user",
    "list_user_mail",
    "set_user_status",
    "update_user",
    "delete_user",
    "reset_second_factor",
    "list_user_sign_ins",
    "end_user_sign_in",
    "list_user_certificates",
    "remove_user_certificate",
    "list_user_requests",
    "resend_approval_mail",
    "list_audit_events",
    "export_audit_events",
    "verify_audit_chain",
    "list_reports",
    "get_report",
    "export_report",
    "enroll_contractor",
    "list_enrollments",
    "extend_contract",
    "set_approvers",
    "remove_direct_report_role",
    "list_applications",
    "create_application",
    "list_approval_groups",
    "create_approval_group",
    "update_approval_group",
    "create_role",
    "update_role",
    "list_sod_rules",
    "create_sod_rule",
    "list_organizations",
    "create_organization",
    "set_organization_officers",
    "update_organization",
    "get_network_sign_in",
    "put_network_sign_in",
    "delete_network_sign_in",
    "create_campaign",
    "list_campaigns",
    "get_campaign",
    "remind_overdue",
    "close_campaign",
    "get_my_revalidation",
    "update_my_revalidation",
    "list_revalidations_to_review",
    "get_revalidation",
    "approve_revalidation",
    "reject_revalidation",
    "clear_deputy",
    "logout",
];

//! `/api/v1/me`: My Information.

use super::extract::{Auth, JsonBody, SettingUp};
use super::problems::{Busy, Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized};
use crate::service::{Ctx, Error, accounts, delegation, mfa, saars, sign_ins};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(change_password)
        .service(list_my_roles)
        .service(list_my_requests)
        .service(request_role_removal)
        .service(request_role_renewal)
        .service(list_direct_reports)
        .service(remove_direct_report_role)
        .service(set_deputy)
        .service(clear_deputy)
        .service(get_mfa)
        .service(start_totp)
        .service(confirm_totp)
        .service(remove_totp)
        .service(step_up)
        .service(step_up_security_key_options)
        .service(step_up_security_key)
        .service(list_my_sign_ins)
        .service(end_my_sign_in);
}

/// Where I am signed in: my sign-ins of the last 30 days, newest first (at most 50), with the
/// device and address each came from, what it proved, when it was last used, and whether it
/// is still active or the one asking.
///
/// **Permissions**: any signed-in user, for their own sign-ins.
#[utoipa::path(
    tag = "me",
    operation_id = "list_my_sign_ins",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SignInResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/me/sessions")]
async fn list_my_sign_ins(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(sign_ins::mine(&ctx, u).await?))
}

/// Sign out one of my sign-ins (a lost laptop, a shared computer): it gets no new access
/// token, and the one it holds is refused from now on. Ending one that already ended changes
/// nothing. Audited.
///
/// **Permissions**: any signed-in user, for their own sign-ins.
///
/// **Refusals**: 404: no such sign-in of mine.
#[utoipa::path(
    tag = "me",
    operation_id = "end_my_sign_in",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Sign-in id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/me/sessions/{id}")]
async fn end_my_sign_in(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    sign_ins::end_mine(&ctx, &auth.actor(&req), u, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My Information: the signed-in user's profile and approvers.
///
/// **Permissions**: any signed-in user (not service clients).
///
/// **Refusals**: 403: service clients have no profile.
#[utoipa::path(
    tag = "me",
    operation_id = "get_me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = MeResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/me")]
async fn get_me(ctx: web::Data<Ctx>, auth: SettingUp) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(accounts::me(&ctx, u).await?))
}

/// Update My Information (partial). A new email address is used once its emailed link is
/// opened; until then it shows as `pending_email`.
///
/// **Permissions**: any signed-in user, for their own profile.
///
/// **Refusals**: 409: email already registered; 422: a new email without the right current
/// password; 429: too many wrong passwords (they count with wrong passwords at sign-in).
#[utoipa::path(
    tag = "me",
    operation_id = "update_me",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "The updated profile", body = MeResponse),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Busy),
    ),
)]
#[patch("/me")]
async fn update_me(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: web::Json<UpdateMeRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    body.validate()?;
    Ok(HttpResponse::Ok().json(accounts::update_me(&ctx, &auth.actor(&req), u.id, &body).await?))
}

/// Change my password (the current password is asked again). Every other sign-in of the
/// account ends (its refresh tokens and access tokens stop working) and outstanding
/// password-reset links stop working; this sign-in goes on.
///
/// **Permissions**: any signed-in user, for their own account.
///
/// **Refusals**: 422: wrong current password or new password rules not met; 429: too many
/// wrong passwords (they count with wrong passwords at sign-in).
#[utoipa::path(
    tag = "me",
    operation_id = "change_password",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Password changed", body = Accepted),
        (status = 401, response = Unauthorized),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Busy),
    ),
)]
#[post("/me/password")]
async fn change_password(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    body.validate()?;
    Ok(HttpResponse::Ok().json(accounts::change_password(&ctx, &auth.actor(&req), u, &body).await?))
}

/// Current Roles: the roles I hold, since when, until when, from which SAAR.
///
/// **Permissions**: any signed-in user, for themselves.
#[utoipa::path(
    tag = "me",
    operation_id = "list_my_roles",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<CurrentRoleResponse>),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/me/roles")]
async fn list_my_roles(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::my_roles(&ctx, u).await?))
}

/// Pending Requests (with whom each waits on and the time left) and SAAR History (every
/// step's who, when and decision).
///
/// **Permissions**: any signed-in user, for their own requests.
#[utoipa::path(
    tag = "me",
    operation_id = "list_my_requests",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyRequestsResponse),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/me/requests")]
async fn list_my_requests(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::my_requests(&ctx, u).await?))
}

/// Ask to remove one of my roles: my supervisor (or EAO) approves, then a deprovisioning task
/// ends the assignment.
///
/// **Permissions**: any signed-in user, for their own current roles.
///
/// **Refusals**: 404: not one of my current roles; 409: A request for this role is already open.
#[utoipa::path(
    tag = "me",
    operation_id = "request_role_removal",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Assignment id (Current Roles)"),
    ),
    request_body = RemovalRequest,
    responses(
        (status = 201, body = SaarResponse),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/me/roles/{id}/removal")]
async fn request_role_removal(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<RemovalRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    saars::authorize_own_assignment(&ctx, u, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(saars::request_removal(&ctx, &auth.actor(&req), u, *id, &body).await?))
}

/// Ask to renew one of my roles that is about to expire: my supervisor (or EAO) approves,
/// which moves its end date by one more period (the role's, or the length it had).
///
/// A role may be renewed from `renewable_from` (Current Roles; a setting, 30 days before it
/// expires by default) until it expires. Not renewed by then, it expires, and a request still
/// waiting on the supervisor closes with it.
///
/// **Permissions**: any signed-in user, for their own current roles.
///
/// **Refusals**: 404: not one of my current roles; 409: the role does not expire, cannot be
/// renewed yet (the answer says from when), or a request for it is already open; 422: no
/// justification, or no supervisor (EAO) to approve it.
#[utoipa::path(
    tag = "me",
    operation_id = "request_role_renewal",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Assignment id (Current Roles)"),
    ),
    request_body = RenewalRequest,
    responses(
        (status = 201, body = SaarResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/me/roles/{id}/renewal")]
async fn request_role_renewal(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<RenewalRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    saars::authorize_own_assignment(&ctx, u, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(saars::request_renewal(&ctx, &auth.actor(&req), u, *id, &body).await?))
}

/// My direct reports and their current roles.
///
/// **Permissions**: any signed-in user (lists only people whose supervisor they are).
#[utoipa::path(
    tag = "me",
    operation_id = "list_direct_reports",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DirectReportResponse>),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/me/direct-reports")]
async fn list_direct_reports(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::direct_reports(&ctx, u).await?))
}

/// Remove a direct report's role: a deprovisioning task opens at once.
///
/// **Permissions**: the user's supervisor.
///
/// **Refusals**: 403: not your direct report.
#[utoipa::path(
    tag = "me",
    operation_id = "remove_direct_report_role",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "User id"),
        ("rid" = Uuid, Path, description = "Assignment id"),
    ),
    request_body = RemovalRequest,
    responses(
        (status = 201, body = SaarResponse),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/users/{id}/roles/{rid}/removal")]
async fn remove_direct_report_role(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<RemovalRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let (user, rid) = path.into_inner();
    saars::authorize_report(&ctx, u, user).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Created()
        .json(saars::remove_direct_report_role(&ctx, &auth.actor(&req), u, user, rid, &body).await?))
}

/// Name a deputy who acts on my approvals during a period (out of office). Open tasks move to
/// the deputy when the period begins, and new ones go to them meanwhile.
///
/// **Permissions**: any signed-in user, for their own approvals.
///
/// **Refusals**: 422: unknown deputy, or a bad period.
#[utoipa::path(
    tag = "me",
    operation_id = "set_deputy",
    security(("bearer" = [])),
    request_body = SetDeputyRequest,
    responses(
        (status = 200, body = DeputyResponse),
        (status = 401, response = Unauthorized),
        (status = 422, response = Invalid),
    ),
)]
#[put("/me/deputy")]
async fn set_deputy(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: web::Json<SetDeputyRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    body.validate()?;
    Ok(HttpResponse::Ok().json(delegation::set_deputy(&ctx, &auth.actor(&req), u, &body).await?))
}

/// End my deputy arrangement.
///
/// **Permissions**: any signed-in user, for their own approvals.
///
/// **Refusals**: 404: no deputy.
#[utoipa::path(
    tag = "me",
    operation_id = "clear_deputy",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/me/deputy")]
async fn clear_deputy(ctx: web::Data<Ctx>, req: HttpRequest, auth: Auth) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    delegation::clear_deputy(&ctx, &auth.actor(&req), u).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My second factors: whether an authenticator app is set up, and how many recovery codes are
/// left.
///
/// **Permissions**: any signed-in user.
#[utoipa::path(
    tag = "me",
    operation_id = "get_mfa",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MfaStatusResponse),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/me/mfa")]
async fn get_mfa(ctx: web::Data<Ctx>, auth: SettingUp) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok().json(mfa::status(&ctx, u).await?))
}

/// Start setting up an authenticator app: a new secret, shown once (as text and as the
/// `otpauth://` URL the SPA shows as a QR code). It counts once confirmed with a code.
///
/// The account's first second factor, set up from a sign-in that proved only its password,
/// must also be confirmed with a six-digit code emailed to the account's address now
/// (`email_code_sent_to`; 15 minutes; a new set-up mails a new one): a stolen password alone
/// cannot tie the account to someone else's phone.
///
/// **Permissions**: any signed-in user.
///
/// **Refusals**: 409: an app is set up already (turn it off first); 429: too many codes
/// mailed.
#[utoipa::path(
    tag = "me",
    operation_id = "start_totp",
    security(("bearer" = [])),
    responses(
        (status = 201, body = TotpEnrollmentResponse),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/me/mfa/totp")]
async fn start_totp(ctx: web::Data<Ctx>, req: HttpRequest, auth: SettingUp) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(mfa::start_totp(&ctx, &auth.actor(&req), u).await?))
}

/// Confirm the authenticator app being set up with the code it shows: sign-in then asks for a
/// code after the password. Answers ten single-use recovery codes, shown once.
///
/// **Permissions**: any signed-in user.
///
/// **Refusals**: 409: nothing being set up, or already set up, or a code was used; 422: not
/// the code the app shows now, or the emailed code missing, wrong or expired (when the set-up
/// said one was sent); 429: too many wrong emailed codes.
#[utoipa::path(
    tag = "me",
    operation_id = "confirm_totp",
    security(("bearer" = [])),
    request_body = ConfirmTotpRequest,
    responses(
        (status = 200, body = RecoveryCodesResponse),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/me/mfa/totp/confirm")]
async fn confirm_totp(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: SettingUp,
    body: JsonBody<ConfirmTotpRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(mfa::confirm_totp(&ctx, &auth.actor(&req), u, &body).await?))
}

/// Turn the authenticator app off (its recovery codes stop working), with the password again.
///
/// **Permissions**: any signed-in user, for themselves.
///
/// **Refusals**: 409: no app set up, or it is the only second factor of an account that must
/// use one (an administrator; an organization requiring it); 422: wrong password; 429: too many wrong passwords (they
/// count with wrong passwords at sign-in).
#[utoipa::path(
    tag = "me",
    operation_id = "remove_totp",
    security(("bearer" = [])),
    request_body = RemoveTotpRequest,
    responses(
        (status = 204, description = "Turned off"),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
        (status = 503, response = Busy),
    ),
)]
#[post("/me/mfa/totp/removal")]
async fn remove_totp(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<RemoveTotpRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let body = body.parse()?;
    mfa::remove_totp(&ctx, &auth.actor(&req), u, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Prove a second factor for this sign-in (step-up) with a code from the authenticator app or
/// a recovery code: the answer is a new access token whose `amr` and `acr` say so, and the
/// sign-in's refreshed tokens keep it. Needed before anything else by a sign-in that must use a
/// second factor (`/problems/step-up-required`), and for deciding or requesting a role marked
/// "MFA required". Wrong codes count with wrong passwords at sign-in; audited.
///
/// **Permissions**: a signed-in person, from a sign-in that has not proved a second factor.
///
/// **Refusals**: 403: an emailed approval link or a service client; 409: this sign-in proved
/// one already, or the account has no authenticator app; 422: a wrong or used code; 429: too
/// many failed attempts.
#[utoipa::path(
    tag = "auth",
    operation_id = "step_up",
    security(("bearer" = [])),
    request_body = StepUpRequest,
    responses(
        (status = 200, description = "Proved", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/step-up")]
async fn step_up(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: SettingUp,
    body: JsonBody<StepUpRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(mfa::step_up(&ctx, &auth.actor(&req), u, &body).await?))
}

/// The challenge one of my security keys answers to prove a second factor for this sign-in
/// (valid 5 minutes, answered once).
///
/// **Permissions**: as for `POST /auth/step-up`.
///
/// **Refusals**: 403: an emailed approval link or a service client; 404: AMPS is not reached
/// at a host name (WebAuthn needs one); 409: this sign-in proved a second factor already, or
/// the account has no security key.
#[utoipa::path(
    tag = "auth",
    operation_id = "step_up_security_key_options",
    security(("bearer" = [])),
    responses(
        (status = 200, body = SecurityKeyOptionsResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/auth/step-up/security-key/options")]
async fn step_up_security_key_options(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: SettingUp,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(mfa::step_up_key_options(&ctx, &auth.actor(&req), u).await?))
}

/// Prove a second factor for this sign-in with my security key's answer to the step-up
/// challenge (user verification required): a new access token, as for `POST /auth/step-up`.
///
/// **Permissions**: as for `POST /auth/step-up`.
///
/// **Refusals**: 403: an emailed approval link or a service client; 404: no host name; 409:
/// this sign-in proved a second factor already; 422: not a WebAuthn assertion, or an answer
/// not accepted (another key, another page's or a used challenge, no user verification); 429:
/// too many failed attempts.
#[utoipa::path(
    tag = "auth",
    operation_id = "step_up_security_key",
    security(("bearer" = [])),
    request_body = StepUpSecurityKeyRequest,
    responses(
        (status = 200, description = "Proved", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/step-up/security-key")]
async fn step_up_security_key(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: SettingUp,
    body: JsonBody<StepUpSecurityKeyRequest>,
) -> Result<HttpResponse, Error> {
    let u = auth.0.user()?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(mfa::step_up_key(&ctx, &auth.actor(&req), u, &body).await?))
}

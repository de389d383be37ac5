//! `/users`: the users list of administrators and the help desk, one account, its status and
//! its organization.

use super::extract::{Auth, JsonBody};
use super::problems::{Busy, Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use crate::service::{Ctx, Error, deletion, invitations, mfa, saars, sign_ins, users};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(resend_link)
        .service(get_user)
        .service(user_mail)
        .service(user_requests)
        .service(set_user_status)
        .service(update_user)
        .service(delete_user)
        .service(reset_second_factor)
        .service(list_user_sign_ins)
        .service(end_user_sign_in);
}

/// Users, ordered by User ID, searched by User ID, name, email or the number of a SAAR for them, and filtered by status;
/// pages of `limit` with `cursor`.
///
/// **Permissions**: Administrator, Help Desk or Role Catalog Owner (who staffs approval groups).
///
/// **Refusals**: 403: neither administrator, help desk nor role-catalog owner; 422: invalid parameters.
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    security(("bearer" = [])),
    params(
        ListUsersQuery,
    ),
    responses(
        (status = 200, body = UserListResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[get("/users")]
async fn list_users(
    ctx: web::Data<Ctx>,
    auth: Auth,
    q: web::Query<ListUsersQuery>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    q.validate()?;
    Ok(HttpResponse::Ok().json(users::list_users(&ctx, p, &q).await?))
}

/// Create an internal account (civilian, military or contractor of an internal
/// organization): the person is mailed a single-use link (valid 7 days) to set their
/// password; until then the account cannot sign in. Audited.
///
/// **Permissions**: Administrator or Help Desk.
///
/// **Refusals**: 403: neither; 409: the User ID or email belongs to an account; 422: invalid
/// fields, an unknown or external organization (external users register themselves), an
/// unknown supervisor, the help desk naming itself supervisor, contract fields missing for a
/// contractor or given for anyone else, a contract end date not after today.
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = UserDetailResponse, headers(("Location" = String, description = "The account"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 503, response = Busy),
    ),
)]
#[post("/users")]
async fn create_user(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(crate::domain::permission::Permission::CreateAccounts)?;
    let body = body.parse()?;
    let created = invitations::create(&ctx, &auth.actor(&req), p, &body).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", created.user.id)))
        .json(created))
}

/// Mail an account that waits for its person its link again (a new one; earlier links stop
/// working): the invitation of an account created for them, or the email verification of
/// one they registered. Audited.
///
/// **Permissions**: Administrator or Help Desk.
///
/// **Refusals**: 403: neither; 404: no such account; 409: the account is not waiting (it is
/// active, disabled, …).
#[utoipa::path(
    tag = "users",
    operation_id = "resend_user_link",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 202, body = Accepted),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/users/{id}/invitation")]
async fn resend_link(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Accepted().json(invitations::resend(&ctx, &auth.actor(&req), p, *id).await?))
}

/// One account with the history of its status (who changed it, when, why), newest first.
///
/// **Permissions**: Administrator, Help Desk or Role Catalog Owner.
///
/// **Refusals**: 403: none of them; 404: no such account.
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, body = UserDetailResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/users/{id}")]
async fn get_user(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(users::get_user(&ctx, p, *id).await?))
}

/// The newest 20 mails AMPS sent or is trying to send to an account's address: subject,
/// delivery status, attempts and the last delivery error (never the body, whose links act
/// for the person).
///
/// **Permissions**: Administrator or Help Desk.
///
/// **Refusals**: 403: neither; 404: no such account.
#[utoipa::path(
    tag = "users",
    operation_id = "list_user_mail",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, body = Vec<AccountMailResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/users/{id}/mail")]
async fn user_mail(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(users::mail(&ctx, p, *id).await?))
}

/// Change an account's status with a reason: the person is mailed the reason and whom to
/// call, the change is audited and kept in the account's history, and an account that may no
/// longer sign in (disabled, locked, suspended, terminated) loses every session at once; its
/// sign-in is refused with the reason.
///
/// **Permissions**: Administrator (any status but deleted and pending verification); Help Desk
/// (disable an active account, enable a disabled one, never of an account holding an
/// AMPS administrative role); never one's own account.
///
/// **Refusals**: 403: not an administrator or the help desk, one's own account, or a change
/// only an administrator makes; 404: no such account; 409: the account has that status, or
/// is deleted; 422: no reason (5 to 500 characters).
#[utoipa::path(
    tag = "users",
    operation_id = "set_user_status",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = SetUserStatusRequest,
    responses(
        (status = 200, body = UserDetailResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/users/{id}/status")]
async fn set_user_status(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<SetUserStatusRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    users::authorize_status_change(p, *id)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(users::set_status(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// Change an account: move it to another organization of the same kind (internal or
/// external). The person is mailed, and a review of the roles they hold opens at once for
/// their supervisor (EAO), due in 30 days.
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 404: no such account; 409: already in that
/// organization; 422: nothing to change, an unknown organization, or one of the other kind.
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = UserDetailResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[patch("/users/{id}")]
async fn update_user(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(crate::domain::permission::Permission::ManageAccounts)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(users::update_user(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// Delete User: the account is disabled at once (every session ends), the requests about the
/// person still waiting on an approver are cancelled, and every role the person holds goes
/// through deprovisioning; when the last provisioning task is done the account is deleted by
/// itself (at once when it held no role). A deleted account cannot sign in, keeps its
/// history, and gives up its email address so that the person may register again with it.
///
/// **Permissions**: Administrator; the person's supervisor (not for an account holding an AMPS
/// administrative role); never one's own account.
///
/// **Refusals**: 403: neither an administrator nor the person's supervisor, one's own account,
/// or a supervisor deleting an administrative account; 404: no such account (administrators);
/// 409: the deletion is under way already; 422: no reason (5 to 500 characters).
#[utoipa::path(
    tag = "users",
    operation_id = "delete_user",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = DeleteUserRequest,
    responses(
        (status = 202, body = UserDeletionResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/users/{id}/deletion")]
async fn delete_user(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<DeleteUserRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    deletion::authorize(&ctx, p, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Accepted().json(deletion::start(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// The requests about an account (open ones, then its SAAR History) and its reviews of roles,
/// as the person sees them: the help desk answers "where is my request?".
///
/// **Permissions**: Administrator or Help Desk.
///
/// **Refusals**: 403: neither; 404: no such account.
#[utoipa::path(
    tag = "users",
    operation_id = "list_user_requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, body = MyRequestsResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/users/{id}/saars")]
async fn user_requests(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::requests_of(&ctx, p, *id).await?))
}

/// Reset a person's two-step sign-in (they lost their phone and their recovery codes): their
/// authenticator app and recovery codes stop working, they are mailed the reason, and they sign
/// in with the password and set it up again. Audited. Check who is calling before doing this.
///
/// **Permissions**: Administrator; Help Desk (not for an account holding an AMPS administrative
/// role); never one's own account.
///
/// **Refusals**: 403: neither, one's own account, or the help desk for an administrative
/// account; 404: no such account; 409: no authenticator set up; 422: no reason (5 to 500
/// characters).
#[utoipa::path(
    tag = "users",
    operation_id = "reset_second_factor",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = ResetSecondFactorRequest,
    responses(
        (status = 204, description = "Reset"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/users/{id}/mfa/reset")]
async fn reset_second_factor(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<ResetSecondFactorRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(crate::domain::permission::Permission::ChangeAccountStatus)?;
    if *id == p.id {
        return Err(Error::Forbidden(
            "Nobody resets their own two-step sign-in: turn it off in My Information.".into(),
        ));
    }
    let body = body.parse()?;
    mfa::reset_for(&ctx, &auth.actor(&req), p, *id, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A person's sign-ins of the last 30 days, newest first (at most 50): device, address, what
/// each proved, last use, and whether it is still active.
///
/// **Permissions**: Administrator; Help Desk (not for an account holding an AMPS administrative
/// role).
///
/// **Refusals**: 403: neither, or the help desk for an administrative account; 404: no such
/// account.
#[utoipa::path(
    tag = "users",
    operation_id = "list_user_sign_ins",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, body = Vec<SignInResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/users/{id}/sessions")]
async fn list_user_sign_ins(
    ctx: web::Data<Ctx>,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(sign_ins::of_user(&ctx, p, *id).await?))
}

/// End one of a person's sign-ins (a stolen session, a lost device): it gets no new access
/// token and the one it holds is refused from now on; the person is mailed who ended it.
/// Ending one that already ended changes nothing. Audited.
///
/// **Permissions**: Administrator; Help Desk (not for an account holding an AMPS administrative
/// role).
///
/// **Refusals**: 403: neither, or the help desk for an administrative account; 404: no such
/// account, or no such sign-in of it.
#[utoipa::path(
    tag = "users",
    operation_id = "end_user_sign_in",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Account id"),
        ("session" = Uuid, Path, description = "Sign-in id"),
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/users/{id}/sessions/{session}")]
async fn end_user_sign_in(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let (user, session) = path.into_inner();
    sign_ins::end_for(&ctx, &auth.actor(&req), p, user, session).await?;
    Ok(HttpResponse::NoContent().finish())
}

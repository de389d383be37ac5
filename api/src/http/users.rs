//! `/users`: the users list of administrators and the help desk, one account, its status and
//! its organization.

use super::extract::{Auth, JsonBody};
use super::problems::{Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use crate::service::{Ctx, Error, users};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(set_user_status)
        .service(update_user);
}

/// Users, ordered by User ID, searched by User ID, name or email and filtered by status;
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

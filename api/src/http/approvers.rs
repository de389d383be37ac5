//! Who approves a user's requests: changes a user asked for, accepted or declined by the person
//! named (in AMPS, or through an emailed link), and changes made at once by the user's
//! supervisor, the help desk or an administrator.

use super::extract::{Auth, JsonBody, client_ip};
use super::problems::{BadRequest, Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use crate::service::{Ctx, Error, approvers};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_approver_changes)
        .service(accept_approver_change)
        .service(decline_approver_change)
        .service(get_approver_change_link)
        .service(accept_approver_change_by_link)
        .service(decline_approver_change_by_link)
        .service(set_approvers);
}

/// Approver changes asking me to accept: people who named me as their new supervisor or
/// External Authorizing Official, oldest first.
///
/// **Permissions**: any signed-in user (lists only requests to them).
#[utoipa::path(
    tag = "approvals",
    operation_id = "list_approver_changes",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApproverChangeResponse>),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/approver-changes")]
async fn list_approver_changes(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(approvers::asking(&ctx, p).await?))
}

/// Accept to become the user's supervisor or EAO: it takes effect now, and their open
/// approvals move from their former approver to me.
///
/// **Permissions**: the person the change names.
///
/// **Refusals**: 404: no such request to the caller; 409: decided or replaced meanwhile.
#[utoipa::path(
    tag = "approvals",
    operation_id = "accept_approver_change",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Approver change id")),
    responses(
        (status = 200, body = ApproverChangeResponse),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/approver-changes/{id}/accept")]
async fn accept_approver_change(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(approvers::decide(&ctx, &auth.actor(&req), p, *id, true).await?))
}

/// Decline to become the user's supervisor or EAO: they keep their current approver.
///
/// **Permissions**: the person the change names.
///
/// **Refusals**: 404: no such request to the caller; 409: decided or replaced meanwhile.
#[utoipa::path(
    tag = "approvals",
    operation_id = "decline_approver_change",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Approver change id")),
    responses(
        (status = 200, body = ApproverChangeResponse),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/approver-changes/{id}/decline")]
async fn decline_approver_change(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(approvers::decide(&ctx, &auth.actor(&req), p, *id, false).await?))
}

/// The approver change behind an emailed link (an EAO without an account; no session needed).
///
/// **Permissions**: the holder of a valid link: single use, void once the change is decided
/// or replaced.
///
/// **Refusals**: 400: link not valid.
#[utoipa::path(
    tag = "approvals",
    operation_id = "get_approver_change_link",
    params(("token" = String, Path, description = "Link token")),
    responses(
        (status = 200, body = ApproverChangeResponse),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/approver-change-links/{token}")]
async fn get_approver_change_link(
    ctx: web::Data<Ctx>,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(approvers::view_by_link(&ctx, &token).await?))
}

/// Accept through an emailed link.
///
/// **Permissions**: the holder of a valid link.
///
/// **Refusals**: 400: link not valid; 409: decided or replaced meanwhile.
#[utoipa::path(
    tag = "approvals",
    operation_id = "accept_approver_change_by_link",
    params(("token" = String, Path, description = "Link token")),
    responses(
        (status = 200, body = ApproverChangeResponse),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
    ),
)]
#[post("/approver-change-links/{token}/accept")]
async fn accept_approver_change_by_link(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok().json(approvers::decide_by_link(&ctx, client_ip(&req), &token, true).await?))
}

/// Decline through an emailed link.
///
/// **Permissions**: the holder of a valid link.
///
/// **Refusals**: 400: link not valid; 409: decided or replaced meanwhile.
#[utoipa::path(
    tag = "approvals",
    operation_id = "decline_approver_change_by_link",
    params(("token" = String, Path, description = "Link token")),
    responses(
        (status = 200, body = ApproverChangeResponse),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
    ),
)]
#[post("/approver-change-links/{token}/decline")]
async fn decline_approver_change_by_link(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok().json(approvers::decide_by_link(&ctx, client_ip(&req), &token, false).await?))
}

/// Set a user's supervisor, security officer or EAO at once (no acceptance asked); their open
/// approvals move from the former approver to the new one.
///
/// **Permissions**: the user's current supervisor, the help desk and administrators; never the
/// user themselves (they ask in My Information).
///
/// **Refusals**: 403: anyone else; 404: no such user; 422: the new approver is not an active
/// account, is the user, is external (supervisor, EAO), or does not hold the Security Officer
/// role (security officer).
#[utoipa::path(
    tag = "users",
    operation_id = "set_approvers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = SetApproversRequest,
    responses(
        (status = 200, body = ApproversResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[patch("/users/{id}/approvers")]
async fn set_approvers(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<SetApproversRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    // Who may set them comes first: a stranger learns nothing from a 400 or 422.
    approvers::authorize_set(&ctx, p, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(approvers::set_for_user(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

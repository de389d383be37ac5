//! `/approvals`: the approver's inbox and decisions.

use super::extract::{Auth, JsonBody, client_ip, if_match};
use super::problems::{BadRequest, Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, Unauthorized};
use crate::service::approvals::{self, Decision};
use crate::service::{Ctx, Error};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_approvals)
        .service(count_approvals)
        .service(approve_task)
        .service(reject_task)
        .service(return_task)
        .service(get_approval_link)
        .service(approve_by_link)
        .service(reject_by_link)
        .service(return_by_link);
}

/// My open approval tasks (mine and my groups'), soonest due first.
///
/// **Permissions**: any signed-in user (lists only their tasks).
#[utoipa::path(
    tag = "approvals",
    operation_id = "list_approvals",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApprovalTaskResponse>),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/approvals")]
async fn list_approvals(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(approvals::list_open(&ctx, p).await?))
}

/// How many approvals wait on me (for a badge).
///
/// **Permissions**: any signed-in user.
#[utoipa::path(
    tag = "approvals",
    operation_id = "count_approvals",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApprovalCountResponse),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/approvals/count")]
async fn count_approvals(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(approvals::counts(&ctx, p).await?))
}

/// Records a decision on task `id`; the body is read once the caller may decide it.
async fn decide_task(
    ctx: &Ctx,
    req: &HttpRequest,
    auth: &Auth,
    id: Uuid,
    decision: impl FnOnce() -> Result<Decision, Error>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let expected = if_match(req)?;
    Ok(HttpResponse::Ok().json(approvals::decide(ctx, &auth.actor(req), p, id, decision, expected).await?))
}

/// Approve. The Security Officer level records the user's IT level; a request that breaks a
/// segregation-of-duties rule needs `sod_exception_reason`.
///
/// **Permissions**: the task's approver, or a member of its group. Two approvers acting at
/// once: one succeeds, the other gets 409.
///
/// **Refusals**: 412: stale If-Match version; 403: not your approval, or a role marked "MFA
/// required" decided from a sign-in without a second factor (an emailed link has none); 409:
/// already decided; 422: IT level not met, exception reason missing.
#[utoipa::path(
    tag = "approvals",
    operation_id = "approve_task",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The SAAR version you loaded (its ETag); a stale one gets 412"),
    ),
    request_body = ApproveRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 412, response = PreconditionFailed),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approvals/{id}/approve")]
async fn approve_task(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<ApproveRequest>,
) -> Result<HttpResponse, Error> {
    decide_task(&ctx, &req, &auth, *id, || Ok(Decision::Approve(body.parse()?))).await
}

/// Reject with a reason code (`other` needs a comment).
///
/// **Permissions**: the task's approver, or a member of its group.
///
/// **Refusals**: 412: stale If-Match version; 403: not your approval, or a role marked "MFA
/// required" decided from a sign-in without a second factor.
#[utoipa::path(
    tag = "approvals",
    operation_id = "reject_task",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The SAAR version you loaded (its ETag); a stale one gets 412"),
    ),
    request_body = RejectRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 412, response = PreconditionFailed),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approvals/{id}/reject")]
async fn reject_task(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<RejectRequest>,
) -> Result<HttpResponse, Error> {
    decide_task(&ctx, &req, &auth, *id, || Ok(Decision::Reject(body.parse()?))).await
}

/// Return to the requester for more information.
///
/// **Permissions**: the task's approver, or a member of its group.
///
/// **Refusals**: 412: stale If-Match version; 403: not your approval, or a role marked "MFA
/// required" decided from a sign-in without a second factor.
#[utoipa::path(
    tag = "approvals",
    operation_id = "return_task",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "The SAAR version you loaded (its ETag); a stale one gets 412"),
    ),
    request_body = ReturnRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 412, response = PreconditionFailed),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approvals/{id}/return")]
async fn return_task(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<ReturnRequest>,
) -> Result<HttpResponse, Error> {
    decide_task(&ctx, &req, &auth, *id, || Ok(Decision::Return(body.parse()?))).await
}

/// The request behind an emailed approval link (external approvers; no session needed).
///
/// **Permissions**: the holder of a valid link: single use, replaced by each newer email,
/// void once the task is decided or past its deadline.
///
/// **Refusals**: 400: link not valid.
#[utoipa::path(
    tag = "approvals",
    operation_id = "get_approval_link",
    params(
        ("token" = String, Path, description = "Link token"),
    ),
    responses(
        (status = 200, body = ApprovalTaskResponse),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/approval-links/{token}")]
async fn get_approval_link(ctx: web::Data<Ctx>, token: web::Path<String>) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(approvals::view_by_link(&ctx, &token).await?))
}

/// Approve through an emailed link.
///
/// **Permissions**: the holder of a valid link.
///
/// **Refusals**: 400: link not valid; 403: the role is marked "MFA required" (sign in to
/// decide it).
#[utoipa::path(
    tag = "approvals",
    operation_id = "approve_by_link",
    params(
        ("token" = String, Path, description = "Link token"),
    ),
    request_body = ApproveRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approval-links/{token}/approve")]
async fn approve_by_link(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<ApproveRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok().json(
        approvals::decide_by_link(
            &ctx,
            client_ip(&req),
            &token,
            Decision::Approve(body.into_inner()),
        )
        .await?,
    ))
}

/// Reject through an emailed link.
///
/// **Permissions**: the holder of a valid link.
///
/// **Refusals**: 400: link not valid; 403: the role is marked "MFA required" (sign in to
/// decide it).
#[utoipa::path(
    tag = "approvals",
    operation_id = "reject_by_link",
    params(
        ("token" = String, Path, description = "Link token"),
    ),
    request_body = RejectRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approval-links/{token}/reject")]
async fn reject_by_link(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<RejectRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok().json(
        approvals::decide_by_link(&ctx, client_ip(&req), &token, Decision::Reject(body.into_inner())).await?,
    ))
}

/// Return to the requester through an emailed link.
///
/// **Permissions**: the holder of a valid link.
///
/// **Refusals**: 400: link not valid; 403: the role is marked "MFA required" (sign in to
/// decide it).
#[utoipa::path(
    tag = "approvals",
    operation_id = "return_by_link",
    params(
        ("token" = String, Path, description = "Link token"),
    ),
    request_body = ReturnRequest,
    responses(
        (status = 200, body = SaarResponse),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approval-links/{token}/return")]
async fn return_by_link(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<ReturnRequest>,
) -> Result<HttpResponse, Error> {
    body.validate()?;
    Ok(HttpResponse::Ok().json(
        approvals::decide_by_link(&ctx, client_ip(&req), &token, Decision::Return(body.into_inner())).await?,
    ))
}

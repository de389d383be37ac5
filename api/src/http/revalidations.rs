//! Revalidation: `/revalidation-campaigns` (administrators), `/me/revalidation` (my review of
//! my roles) and `/revalidations` (the reviewer's queue and decisions).

use super::extract::{Auth, JsonBody};
use super::problems::{Conflict, Forbidden, Invalid, NotFound, PreconditionFailed, Unauthorized};
use crate::service::{Ctx, Error, revalidation};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_campaign)
        .service(list_campaigns)
        .service(get_campaign)
        .service(remind_overdue)
        .service(close_campaign)
        .service(get_my_revalidation)
        .service(update_my_revalidation)
        .service(list_revalidations_to_review)
        .service(get_revalidation)
        .service(approve_revalidation)
        .service(reject_revalidation);
}

/// Start a revalidation campaign: every active user in scope who holds a role gets a review of
/// their roles, due at the end of `due_on`, and a mail. Set-based: one statement opens every
/// review, whatever the number of users.
///
/// **Permissions**: administrators.
///
/// **Refusals**: 403: not an administrator; 422: the scope and the id it needs disagree, an
/// unknown organization or application, or a due date less than 7 days away.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "create_campaign",
    security(("bearer" = [])),
    request_body = CreateCampaignRequest,
    responses(
        (status = 201, body = CampaignResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[post("/revalidation-campaigns")]
async fn create_campaign(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateCampaignRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    revalidation::authorize_manage(p)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(revalidation::start_campaign(&ctx, &auth.actor(&req), p, &body).await?))
}

/// Every campaign, newest first, with its progress.
///
/// **Permissions**: administrators.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "list_campaigns",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<CampaignResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/revalidation-campaigns")]
async fn list_campaigns(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::list_campaigns(&ctx, p).await?))
}

/// One campaign: its progress per organization (done, waiting on the user, waiting on the
/// reviewer, overdue, without a reviewer, roles removed with their deprovisioning confirmed or
/// pending) and the quality of its reviews (median seconds per decision, rubber-stamp share).
///
/// **Permissions**: administrators.
///
/// **Refusals**: 404: no such campaign.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "get_campaign",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses(
        (status = 200, body = CampaignResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/revalidation-campaigns/{id}")]
async fn get_campaign(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::get_campaign(&ctx, p, *id).await?))
}

/// Remind everyone overdue in a campaign at once: each user whose review is open past its due
/// date, and each reviewer of one submitted and not decided.
///
/// **Permissions**: administrators.
///
/// **Refusals**: 404: no such campaign.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "remind_overdue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses(
        (status = 200, body = RemindResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/revalidation-campaigns/{id}/remind")]
async fn remind_overdue(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::remind_overdue(&ctx, &auth.actor(&req), p, *id).await?))
}

/// Close a campaign once every review in it is decided (or lapsed): its decisions then stand
/// (until then reviewers may correct them). The deadlines job closes a finished campaign by
/// itself a week after its due date.
///
/// **Permissions**: administrators.
///
/// **Refusals**: 404: no such campaign; 409: reviews still open or waiting on a reviewer, or
/// closed already.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "close_campaign",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses(
        (status = 200, body = CampaignResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/revalidation-campaigns/{id}/close")]
async fn close_campaign(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::close_campaign(&ctx, &auth.actor(&req), p, *id).await?))
}

/// My open review of my roles: each role to keep or give up, the due date, and what happens if
/// it is not finished.
///
/// **Permissions**: any signed-in user (their own review).
///
/// **Refusals**: 404: no review open.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "get_my_revalidation",
    security(("bearer" = [])),
    responses(
        (status = 200, body = RevalidationResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/me/revalidation")]
async fn get_my_revalidation(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::mine(&ctx, p).await?))
}

/// Keep or give up roles of my open review (a role given up needs a reason) and, with
/// `submit`, send it to my supervisor (EAO) once every role is decided.
///
/// **Permissions**: any signed-in user (their own review).
///
/// **Refusals**: 404: no review open; 409: already submitted, or changed meanwhile; 412: the
/// `version` sent is stale; 422: a role not under review, or (with `submit`) a role undecided
/// or given up without a reason.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "update_my_revalidation",
    security(("bearer" = [])),
    request_body = UpdateRevalidationRequest,
    responses(
        (status = 200, body = RevalidationResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Invalid),
    ),
)]
#[post("/me/revalidation")]
async fn update_my_revalidation(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<UpdateRevalidationRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(revalidation::update_mine(&ctx, &auth.actor(&req), p, &body).await?))
}

/// The submitted reviews waiting on me: my direct reports' (and external users' whose EAO I
/// am), those of the people whose deputy I am now, and for administrators those of users
/// without a reviewer. Soonest due first.
///
/// **Permissions**: any signed-in user (lists only reviews they decide).
#[utoipa::path(
    tag = "revalidation",
    operation_id = "list_revalidations_to_review",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<RevalidationResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/revalidations")]
async fn list_revalidations_to_review(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::to_review(&ctx, p).await?))
}

/// One review: for its user, its reviewer and administrators. The reviewer's first reading of
/// a submitted review starts the clock of their decision (the campaign's seconds per decision).
///
/// **Permissions**: the user, the reviewer (or their deputy now), administrators.
///
/// **Refusals**: 404: no such review, or not one the caller may see.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "get_revalidation",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Review id")),
    responses(
        (status = 200, body = RevalidationResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/revalidations/{id}")]
async fn get_revalidation(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(revalidation::get(&ctx, &auth.actor(&req), p, *id).await?))
}

/// Approve a submitted review: the roles given up (and those the reviewer removes in
/// `remove`, each with a reason) are deprovisioned, the kept ones are recorded as reviewed,
/// and the user is told. Until the campaign closes (a review opened by a change: until it
/// would have lapsed) the reviewer may correct an approved review by approving it again with
/// more roles in `remove`; what was removed stays removed.
///
/// **Permissions**: the reviewer (the user's supervisor, or EAO) or their deputy during the
/// deputy period, or an administrator for a user without one; never the user.
///
/// **Refusals**: 403: the caller's own review; 404: not a review the caller decides; 409: not
/// submitted (nor approved with roles to remove), decided meanwhile, or its campaign closed;
/// 412: stale `version`; 422: a role in `remove` not kept in the review, or no reason.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "approve_revalidation",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Review id")),
    request_body = ApproveRevalidationRequest,
    responses(
        (status = 200, body = RevalidationResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Invalid),
    ),
)]
#[post("/revalidations/{id}/approve")]
async fn approve_revalidation(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<ApproveRevalidationRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    revalidation::authorize_decide(&ctx, p, *id).await?;
    let body = body.parse()?;
    let comment = body
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let decision = revalidation::Decision::Approve {
        comment,
        remove: body.remove,
    };
    Ok(HttpResponse::Ok()
        .json(revalidation::decide(&ctx, &auth.actor(&req), p, *id, decision, body.version).await?))
}

/// Reject a submitted review, with a reason: every role in it is deprovisioned and, unless
/// `AMPS_REVALIDATION_REJECT_DISABLES` is false, the account is disabled. An approved review
/// may be corrected to rejected until its campaign closes.
///
/// **Permissions**: as approve.
///
/// **Refusals**: as approve; 422: no reason.
#[utoipa::path(
    tag = "revalidation",
    operation_id = "reject_revalidation",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Review id")),
    request_body = RejectRevalidationRequest,
    responses(
        (status = 200, body = RevalidationResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Invalid),
    ),
)]
#[post("/revalidations/{id}/reject")]
async fn reject_revalidation(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<RejectRevalidationRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    revalidation::authorize_decide(&ctx, p, *id).await?;
    let body = body.parse()?;
    let reason = body.reason.trim().to_string();
    let decision = revalidation::Decision::Reject { reason };
    Ok(HttpResponse::Ok()
        .json(revalidation::decide(&ctx, &auth.actor(&req), p, *id, decision, body.version).await?))
}

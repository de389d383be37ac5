//! `/saars`: submit, read, cancel, resubmit.

use super::extract::Auth;
use crate::service::{Ctx, Error, saars};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_saars)
        .service(get_saar)
        .service(cancel_saar)
        .service(resubmit_saar);
}

/// Submit a request for roles: one SAAR per role, in one transaction. Refused (with the role
/// and the reason) for a role already held or pending, hidden or not visible, non-PROD where
/// the organization forbids it, not open to the user's type, or a stale IA training date.
/// Accepted with recorded warnings for segregation-of-duties conflicts and missing
/// prerequisite roles (named in `missing_prerequisites`).
///
/// **Permissions**: any signed-in user, for themselves or (supervisors) a direct report.
#[utoipa::path(tag = "saars", operation_id = "submit_saars", security(("bearer" = [])), request_body = SubmitSaarsRequest,
    responses((status = 201, body = SubmitSaarsResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your direct report", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A role cannot be requested, or invalid fields", body = Problem, content_type = "application/problem+json")))]
#[post("/saars")]
async fn submit_saars(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: web::Json<SubmitSaarsRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    body.validate()?;
    Ok(HttpResponse::Created().json(saars::submit(&ctx, &auth.actor(&req), p, &body).await?))
}

/// A SAAR with whom it waits on, since when and the time left, and every step.
///
/// **Permissions**: its requester and subject, its approvers, its provisioners,
/// administrators and the help desk.
#[utoipa::path(tag = "saars", operation_id = "get_saar", security(("bearer" = [])), params(("id" = Uuid, Path, description = "SAAR id")),
    responses((status = 200, body = SaarResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/saars/{id}")]
async fn get_saar(ctx: web::Data<Ctx>, auth: Auth, id: web::Path<Uuid>) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::get(&ctx, p, *id).await?))
}

/// Cancel a pending or returned SAAR.
///
/// **Permissions**: its requester (or subject).
#[utoipa::path(tag = "saars", operation_id = "cancel_saar", security(("bearer" = [])), params(("id" = Uuid, Path, description = "SAAR id")),
    responses((status = 200, body = SaarResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not cancellable in its state", body = Problem, content_type = "application/problem+json")))]
#[post("/saars/{id}/cancel")]
async fn cancel_saar(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(saars::cancel(&ctx, &auth.actor(&req), p, *id).await?))
}

/// Resubmit a returned SAAR with a new justification.
///
/// **Permissions**: its requester.
#[utoipa::path(tag = "saars", operation_id = "resubmit_saar", security(("bearer" = [])), params(("id" = Uuid, Path, description = "SAAR id")), request_body = ResubmitSaarRequest,
    responses((status = 200, body = SaarResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not returned", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/saars/{id}/resubmit")]
async fn resubmit_saar(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: web::Json<ResubmitSaarRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    body.validate()?;
    Ok(HttpResponse::Ok().json(saars::resubmit(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

//! `/enrollments`: New IT User Enrollment (a COR enrolls a new contractor) and the contracts
//! of the contractors they enrolled.

use super::extract::{Auth, JsonBody};
use super::problems::{Busy, Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use crate::service::{Ctx, Error, enrollments};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(enroll_contractor)
        .service(list_enrollments)
        .service(extend_contract);
}

/// Enroll a new contractor in one's organization (New IT User Enrollment): the account waits
/// until the contractor sets a password through the single-use link mailed to them (valid 7
/// days); their supervisor is told. The account is disabled after the contract's last day
/// unless the COR extends the contract; the contractor, supervisor and COR are warned 14 days
/// before. Audited.
///
/// **Permissions**: holders of New IT User Requestor (a COR) in an internal organization.
///
/// **Refusals**: 403: not a COR, or an external user; 409: the User ID or email belongs to an
/// account; 422: invalid fields, an unknown supervisor, a last day not after today.
#[utoipa::path(
    tag = "enrollments",
    operation_id = "enroll_contractor",
    security(("bearer" = [])),
    request_body = EnrollContractorRequest,
    responses(
        (status = 201, body = UserDetailResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
        (status = 503, response = Busy),
    ),
)]
#[post("/enrollments")]
async fn enroll_contractor(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<EnrollContractorRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    enrollments::authorize(p)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(enrollments::enroll(&ctx, &auth.actor(&req), p, &body).await?))
}

/// The contractors I enrolled, the contract ending soonest first, with their status and its
/// history (administrators: every enrolled contractor).
///
/// **Permissions**: holders of New IT User Requestor in an internal organization;
/// Administrator.
///
/// **Refusals**: 403: neither.
#[utoipa::path(
    tag = "enrollments",
    operation_id = "list_enrollments",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<UserDetailResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/enrollments")]
async fn list_enrollments(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(enrollments::list(&ctx, p).await?))
}

/// Extend an enrolled contractor's contract to a later last day (and a new contract number if
/// it changed). Its end is announced again when it nears; an account the contract's end
/// disabled comes back in the status it had. The contractor is mailed; audited.
///
/// **Permissions**: the COR who enrolled the contractor (still holding New IT User
/// Requestor); Administrator.
///
/// **Refusals**: 403: anyone else (whether or not the account exists); 404: no such contractor
/// (administrators); 409: the account has no contract; 422: a last day not after today and
/// the current one.
#[utoipa::path(
    tag = "enrollments",
    operation_id = "extend_contract",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The contractor's account id")),
    request_body = ExtendContractRequest,
    responses(
        (status = 200, body = UserDetailResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/enrollments/{id}/extension")]
async fn extend_contract(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<ExtendContractRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    enrollments::authorize_extension(&ctx, p, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(enrollments::extend(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

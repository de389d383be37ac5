//! `/reports`: My Reports, for internal users holding the Reports role.

use super::extract::Auth;
use super::problems::{Forbidden, Invalid, NotFound, Unauthorized};
use crate::service::{Ctx, Error, reports};
use actix_web::{HttpResponse, get, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_reports)
        .service(export_report)
        .service(get_report);
}

/// The reports of My Reports.
///
/// **Permissions**: internal users holding the Reports role (never an external user).
///
/// **Refusals**: 403: not an internal holder of Reports.
#[utoipa::path(
    tag = "reports",
    operation_id = "list_reports",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ReportInfo>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/reports")]
async fn list_reports(auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(reports::list(p)?))
}

/// A page of a report: `pending-saars` (every open approval step, with the level it waits at
/// and its age in days), `approver-workload` (open and overdue tasks per approver),
/// `role-holders` (who holds which role, since and until when), `time-to-access` (business
/// days from submission to confirmed access, p50 and p90, per application and per approval
/// level), `sod-conflicts` (people holding two roles a rule keeps apart),
/// `revalidation-progress` (reviews per campaign and status), `accounts` (accounts per
/// organization and status) or `provisioning-backlog` (open provisioning tasks and their age),
/// filtered by organization, application and period where they apply; list reports page with
/// `cursor`.
///
/// **Permissions**: internal users holding the Reports role (never an external user).
///
/// **Refusals**: 403: not an internal holder of Reports; 404: no such report; 422: invalid
/// filters (an unknown organization or application code, a period that ends before it starts,
/// a cursor the report did not give, a page size over 500).
#[utoipa::path(
    tag = "reports",
    operation_id = "get_report",
    security(("bearer" = [])),
    params(
        ("name" = String, Path, description = "pending-saars, approver-workload, role-holders, time-to-access, sod-conflicts, revalidation-progress, accounts or provisioning-backlog"),
        ReportQuery,
    ),
    responses(
        (status = 200, body = ReportResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[get("/reports/{name}")]
async fn get_report(
    ctx: web::Data<Ctx>,
    auth: Auth,
    name: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    q.validate()?;
    Ok(HttpResponse::Ok().json(reports::read(&ctx, p, &name, &q).await?))
}

/// Every row of a report as CSV (the column labels first), streamed as it is read: any number
/// of rows, in bounded memory. `limit` and `cursor` are ignored.
///
/// **Permissions**: internal users holding the Reports role (never an external user).
///
/// **Refusals**: 403: not an internal holder of Reports; 404: no such report; 422: invalid
/// filters.
#[utoipa::path(
    tag = "reports",
    operation_id = "export_report",
    security(("bearer" = [])),
    params(
        ("name" = String, Path, description = "pending-saars, approver-workload, role-holders, time-to-access, sod-conflicts, revalidation-progress, accounts or provisioning-backlog"),
        ReportQuery,
    ),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[get("/reports/{name}/export")]
async fn export_report(
    ctx: web::Data<Ctx>,
    auth: Auth,
    name: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    q.validate()?;
    let (name, rows) = reports::export(&ctx, p, &name, &q).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"amps-{name}.csv\""),
        ))
        .streaming(rows))
}

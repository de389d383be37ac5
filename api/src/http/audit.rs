//! `/audit-events`: the audit trail for administrators and auditors: search, CSV export and
//! a check of the hash chain.

use super::extract::Auth;
use super::problems::{Forbidden, Invalid, Unauthorized};
use crate::service::{Ctx, Error, audit};
use actix_web::{HttpRequest, HttpResponse, get, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events)
        .service(export_audit_events)
        .service(verify_audit_chain);
}

/// Search the audit trail: every recorded change (who acted, when, from where, what, and its
/// seal in the hash chain), newest first, filtered by actor, target, action (or an action
/// prefix ending in a dot) and period; pages of `limit` with `cursor`.
///
/// **Permissions**: Administrator or Auditor.
///
/// **Refusals**: 403: neither administrator nor auditor; 422: invalid parameters (a period
/// that ends before it starts, a cursor this list did not give).
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_events",
    security(("bearer" = [])),
    params(AuditFilter, AuditPageQuery),
    responses(
        (status = 200, body = AuditEventList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[get("/audit-events")]
async fn list_audit_events(
    ctx: web::Data<Ctx>,
    auth: Auth,
    filter: web::Query<AuditFilter>,
    page: web::Query<AuditPageQuery>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    filter.validate()?;
    page.validate()?;
    Ok(HttpResponse::Ok().json(audit::search(&ctx, p, &filter, &page).await?))
}

/// Export the audit events the filters find, newest first, as CSV (`id, seq, at, actor,
/// action, target, ip, details, hash`), streamed as it is read: any number of events, in
/// bounded memory. The export itself is audited (`audit.exported`).
///
/// **Permissions**: Administrator or Auditor.
///
/// **Refusals**: 403: neither administrator nor auditor; 422: invalid parameters.
#[utoipa::path(
    tag = "audit",
    operation_id = "export_audit_events",
    security(("bearer" = [])),
    params(AuditFilter),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[get("/audit-events/export")]
async fn export_audit_events(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    filter: web::Query<AuditFilter>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    filter.validate()?;
    let rows = audit::export(&ctx, &auth.actor(&req), p, &filter).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"amps-audit-events.csv\"",
        ))
        .streaming(rows))
}

/// Check the audit trail's hash chain from its first event: events waiting to be sealed are
/// sealed first; the answer names the first event that was changed, or that follows a deleted
/// one, and how many before it are intact.
///
/// **Permissions**: Administrator or Auditor.
///
/// **Refusals**: 403: neither administrator nor auditor.
#[utoipa::path(
    tag = "audit",
    operation_id = "verify_audit_chain",
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditVerifyResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/audit-events/verify")]
async fn verify_audit_chain(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(audit::verify(&ctx, p).await?))
}

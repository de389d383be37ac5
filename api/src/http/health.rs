//! Operations endpoints: liveness, readiness, Prometheus metrics, the JWKS.

use super::metrics::Metrics;
use super::problems::Unavailable;
use crate::service::Ctx;
use actix_web::{HttpResponse, get, web};
use amps_openapi::{HealthResponse, JwkSet};

/// Liveness: the process answers.
///
/// **Permissions**: anyone.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_healthz",
    responses(
        (status = 200, body = HealthResponse),
    ),
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok".into() })
}

/// Readiness: the database answers.
///
/// **Permissions**: anyone.
///
/// **Refusals**: 503: database unreachable.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_readyz",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, response = Unavailable),
    ),
)]
#[get("/readyz")]
pub async fn readyz(ctx: web::Data<Ctx>) -> HttpResponse {
    if crate::store::ping(&ctx.db).await {
        HttpResponse::Ok().json(HealthResponse {
            status: "ready".into(),
        })
    } else {
        super::error::problem(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "Not ready",
            Some("The database is not reachable.".into()),
            vec![],
        )
    }
}

/// Prometheus metrics: request counts and latencies by route, database pool.
///
/// **Permissions**: anyone who can reach the port (expose it to the monitoring network only).
#[utoipa::path(
    tag = "operations",
    operation_id = "get_metrics",
    responses(
        (status = 200, content_type = "text/plain", body = String),
    ),
)]
#[get("/metrics")]
pub async fn metrics(ctx: web::Data<Ctx>, m: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(m.render(&ctx.db))
}

/// The public keys that verify AMPS access tokens (RFC 7517).
///
/// **Permissions**: anyone.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_jwks",
    responses(
        (status = 200, body = JwkSet),
    ),
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ctx.keys.jwks())
}

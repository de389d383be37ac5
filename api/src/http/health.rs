//! Operations endpoints: liveness, readiness, Prometheus metrics, the JWKS.

use super::metrics::Metrics;
use super::problems::{Unauthorized, Unavailable};
use crate::service::Ctx;
use actix_web::{HttpRequest, HttpResponse, get, web};
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
/// **Permissions**: with `AMPS_METRICS_TOKEN` set, clients presenting it as a bearer token
/// (and loopback clients); without it, loopback clients only (the client address after
/// `AMPS_TRUSTED_PROXIES`). Others get 401.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_metrics",
    responses(
        (status = 200, content_type = "text/plain", body = String),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/metrics")]
pub async fn metrics(req: HttpRequest, ctx: web::Data<Ctx>, m: web::Data<Metrics>) -> HttpResponse {
    if !may_read_metrics(&req, &ctx) {
        let mut r = super::error::problem(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "metrics-refused",
            "Metrics need a token",
            Some("Metrics are served to loopback clients and to clients presenting the server's metrics token (AMPS_METRICS_TOKEN) as a bearer token.".into()),
            vec![],
        );
        r.headers_mut().insert(
            actix_web::http::header::WWW_AUTHENTICATE,
            actix_web::http::header::HeaderValue::from_static("Bearer realm=\"amps-metrics\""),
        );
        return r;
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(m.render(&ctx.db))
}

/// Whether `req` may read `/metrics`: a loopback client, or the metrics token as a bearer
/// token (compared in constant time).
fn may_read_metrics(req: &HttpRequest, ctx: &Ctx) -> bool {
    if super::extract::client_addr(req).is_some_and(|ip| ip.is_loopback()) {
        return true;
    }
    let Some(token) = &ctx.settings.metrics_token else {
        return false;
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    use secrecy::ExposeSecret;
    subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose_secret().as_bytes()).into()
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
        // A minute: a verifier that caches it sees a rotated key soon (the key it replaces
        // stays accepted for 20 minutes).
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(&*ctx.keys.jwks())
}

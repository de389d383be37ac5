//! The span each request's log lines carry: method, route pattern, client address, request id
//! and status. Never the path itself: emailed links carry their tokens in it
//! (`/approvals/link/{token}`, `/auth/verify-email/{token}`), and log lines are read by more
//! people than the tokens are meant for.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// Builds the request span without `http.target` (which tracing-actix-web's default records).
pub struct RequestSpans;

impl RootSpanBuilder for RequestSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".into());
        let client = super::extract::client_addr(request.request())
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            client = %client,
            request_id = %id,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let status = match outcome {
            Ok(r) => r.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        // An access log line, at debug (`AMPS_LOG=info,amps::http=debug`).
        tracing::debug!(parent: &span, status = status.as_u16(), "answered");
    }
}

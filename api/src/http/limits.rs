//! Slow bodies: a client that stops sending its request body for `AMPS_BODY_IDLE_SECONDS`, or
//! takes longer than [`BODY_TOTAL`] in all, gets 408 and its connection closed, instead of
//! holding a request open for as long as it likes (headers have actix-web's own 5-second limit).

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web;
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// The longest a request body may take to arrive, however steadily it trickles in.
pub const BODY_TOTAL: Duration = Duration::from_secs(120);

/// Whether the request says it has a body.
fn has_body(req: &ServiceRequest) -> bool {
    let h = req.headers();
    h.contains_key(header::TRANSFER_ENCODING)
        || h.get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// Middleware: the body's chunks must come within the idle limit of each other and all of it
/// within [`BODY_TOTAL`]; otherwise the handler's read fails and the answer is 408.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let idle = req
        .app_data::<web::Data<crate::service::Ctx>>()
        .map_or(Duration::from_secs(10), |c| c.settings.body_idle);
    if !has_body(&req) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let late = Arc::new(AtomicBool::new(false));
    let flag = late.clone();
    let deadline = Instant::now() + BODY_TOTAL;
    let inner = req.take_payload();
    let stream = futures_util::stream::unfold(Some(inner), move |state| {
        let flag = flag.clone();
        async move {
            let mut payload = state?;
            let wait = idle.min(deadline.saturating_duration_since(Instant::now()));
            match tokio::time::timeout(wait, payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(payload))),
                Ok(None) => None,
                Err(_) => {
                    flag.store(true, Ordering::Relaxed);
                    let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body too slow");
                    Some((Err(PayloadError::Io(e)), None))
                }
            }
        }
    });
    req.set_payload(Payload::from(
        Box::pin(stream) as std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>>
    ));
    let res = next.call(req).await?;
    if !late.load(Ordering::Relaxed) {
        return Ok(res.map_into_left_body());
    }
    let mut answer = super::error::problem(
        StatusCode::REQUEST_TIMEOUT,
        "body-too-slow",
        "Request body too slow",
        Some(format!(
            "The request body stopped arriving for {} seconds (or took over {} seconds in all); send it again.",
            idle.as_secs(),
            BODY_TOTAL.as_secs()
        )),
        vec![],
    );
    answer
        .headers_mut()
        .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    Ok(res.into_response(answer).map_into_right_body())
}

//! `/api/v1/dev/mailbox`: the development mailbox, present only when no SMTP relay is
//! configured (mail then stays in the outbox); `/api/v1/dev/clock`: the development clock.

use super::problems::{Invalid, NotFound};
use crate::service::{Ctx, Error, dev};
use actix_web::{HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_mailbox)
        .service(get_clock)
        .service(advance_clock);
}

/// The newest 100 messages of the outbox.
///
/// **Permissions**: anyone, and only on a server started with the development switch
/// (`--dev-mailbox` / `AMPS_DEV_MAILBOX=true`), which `amps serve` accepts only on a loopback
/// address.
///
/// **Refusals**: 404: the development mailbox is not switched on.
#[utoipa::path(
    tag = "dev",
    operation_id = "list_mailbox",
    responses(
        (status = 200, description = "Messages, newest first", body = MailboxResponse),
        (status = 404, response = NotFound),
    ),
)]
#[get("/dev/mailbox")]
async fn list_mailbox(ctx: web::Data<Ctx>) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(dev::mailbox(&ctx, 100).await?))
}

/// The server's time as its development clock stands (a browser journey reads it to pick
/// dates relative to the server's today).
///
/// **Permissions**: anyone, and only on a server started with the development clock
/// (`AMPS_DEV_CLOCK=true`, loopback only).
///
/// **Refusals**: 404: the development clock is not switched on.
#[utoipa::path(
    tag = "dev",
    operation_id = "get_clock",
    responses(
        (status = 200, description = "The server's time", body = ClockResponse),
        (status = 404, response = NotFound),
    ),
)]
#[get("/dev/clock")]
async fn get_clock(ctx: web::Data<Ctx>) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(dev::clock(&ctx).await?))
}

/// Moves the server's clock forward, so a browser journey sees what happens weeks later
/// (reminders, deadlines, expiry, lapsed reviews) while the server and its jobs run as usual.
///
/// **Permissions**: anyone, and only on a server started with the development clock
/// (`AMPS_DEV_CLOCK=true`), which `amps serve` accepts only on a loopback address.
///
/// **Refusals**: 404: the development clock is not switched on; 422: not 1 second to ten years.
#[utoipa::path(
    tag = "dev",
    operation_id = "advance_clock",
    request_body = AdvanceClockRequest,
    responses(
        (status = 200, description = "The server's new time", body = ClockResponse),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[post("/dev/clock")]
async fn advance_clock(
    ctx: web::Data<Ctx>,
    body: web::Json<AdvanceClockRequest>,
) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(dev::advance_clock(&ctx, &body).await?))
}

//! `/api/v1/dev/mailbox`: the development mailbox, present only when no SMTP relay is
//! configured (mail then stays in the outbox).

use super::problems::NotFound;
use crate::service::{Ctx, Error, dev};
use actix_web::{HttpResponse, get, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_mailbox);
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

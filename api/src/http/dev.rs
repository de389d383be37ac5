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
/// **Permissions**: anyone, and only on a server with no SMTP relay configured (a
/// development setting: production sets `AMPS_SMTP_URL`, which turns this off).
///
/// **Refusals**: 404: SMTP is configured; there is no development mailbox.
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

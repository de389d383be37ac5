//! Development aids: the mailbox that shows the outbox when no SMTP relay is configured.

use super::{Ctx, Error, Result};
use crate::store;
use amps_openapi::{MailboxMessage, MailboxResponse};

/// The newest `limit` messages of the outbox; 404 unless the development mailbox is switched
/// on (`AMPS_DEV_MAILBOX`, loopback only).
pub async fn mailbox(ctx: &Ctx, limit: u64) -> Result<MailboxResponse> {
    if !ctx.settings.dev_mailbox {
        return Err(Error::NotFound(
            "There is no development mailbox on this server (it is a development setting, AMPS_DEV_MAILBOX)."
                .into(),
        ));
    }
    let messages = store::outbox::latest(&ctx.read, limit)
        .await?
        .into_iter()
        .map(|m| MailboxMessage {
            id: m.id,
            to: m.recipient,
            subject: m.subject,
            body: m.body,
            created_at: m.created_at,
        })
        .collect();
    Ok(MailboxResponse { messages })
}

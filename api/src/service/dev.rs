//! Development aids: the mailbox that shows the outbox when no SMTP relay is configured.

use super::{Ctx, Error, Result};
use crate::store;
use amps_openapi::{MailboxMessage, MailboxResponse};

/// The newest `limit` messages of the outbox; 404 when an SMTP relay is configured.
pub async fn mailbox(ctx: &Ctx, limit: u64) -> Result<MailboxResponse> {
    if ctx.settings.smtp.is_some() {
        return Err(Error::NotFound(
            "The development mailbox is off because an SMTP relay is configured.".into(),
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

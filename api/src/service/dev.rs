//! Development aids: the mailbox that shows the outbox when no SMTP relay is configured, and
//! the clock browser journeys move forward.

use super::{Ctx, Error, Result};
use crate::store;
use amps_openapi::{AdvanceClockRequest, ClockResponse, MailboxMessage, MailboxResponse};
use validator::Validate;

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

/// The server's time; 404 unless the development clock is switched on.
pub async fn clock(ctx: &Ctx) -> Result<ClockResponse> {
    if !ctx.settings.dev_clock {
        return Err(Error::NotFound(
            "There is no development clock on this server (it is a development setting, AMPS_DEV_CLOCK)."
                .into(),
        ));
    }
    Ok(ClockResponse { now: ctx.clock.now() })
}

/// Moves the server's clock forward by `seconds` (deadlines, reminders, expiry and tokens see
/// the new time; the jobs act on it at their next round); 404 unless the development clock
/// is switched on (`AMPS_DEV_CLOCK`, loopback only).
pub async fn advance_clock(ctx: &Ctx, req: &AdvanceClockRequest) -> Result<ClockResponse> {
    let off = || {
        Error::NotFound(
            "There is no development clock on this server (it is a development setting, AMPS_DEV_CLOCK)."
                .into(),
        )
    };
    if !ctx.settings.dev_clock {
        return Err(off());
    }
    req.validate()?;
    let seconds = req.seconds;
    let now = ctx
        .clock
        .travel(chrono::Duration::seconds(seconds))
        .ok_or_else(off)?;
    tracing::warn!(%now, seconds, "the development clock moved forward");
    Ok(ClockResponse { now })
}

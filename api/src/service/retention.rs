//! Retention, run by the deadlines job: a delivered mail's body is removed a day after
//! delivery (reset, verification and approval links live longer than that in other mail
//! systems' copies, not in ours), and throttle rows that can no longer block anyone are
//! pruned, so neither table keeps what it no longer needs.

use super::{Ctx, Result};
use crate::store;
use chrono::{DateTime, Duration, Utc};

/// How long a delivered mail keeps its body.
pub const MAIL_BODY_KEPT: Duration = Duration::days(1);
/// How long a throttle row is kept after its last failure (every policy forgets a run of
/// failures within an hour, and locks for at most an hour).
pub const THROTTLE_KEPT: Duration = Duration::days(1);

/// Removes the bodies of mail delivered over a day ago (at most `batch` a call).
pub async fn remove_mail_bodies(ctx: &Ctx, now: DateTime<Utc>, batch: u64) -> Result<usize> {
    let txn = store::begin(&ctx.db).await?;
    let n = store::outbox::remove_delivered_bodies(&txn, now - MAIL_BODY_KEPT, now, batch).await?;
    txn.commit().await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Deletes throttle rows idle for a day that block nothing (at most `batch` a call).
pub async fn prune_throttle(ctx: &Ctx, now: DateTime<Utc>, batch: u64) -> Result<usize> {
    let txn = store::begin(&ctx.db).await?;
    let n = store::sessions::prune_throttle(&txn, now - THROTTLE_KEPT, now, batch).await?;
    txn.commit().await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

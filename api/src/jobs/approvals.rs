//! Deadlines and reminders of approval tasks: every round moves the tasks of approvers whose
//! deputy period began, gives back the tasks of delegations that ended, expires overdue SAARs and sends due reminders, through the use cases
//! in `service::delegation` and `service::deadlines` (safe with several replicas).

use crate::service::{Ctx, Result, deadlines, delegation};

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub reminders: usize,
    pub expired: usize,
    /// Tasks moved to deputies whose period began.
    pub delegated: usize,
    /// Tasks given back to approvers whose delegation ended.
    pub returned: usize,
}

/// Sends due reminders and expires overdue SAARs, as of the clock's now.
pub async fn tick(ctx: &Ctx) -> Result<Round> {
    let now = ctx.clock.now();
    Ok(Round {
        returned: delegation::delegation_ended(ctx, now).await?,
        delegated: delegation::delegate_started(ctx, now).await?,
        expired: deadlines::expire_overdue(ctx, now).await?,
        reminders: deadlines::send_reminders(ctx, now).await?,
    })
}

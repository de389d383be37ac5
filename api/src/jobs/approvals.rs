//! Deadlines of approvals and roles: every round moves the tasks of approvers whose deputy
//! period began, gives back the tasks of delegations that ended, expires overdue SAARs and
//! returned ones not resubmitted, sends due reminders, offers renewals of roles about to
//! expire and expires roles past their end, through the use cases in `service::delegation`,
//! `service::deadlines` and `service::expiry` (safe with several replicas).

use crate::service::{Ctx, Result, deadlines, delegation, expiry, revalidation};

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub reminders: usize,
    pub expired: usize,
    /// Tasks moved to deputies whose period began.
    pub delegated: usize,
    /// Tasks given back to approvers whose delegation ended.
    pub returned: usize,
    /// Returned SAARs expired because they were not resubmitted.
    pub not_resubmitted: usize,
    /// Holders offered a renewal of a role about to expire.
    pub renewals_offered: usize,
    /// Roles expired.
    pub roles_expired: usize,
    /// Reviews of roles reminded, lapsed, and opened because IA training lapsed.
    pub reviews_reminded: usize,
    pub reviews_lapsed: usize,
    pub reviews_opened: usize,
    /// Whether this round started the year's campaign.
    pub annual_campaign: bool,
}

/// Sends due reminders and expires overdue SAARs, as of the clock's now.
pub async fn tick(ctx: &Ctx) -> Result<Round> {
    let now = ctx.clock.now();
    Ok(Round {
        returned: delegation::delegation_ended(ctx, now).await?,
        delegated: delegation::delegate_started(ctx, now).await?,
        expired: deadlines::expire_overdue(ctx, now).await?,
        not_resubmitted: deadlines::expire_unresubmitted(ctx, now).await?,
        reminders: deadlines::send_reminders(ctx, now).await?,
        renewals_offered: expiry::offer_renewals(ctx, now).await?,
        roles_expired: expiry::expire_lapsed(ctx, now).await?,
        reviews_reminded: revalidation::send_reminders(ctx, now).await?,
        reviews_lapsed: revalidation::lapse_overdue(ctx, now).await?,
        reviews_opened: revalidation::open_for_lapsed_training(ctx, now).await?,
        annual_campaign: revalidation::start_annual(ctx, now).await?,
    })
}

//! Deadlines of approvals and roles: every round moves the tasks of approvers whose deputy
//! period began, gives back the tasks of delegations that ended, expires overdue SAARs and
//! returned ones not resubmitted, sends due reminders, offers renewals of roles about to
//! expire and expires roles past their end, announces and ends contracts, through the use cases in `service::delegation`,
//! `service::deadlines` and `service::expiry` (safe with several replicas).

use crate::service::{
    Ctx, Result, deadlines, delegation, enrollments, expiry, inactivity, retention, revalidation,
};

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
    /// Campaigns closed because every review in them is finished and past its lapse date.
    pub campaigns_closed: usize,
    /// Idle external accounts warned, and disabled.
    pub idle_warned: usize,
    pub unverified_ended: usize,
    pub email_changes_expired: usize,
    pub mail_bodies_removed: usize,
    pub throttles_pruned: usize,
    pub idle_disabled: usize,
    /// Contracts whose end was announced, and accounts disabled because their contract ended.
    pub contracts_warned: usize,
    pub contracts_ended: usize,
    /// Whether this round started the year's campaign.
    pub annual_campaign: bool,
    /// Whether some kind of work stopped at its time cap with more to do: the next round
    /// starts at once instead of a period later.
    pub backlog: bool,
}

/// How long one kind of work may keep a round going while its backlog lasts.
const DRAIN_FOR: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs `batch` (which handles at most `size` items) again while it comes back full, for at
/// most [`DRAIN_FOR`]: a backlog (a campaign lapsing, many roles ending the same day) is worked
/// off in one round instead of `size` items a minute.
async fn drain<F, Fut>(kind: &'static str, size: usize, backlog: &mut bool, mut batch: F) -> Result<usize>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    let started = std::time::Instant::now();
    let mut total = 0;
    let mut batches = 0;
    loop {
        let n = batch().await?;
        total += n;
        batches += 1;
        let capped = n >= size && started.elapsed() >= DRAIN_FOR;
        *backlog |= capped;
        if n < size || capped {
            if total > 0 {
                tracing::debug!(
                    kind,
                    items = total,
                    batches,
                    ms = started.elapsed().as_millis() as u64,
                    "deadlines work"
                );
            }
            return Ok(total);
        }
    }
}

/// The size of a set-based batch.
const BATCH: usize = crate::service::JOB_BATCH as usize;

/// Sends due reminders and expires overdue SAARs, as of the clock's now.
pub async fn tick(ctx: &Ctx) -> Result<Round> {
    let now = ctx.clock.now();
    let returned = delegation::delegation_ended(ctx, now).await?;
    let delegated = delegation::delegate_started(ctx, now).await?;
    // The two kinds that come in the largest bursts (a campaign's reminder day, many roles
    // ending at once) touch different tables: they drain side by side, so one's database work
    // overlaps the other's reading and rendering (and, on PostgreSQL, uses a second core).
    let (mut renewals_more, mut reviews_more) = (false, false);
    let (renewals_offered, reviews_reminded) = tokio::try_join!(
        drain("renewals_offered", BATCH, &mut renewals_more, || {
            expiry::offer_renewals(ctx, now)
        }),
        drain("reviews_reminded", BATCH, &mut reviews_more, || {
            revalidation::send_reminders(ctx, now)
        }),
    )?;
    let mut more = renewals_more || reviews_more;
    let backlog = &mut more;
    let mut round = Round {
        returned,
        delegated,
        expired: drain("expired", 200, backlog, || deadlines::expire_overdue(ctx, now)).await?,
        not_resubmitted: drain("not_resubmitted", 200, backlog, || {
            deadlines::expire_unresubmitted(ctx, now)
        })
        .await?,
        reminders: drain("reminders", 500, backlog, || deadlines::send_reminders(ctx, now)).await?,
        renewals_offered,
        roles_expired: drain("roles_expired", 200, backlog, || expiry::expire_lapsed(ctx, now)).await?,
        reviews_reminded,
        reviews_lapsed: drain("reviews_lapsed", 200, backlog, || {
            revalidation::lapse_overdue(ctx, now)
        })
        .await?,
        reviews_opened: drain("reviews_opened", 200, backlog, || {
            revalidation::open_for_lapsed_training(ctx, now)
        })
        .await?,
        campaigns_closed: revalidation::close_finished(ctx, now).await?,
        annual_campaign: revalidation::start_annual(ctx, now).await?,
        idle_warned: drain("idle_warned", 200, backlog, || inactivity::warn_idle(ctx, now)).await?,
        idle_disabled: drain("idle_disabled", 200, backlog, || {
            inactivity::disable_idle(ctx, now)
        })
        .await?,
        unverified_ended: drain("unverified_ended", 200, backlog, || {
            inactivity::end_unverified(ctx, now)
        })
        .await?,
        email_changes_expired: drain("email_changes_expired", 200, backlog, || {
            inactivity::drop_unconfirmed_emails(ctx, now)
        })
        .await?,
        mail_bodies_removed: drain("mail_bodies_removed", BATCH, backlog, || {
            retention::remove_mail_bodies(ctx, now, crate::service::JOB_BATCH)
        })
        .await?,
        throttles_pruned: drain("throttles_pruned", BATCH, backlog, || {
            retention::prune_throttle(ctx, now, crate::service::JOB_BATCH)
        })
        .await?,
        contracts_warned: drain("contracts_warned", 200, backlog, || {
            enrollments::warn_ending(ctx, now)
        })
        .await?,
        contracts_ended: drain("contracts_ended", 200, backlog, || {
            enrollments::disable_ended(ctx, now)
        })
        .await?,
        backlog: false,
    };
    round.backlog = more;
    Ok(round)
}

//! Deadlines and reminders of approval tasks. Each reminder and each expiry is claimed with a
//! compare-and-set on the task row, so with several replicas running this job at once every
//! reminder is sent exactly once and every SAAR expires once.

use crate::domain::saar::SaarStatus;
use crate::service::load_saar;
use crate::service::workflow::{self, apply, notify_approvers};
use crate::service::{Ctx, Result};
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use sea_orm::TransactionTrait;
use serde_json::json;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub reminders: usize,
    pub expired: usize,
    /// Tasks moved to deputies whose period began.
    pub delegated: usize,
}

/// Sends due reminders and expires overdue SAARs, as of the clock's now.
pub async fn tick(ctx: &Ctx) -> Result<Round> {
    let now = ctx.clock.now();
    let mut round = Round {
        delegated: crate::service::delegation::delegate_started(ctx, now).await?,
        ..Round::default()
    };
    let overdue = store::tasks::overdue(&ctx.db, now, 200).await?;
    for t in overdue {
        let txn = ctx.db.begin().await?;
        if !store::tasks::claim_expiry(&txn, t.id, now).await? {
            continue;
        }
        let s = load_saar(&txn, t.saar_id).await?;
        let Ok(to) = s.status.expire() else { continue };
        apply(&txn, &s, to, now).await?;
        let detail = format!(
            "No one acted on it as {} by its deadline ({}). Submit a new request if you still need the role.",
            t.kind,
            t.due_at.format("%Y-%m-%d")
        );
        workflow::notify_requester(ctx, &txn, &s, "expired", &detail, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "saar.expired",
                target: Some(format!("saar:{}", s.id)),
                details: json!({"number": s.number, "level": t.level, "kind": t.kind, "status": SaarStatus::Expired.as_str()}),
            },
        )
        .await?;
        txn.commit().await?;
        round.expired += 1;
    }
    let due = store::tasks::reminders_due(&ctx.db, now, 500).await?;
    for t in due {
        let txn = ctx.db.begin().await?;
        let next = ctx.settings.schedule.next_reminder(now);
        if !store::tasks::claim_reminder(&txn, &t, next).await? {
            continue;
        }
        let s = load_saar(&txn, t.saar_id).await?;
        notify_approvers(ctx, &txn, &s, &t, true, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "approval.reminded",
                target: Some(format!("saar:{}", s.id)),
                details: json!({"number": s.number, "level": t.level, "task": t.id}),
            },
        )
        .await?;
        txn.commit().await?;
        round.reminders += 1;
    }
    Ok(round)
}

//! Deadlines and reminders of approval tasks, as use cases the background job calls. Each
//! expiry and each reminder is claimed with a compare-and-set on the task row, so with several
//! replicas running the job at once every reminder is sent exactly once and every SAAR
//! expires once.

use super::workflow::{apply, notify_approvers, notify_requester};
use super::{Ctx, Result, load_saar};
use crate::domain::saar::SaarStatus;
use crate::notify::templates::SaarNews;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use chrono::{DateTime, Utc};
use serde_json::json;

/// Expires the SAARs whose open task passed its deadline by `now` (at most 200 a round),
/// telling each requester; returns how many expired.
pub async fn expire_overdue(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut expired = 0;
    let overdue = store::tasks::overdue(&ctx.db, now, 200).await?;
    for t in overdue {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::tasks::claim_expiry(&txn, t.id, now).await? {
            continue;
        }
        let s = load_saar(&txn, t.saar_id).await?;
        let Ok(to) = s.status.expire() else { continue };
        apply(&txn, &s, to, now).await?;
        let due = t.due_at.format("%Y-%m-%d").to_string();
        let news = SaarNews::Expired {
            level: &t.kind,
            due: &due,
        };
        notify_requester(ctx, &txn, &s, news, now).await?;
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
        expired += 1;
    }
    Ok(expired)
}

/// Expires the returned SAARs whose requester did not resubmit them within the task deadline
/// (counted from the return, as a task's), at most 200 a round, telling each requester;
/// returns how many expired. The compare-and-set on the SAAR's version makes it once.
pub async fn expire_unresubmitted(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let sched = &ctx.settings.schedule;
    // Calendar days come before business days: everything due is among these.
    let before = now - chrono::Duration::days(sched.due_days);
    let mut expired = 0;
    for s in store::saars::returned_before(&ctx.db, before, 200).await? {
        let due = sched.due(s.updated_at);
        if due > now {
            continue;
        }
        let Ok(to) = s.status.expire() else { continue };
        let txn = crate::store::begin(&ctx.db).await?;
        if store::saars::apply(&txn, &s, to, now).await?.is_none() {
            continue;
        }
        let due = due.format("%Y-%m-%d").to_string();
        notify_requester(ctx, &txn, &s, SaarNews::NotResubmitted { due: &due }, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "saar.expired",
                target: Some(format!("saar:{}", s.id)),
                details: json!({"number": s.number, "returned_at": s.updated_at, "due": due, "status": SaarStatus::Expired.as_str()}),
            },
        )
        .await?;
        txn.commit().await?;
        expired += 1;
    }
    Ok(expired)
}

/// Mails the approvers of open tasks whose reminder is due at `now` (at most 500 a round) and
/// schedules the next; returns how many tasks were reminded.
pub async fn send_reminders(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut sent = 0;
    let due = store::tasks::reminders_due(&ctx.db, now, 500).await?;
    for t in due {
        let txn = crate::store::begin(&ctx.db).await?;
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
        sent += 1;
    }
    Ok(sent)
}

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
use sea_orm::TransactionTrait;
use serde_json::json;

/// Expires the SAARs whose open task passed its deadline by `now` (at most 200 a round),
/// telling each requester; returns how many expired.
pub async fn expire_overdue(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut expired = 0;
    let overdue = store::tasks::overdue(&ctx.db, now, 200).await?;
    for t in overdue {
        let txn = ctx.db.begin().await?;
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

/// Mails the approvers of open tasks whose reminder is due at `now` (at most 500 a round) and
/// schedules the next; returns how many tasks were reminded.
pub async fn send_reminders(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut sent = 0;
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
        sent += 1;
    }
    Ok(sent)
}

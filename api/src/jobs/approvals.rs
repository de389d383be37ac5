//! Deadlines and reminders of approval tasks. Each reminder and each expiry is claimed with a
//! compare-and-set on the task row, so with several replicas running this job at once every
//! reminder is sent exactly once and every SAAR expires once.

use crate::domain::saar::SaarStatus;
use crate::service::saars::{self, load_saar, notify_approvers, status_of, transition};
use crate::service::{Ctx, Result};
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::approval_task;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
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
    let overdue = approval_task::Entity::find()
        .filter(approval_task::Column::Status.eq("open"))
        .filter(approval_task::Column::DueAt.lte(now))
        .order_by_asc(approval_task::Column::DueAt)
        .limit(200)
        .all(&ctx.db)
        .await?;
    for t in overdue {
        let txn = ctx.db.begin().await?;
        let claimed = approval_task::Entity::update_many()
            .col_expr(approval_task::Column::Status, Expr::value("expired"))
            .col_expr(approval_task::Column::DecidedAt, Expr::value(now))
            .filter(approval_task::Column::Id.eq(t.id))
            .filter(approval_task::Column::Status.eq("open"))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let s = load_saar(&txn, t.saar_id).await?;
        let Ok(to) = status_of(&s)?.expire() else { continue };
        transition(&txn, &s, to, None, now).await?;
        let detail = format!(
            "No one acted on it as {} by its deadline ({}). Submit a new request if you still need the role.",
            t.kind,
            t.due_at.format("%Y-%m-%d")
        );
        saars::notify_requester(ctx, &txn, &s, "expired", &detail, now).await?;
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
    let due = approval_task::Entity::find()
        .filter(approval_task::Column::Status.eq("open"))
        .filter(approval_task::Column::NextReminderAt.lte(now))
        .order_by_asc(approval_task::Column::NextReminderAt)
        .limit(500)
        .all(&ctx.db)
        .await?;
    for t in due {
        let txn = ctx.db.begin().await?;
        let next = ctx.settings.schedule.next_reminder(now);
        let claimed = approval_task::Entity::update_many()
            .col_expr(approval_task::Column::NextReminderAt, Expr::value(next))
            .filter(approval_task::Column::Id.eq(t.id))
            .filter(approval_task::Column::Status.eq("open"))
            .filter(approval_task::Column::NextReminderAt.eq(t.next_reminder_at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
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

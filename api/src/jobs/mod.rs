//! Background work. Each job is safe with several replicas: work items are claimed with
//! compare-and-set leases in the database, never held in process memory.

pub mod approvals;
pub mod webhooks;

use crate::clock::Clock;
use crate::notify::mailer::Mailer;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Delivers the outbox over SMTP every `every` until the process ends.
pub fn spawn_mail_sender(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    mailer: Mailer,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match mailer.deliver_due(&db, &clock).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "delivered outbox mail"),
                Err(e) => tracing::warn!(error = %e, "outbox delivery round failed"),
            }
        }
    })
}

/// Runs the approval deadline and reminder round every `every` until the process ends.
pub fn spawn_approval_deadlines(ctx: crate::service::Ctx, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match approvals::tick(&ctx).await {
                Ok(r) if r.reminders + r.expired + r.delegated + r.returned > 0 => tracing::info!(
                    reminders = r.reminders,
                    expired = r.expired,
                    delegated = r.delegated,
                    returned = r.returned,
                    "approval deadlines round"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "approval deadlines round failed"),
            }
        }
    })
}

/// Delivers automatic provisioning webhooks every `every` until the process ends.
pub fn spawn_webhooks(ctx: crate::service::Ctx, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match webhooks::tick(&ctx, &http).await {
                Ok(r) if r.delivered + r.failed + r.fell_back > 0 => {
                    tracing::info!(
                        delivered = r.delivered,
                        failed = r.failed,
                        fell_back = r.fell_back,
                        "provisioning webhooks round"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "provisioning webhooks round failed"),
            }
        }
    })
}

/// Seals the audit chain every `every` until the process ends.
pub fn spawn_audit_sealer(db: DatabaseConnection, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::store::audit::seal(&db, 5_000).await {
                tracing::warn!(error = %e, "sealing the audit chain failed");
            }
        }
    })
}

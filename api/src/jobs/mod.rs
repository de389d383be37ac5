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
    lease: Duration,
) -> tokio::task::JoinHandle<()> {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match mailer.deliver_due(&db, &clock, lease).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "delivered outbox mail"),
                Err(e) => tracing::warn!(error = %e, "outbox delivery round failed"),
            }
        }
    })
}

/// Runs the approval deadline and reminder round every `every` until the process ends (at once
/// again while a backlog remains).
pub fn spawn_approval_deadlines(ctx: crate::service::Ctx, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match approvals::tick(&ctx).await {
                Ok(r) if r != approvals::Round::default() => {
                    // A backlog left at a kind's time cap goes on now, not a period later.
                    if r.backlog {
                        tick.reset_immediately();
                    }
                    tracing::info!(
                        reminders = r.reminders,
                        expired = r.expired,
                        delegated = r.delegated,
                        returned = r.returned,
                        not_resubmitted = r.not_resubmitted,
                        renewals_offered = r.renewals_offered,
                        roles_expired = r.roles_expired,
                        reviews_reminded = r.reviews_reminded,
                        reviews_lapsed = r.reviews_lapsed,
                        reviews_opened = r.reviews_opened,
                        campaigns_closed = r.campaigns_closed,
                        annual_campaign = r.annual_campaign,
                        idle_warned = r.idle_warned,
                        unverified_ended = r.unverified_ended,
                        email_changes_expired = r.email_changes_expired,
                        mail_bodies_removed = r.mail_bodies_removed,
                        throttles_pruned = r.throttles_pruned,
                        idle_disabled = r.idle_disabled,
                        "deadlines round"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "approval deadlines round failed"),
            }
        }
    })
}

/// Delivers automatic provisioning webhooks every `every` until the process ends.
pub fn spawn_webhooks(ctx: crate::service::Ctx, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = match crate::notify::outbound::client(&ctx.settings.webhook_networks) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "provisioning webhooks: no HTTP client; no webhook will be called");
                return;
            }
        };
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

/// Reads the PIV / CAC revocation lists again every `every` when their files changed (each
/// replica its own: the files are local), so a revocation takes effect without a restart.
pub fn spawn_crl_reloader(
    authorities: std::sync::Arc<crate::auth::certificate::Authorities>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let a = authorities.clone();
            match tokio::task::spawn_blocking(move || a.reload_crls()).await {
                Ok(Ok(true)) => tracing::info!("certificate revocation lists reloaded"),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "certificate revocation lists: kept the ones in force")
                }
                Err(e) => tracing::warn!(error = %e, "certificate revocation lists: reload failed"),
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

/// Keeps this replica's signing keys current: reads them again when the principal feed says
/// they changed (a rotation on any replica, within a second or two) and every minute.
pub fn spawn_key_reloader(ctx: crate::service::Ctx) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = ctx.principals.signing_keys_changed() => {}
                () = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
            if let Err(e) = ctx.keys.reload(&ctx.db, ctx.clock.now()).await {
                tracing::warn!(error = %e, "signing keys: reload failed; the keys in force stay");
            }
        }
    })
}

/// Keeps this replica's cached callers current (`service::principal::Principals`). Every
/// replica runs it (it holds no work items). SQLite: polls the principal-changes log every
/// 100 ms and prunes it every minute. PostgreSQL: listens on the notification channel
/// (reconnecting, and forgetting every caller, when the connection is lost) and confirms the
/// feed every 250 ms with a barrier.
pub fn spawn_principal_feed(ctx: crate::service::Ctx) -> Vec<tokio::task::JoinHandle<()>> {
    use secrecy::ExposeSecret;
    if !crate::store::principals::notifies(&ctx.db) {
        return vec![tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut rounds = 0u64;
            loop {
                tick.tick().await;
                if let Err(e) = ctx.principals.poll(&ctx.read).await {
                    tracing::warn!(error = %e, "principal changes: poll failed");
                    ctx.principals.forget_all();
                }
                rounds += 1;
                if rounds.is_multiple_of(600)
                    && let Err(e) = crate::store::principals::prune(&ctx.db, 10_000).await
                {
                    tracing::warn!(error = %e, "principal changes: prune failed");
                }
            }
        })];
    }
    let url = ctx.settings.database_url.expose_secret().to_string();
    let listener = {
        let principals = ctx.principals.clone();
        tokio::spawn(async move {
            loop {
                let mut l = match crate::store::principals::listen(&url).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "principal changes: cannot listen");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                principals.feed_restarted();
                // `try_recv` answers `None` when the connection is lost: notifications may
                // have been missed, so listen again from a clean cache.
                while let Ok(Some(n)) = l.try_recv().await {
                    principals.notified(n.payload());
                }
                principals.feed_restarted();
                tracing::warn!("principal changes: listener lost its connection");
            }
        })
    };
    let heartbeat = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            ctx.principals.heartbeat(&ctx.db, &ctx.read).await;
        }
    });
    vec![listener, heartbeat]
}

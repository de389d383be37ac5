//! Inactivity: an external account that holds no role and has not signed in for
//! `AMPS_INACTIVITY_DAYS` (90 by default) is disabled by the deadlines job, after a warning
//! mail a week before (the person signs in to keep it). Internal accounts are never disabled
//! for inactivity: they leave through Delete User. Each step is claimed with a compare-and-set
//! on the account row, so with several replicas each warning and each disabling happens once.
//!
//! Addresses nobody confirmed are given back: a registration whose email was not verified
//! within `AMPS_UNVERIFIED_DAYS` (7 by default) ends, and so does a change of email whose new
//! address was not confirmed, so an address cannot be held by someone who does not own it.

use super::{Ctx, Result};
use crate::domain::account::AccountStatus;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::outbox;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// How many days before an idle account is disabled its person is warned (at most half the
/// period).
fn warning_days(period: i64) -> i64 {
    (period / 2).clamp(1, 7)
}

/// Warns the people of idle external accounts (at most 200 a round); returns how many. The
/// candidates are read on the read pool (SQLite's writer stays free); each claim checks again.
pub async fn warn_idle(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let period = ctx.settings.schedule.inactivity_days;
    let idle_since = now - Duration::days(period - warning_days(period));
    let disabled_on = (now + Duration::days(warning_days(period))).format("%Y-%m-%d");
    let mut warned = 0;
    for u in store::users::idle_to_warn(&ctx.read, now, idle_since, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::users::claim_idle_warning(&txn, u.id, now, idle_since).await? {
            continue;
        }
        let mut writes = Writes::new();
        outbox::enqueue_into(
            &mut writes,
            now,
            &u.email,
            "AMPS: sign in to keep your account",
            &format!(
                "Hello {},\n\nYou have not signed in to AMPS for a long time and hold no role. Your account {} will be disabled on {disabled_on} unless you sign in before then:\n\n{}\n\nIf you no longer need AMPS, do nothing. Questions: {}.\n\n-- AMPS",
                u.first_name,
                u.login,
                ctx.settings.link("/sign-in"),
                ctx.settings.help_desk
            ),
        );
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "account.inactivity_warned",
                target: Some(format!("user:{}", u.id)),
                details: json!({"user": u.login, "last_activity_at": u.last_activity_at, "disabled_on": disabled_on.to_string()}),
            },
        );
        writes.exec(&txn).await?;
        txn.commit().await?;
        warned += 1;
    }
    Ok(warned)
}

/// Disables the idle external accounts warned a week ago that stayed idle (at most 200 a
/// round): their sessions end, the person is told; returns how many.
pub async fn disable_idle(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let period = ctx.settings.schedule.inactivity_days;
    let idle_since = now - Duration::days(period);
    let warned_by = now - Duration::days(warning_days(period));
    let reason = format!("No sign-in for {period} days and no role held.");
    let mut disabled = 0;
    for u in store::users::idle_to_disable(&ctx.read, now, idle_since, warned_by, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::users::disable_idle(&txn, u.id, now, idle_since, warned_by).await? {
            continue;
        }
        store::users::record_status_change(
            &txn,
            u.id,
            AccountStatus::Active,
            AccountStatus::Disabled,
            &reason,
            None,
            now,
        )
        .await?;
        store::sessions::end_sessions(&txn, u.id, None, super::accounts::PURPOSE_RESET, now).await?;
        super::delegation::hand_over(ctx, &txn, &u, now).await?;
        let mut writes = Writes::new();
        outbox::enqueue_into(
            &mut writes,
            now,
            &u.email,
            "AMPS: your account is disabled",
            &format!(
                "Hello {},\n\nYour AMPS account {} is now disabled: {reason}\n\nContact {} to enable it.\n\n-- AMPS",
                u.first_name, u.login, ctx.settings.help_desk
            ),
        );
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "account.status_changed",
                target: Some(format!("user:{}", u.id)),
                details: json!({"user": u.login, "from": "active", "to": "disabled", "reason": reason}),
            },
        );
        writes.exec(&txn).await?;
        txn.commit().await?;
        disabled += 1;
    }
    Ok(disabled)
}

/// Ends the registrations not verified within `AMPS_UNVERIFIED_DAYS` (at most 200 a round):
/// each account is deleted and its address freed; returns how many.
pub async fn end_unverified(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let days = ctx.settings.schedule.unverified_days;
    let before = now - Duration::days(days);
    let mut ended = 0;
    for u in store::users::unverified_before(&ctx.read, before, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::users::end_unverified(&txn, u.id, before, now).await? {
            continue;
        }
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "account.registration_expired",
                target: Some(format!("user:{}", u.id)),
                details: json!({"user": u.login, "email": u.email, "registered_at": u.created_at, "days": days}),
            },
        )
        .await?;
        txn.commit().await?;
        ended += 1;
    }
    Ok(ended)
}

/// Forgets the changes of email not confirmed within `AMPS_UNVERIFIED_DAYS` (at most 200 a
/// round): the account keeps its address and the new one is free again; returns how many.
pub async fn drop_unconfirmed_emails(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let days = ctx.settings.schedule.unverified_days;
    let before = now - Duration::days(days);
    let mut dropped = 0;
    for u in store::users::stale_pending_emails(&ctx.read, before, 200).await? {
        let Some(pending) = u.pending_email.as_deref() else {
            continue;
        };
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::users::drop_pending_email(&txn, u.id, pending, before, now).await? {
            continue;
        }
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "account.email_change_expired",
                target: Some(format!("user:{}", u.id)),
                details: json!({"user": u.login, "before": {"pending_email": pending}, "after": {"pending_email": null}, "days": days}),
            },
        )
        .await?;
        txn.commit().await?;
        dropped += 1;
    }
    Ok(dropped)
}

//! The email outbox: mail is written here in the same transaction as the change that causes
//! it, and delivered later by the sender job.

use super::batch::Writes;
use super::entities::outbox;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

/// Queues a message in the caller's transaction.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), DbErr> {
    message(now, to, subject, body).insert(conn).await?;
    Ok(())
}

/// Queues a message with the other rows of `writes`.
pub fn enqueue_into(writes: &mut Writes, now: DateTime<Utc>, to: &str, subject: &str, body: &str) {
    writes.insert(message(now, to, subject, body));
}

/// A mail to write to the outbox (see [`message`]).
pub type Message = outbox::ActiveModel;

/// A new pending message (a fresh id), not yet written.
pub fn message(now: DateTime<Utc>, to: &str, subject: &str, body: &str) -> Message {
    outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        recipient: Set(to.to_string()),
        subject: Set(subject.to_string()),
        body: Set(body.to_string()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        body_removed_at: Set(None),
    }
}

/// Claims the next due message for `lease`, if any: of the first few due, the first that no
/// other replica claims at the same moment (so a replica that loses one race still finds
/// work); one whose claimant died becomes due again when the lease runs out.
pub async fn claim_next(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<outbox::Model>, DbErr> {
    let candidates = outbox::Entity::find()
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(
            outbox::Column::LockedUntil
                .is_null()
                .or(outbox::Column::LockedUntil.lt(now)),
        )
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(16)
        .all(conn)
        .await?;
    for m in candidates {
        // Compare-and-set on the lock: exactly one claimant wins each message.
        let res = outbox::Entity::update_many()
            .col_expr(outbox::Column::LockedUntil, Expr::value(now + lease))
            .filter(outbox::Column::Id.eq(m.id))
            .filter(outbox::Column::Status.eq("pending"))
            .filter(
                outbox::Column::LockedUntil
                    .is_null()
                    .or(outbox::Column::LockedUntil.lt(now)),
            )
            .exec(conn)
            .await?;
        if res.rows_affected == 1 {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// Records a delivered message.
pub async fn mark_sent(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    outbox::ActiveModel {
        id: Set(id),
        status: Set("sent".into()),
        sent_at: Set(Some(now)),
        locked_until: Set(None),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried with exponential backoff, given up after `max_attempts`.
pub async fn mark_failed(
    conn: &impl ConnectionTrait,
    msg: &outbox::Model,
    now: DateTime<Utc>,
    error: &str,
    max_attempts: i32,
) -> Result<(), DbErr> {
    let attempts = msg.attempts + 1;
    let backoff = Duration::seconds(30 * 2_i64.pow(attempts.clamp(0, 10) as u32));
    outbox::ActiveModel {
        id: Set(msg.id),
        attempts: Set(attempts),
        status: Set(if attempts >= max_attempts {
            "failed".into()
        } else {
            "pending".into()
        }),
        next_attempt_at: Set(now + backoff),
        locked_until: Set(None),
        last_error: Set(Some(error.chars().take(1000).collect())),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// The newest messages, for the development mailbox.
pub async fn latest(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// The newest `limit` messages to `recipient`, newest first.
pub async fn to_recipient(
    conn: &impl ConnectionTrait,
    recipient: &str,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(recipient))
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// What a delivered mail's body becomes a day after delivery.
pub const REMOVED_BODY: &str = "(The text of this message was removed a day after it was delivered: it may have held links that still worked.)";

/// The mails delivered before `before` whose bodies are still there (public for the plan
/// test: found by `idx_outbox_delivered`).
pub fn delivered_bodies_query(before: DateTime<Utc>) -> sea_orm::Select<outbox::Entity> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.eq("sent"))
        .filter(outbox::Column::BodyRemovedAt.is_null())
        .filter(outbox::Column::SentAt.lt(before))
}

/// Removes the bodies of up to `limit` mails delivered before `before` (found by
/// `idx_outbox_delivered`); returns how many.
pub async fn remove_delivered_bodies(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<u64, DbErr> {
    let due = delivered_bodies_query(before)
        .select_only()
        .column(outbox::Column::Id)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(conn)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let r = outbox::Entity::update_many()
        .col_expr(outbox::Column::Body, Expr::value(REMOVED_BODY))
        .col_expr(outbox::Column::BodyRemovedAt, Expr::value(now))
        .filter(outbox::Column::Id.is_in(due))
        .filter(outbox::Column::BodyRemovedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

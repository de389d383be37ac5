//! The append-only, tamper-evident audit log: each event carries the SHA-256 of its content
//! chained to the previous event's hash, so editing or deleting a past event breaks the chain.

use super::entities::audit_event;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The hash that precedes the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something, and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub id: Option<Uuid>,
    /// A readable label: a User ID, `client:<id>`, `system`, or the User ID attempted.
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    /// A background job or command-line action.
    pub fn system() -> Self {
        Self {
            id: None,
            label: "system".into(),
            ip: None,
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub actor: &'a Actor,
    /// What happened, as a stable dotted name (`account.registered`, `auth.login_failed`).
    pub action: &'a str,
    /// What it happened to (`user:<uuid>`), if anything.
    pub target: Option<String>,
    /// Before/after values and other facts, as JSON.
    pub details: serde_json::Value,
}

fn digest(prev: &str, at: &DateTime<Utc>, ev: &audit_event::Model) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &ev.actor_id.map(|u| u.to_string()).unwrap_or_default(),
        &ev.actor,
        &ev.action,
        ev.target.as_deref().unwrap_or_default(),
        ev.ip.as_deref().unwrap_or_default(),
        &ev.details,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an event in the caller's transaction.
pub async fn append(conn: &impl ConnectionTrait, at: DateTime<Utc>, ev: NewEvent<'_>) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        // Serialise appends across replicas so the chain has no forks; released at commit.
        conn.execute_unprepared("SELECT pg_advisory_xact_lock(727001)")
            .await?;
    }
    let prev = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .limit(1)
        .one(conn)
        .await?
        .map(|e| e.hash)
        .unwrap_or_else(|| GENESIS.to_string());
    let mut model = audit_event::Model {
        id: 0,
        at,
        actor_id: ev.actor.id,
        actor: ev.actor.label.chars().take(100).collect(),
        action: ev.action.to_string(),
        target: ev.target,
        ip: ev.actor.ip.clone(),
        details: ev.details.to_string(),
        prev_hash: prev.clone(),
        hash: String::new(),
    };
    model.hash = digest(&prev, &at, &model);
    audit_event::ActiveModel {
        id: Default::default(),
        at: Set(model.at),
        actor_id: Set(model.actor_id),
        actor: Set(model.actor),
        action: Set(model.action),
        target: Set(model.target),
        ip: Set(model.ip),
        details: Set(model.details),
        prev_hash: Set(model.prev_hash),
        hash: Set(model.hash),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Checks the whole chain; returns the id of the first event that does not match.
pub async fn verify_chain(conn: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    let events = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(conn)
        .await?;
    let mut prev = GENESIS.to_string();
    for ev in events {
        if ev.prev_hash != prev || digest(&prev, &ev.at, &ev) != ev.hash {
            return Ok(Some(ev.id));
        }
        prev = ev.hash;
    }
    Ok(None)
}

//! The audit trail as a feature: administrators and auditors search it (newest first, pages by
//! cursor), export what they found as CSV, and check its hash chain. An export streams the
//! events page by page (keyset pages of the same search, each a short read on the read pool),
//! so however many events match, neither the server's memory nor a database cursor is held
//! for the download's length; a client that stops reading stops the reads. Each export is
//! itself audited (`audit.exported`, with its filters).

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::domain::permission::Permission;
use crate::store;
use crate::store::audit::{Actor, NewEvent, Search};
use crate::store::entities::audit_event;
use amps_openapi::{AuditEventList, AuditEventResponse, AuditFilter, AuditPageQuery, AuditVerifyResponse};
use bytes::Bytes;
use futures_util::Stream;
use serde_json::json;

/// Events per page when none is asked for.
const DEFAULT_PAGE: u64 = 100;

fn response(e: audit_event::Model) -> AuditEventResponse {
    AuditEventResponse {
        id: e.id,
        hash: e.seq.map(|_| e.hash.clone()),
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        target: e.target,
        ip: e.ip,
        details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::String(e.details)),
    }
}

/// The search `f` asks for, refused (422) when its period ends before it starts.
fn search_of(f: &AuditFilter) -> Result<Search> {
    if let (Some(from), Some(to)) = (f.from, f.to)
        && to <= from
    {
        return Err(Error::Validation(field(
            "to",
            "before_start",
            "must be after from",
        )));
    }
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    Ok(Search {
        actor: trimmed(&f.actor),
        target: trimmed(&f.target),
        action: trimmed(&f.action),
        from: f.from,
        to: f.to,
    })
}

/// A page of the events matching `f`, newest first.
pub async fn search(
    ctx: &Ctx,
    p: &UserPrincipal,
    f: &AuditFilter,
    page: &AuditPageQuery,
) -> Result<AuditEventList> {
    p.require(Permission::ReadAuditTrail)?;
    let s = search_of(f)?;
    let before = match page.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i64>().ok().filter(|c| *c > 0).ok_or_else(|| {
            Error::Validation(field("cursor", "invalid", "is not a next_cursor of this list"))
        })?),
    };
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    let mut rows = store::audit::search_query(&s, before, limit + 1)
        .all(&ctx.read)
        .await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(AuditEventList {
        events: rows.into_iter().map(response).collect(),
        next_cursor,
    })
}

/// The CSV columns of an export.
const CSV_HEADER: [&str; 9] = [
    "id", "seq", "at", "actor", "action", "target", "ip", "details", "hash",
];

/// An event as a CSV row.
fn csv_row(e: audit_event::Model) -> Vec<String> {
    vec![
        e.id.to_string(),
        e.seq.map(|s| s.to_string()).unwrap_or_default(),
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor,
        e.action,
        e.target.unwrap_or_default(),
        e.ip.unwrap_or_default(),
        e.details,
        if e.seq.is_some() { e.hash } else { String::new() },
    ]
}

/// Every event matching `f`, newest first, as CSV: the export is audited first, then read and
/// sent a page at a time.
pub async fn export(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    f: &AuditFilter,
) -> Result<impl Stream<Item = Result<Bytes>> + 'static> {
    p.require(Permission::ReadAuditTrail)?;
    let s = search_of(f)?;
    let now = ctx.clock.now();
    let txn = store::begin(&ctx.db).await?;
    store::audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "audit.exported",
            target: None,
            details: json!({
                "actor": s.actor, "target": s.target, "action": s.action,
                "from": s.from, "to": s.to,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    let read = ctx.read.clone();
    Ok(super::export::pages(
        CSV_HEADER.map(String::from).to_vec(),
        move |before: Option<i64>| {
            let (read, s) = (read.clone(), s.clone());
            async move {
                let rows = store::audit::search_query(&s, before, super::export::PAGE)
                    .all(&read)
                    .await?;
                let next = rows
                    .last()
                    .map(|e| e.id)
                    .filter(|_| rows.len() as u64 == super::export::PAGE);
                Ok((rows.into_iter().map(csv_row).collect(), next))
            }
        },
    ))
}

/// Seals what is pending, then checks the chain from its first event.
pub async fn verify(ctx: &Ctx, p: &UserPrincipal) -> Result<AuditVerifyResponse> {
    p.require(Permission::ReadAuditTrail)?;
    let v = store::audit::verify(&ctx.db).await?;
    Ok(AuditVerifyResponse {
        intact: v.broken_at.is_none(),
        intact_events: v.sealed,
        broken_at: v.broken_at.map(response),
    })
}

//! Roles that end on time, as use cases the background job calls: the holder of a role about
//! to expire is offered a renewal once; a role not renewed by its end date expires (its open
//! renewal lapses with it, a deprovisioning SAAR opens its revoke task, the holder is told).
//! Each step is claimed with a compare-and-set on the assignment row, so with several replicas
//! running the job every offer is mailed once and every role expires once.

use super::workflow::{apply, insert_about_held_role, open_provisioning, tell_requester};
use super::{Ctx, JOB_BATCH, Result, load_role, load_user};
use crate::domain::request::RenewalApprover;
use crate::domain::saar::{self as rules, RequestType, SaarStatus};
use crate::domain::task::TaskStatus;
use crate::notify::templates::{self, SaarNews};
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::{role, saar, user};
use crate::store::outbox;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;

/// Mails the holders of roles that end within the renewal window, once per end date;
/// returns how many assignments it looked at. Set-based: up to [`JOB_BATCH`] in one
/// transaction of a fixed number of statements (claimed by one update, so with several
/// replicas each offer goes once).
pub async fn offer_renewals(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let until = now + Duration::days(ctx.settings.schedule.renewal_days);
    // Everything but the claim and the writes is read on the read pool before the write
    // transaction, so the single SQLite writer is held for three statements a batch.
    let t0 = std::time::Instant::now();
    let due = store::provisioning::renewals_due(&ctx.read, now, until, JOB_BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let t_due = t0.elapsed();
    let role_ids: Vec<Uuid> = due
        .iter()
        .map(|d| d.role)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let roles = store::catalog::renewal_refs(&ctx.read, &role_ids).await?;
    let t_read = t0.elapsed();
    let txn = crate::store::begin(&ctx.db).await?;
    let t_begin = t0.elapsed();
    let claimed =
        store::provisioning::claim_renewal_offers(&txn, due.iter().map(|d| d.id).collect(), now).await?;
    let t_claim = t0.elapsed();
    let link = ctx.settings.link("/me");
    let actor = Actor::system();
    let mut mail = Vec::with_capacity(claimed.len());
    let mut events = Vec::with_capacity(claimed.len());
    for d in &due {
        let (id, user_id, (email, first, last, has_eao)) = (&d.id, &d.user, &d.holder);
        if !claimed.contains(id) {
            continue;
        }
        let (Some((rr, renewal_approver)), Some(ends)) = (roles.get(&d.role), d.ends) else {
            continue;
        };
        let approver = match (*renewal_approver, *has_eao) {
            (RenewalApprover::Supervisor, false) => "your supervisor",
            (RenewalApprover::Supervisor, true) => "your External Authorizing Official",
            (RenewalApprover::DataOwner, _) => "the role's data owner",
            (RenewalApprover::Chain, _) => "the role's approvers, as for a new request,",
        };
        let ends = ends.format("%Y-%m-%d").to_string();
        let (subject, body) = templates::renewal_offer(
            &format!("{first} {last}"),
            &format!("{} ({} {})", rr.name, rr.application, rr.environment),
            &ends,
            approver,
            &link,
        );
        mail.push(outbox::message(now, email, &subject, &body));
        events.push(audit::event(
            now,
            NewEvent {
                actor: &actor,
                action: "role.renewal_offered",
                target: Some(format!("user:{user_id}")),
                details: json!({"assignment": id, "role": rr.name, "expires_at": ends}),
            },
        ));
    }
    let mut writes = Writes::new();
    writes.insert_many(mail);
    writes.audit_many(events);
    let t_render = t0.elapsed();
    writes.exec(&txn).await?;
    let t_write = t0.elapsed();
    txn.commit().await?;
    // Where a batch's time goes (the scheduler pass at scale is a target of issue #13).
    tracing::debug!(
        items = due.len(),
        due_ms = t_due.as_secs_f64() * 1e3,
        read_ms = (t_read - t_due).as_secs_f64() * 1e3,
        begin_ms = (t_begin - t_read).as_secs_f64() * 1e3,
        claim_ms = (t_claim - t_begin).as_secs_f64() * 1e3,
        render_ms = (t_render - t_claim).as_secs_f64() * 1e3,
        write_ms = (t_write - t_render).as_secs_f64() * 1e3,
        commit_ms = (t0.elapsed() - t_write).as_secs_f64() * 1e3,
        "renewal offers batch"
    );
    Ok(due.len())
}

/// Opens the removal of `holder`'s role `r` (a deprovisioning SAAR that needs no approval,
/// with `why`, and its revoke task) once the assignment ended or is to end: a request for the
/// role still waiting on an approver closes (expired), and a removal already being
/// provisioned does the revoke itself (`None`).
pub(super) async fn deprovision(
    conn: &impl sea_orm::ConnectionTrait,
    writes: &mut Writes,
    holder: &user::Model,
    r: &role::Model,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Option<saar::Model>> {
    deprovision_for(conn, writes, holder, holder, r, why, now).await
}

/// As [`deprovision`], asked for by `requester` (Delete User's supervisor or administrator).
pub(super) async fn deprovision_for(
    conn: &impl sea_orm::ConnectionTrait,
    writes: &mut Writes,
    requester: &user::Model,
    holder: &user::Model,
    r: &role::Model,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Option<saar::Model>> {
    if let Some(open) = store::saars::open_for(conn, holder.id, r.id).await? {
        match open.status.expire() {
            Ok(to) => {
                apply(conn, &open, to, now).await?;
                store::tasks::close_open(conn, open.id, TaskStatus::Expired, now).await?;
            }
            Err(_)
                if open.status == SaarStatus::Provisioning
                    && open.request_type == RequestType::Deactivate =>
            {
                return Ok(None);
            }
            Err(_) => {}
        }
    }
    let s = insert_about_held_role(
        conn,
        requester,
        holder,
        r,
        RequestType::Deactivate,
        why,
        rules::start_deprovisioning(),
        now,
    )
    .await?;
    open_provisioning(conn, writes, &s, r, now).await?;
    Ok(Some(s))
}

/// Expires the roles whose end date passed by `now` (at most 200 a round): each one's open
/// renewal or removal request closes, a deprovisioning SAAR opens the application's revoke
/// task (unless a removal is already being provisioned), and the holder is told. Returns how
/// many expired.
pub async fn expire_lapsed(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut expired = 0;
    for a in store::provisioning::lapsed(&ctx.db, now, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::provisioning::expire(&txn, a.id, now).await? {
            continue;
        }
        let holder = load_user(&txn, a.user_id).await?;
        let (r, rr) = load_role(&txn, a.role_id).await?;
        let ended = a.expires_at.unwrap_or(now).format("%Y-%m-%d").to_string();
        let mut writes = Writes::new();
        let why = format!("The role expired on {ended} and was not renewed.");
        let s = deprovision(&txn, &mut writes, &holder, &r, &why, now).await?;
        if let Some(s) = &s {
            let news = SaarNews::RoleExpired { ended: &ended };
            tell_requester(ctx, &txn, &mut writes, s, &rr, &[&holder], news, now).await?;
        }
        let number = s.map(|s| s.number);
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "role.expired",
                target: Some(format!("user:{}", holder.id)),
                details: json!({"assignment": a.id, "role": r.name, "expires_at": a.expires_at, "saar": number}),
            },
        );
        writes.exec(&txn).await?;
        txn.commit().await?;
        expired += 1;
    }
    Ok(expired)
}

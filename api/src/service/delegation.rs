//! Who acts on approvals when people change: a new supervisor, security officer or EAO takes
//! over the open tasks of the old one; a deputy acts for an approver during a period.

use super::load_saar;
use super::principal::UserPrincipal;
use super::views::{name_of, person_ref};
use super::workflow::{self, notify_approvers};
use super::{Ctx, Error, Result, field};
use crate::domain::account::normalize_login;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{approval_task, deputy, user};
use amps_openapi::{DeputyResponse, SetDeputyRequest};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

/// How open tasks move from one approver to another.
#[derive(Debug, Clone, Copy)]
pub enum Move<'a> {
    /// To a deputy, who holds them for the approver until the delegation ends.
    ToDeputy,
    /// To a new approver in their own name (a new supervisor, security officer or EAO), only
    /// of `subject`'s SAARs and tasks of `kind`.
    Replace { subject: Uuid, kind: &'a str },
}

/// Moves open tasks assigned to `from` to `to`, telling the new approver; a task `to` may not
/// decide (`domain::routing`) stays where it is. Returns how many moved.
pub async fn move_tasks(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
    how: Move<'_>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let (saars, kind, delegated_from) = match how {
        Move::ToDeputy => (None, None, Some(from)),
        Move::Replace { subject, kind } => (
            Some(store::saars::ids_about(conn, subject).await?),
            Some(kind),
            None,
        ),
    };
    let tasks = store::tasks::open_assigned_to(conn, from, saars, kind).await?;
    let mut moved = 0;
    for t in tasks {
        let s = load_saar(conn, t.saar_id).await?;
        if workflow::parties(conn, &s)
            .await?
            .exclusion(to, t.level)
            .is_some()
        {
            continue;
        }
        if store::tasks::reassign(conn, t.id, from, to, delegated_from).await? {
            let moved_task = approval_task::Model {
                assignee_id: Some(to),
                delegated_from,
                ..t
            };
            notify_approvers(ctx, conn, &s, &moved_task, false, now).await?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// Hands over the open tasks of `user`, whose account can no longer sign in (disabled, locked,
/// suspended, terminated, being deleted), so no request waits on them until it expires: a
/// task they hold as a deputy goes back to its approver when that approver may still decide
/// it; any other goes where the routing sends a task whose named approver may not decide
/// (`domain::routing`): for a supervisor or EAO level to their own supervisor (active, and no
/// party of the request), else to the AMPS administrators' queue, saying why. The new
/// approvers are mailed. Returns how many were handed over.
pub async fn hand_over(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<usize> {
    use crate::domain::chain::LevelKind;
    use crate::domain::routing::{ADMINISTRATORS, Fallback, fallback};
    let active = |u: &Option<user::Model>| u.as_ref().is_some_and(|u| u.status.can_sign_in());
    let mut handed = 0;
    for t in store::tasks::open_assigned_to(conn, user.id, None, None).await? {
        let s = load_saar(conn, t.saar_id).await?;
        let parties = workflow::parties(conn, &s).await?;
        let gone = format!("{} can no longer sign in", name_of(user));
        // Held as a deputy: back to the approver.
        if let Some(owner) = t.delegated_from {
            let o = store::users::find(conn, owner).await?;
            if active(&o) && parties.exclusion(owner, t.level).is_none() {
                let note = format!("{gone}; back to {}.", o.as_ref().map(name_of).unwrap_or_default());
                if store::tasks::hand_over(conn, t.id, user.id, Some(owner), None, &note).await? {
                    let back = approval_task::Model {
                        assignee_id: Some(owner),
                        group_id: None,
                        delegated_from: None,
                        routed_note: Some(note),
                        ..t
                    };
                    notify_approvers(ctx, conn, &s, &back, false, now).await?;
                    handed += 1;
                }
                continue;
            }
        }
        let by_supervisor =
            LevelKind::parse(&t.kind, t.group_id).is_ok_and(|k| fallback(k) == Fallback::TheirSupervisor);
        let up = match user.supervisor_id {
            Some(up) if by_supervisor && up != user.id && parties.exclusion(up, t.level).is_none() => {
                store::users::find(conn, up)
                    .await?
                    .filter(|u| u.status.can_sign_in())
            }
            _ => None,
        };
        let (to, group, note) = match &up {
            Some(sup) => (
                Some(sup.id),
                None,
                format!("{gone}; sent to their supervisor, {}.", name_of(sup)),
            ),
            None => (
                None,
                Some(ADMINISTRATORS),
                format!("{gone}; sent to the AMPS administrators."),
            ),
        };
        if store::tasks::hand_over(conn, t.id, user.id, to, group, &note).await? {
            let moved = approval_task::Model {
                assignee_id: to,
                group_id: group,
                delegated_from: None,
                routed_note: Some(note),
                ..t
            };
            notify_approvers(ctx, conn, &s, &moved, false, now).await?;
            handed += 1;
        }
    }
    Ok(handed)
}

/// Gives back to their approver the open tasks a deputy holds for `principal` (everyone's when
/// `None`) whose delegation is no longer in force, telling the approver. An approver who can no
/// longer sign in (they left while their deputy acted) does not get them back: they go on as
/// that approver's own tasks would ([`hand_over`]). Returns how many moved.
pub async fn return_delegated(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    principal: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut returned = 0;
    let mut gone = Vec::new();
    for t in store::tasks::delegations_ended(conn, principal, now, 500).await? {
        let (Some(deputy), Some(owner)) = (t.assignee_id, t.delegated_from) else {
            continue;
        };
        if store::tasks::reassign(conn, t.id, deputy, owner, None).await? {
            returned += 1;
            let o = store::users::find(conn, owner).await?;
            match o.filter(|o| !o.status.can_sign_in()) {
                Some(o) => {
                    if !gone.iter().any(|g: &user::Model| g.id == o.id) {
                        gone.push(o);
                    }
                }
                None => {
                    let s = load_saar(conn, t.saar_id).await?;
                    let back = approval_task::Model {
                        assignee_id: Some(owner),
                        delegated_from: None,
                        ..t
                    };
                    notify_approvers(ctx, conn, &s, &back, false, now).await?;
                }
            }
        }
    }
    for o in &gone {
        hand_over(ctx, conn, o, now).await?;
    }
    Ok(returned)
}

/// Looks up an active user by User ID for an approver field.
pub async fn approver_by_login(
    conn: &impl ConnectionTrait,
    login: &str,
    field_name: &str,
    me: Uuid,
) -> Result<user::Model> {
    let u = store::users::active_by_login(conn, &normalize_login(login))
        .await?
        .ok_or_else(|| {
            Error::Validation(field(
                field_name,
                "unknown",
                "is not the User ID of an active account",
            ))
        })?;
    if u.id == me {
        return Err(Error::Validation(field(field_name, "self", "cannot be yourself")));
    }
    Ok(u)
}

/// Names (or replaces) the caller's deputy; if the period has begun, open tasks move now.
pub async fn set_deputy(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &SetDeputyRequest,
) -> Result<DeputyResponse> {
    let now = ctx.clock.now();
    if req.ends_at <= req.starts_at {
        return Err(Error::Validation(field(
            "ends_at",
            "before_start",
            "must be after starts_at",
        )));
    }
    if req.ends_at <= now {
        return Err(Error::Validation(field(
            "ends_at",
            "past",
            "must be in the future",
        )));
    }
    let d = approver_by_login(&ctx.db, &req.deputy, "deputy", p.id).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    store::users::set_deputy(
        &txn,
        deputy::Model {
            user_id: p.id,
            deputy_id: d.id,
            starts_at: req.starts_at,
            ends_at: req.ends_at,
            created_at: now,
        },
    )
    .await?;
    // A replaced deputy gives back what they held; the new one takes it when their period starts.
    let returned = return_delegated(ctx, &txn, Some(p.id), now).await?;
    let moved = if req.starts_at <= now {
        move_tasks(ctx, &txn, p.id, d.id, Move::ToDeputy, now).await?
    } else {
        0
    };
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "account.deputy_set",
            target: Some(format!("user:{}", p.id)),
            details: json!({"after": {"deputy": d.login, "starts_at": req.starts_at, "ends_at": req.ends_at}, "tasks_moved": moved, "tasks_returned": returned}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(DeputyResponse {
        deputy: person_ref(&d),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
    })
}

/// Ends the caller's deputy arrangement: the tasks the deputy holds for them come back.
pub async fn clear_deputy(ctx: &Ctx, actor: &Actor, p: &UserPrincipal) -> Result<()> {
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::users::clear_deputy(&txn, p.id).await? {
        return Err(Error::NotFound("You have no deputy.".into()));
    }
    let returned = return_delegated(ctx, &txn, Some(p.id), now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "account.deputy_cleared",
            target: Some(format!("user:{}", p.id)),
            details: json!({"tasks_returned": returned}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Job step: moves open tasks of approvers whose deputy period has begun.
pub async fn delegate_started(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let active = store::users::deputies_active(&ctx.db, now).await?;
    let mut moved = 0;
    for d in active {
        let txn = crate::store::begin(&ctx.db).await?;
        // Read before this transaction: the approver may have ended it meanwhile (their tasks
        // came back to them), and it must not take them again.
        if !store::users::deputy_still_in_force(&txn, &d, now).await? {
            txn.rollback().await?;
            continue;
        }
        let n = move_tasks(ctx, &txn, d.user_id, d.deputy_id, Move::ToDeputy, now).await?;
        if n > 0 {
            audit::append(
                &txn,
                now,
                NewEvent {
                    actor: &Actor::system(),
                    action: "approval.delegated",
                    target: Some(format!("user:{}", d.user_id)),
                    details: json!({"deputy": d.deputy_id, "tasks_moved": n}),
                },
            )
            .await?;
        }
        txn.commit().await?;
        moved += n;
    }
    Ok(moved)
}

/// Job step: gives back to their approvers the tasks of delegations that ended.
pub async fn delegation_ended(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let txn = crate::store::begin(&ctx.db).await?;
    let n = return_delegated(ctx, &txn, None, now).await?;
    if n > 0 {
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "approval.delegation_ended",
                target: None,
                details: json!({"tasks_returned": n}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(n)
}

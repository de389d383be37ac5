//! Delete User: a supervisor (for a direct report) or an administrator deletes an account. It is
//! disabled at once (every session ends), the requests about the person still waiting on an
//! approver are cancelled, and every role the person holds goes through deprovisioning; when
//! the last provisioning task of theirs is done, the account becomes deleted: it cannot sign
//! in, keeps its history, and gives up its address so that the person may register again.

use super::expiry::deprovision_for;
use super::principal::UserPrincipal;
use super::workflow::apply;
use super::{Ctx, Error, Result, load_role, load_user};
use crate::domain::account::AccountStatus;
use crate::domain::permission::{Permission, allows};
use crate::domain::task::TaskStatus;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::user;
use crate::store::outbox;
use amps_openapi::{DeleteUserRequest, UserDeletionResponse};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

/// Who deletes an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deleter {
    Administrator,
    Supervisor,
}

/// Checks that `p` may delete account `id` (before the body is read): an administrator, or the
/// account's supervisor; never one's own account. A stranger learns nothing: an account that
/// does not exist (or is deleted) and one that is not their report get the same 403.
pub async fn authorize(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<()> {
    deleter(&ctx.read, p, id).await.map(drop)
}

async fn deleter(conn: &impl ConnectionTrait, p: &UserPrincipal, id: Uuid) -> Result<(Deleter, user::Model)> {
    if id == p.id {
        return Err(Error::Forbidden("Nobody deletes their own account.".into()));
    }
    let admin = allows(&p.admin_roles, Permission::ManageAccounts);
    let u = store::users::find(conn, id)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted);
    match u {
        Some(u) if admin => Ok((Deleter::Administrator, u)),
        Some(u) if u.supervisor_id == Some(p.id) => Ok((Deleter::Supervisor, u)),
        None if admin => Err(Error::NotFound("No such account.".into())),
        _ => Err(Error::Forbidden(
            "Only an administrator, or the person's supervisor, deletes an account.".into(),
        )),
    }
}

/// Starts Delete User for account `id` with a reason.
pub async fn start(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &DeleteUserRequest,
) -> Result<UserDeletionResponse> {
    req.validate()?;
    let reason = req.reason.trim();
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let (by, u) = deleter(&txn, p, id).await?;
    if u.deletion_started_at.is_some() {
        return Err(Error::Conflict(format!(
            "{} is being deleted already: the account is deleted when its last role is removed.",
            u.login
        )));
    }
    if by == Deleter::Supervisor && !store::users::admin_roles(&txn, u.id, now).await?.is_empty() {
        return Err(Error::Forbidden(
            "Only an administrator deletes an account that holds an AMPS administrative role.".into(),
        ));
    }
    // An account that may not sign in keeps the status that says why (locked, suspended…).
    let to = if u.status.can_sign_in() {
        AccountStatus::Disabled
    } else {
        u.status
    };
    if !store::users::start_deletion(&txn, u.id, to, now).await? {
        return Err(Error::Conflict(format!("{} is being deleted already.", u.login)));
    }
    let why = format!("Delete User: {reason}");
    if to != u.status {
        store::users::record_status_change(&txn, u.id, u.status, to, &why, Some(p.id), now).await?;
    }
    store::sessions::end_sessions(&txn, u.id, None, super::accounts::PURPOSE_RESET, now).await?;
    // The requests they were to approve go on without them.
    super::delegation::hand_over(ctx, &txn, &u, now).await?;
    let mut cancelled = Vec::new();
    for s in store::saars::awaiting_decision_about(&txn, u.id).await? {
        if let Ok(t) = s.status.cancel() {
            apply(&txn, &s, t, now).await?;
            store::tasks::close_open(&txn, s.id, TaskStatus::Cancelled, now).await?;
            cancelled.push(s.number);
        }
    }
    let mut writes = Writes::new();
    let mut removals = Vec::new();
    let mut roles = Vec::new();
    for a in store::provisioning::active_assignments(&txn, u.id, now).await? {
        let (r, _) = load_role(&txn, a.role_id).await?;
        if let Some(s) = deprovision_for(&txn, &mut writes, &p.user, &u, &r, &why, now).await? {
            removals.push(s.number);
        }
        roles.push(r.name);
    }
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "account.deletion_started",
            target: Some(format!("user:{}", u.id)),
            details: json!({
                "user": u.login, "reason": reason, "by": if by == Deleter::Administrator { "administrator" } else { "supervisor" },
                "removals": removals, "cancelled": cancelled,
            }),
        },
    );
    writes.exec(&txn).await?;
    let deleted = finish_if_done(ctx, &txn, u.id, now, Some(reason)).await?;
    let mut writes = Writes::new();
    if !deleted {
        outbox::enqueue_into(
            &mut writes,
            now,
            &u.email,
            "AMPS: your account is being deleted",
            &format!(
                "Hello {},\n\n{} is deleting your AMPS account {}: {reason}\n\nYou can no longer sign in; every session of yours has ended. {}\n\nQuestions: {}.\n\n-- AMPS",
                u.first_name,
                super::views::name_of(&p.user),
                u.login,
                if roles.is_empty() {
                    "The account is deleted when the requests of yours being provisioned are done."
                        .to_string()
                } else {
                    format!(
                        "Your roles are being removed from their applications ({}); the account is deleted when that is done.",
                        roles.join(", ")
                    )
                },
                ctx.settings.help_desk,
            ),
        );
    }
    writes.exec(&txn).await?;
    txn.commit().await?;
    Ok(UserDeletionResponse {
        status: if deleted { AccountStatus::Deleted } else { to }.to_string(),
        removals,
        cancelled,
    })
}

/// After a provisioning task of `user`'s access is done (in its transaction): if the account is
/// being deleted, a role granted meanwhile is removed again, and when no task of theirs is
/// left open the account is deleted (the person is told, with `reason` when it is deleted the
/// moment Delete User starts). Returns whether it was deleted now.
pub async fn finish_if_done(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    user: Uuid,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<bool> {
    let u = load_user(conn, user).await?;
    if u.deletion_started_at.is_none() || u.status == AccountStatus::Deleted {
        return Ok(false);
    }
    let mut writes = Writes::new();
    for a in store::provisioning::active_assignments(conn, u.id, now).await? {
        let (r, _) = load_role(conn, a.role_id).await?;
        let why = "Delete User: the account is being deleted.";
        deprovision_for(conn, &mut writes, &u, &u, &r, why, now).await?;
    }
    writes.exec(conn).await?;
    if store::provisioning::open_count_of(conn, u.id).await? > 0
        || !store::users::finish_deletion(conn, u.id, now).await?
    {
        return Ok(false);
    }
    let finished = "Delete User finished: every role is removed.";
    // A deleted account's cards sign nobody in (and may be bound again by a new account).
    store::certificates::remove_all(conn, u.id).await?;
    store::users::record_status_change(conn, u.id, u.status, AccountStatus::Deleted, finished, None, now)
        .await?;
    let mut writes = Writes::new();
    outbox::enqueue_into(
        &mut writes,
        now,
        &u.email,
        "AMPS: your account is deleted",
        &format!(
            "Hello {},\n\nYour AMPS account {} is deleted{}. Every role you held is removed; its history is kept.\n\nIf you need AMPS again, register with this address: {}\n\n-- AMPS",
            u.first_name,
            u.login,
            reason.map(|r| format!(": {r}")).unwrap_or_default(),
            ctx.settings.link("/register"),
        ),
    );
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor: &Actor::system(),
            action: "account.deleted",
            target: Some(format!("user:{}", u.id)),
            details: json!({"user": u.login}),
        },
    );
    writes.exec(conn).await?;
    Ok(true)
}

//! Provisioning: the provisioner's queue and completion, which activates the role
//! assignment and tells the requester the role is granted.

use super::principal::UserPrincipal;
use super::views::name_of;
use super::workflow::{apply, notify_requester, refused};
use super::{Ctx, Error, Result};
use super::{load_role, load_saar, load_user};
use crate::domain::permission::Permission;
use crate::domain::provisioning::{ProvisioningKind, ProvisioningStatus};
use crate::notify::templates::SaarNews;
use crate::notify::webhook;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::provisioning_task;
use amps_openapi::*;
use chrono::Duration;
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

/// Applications whose provisioning the user does: those whose provisioner group has them,
/// and, for holders of the AMPS Provisioner role, those without a group.
async fn my_applications(conn: &impl ConnectionTrait, p: &UserPrincipal) -> Result<Vec<Uuid>> {
    let groups = super::workflow::groups_of(p);
    Ok(
        store::provisioning::applications_provisioned_by(conn, groups, p.can(Permission::ProvisionUngrouped))
            .await?,
    )
}

/// Whether the user provisions the application of `role_id`.
pub async fn may_provision(conn: &impl ConnectionTrait, p: &UserPrincipal, role_id: Uuid) -> Result<bool> {
    let Some((r, _)) = store::catalog::role_with_ref(conn, role_id).await? else {
        return Ok(false);
    };
    Ok(my_applications(conn, p).await?.contains(&r.application_id))
}

/// The views of provisioning tasks, with the names they show read in one statement.
async fn views(
    conn: &impl ConnectionTrait,
    tasks: Vec<provisioning_task::Model>,
) -> Result<Vec<ProvisioningTaskResponse>> {
    let labels = store::labels::read(
        conn,
        store::labels::Wanted {
            people: tasks.iter().map(|t| t.user_id).collect(),
            roles: tasks.iter().map(|t| t.role_id).collect(),
            numbers: tasks.iter().map(|t| t.saar_id).collect(),
            ..Default::default()
        },
    )
    .await?;
    tasks
        .into_iter()
        .map(|t| {
            let gone = || Error::NotFound("No such provisioning task.".into());
            let u = labels.people.get(&t.user_id).ok_or_else(gone)?;
            Ok(ProvisioningTaskResponse {
                id: t.id,
                saar_number: labels.numbers.get(&t.saar_id).cloned().ok_or_else(gone)?,
                role: labels.roles.get(&t.role_id).cloned().ok_or_else(gone)?,
                user: format!("{} {} ({})", u.first_name, u.last_name, u.login),
                user_id: t.user_id,
                kind: t.kind.to_string(),
                status: t.status.to_string(),
                created_at: t.created_at,
                mode: t.mode.to_string(),
                attempts: t.attempts,
                last_error: t.last_error,
            })
        })
        .collect()
}

/// The caller's open provisioning tasks, oldest first.
pub async fn list_open(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<ProvisioningTaskResponse>> {
    let apps = my_applications(&ctx.read, p).await?;
    if apps.is_empty() {
        p.require(Permission::ProvisionUngrouped)?;
    }
    let tasks = store::provisioning::open_manual(&ctx.read, apps, 500).await?;
    // A provisioner never completes their own access: another one does.
    views(
        &ctx.read,
        tasks.into_iter().filter(|t| t.user_id != p.id).collect(),
    )
    .await
}

/// Finishes an open provisioning task in the caller's transaction: the SAAR completes, the
/// assignment starts (grant) or ends (revoke), the requester is told.
pub async fn finish(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    actor: &Actor,
    t: &provisioning_task::Model,
    completed_by: Option<Uuid>,
    req: &CompleteProvisioningRequest,
) -> Result<()> {
    let now = ctx.clock.now();
    let s = load_saar(conn, t.saar_id).await?;
    let to = s.status.complete().map_err(|e| refused(&s, e))?;
    let (r, _) = load_role(conn, t.role_id).await?;
    store::saars::lock(conn, s.id).await?;
    let done = store::provisioning::complete(conn, t.id, completed_by, req.note.as_deref(), now).await?;
    if !done {
        return Err(Error::Conflict(
            "This task was completed by someone else a moment ago.".into(),
        ));
    }
    apply(conn, &s, to, now).await?;
    let removal = t.kind == ProvisioningKind::Revoke;
    let action = if removal {
        if r.admin_key == Some(crate::domain::permission::AdminRole::Administrator) {
            // AMPS keeps an administrator: the last one's role is not removed (two removals at
            // once queue on the role's row, so the second sees the first's).
            store::users::lock_role(conn, r.id).await?;
            let others = store::users::administrators(conn, now)
                .await?
                .into_iter()
                .filter(|a| a.id != t.user_id)
                .count();
            if others == 0 {
                return Err(Error::Conflict(
                    "This is AMPS's last administrator: give another person the Administrator role first."
                        .into(),
                ));
            }
        }
        store::provisioning::remove_assignments(conn, t.user_id, t.role_id, now).await?;
        "saar.deprovisioned"
    } else {
        // The role's period, or the end date an approver set, whichever comes first.
        let by_role = r
            .default_expiration_days
            .map(|d| now + Duration::days(i64::from(d)));
        let expires_at = match (by_role, s.access_ends_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        store::provisioning::grant(conn, t.user_id, t.role_id, Some(s.id), expires_at, now).await?;
        "saar.provisioned"
    };
    notify_requester(ctx, conn, &s, SaarNews::Provisioned { removal }, now).await?;
    audit::append(
        conn,
        now,
        NewEvent {
            actor,
            action,
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "role": r.name, "kind": t.kind.as_str(), "note": req.note}),
        },
    )
    .await?;
    super::deletion::finish_if_done(ctx, conn, t.user_id, now, None).await?;
    Ok(())
}

/// The provisioning task `id`, if `p` may complete it: one of their applications', not their
/// own access.
async fn authorized(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<provisioning_task::Model> {
    let t = store::provisioning::find(&ctx.db, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such provisioning task.".into()))?;
    if !my_applications(&ctx.db, p).await?.contains(&t.application_id) {
        return Err(Error::Forbidden("You do not provision this application.".into()));
    }
    if t.user_id == p.id {
        return Err(Error::Forbidden(
            "You may not provision your own access; another provisioner completes this task.".into(),
        ));
    }
    Ok(t)
}

/// Whether `p` may complete provisioning task `id`, checked before the body is read.
pub async fn authorize(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<()> {
    authorized(ctx, p, id).await.map(drop)
}

/// Completes a manual provisioning task: the assignment becomes active and the requester is
/// told the role is granted.
pub async fn complete(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &CompleteProvisioningRequest,
) -> Result<ProvisioningTaskResponse> {
    let t = authorized(ctx, p, id).await?;
    if t.status != ProvisioningStatus::Open {
        return Err(Error::Conflict("This task is already done.".into()));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    finish(ctx, &txn, actor, &t, Some(p.id), req).await?;
    txn.commit().await?;
    let done = provisioning_task::Model {
        status: ProvisioningStatus::Done,
        completed_by: Some(p.id),
        completed_at: Some(ctx.clock.now()),
        note: req.note.clone(),
        ..t
    };
    views(&ctx.db, vec![done])
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound("No such provisioning task.".into()))
}

/// A webhook delivery this replica claimed: what to POST where, and for which task.
pub struct Delivery {
    pub task: provisioning_task::Model,
    /// The application's code (the audit actor is `webhook:<code>`).
    pub app_code: String,
    /// The application's webhook; `None` fails the delivery.
    pub url: Option<String>,
    /// The idempotency key the application deduplicates on.
    pub key: String,
    /// The JSON body.
    pub body: String,
    /// The `X-AMPS-Signature` header (`notify::webhook::signature`).
    pub signature: String,
    saar_id: Uuid,
    number: String,
}

/// Automatic tasks whose next delivery is due, at most `limit`.
pub async fn webhooks_due(ctx: &Ctx, limit: u64) -> Result<Vec<provisioning_task::Model>> {
    Ok(store::provisioning::webhooks_due(&ctx.db, ctx.clock.now(), limit).await?)
}

/// Claims the delivery of `t` for two minutes (only one replica wins) and builds what to
/// send; `None` when another replica has it.
pub async fn claim_webhook(ctx: &Ctx, t: &provisioning_task::Model) -> Result<Option<Delivery>> {
    let now = ctx.clock.now();
    let lease = ctx
        .settings
        .jobs
        .claim_lease
        .and_then(|l| Duration::from_std(l).ok())
        .unwrap_or(Duration::minutes(2));
    if !store::provisioning::claim_delivery(&ctx.db, t, now + lease).await? {
        return Ok(None);
    }
    let app = store::provisioning::application(&ctx.db, t.application_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("application missing"))?;
    let (r, _) = load_role(&ctx.db, t.role_id).await?;
    let s = load_saar(&ctx.db, t.saar_id).await?;
    let u = load_user(&ctx.db, t.user_id).await?;
    let key = t.idempotency_key.clone().unwrap_or_else(|| t.id.to_string());
    let body = json!({
        "idempotency_key": key,
        "task_id": t.id,
        "action": t.kind.as_str(),
        "saar": s.number,
        "user": {"id": u.id, "user_id": u.login, "name": name_of(&u), "email": u.email},
        "role": {"id": r.id, "name": r.name, "environment": r.environment, "application": app.code},
    })
    .to_string();
    let signature = webhook::signature(
        app.webhook_secret.as_deref().unwrap_or_default(),
        now.timestamp(),
        body.as_bytes(),
    );
    Ok(Some(Delivery {
        task: t.clone(),
        app_code: app.code,
        url: app.webhook_url,
        key,
        body,
        signature,
        saar_id: s.id,
        number: s.number,
    }))
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// The application confirmed: the task is done.
    Done,
    /// It failed; it is retried after a backoff.
    Failed,
    /// It failed for the last time: the task is now manual.
    FellBack,
}

/// Records the outcome of delivery `d` in one transaction: done (the role is granted or
/// removed), or failed with `error` (retried with exponential backoff, and after
/// `MAX_ATTEMPTS` handed to the provisioners).
pub async fn record_webhook(
    ctx: &Ctx,
    d: &Delivery,
    outcome: std::result::Result<(), String>,
) -> Result<Delivered> {
    let now = ctx.clock.now();
    let system = Actor {
        id: None,
        label: format!("webhook:{}", d.app_code),
        ip: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    let result = match outcome {
        Ok(()) => {
            let note = CompleteProvisioningRequest {
                note: Some("Provisioned by the application's webhook".into()),
            };
            finish(ctx, &txn, &system, &d.task, None, &note).await?;
            Delivered::Done
        }
        Err(error) => {
            let attempts = d.task.attempts + 1;
            let fall_back = attempts >= webhook::MAX_ATTEMPTS;
            let backoff = Duration::seconds(30 * 2_i64.pow(attempts.clamp(0, 12) as u32));
            let next = (!fall_back).then_some(now + backoff);
            store::provisioning::delivery_failed(&txn, d.task.id, attempts, &error, next).await?;
            audit::append(
                &txn,
                now,
                NewEvent {
                    actor: &system,
                    action: if fall_back {
                        "provisioning.webhook_gave_up"
                    } else {
                        "provisioning.webhook_failed"
                    },
                    target: Some(format!("saar:{}", d.saar_id)),
                    details: json!({"number": d.number, "attempts": attempts, "error": error}),
                },
            )
            .await?;
            if fall_back {
                Delivered::FellBack
            } else {
                Delivered::Failed
            }
        }
    };
    txn.commit().await?;
    Ok(result)
}

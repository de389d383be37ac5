//! Provisioning: the provisioner's queue and completion, which activates the role
//! assignment and tells the requester the role is granted.

use super::principal::UserPrincipal;
use super::views::name_of;
use super::workflow::{apply, notify_requester, refused};
use super::{Ctx, Error, Result};
use super::{load_role, load_saar, load_user};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::permission::Permission;
use crate::domain::provisioning::{ProvisioningKind, ProvisioningMode, ProvisioningStatus};
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{application, approval_group_member, provisioning_task, role, role_assignment};
use amps_openapi::*;
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

/// Applications whose provisioning the user does: those whose provisioner group has them,
/// and, for holders of the AMPS Provisioner role, those without a group.
async fn my_applications(conn: &impl ConnectionTrait, p: &UserPrincipal) -> Result<Vec<Uuid>> {
    let groups: Vec<Uuid> = approval_group_member::Entity::find()
        .select_only()
        .column(approval_group_member::Column::GroupId)
        .filter(approval_group_member::Column::UserId.eq(p.id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut cond = sea_orm::Condition::any().add(application::Column::ProvisionerGroupId.is_in(groups));
    if p.can(Permission::ProvisionUngrouped) {
        cond = cond.add(application::Column::ProvisionerGroupId.is_null());
    }
    Ok(application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .filter(cond)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Whether the user provisions the application of `role_id`.
pub async fn may_provision(conn: &impl ConnectionTrait, p: &UserPrincipal, role_id: Uuid) -> Result<bool> {
    let Some(r) = role::Entity::find_by_id(role_id).one(conn).await? else {
        return Ok(false);
    };
    Ok(my_applications(conn, p).await?.contains(&r.application_id))
}

async fn view(conn: &impl ConnectionTrait, t: provisioning_task::Model) -> Result<ProvisioningTaskResponse> {
    let s = load_saar(conn, t.saar_id).await?;
    let u = load_user(conn, t.user_id).await?;
    Ok(ProvisioningTaskResponse {
        id: t.id,
        saar_number: s.number,
        role: load_role(conn, t.role_id).await?.1,
        user: format!("{} ({})", name_of(&u), u.login),
        user_id: u.id,
        kind: t.kind.to_string(),
        status: t.status.to_string(),
        created_at: t.created_at,
        mode: t.mode.to_string(),
        attempts: t.attempts,
        last_error: t.last_error,
    })
}

/// The caller's open provisioning tasks, oldest first.
pub async fn list_open(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<ProvisioningTaskResponse>> {
    let apps = my_applications(&ctx.db, p).await?;
    if apps.is_empty() {
        p.require(Permission::ProvisionUngrouped)?;
    }
    let tasks = provisioning_task::Entity::find()
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .filter(provisioning_task::Column::Mode.eq(ProvisioningMode::Manual))
        .filter(provisioning_task::Column::ApplicationId.is_in(apps))
        .order_by_asc(provisioning_task::Column::CreatedAt)
        .limit(500)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::new();
    for t in tasks {
        out.push(view(&ctx.db, t).await?);
    }
    Ok(out)
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
    let r = role::Entity::find_by_id(t.role_id)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("role missing"))?;
    let done = provisioning_task::Entity::update_many()
        .col_expr(
            provisioning_task::Column::Status,
            Expr::value(ProvisioningStatus::Done),
        )
        .col_expr(provisioning_task::Column::CompletedBy, Expr::value(completed_by))
        .col_expr(provisioning_task::Column::CompletedAt, Expr::value(now))
        .col_expr(provisioning_task::Column::Note, Expr::value(req.note.clone()))
        .filter(provisioning_task::Column::Id.eq(t.id))
        .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
        .exec(conn)
        .await?;
    if done.rows_affected != 1 {
        return Err(Error::Conflict(
            "This task was completed by someone else a moment ago.".into(),
        ));
    }
    apply(conn, &s, to, now).await?;
    let (what, detail, action) = if t.kind == ProvisioningKind::Revoke {
        role_assignment::Entity::update_many()
            .col_expr(
                role_assignment::Column::Status,
                Expr::value(AssignmentStatus::Removed),
            )
            .filter(role_assignment::Column::UserId.eq(t.user_id))
            .filter(role_assignment::Column::RoleId.eq(t.role_id))
            .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
            .exec(conn)
            .await?;
        (
            "is done: the role is removed",
            "The role no longer appears under Current Roles.",
            "saar.deprovisioned",
        )
    } else {
        role_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(t.user_id),
            role_id: Set(t.role_id),
            status: Set(AssignmentStatus::Active),
            since: Set(now),
            expires_at: Set(r
                .default_expiration_days
                .map(|d| now + Duration::days(i64::from(d)))),
            source_saar_id: Set(Some(s.id)),
        }
        .insert(conn)
        .await?;
        (
            "is granted",
            "The role is provisioned and now appears under Current Roles in My Information.",
            "saar.provisioned",
        )
    };
    notify_requester(ctx, conn, &s, what, detail, now).await?;
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
    Ok(())
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
    let t = provisioning_task::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::NotFound("No such provisioning task.".into()))?;
    if !my_applications(&ctx.db, p).await?.contains(&t.application_id) {
        return Err(Error::Forbidden("You do not provision this application.".into()));
    }
    if t.status != ProvisioningStatus::Open {
        return Err(Error::Conflict("This task is already done.".into()));
    }
    let txn = ctx.db.begin().await?;
    finish(ctx, &txn, actor, &t, Some(p.id), req).await?;
    txn.commit().await?;
    let fresh = provisioning_task::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("task vanished"))?;
    view(&ctx.db, fresh).await
}

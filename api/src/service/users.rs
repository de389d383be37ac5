//! The users list of administrators, the help desk and role-catalog owners (who staff approval
//! groups): search by User ID, name or email, filter by status, keyset pages ordered by User ID;
//! one account with its status history; status changes by the help desk and administrators
//! (always with a reason, mailed, ending every session of an account that may no longer sign
//! in); an administrator moving an account to another organization (its roles are reviewed at
//! once).

use super::principal::UserPrincipal;
use super::views::name_of;
use super::{Ctx, Error, Result, field};
use crate::domain::account::{AccountStatus, StatusChanger};
use crate::domain::permission::{Permission, allows};
use crate::domain::revalidation::Trigger;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::user;
use crate::store::outbox;
use crate::store::users::UserFilter;
use amps_openapi::{
    AccountMailResponse, ListUsersQuery, SetUserStatusRequest, SettableStatus, StatusChangeResponse,
    UpdateUserRequest, UserDetailResponse, UserListResponse, UserSummaryResponse,
};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

const DEFAULT_PAGE: u64 = 50;

/// One page of the users list.
pub async fn list_users(ctx: &Ctx, p: &UserPrincipal, q: &ListUsersQuery) -> Result<UserListResponse> {
    p.require(Permission::ListUsers)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<AccountStatus>().map_err(|_| {
            Error::Validation(field(
                "status",
                "unknown",
                "must be pending_verification, active, disabled, locked, suspended, terminated or deleted",
            ))
        })?),
    };
    let filter = UserFilter {
        status,
        text: q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        after: q.cursor.as_deref().filter(|c| !c.is_empty()),
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    let mut rows = store::users::list(&ctx.read, &filter, limit + 1).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(u, _)| u.login.clone())
    } else {
        None
    };
    Ok(UserListResponse {
        users: rows.into_iter().map(|(u, org)| summary(u, org)).collect(),
        next_cursor,
    })
}

fn summary(u: user::Model, organization: String) -> UserSummaryResponse {
    UserSummaryResponse {
        id: u.id,
        name: name_of(&u),
        organization,
        user_id: u.login,
        email: u.email,
        user_type: u.user_type,
        status: u.status.to_string(),
        last_activity_at: u.last_activity_at,
    }
}

async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    store::users::find(conn, id)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted)
        .ok_or_else(|| Error::NotFound("No such account.".into()))
}

pub(super) async fn detail(conn: &impl ConnectionTrait, u: user::Model) -> Result<UserDetailResponse> {
    let org = store::users::organization(conn, u.organization_id)
        .await?
        .map(|o| o.code)
        .unwrap_or_default();
    let history = store::users::status_history(conn, u.id).await?;
    let names: std::collections::HashMap<Uuid, String> =
        store::users::names_of(conn, history.iter().filter_map(|h| h.changed_by))
            .await?
            .into_iter()
            .map(|(id, _, first, last)| (id, format!("{first} {last}")))
            .collect();
    let supervisor = match u.supervisor_id {
        Some(id) => store::users::find(conn, id).await?.map(|s| name_of(&s)),
        None => None,
    };
    Ok(UserDetailResponse {
        company: u.company.clone(),
        contract_number: u.contract_number.clone(),
        contract_ends_on: u.contract_ends_on,
        supervisor,
        user: summary(u, org),
        status_history: history
            .into_iter()
            .map(|h| StatusChangeResponse {
                from: h.from_status.to_string(),
                to: h.to_status.to_string(),
                reason: h.reason,
                by: h.changed_by.and_then(|id| names.get(&id).cloned()),
                at: h.at,
            })
            .collect(),
    })
}

/// Account `id` with its status history (administrators, the help desk, role-catalog owners).
pub async fn get_user(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<UserDetailResponse> {
    p.require(Permission::ListUsers)?;
    let u = load(&ctx.read, id).await?;
    detail(&ctx.read, u).await
}

fn status_of(s: SettableStatus) -> AccountStatus {
    match s {
        SettableStatus::Active => AccountStatus::Active,
        SettableStatus::Disabled => AccountStatus::Disabled,
        SettableStatus::Locked => AccountStatus::Locked,
        SettableStatus::Suspended => AccountStatus::Suspended,
        SettableStatus::Terminated => AccountStatus::Terminated,
    }
}

/// Checks that `p` may change the status of account `id` at all (before the body is read):
/// administrators and the help desk, never of their own account.
pub fn authorize_status_change(p: &UserPrincipal, id: Uuid) -> Result<StatusChanger> {
    let by = if allows(&p.admin_roles, Permission::ManageAccounts) {
        StatusChanger::Administrator
    } else {
        p.require(Permission::ChangeAccountStatus)?;
        StatusChanger::HelpDesk
    };
    if id == p.id {
        return Err(Error::Forbidden(
            "Nobody changes the status of their own account.".into(),
        ));
    }
    Ok(by)
}

/// Sets the status of account `id` with a reason: audited, mailed to the person (with whom to
/// call), and an account that may no longer sign in loses every session at once.
pub async fn set_status(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &SetUserStatusRequest,
) -> Result<UserDetailResponse> {
    let by = authorize_status_change(p, id)?;
    req.validate()?;
    let to = status_of(req.status);
    let reason = req.reason.trim();
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    // Two administrators disabling each other at once: the second to take the locks finds its
    // own account no longer active, and changes nothing.
    store::users::lock(&txn, &[p.id, id]).await?;
    if !load(&txn, p.id).await?.status.can_sign_in() {
        return Err(Error::Forbidden(
            "Your own account is no longer active: you cannot change accounts.".into(),
        ));
    }
    let u = load(&txn, id).await?;
    if by == StatusChanger::HelpDesk && !store::users::admin_roles(&txn, u.id, now).await?.is_empty() {
        return Err(Error::Forbidden(
            "Only an administrator changes the status of an account that holds an AMPS administrative role."
                .into(),
        ));
    }
    if u.deletion_started_at.is_some() {
        return Err(Error::Conflict(format!(
            "{} is being deleted: the account is deleted when its last role is removed.",
            u.login
        )));
    }
    if let Err(why) = u.status.may_change(to, by) {
        let administrator_may = u.status.may_change(to, StatusChanger::Administrator).is_ok();
        return Err(if administrator_may {
            Error::Forbidden(format!("{}.", capitalized(why)))
        } else {
            Error::Conflict(format!("{}.", capitalized(why)))
        });
    }
    store::users::set_status(&txn, u.id, to, now).await?;
    store::users::record_status_change(&txn, u.id, u.status, to, reason, Some(p.id), now).await?;
    let handed_over = if to.can_sign_in() {
        0
    } else {
        store::sessions::end_sessions(&txn, u.id, None, super::accounts::PURPOSE_RESET, now).await?;
        // No request waits on someone who can no longer sign in.
        super::delegation::hand_over(ctx, &txn, &u, now).await?
    };
    let mut writes = Writes::new();
    let help = &ctx.settings.help_desk;
    let body = if to == AccountStatus::Active {
        format!(
            "Hello {},\n\nYour AMPS account is active again ({} enabled it): {reason}\n\nSign in: {}\n\n-- AMPS",
            u.first_name,
            name_of(&p.user),
            ctx.settings.link("/login")
        )
    } else {
        format!(
            "Hello {},\n\nYour AMPS account is now {to}: {reason}\n\nYou cannot sign in until it is active again; every session of yours has ended. Contact {help} with any question.\n\n-- AMPS",
            u.first_name
        )
    };
    outbox::enqueue_into(
        &mut writes,
        now,
        &u.email,
        &format!("AMPS: your account is {to}"),
        &body,
    );
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "account.status_changed",
            target: Some(format!("user:{}", u.id)),
            details: json!({"user": u.login, "from": u.status.as_str(), "to": to.as_str(), "reason": reason, "tasks_handed_over": handed_over}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    let fresh = load(&ctx.db, id).await?;
    detail(&ctx.db, fresh).await
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Changes account `id` (administrators): a move to another organization opens a review of
/// the roles the person holds, for their supervisor, at once.
pub async fn update_user(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &UpdateUserRequest,
) -> Result<UserDetailResponse> {
    p.require(Permission::ManageAccounts)?;
    req.validate()?;
    let Some(code) = req.organization.as_deref().map(str::trim) else {
        return Err(Error::Validation(field(
            "organization",
            "required",
            "say what to change",
        )));
    };
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let u = load(&txn, id).await?;
    let to = store::accounts::organization_by_code(&txn, code)
        .await?
        .ok_or_else(|| {
            Error::Validation(field("organization", "unknown", "no organization has this code"))
        })?;
    let from = store::users::organization(&txn, u.organization_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account without organization"))?;
    if to.id == from.id {
        return Err(Error::Conflict(format!(
            "{} is in {} already.",
            u.login, from.code
        )));
    }
    if to.is_external != from.is_external {
        return Err(Error::Validation(field(
            "organization",
            "other_kind",
            "an internal account moves to internal organizations, an external one to external ones (register a new account)",
        )));
    }
    store::users::set_organization(&txn, u.id, to.id, now).await?;
    let mut writes = Writes::new();
    let reviewed =
        super::revalidation::open_for_change(ctx, &txn, &mut writes, u.id, Trigger::OrganizationChange, now)
            .await?;
    outbox::enqueue_into(
        &mut writes,
        now,
        &u.email,
        &format!("AMPS: your account moved to {}", to.name),
        &format!(
            "Hello {},\n\n{} moved your AMPS account from {} to {}.{}\n\n-- AMPS",
            u.first_name,
            name_of(&p.user),
            from.name,
            to.name,
            if reviewed {
                " Review the roles you hold (we sent you a separate mail)."
            } else {
                ""
            }
        ),
    );
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "account.organization_changed",
            target: Some(format!("user:{}", u.id)),
            details: json!({"user": u.login, "from": from.code, "to": to.code, "review_opened": reviewed}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    let fresh = load(&ctx.db, id).await?;
    detail(&ctx.db, fresh).await
}

/// The newest 20 mails to account `id`'s address with their delivery status and last error
/// (administrators and the help desk: why did the person not get our mail?). Never bodies.
pub async fn mail(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<Vec<AccountMailResponse>> {
    p.require(Permission::ChangeAccountStatus)?;
    let u = load(&ctx.read, id).await?;
    Ok(store::outbox::to_recipient(&ctx.read, &u.email, 20)
        .await?
        .into_iter()
        .map(|m| AccountMailResponse {
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
        })
        .collect())
}

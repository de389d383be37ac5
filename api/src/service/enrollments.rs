//! New IT User Enrollment and contracts that end: a COR holding "New IT User Requestor" (an
//! internal user) enrolls a new contractor, who receives an invitation to set a password and
//! finish their profile; the COR follows the contractors they enrolled and extends a contract.
//! A contractor's account ends with the contract: [`CONTRACT_WARNING_DAYS`] before the last
//! day the contractor, their supervisor and the COR are warned, and after it the deadlines job
//! disables the account (each step claimed by a compare-and-set on the account row, so with
//! several replicas each happens once). This holds for every contractor account with an end
//! date, however it was created.

use super::invitations::{Claimed, check, insert};
use super::principal::UserPrincipal;
use super::views::name_of;
use super::{Ctx, Error, Result, field};
use crate::domain::account::AccountStatus;
use crate::domain::permission::{Permission, allows};
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::user;
use crate::store::outbox;
use amps_openapi::{
    CreateUserRequest, EnrollContractorRequest, ExtendContractRequest, InternalUserType, UserDetailResponse,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;
use validator::Validate;

/// How many days before a contract's last day its end is announced.
pub const CONTRACT_WARNING_DAYS: i64 = 14;

/// Checks that `p` may enroll contractors: holds New IT User Requestor and is an internal user
/// (checked before the body is read).
pub fn authorize(p: &UserPrincipal) -> Result<()> {
    p.require(Permission::EnrollContractors)?;
    if p.org.is_external {
        return Err(Error::Forbidden(
            "External users do not enroll contractors.".into(),
        ));
    }
    Ok(())
}

/// Enrolls a new contractor in the COR's organization: the account waits for its invitation,
/// the contractor and their supervisor are mailed.
pub async fn enroll(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &EnrollContractorRequest,
) -> Result<UserDetailResponse> {
    authorize(p)?;
    req.validate()?;
    let create = CreateUserRequest {
        user_id: req.user_id.clone(),
        first_name: req.first_name.clone(),
        middle_initial: req.middle_initial.clone(),
        last_name: req.last_name.clone(),
        email: req.email.clone(),
        phone: req.phone.clone(),
        job_title: req.job_title.clone(),
        organization: p.org.code.clone(),
        user_type: InternalUserType::Contractor,
        company: Some(req.company.clone()),
        contract_number: Some(req.contract_number.clone()),
        contract_ends_on: Some(req.contract_ends_on),
        supervisor: Some(req.supervisor.clone()),
    };
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let mut checked = check(&txn, &create, &mut Claimed::default(), now.date_naive()).await?;
    checked.enrolled_by = Some(p.id);
    let mut writes = Writes::new();
    let cor = name_of(&p.user);
    let u = insert(ctx, &txn, &mut writes, checked, actor, &cor, now).await?;
    if let Some(sup) = u.supervisor_id
        && let Some(s) = store::users::find(&txn, sup).await?
    {
        outbox::enqueue_into(
            &mut writes,
            now,
            &s.email,
            &format!("AMPS: {} joins as your report", name_of(&u)),
            &format!(
                "Hello {},\n\n{cor} enrolled {} ({}, contract {} until {}) in AMPS with you as supervisor. They are invited to set a password; the requests they make come to you first.\n\n-- AMPS",
                s.first_name,
                name_of(&u),
                req.company.trim(),
                req.contract_number.trim(),
                req.contract_ends_on,
            ),
        );
    }
    writes
        .exec(&txn)
        .await
        .map_err(super::invitations::taken_meanwhile)?;
    txn.commit().await.map_err(super::invitations::taken_meanwhile)?;
    super::users::detail(&ctx.db, u).await
}

/// The contractors the caller enrolled (administrators: every enrolled contractor), the
/// contract ending soonest first.
pub async fn list(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<UserDetailResponse>> {
    let cor = if allows(&p.admin_roles, Permission::ManageAccounts) {
        None
    } else {
        authorize(p)?;
        Some(p.id)
    };
    let mut out = Vec::new();
    for u in store::users::enrolled_by(&ctx.read, cor, 500).await? {
        out.push(super::users::detail(&ctx.read, u).await?);
    }
    Ok(out)
}

/// The enrolled contractor `id`, if `p` may extend their contract: the COR who enrolled them
/// (still holding the role) or an administrator. Others get a 403 whether or not it exists.
async fn extendable(conn: &impl ConnectionTrait, p: &UserPrincipal, id: Uuid) -> Result<user::Model> {
    let admin = allows(&p.admin_roles, Permission::ManageAccounts);
    let u = store::users::find(conn, id)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted);
    match u {
        Some(u) if admin => Ok(u),
        Some(u) if u.enrolled_by == Some(p.id) && authorize(p).is_ok() => Ok(u),
        None if admin => Err(Error::NotFound("No such contractor.".into())),
        _ => Err(Error::Forbidden(
            "Only the COR who enrolled this contractor, or an administrator, extends the contract.".into(),
        )),
    }
}

/// Checks that `p` may extend contractor `id`'s contract (before the body is read).
pub async fn authorize_extension(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<()> {
    extendable(&ctx.read, p, id).await.map(drop)
}

/// Extends contractor `id`'s contract to a later last day: its end is announced again when it
/// nears, and an account the contract's end disabled is enabled again.
pub async fn extend(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &ExtendContractRequest,
) -> Result<UserDetailResponse> {
    req.validate()?;
    let now = ctx.clock.now();
    let today = now.date_naive();
    let txn = crate::store::begin(&ctx.db).await?;
    let u = extendable(&txn, p, id).await?;
    let Some(before) = u.contract_ends_on else {
        return Err(Error::Conflict(format!("{} has no contract to extend.", u.login)));
    };
    if req.contract_ends_on <= today || req.contract_ends_on <= before {
        return Err(Error::Validation(field(
            "contract_ends_on",
            "not_later",
            format!("must be after today and after the current last day ({before})"),
        )));
    }
    let number = req.contract_number.as_deref().map(str::trim);
    store::users::extend_contract(&txn, u.id, req.contract_ends_on, number, now).await?;
    // The job disables an internal account only when its contract ends (inactivity never
    // disables internal accounts): such an account comes back with the extension.
    // It comes back in the status it had (active, or still waiting on its invitation).
    let restored = if u.status == AccountStatus::Disabled && before < today {
        store::users::status_history(&txn, u.id)
            .await?
            .first()
            .filter(|h| h.to_status == AccountStatus::Disabled && h.changed_by.is_none())
            .map(|h| h.from_status)
    } else {
        None
    };
    let ended_by_contract = restored.is_some();
    if let Some(to) = restored {
        let why = format!("Contract extended to {}.", req.contract_ends_on);
        store::users::set_status(&txn, u.id, to, now).await?;
        store::users::record_status_change(&txn, u.id, u.status, to, &why, Some(p.id), now).await?;
    }
    let mut writes = Writes::new();
    let body = format!(
        "Hello {},\n\n{} extended the contract of {} to {}.{}\n\n-- AMPS",
        u.first_name,
        name_of(&p.user),
        name_of(&u),
        req.contract_ends_on,
        if ended_by_contract {
            " The account is enabled again."
        } else {
            ""
        }
    );
    outbox::enqueue_into(
        &mut writes,
        now,
        &u.email,
        "AMPS: your contract is extended",
        &body,
    );
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "account.contract_extended",
            target: Some(format!("user:{}", u.id)),
            details: json!({
                "user": u.login,
                "before": {"contract_ends_on": before, "contract_number": u.contract_number, "status": u.status.as_str()},
                "after": {"contract_ends_on": req.contract_ends_on, "contract_number": number.or(u.contract_number.as_deref()), "status": restored.unwrap_or(u.status).as_str()},
            }),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    let fresh = super::load_user(&ctx.db, id).await?;
    super::users::detail(&ctx.db, fresh).await
}

/// The people told about a contract's end: the contractor, their supervisor and the COR.
async fn concerned(conn: &impl ConnectionTrait, u: &user::Model) -> Result<Vec<user::Model>> {
    let ids: Vec<Uuid> = [u.supervisor_id, u.enrolled_by].into_iter().flatten().collect();
    let mut people: HashMap<Uuid, user::Model> = store::users::find_many(conn, ids)
        .await?
        .into_iter()
        .filter(|p| p.status == AccountStatus::Active)
        .map(|p| (p.id, p))
        .collect();
    people.remove(&u.id);
    let mut out = vec![u.clone()];
    out.extend(people.into_values());
    Ok(out)
}

/// Announces the contracts whose last day is within [`CONTRACT_WARNING_DAYS`] (at most 200 a
/// round) to the contractor, supervisor and COR; returns how many.
pub async fn warn_ending(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let by = now.date_naive() + Duration::days(CONTRACT_WARNING_DAYS);
    let mut warned = 0;
    for u in store::users::contracts_to_warn(&ctx.read, by, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::users::claim_contract_warning(&txn, u.id, by, now).await? {
            continue;
        }
        let last = u.contract_ends_on.map(|d| d.to_string()).unwrap_or_default();
        let contract = u.contract_number.clone().unwrap_or_default();
        let mut writes = Writes::new();
        for person in concerned(&txn, &u).await? {
            let about = if person.id == u.id {
                "your contract".to_string()
            } else {
                format!("the contract of {} ({})", name_of(&u), u.login)
            };
            outbox::enqueue_into(
                &mut writes,
                now,
                &person.email,
                &format!("AMPS: {about} ends on {last}"),
                &format!(
                    "Hello {},\n\nAMPS has {about}, {contract}, ending on {last}. The account {} is disabled after that day unless the COR who enrolled the contractor extends the contract in AMPS (Requests, New IT User Enrollment). Questions: {}.\n\n-- AMPS",
                    person.first_name, u.login, ctx.settings.help_desk
                ),
            );
        }
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "account.contract_ending",
                target: Some(format!("user:{}", u.id)),
                details: json!({"user": u.login, "contract_number": u.contract_number, "contract_ends_on": u.contract_ends_on}),
            },
        );
        writes.exec(&txn).await?;
        txn.commit().await?;
        warned += 1;
    }
    Ok(warned)
}

/// Disables the accounts whose contract's last day has passed (at most 200 a round): sessions
/// end, the contractor, supervisor and COR are told; returns how many.
pub async fn disable_ended(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let today = now.date_naive();
    let mut disabled = 0;
    for u in store::users::contracts_ended(&ctx.read, today, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        if !store::users::disable_ended_contract(&txn, u.id, today, now).await? {
            continue;
        }
        let last = u.contract_ends_on.map(|d| d.to_string()).unwrap_or_default();
        let reason = format!(
            "The contract {} ended on {last}.",
            u.contract_number.as_deref().unwrap_or_default()
        );
        store::users::record_status_change(&txn, u.id, u.status, AccountStatus::Disabled, &reason, None, now)
            .await?;
        store::sessions::end_sessions(&txn, u.id, None, super::accounts::PURPOSE_RESET, now).await?;
        super::delegation::hand_over(ctx, &txn, &u, now).await?;
        let mut writes = Writes::new();
        for person in concerned(&txn, &u).await? {
            let whose = if person.id == u.id {
                "Your AMPS account".to_string()
            } else {
                format!("The AMPS account of {} ({})", name_of(&u), u.login)
            };
            outbox::enqueue_into(
                &mut writes,
                now,
                &person.email,
                &format!("AMPS: the account {} is disabled: its contract ended", u.login),
                &format!(
                    "Hello {},\n\n{whose} is disabled: {reason} The COR who enrolled the contractor can extend the contract in AMPS, which enables the account again. Questions: {}.\n\n-- AMPS",
                    person.first_name, ctx.settings.help_desk
                ),
            );
        }
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "account.contract_ended",
                target: Some(format!("user:{}", u.id)),
                details: json!({"user": u.login, "from": u.status.as_str(), "to": "disabled", "reason": reason}),
            },
        );
        writes.exec(&txn).await?;
        txn.commit().await?;
        disabled += 1;
    }
    Ok(disabled)
}

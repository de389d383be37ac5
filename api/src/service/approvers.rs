//! Who approves a user's requests, and how that changes. A user who names a new supervisor or
//! External Authorizing Official only asks: the person named accepts (in AMPS, or through a
//! single-use emailed link when they have no account) and becomes the approver then, open tasks
//! moving to them. The same change made by the user's current supervisor, the help desk or an
//! administrator takes effect at once. Every change is audited with who made it.

use super::delegation::{Move, move_tasks};
use super::principal::{UserPrincipal, admin_roles};
use super::views::{name_of, person_ref};
use super::{Ctx, Error, Result, field, load_user};
use crate::auth::tokens;
use crate::domain::account::{normalize_email, normalize_login};
use crate::domain::approver_change::{ApproverChangeStatus, ApproverKind, ChangedBy, changed_by};
use crate::domain::permission::{Permission, allows};
use crate::domain::revalidation::Trigger;
use crate::notify::templates;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{approver_change, user};
use crate::store::{self, outbox};
use amps_openapi::{ApproverChangeResponse, ApproversResponse, SetApproversRequest};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

/// An active account by User ID for approver field `name`, not `user` themselves.
async fn active_other(
    conn: &impl ConnectionTrait,
    login: &str,
    name: &str,
    user: Uuid,
) -> Result<user::Model> {
    let u = store::users::active_by_login(conn, &normalize_login(login))
        .await?
        .ok_or_else(|| {
            Error::Validation(field(name, "unknown", "is not the User ID of an active account"))
        })?;
    if u.id == user {
        return Err(Error::Validation(field(name, "self", "cannot be yourself")));
    }
    Ok(u)
}

/// Whether `u` belongs to an internal (DLA or DFAS) organization.
async fn is_internal(conn: &impl ConnectionTrait, u: &user::Model) -> Result<bool> {
    Ok(store::users::organization(conn, u.organization_id)
        .await?
        .is_some_and(|o| !o.is_external))
}

/// A new supervisor for `user`: an active internal account other than the user.
pub async fn supervisor_by_login(
    conn: &impl ConnectionTrait,
    login: &str,
    user: Uuid,
) -> Result<user::Model> {
    let s = active_other(conn, login, "supervisor", user).await?;
    if !is_internal(conn, &s).await? {
        return Err(Error::Validation(field(
            "supervisor",
            "external",
            "must be an internal (DLA or DFAS) user",
        )));
    }
    Ok(s)
}

/// A new security officer for `user`: an active account holding the Security Officer role.
pub async fn security_officer_by_login(
    conn: &impl ConnectionTrait,
    login: &str,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let s = active_other(conn, login, "security_officer", user).await?;
    // Where the user's organization names its security officers, the user's is one of them.
    let org = load_user(conn, user).await?.organization_id;
    let named: Vec<Uuid> = store::users::officer_ids(conn, org)
        .await?
        .into_iter()
        .filter(|(kind, _)| kind == store::users::OFFICER_SECURITY)
        .map(|(_, id)| id)
        .collect();
    if !named.is_empty() && !named.contains(&s.id) {
        return Err(Error::Validation(field(
            "security_officer",
            "not_of_organization",
            "is not one of the security officers your organization names (see My Information)",
        )));
    }
    if !allows(
        &admin_roles(conn, s.id, now).await?,
        Permission::ActAsSecurityOfficer,
    ) {
        return Err(Error::Validation(field(
            "security_officer",
            "not_security_officer",
            Permission::ActAsSecurityOfficer.refusal(),
        )));
    }
    Ok(s)
}

/// A new EAO for `user` by email: the internal account with that address, or none yet (the
/// EAO acts once they have one); an external account is refused (a vendor's second account
/// must not authorize the first).
pub async fn eao_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
    user: Uuid,
) -> Result<Option<user::Model>> {
    let Some(e) = store::accounts::active_by_email(conn, email).await? else {
        return Ok(None);
    };
    if e.id == user {
        return Err(Error::Validation(field(
            "eao_email",
            "self",
            "cannot be yourself",
        )));
    }
    if !is_internal(conn, &e).await? {
        return Err(Error::Validation(field(
            "eao_email",
            "external",
            "must be the email of an internal (DLA or DFAS) official",
        )));
    }
    Ok(Some(e))
}

fn role_label(kind: ApproverKind) -> &'static str {
    match kind {
        ApproverKind::Supervisor => "supervisor",
        ApproverKind::Eao => "External Authorizing Official",
    }
}

/// Asks `new` (or, without an account, whoever reads `eao_email`) to become `u`'s `kind`,
/// replacing the earlier request of that kind: the change row and the mail, in `conn`'s
/// transaction. `handed_over_by` is the current supervisor handing the user over (`None`: the
/// user asks). The caller audits the request.
#[expect(clippy::too_many_arguments, reason = "the change and who asks for it")]
pub async fn ask(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    u: &user::Model,
    kind: ApproverKind,
    new: Option<&user::Model>,
    eao_email: Option<&str>,
    handed_over_by: Option<&user::Model>,
    now: DateTime<Utc>,
) -> Result<()> {
    store::approver_changes::replace_pending(conn, u.id, kind, now).await?;
    let token = new.is_none().then(tokens::generate);
    store::approver_changes::insert(
        conn,
        approver_change::Model {
            id: Uuid::now_v7(),
            user_id: u.id,
            kind,
            new_approver_id: new.map(|n| n.id),
            new_eao_email: eao_email.map(str::to_string),
            requested_by: handed_over_by.map_or(u.id, |b| b.id),
            requested_at: now,
            status: ApproverChangeStatus::Pending,
            decided_by: None,
            decided_at: None,
            link_token_hash: token.as_deref().map(tokens::digest),
        },
    )
    .await?;
    let (to, link) = match (new, &token, eao_email) {
        (Some(n), _, _) => (n.email.clone(), ctx.settings.link("/approvals")),
        (None, Some(t), Some(email)) => (
            email.to_string(),
            ctx.settings.link(&format!("/approver-change?token={t}")),
        ),
        _ => return Err(Error::Internal(anyhow::anyhow!("an approver change asks no one"))),
    };
    let (subject, body) = match handed_over_by {
        Some(by) => templates::report_handed_over(&name_of(by), &name_of(u), &u.login, &link),
        None => templates::approver_change_asked(&name_of(u), &u.login, role_label(kind), &link),
    };
    outbox::enqueue(conn, now, &to, &subject, &body).await?;
    Ok(())
}

/// Makes `new` (an account, or for an EAO possibly only an address) `u`'s `kind` at once, in
/// `conn`'s transaction: the profile, the user's pending request of that kind replaced, open
/// tasks of the old approver for the user's SAARs moved. Returns how many tasks moved.
async fn apply(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    u: &user::Model,
    kind: ApproverKind,
    new: Option<Uuid>,
    eao_email: Option<String>,
    now: DateTime<Utc>,
) -> Result<usize> {
    store::approver_changes::replace_pending(conn, u.id, kind, now).await?;
    let (old, change) = match kind {
        ApproverKind::Supervisor => (
            u.supervisor_id,
            store::accounts::ProfileChange {
                supervisor_id: Some(new),
                ..Default::default()
            },
        ),
        ApproverKind::Eao => (
            u.eao_id,
            store::accounts::ProfileChange {
                eao_id: Some(new),
                eao_email: Some(eao_email),
                ..Default::default()
            },
        ),
    };
    store::accounts::update_profile(conn, u.id, change, now).await?;
    if let (Some(from), Some(to)) = (old, new)
        && from != to
    {
        // The new approver reviews what the user holds now, not at the next campaign.
        let mut writes = crate::store::batch::Writes::new();
        super::revalidation::open_for_change(ctx, conn, &mut writes, u.id, Trigger::SupervisorChange, now)
            .await?;
        writes.exec(conn).await?;
    }
    Ok(match (old, new) {
        (Some(from), Some(to)) if from != to => {
            move_tasks(
                ctx,
                conn,
                from,
                to,
                Move::Replace {
                    subject: u.id,
                    kind: kind.as_str(),
                },
                now,
            )
            .await?
        }
        _ => 0,
    })
}

/// The view of change `c`.
async fn view(conn: &impl ConnectionTrait, c: &approver_change::Model) -> Result<ApproverChangeResponse> {
    let u = load_user(conn, c.user_id).await?;
    let new = match c.new_approver_id {
        Some(id) => Some(person_ref(&load_user(conn, id).await?)),
        None => None,
    };
    Ok(ApproverChangeResponse {
        id: c.id,
        user: person_ref(&u),
        kind: c.kind.as_str().into(),
        new_approver: new,
        new_eao_email: c.new_eao_email.clone(),
        requested_at: c.requested_at,
    })
}

/// The changes asking `p` to accept, oldest first.
pub async fn asking(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<ApproverChangeResponse>> {
    let mut out = Vec::new();
    for c in store::approver_changes::pending_for(&ctx.read, p.id).await? {
        out.push(view(&ctx.read, &c).await?);
    }
    Ok(out)
}

/// The changes `user_id` asked for that wait for acceptance.
pub async fn pending_of(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<ApproverChangeResponse>> {
    let mut out = Vec::new();
    for c in store::approver_changes::pending_of(conn, user_id).await? {
        out.push(view(conn, &c).await?);
    }
    Ok(out)
}

/// Records `accept` on change `c` by `by` (`None`: the emailed link), applying it when
/// accepted: one transaction, one audit event, the mail to the user.
async fn settle(
    ctx: &Ctx,
    actor: &Actor,
    c: approver_change::Model,
    by: Option<Uuid>,
    accept: bool,
) -> Result<ApproverChangeResponse> {
    let now = ctx.clock.now();
    let status = if accept {
        ApproverChangeStatus::Accepted
    } else {
        ApproverChangeStatus::Declined
    };
    let txn = crate::store::begin(&ctx.db).await?;
    if !store::approver_changes::decide(&txn, c.id, status, by, now).await? {
        return Err(Error::Conflict(
            "This request was decided or replaced meanwhile.".into(),
        ));
    }
    let u = load_user(&txn, c.user_id).await?;
    let moved = if accept {
        apply(
            ctx,
            &txn,
            &u,
            c.kind,
            c.new_approver_id,
            c.new_eao_email.clone(),
            now,
        )
        .await?
    } else {
        0
    };
    let who = match c.new_approver_id {
        Some(id) => name_of(&load_user(&txn, id).await?),
        None => c.new_eao_email.clone().unwrap_or_default(),
    };
    let (subject, body) = templates::approver_change_decided(&name_of(&u), role_label(c.kind), &who, accept);
    outbox::enqueue(&txn, now, &u.email, &subject, &body).await?;
    if c.requested_by != u.id {
        // The supervisor who handed the user over hears the answer too.
        let by = load_user(&txn, c.requested_by).await?;
        let (subject, body) = templates::handover_decided(&name_of(&by), &name_of(&u), &who, accept);
        outbox::enqueue(&txn, now, &by.email, &subject, &body).await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: if accept {
                "account.approver_changed"
            } else {
                "account.approver_change_declined"
            },
            target: Some(format!("user:{}", u.id)),
            details: json!({"kind": c.kind.as_str(), "requested_by": c.requested_by, "new_approver": c.new_approver_id, "new_eao_email": c.new_eao_email, "approval_tasks_moved": moved}),
        },
    )
    .await?;
    let v = view(&txn, &c).await?;
    txn.commit().await?;
    Ok(v)
}

/// The person asked accepts or declines change `id`.
pub async fn decide(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    accept: bool,
) -> Result<ApproverChangeResponse> {
    let c = store::approver_changes::find(&ctx.db, id)
        .await?
        .filter(|c| c.new_approver_id == Some(p.id))
        .ok_or_else(|| Error::NotFound("No such request to you.".into()))?;
    if c.status != ApproverChangeStatus::Pending {
        return Err(Error::Conflict(format!("This request was already {}.", c.status)));
    }
    settle(ctx, actor, c, Some(p.id), accept).await
}

fn bad_link() -> Error {
    Error::InvalidToken("This link is not valid: it was used, or the request was replaced or decided.".into())
}

/// The change behind an emailed link.
pub async fn view_by_link(ctx: &Ctx, token: &str) -> Result<ApproverChangeResponse> {
    let c = store::approver_changes::by_link_hash(&ctx.read, &tokens::digest(token))
        .await?
        .ok_or_else(bad_link)?;
    view(&ctx.read, &c).await
}

/// Accepts or declines through the emailed link (an EAO without an account).
pub async fn decide_by_link(
    ctx: &Ctx,
    ip: Option<String>,
    token: &str,
    accept: bool,
) -> Result<ApproverChangeResponse> {
    let c = store::approver_changes::by_link_hash(&ctx.db, &tokens::digest(token))
        .await?
        .ok_or_else(bad_link)?;
    let actor = Actor {
        id: None,
        label: format!("{} (emailed link)", c.new_eao_email.clone().unwrap_or_default()),
        ip,
    };
    settle(ctx, &actor, c, None, accept).await
}

/// The user `user_id`, if `p` may set their approvers at once (their current supervisor, the
/// help desk, administrators; never the user themselves).
async fn authorized_over(ctx: &Ctx, p: &UserPrincipal, user_id: Uuid) -> Result<user::Model> {
    let u = store::users::find(&ctx.db, user_id)
        .await?
        .ok_or_else(|| Error::NotFound("No such user.".into()))?;
    match changed_by(
        u.id == p.id,
        u.supervisor_id == Some(p.id),
        p.can(Permission::SetApprovers),
    ) {
        ChangedBy::Authority => Ok(u),
        ChangedBy::TheUser => Err(Error::Forbidden(
            "Nobody sets their own approvers: ask for a change in My Information, and the person you name accepts it.".into(),
        )),
        ChangedBy::Stranger => Err(Error::Forbidden(Permission::SetApprovers.refusal().into())),
    }
}

/// Whether `p` may set `user_id`'s approvers at once, checked before the body is read.
pub async fn authorize_set(ctx: &Ctx, p: &UserPrincipal, user_id: Uuid) -> Result<()> {
    authorized_over(ctx, p, user_id).await.map(drop)
}

/// Sets `user_id`'s approvers: at once for the help desk and administrators; their current
/// supervisor sets the security officer at once and hands the user over to a new supervisor,
/// who accepts first (not the user themselves: they ask through My Information).
pub async fn set_for_user(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    user_id: Uuid,
    req: &SetApproversRequest,
) -> Result<ApproversResponse> {
    let now = ctx.clock.now();
    let u = authorized_over(ctx, p, user_id).await?;
    validator::Validate::validate(req)?;
    if req.supervisor.is_none() && req.security_officer.is_none() && req.eao_email.is_none() {
        return Err(Error::Validation(field(
            "body",
            "empty",
            "names nothing to change",
        )));
    }
    let supervisor = match &req.supervisor {
        Some(login) => Some(supervisor_by_login(&ctx.db, login, u.id).await?),
        None => None,
    };
    let security_officer = match &req.security_officer {
        Some(login) => Some(security_officer_by_login(&ctx.db, login, u.id, ctx.clock.now()).await?),
        None => None,
    };
    let eao = match &req.eao_email {
        Some(email) => {
            let email = normalize_email(email);
            Some((eao_by_email(&ctx.db, &email, u.id).await?, email))
        }
        None => None,
    };
    // A supervisor (not the help desk or an administrator) hands a report over: the new
    // supervisor accepts first, as when the user names one.
    let handover = !p.can(Permission::SetApprovers);
    let txn = crate::store::begin(&ctx.db).await?;
    let mut moved = 0;
    let mut handed_to = None;
    if let Some(s) = &supervisor {
        if u.supervisor_id == Some(s.id) {
            return Err(Error::Validation(field(
                "supervisor",
                "unchanged",
                "is their supervisor already",
            )));
        }
        if handover {
            ask(
                ctx,
                &txn,
                &u,
                ApproverKind::Supervisor,
                Some(s),
                None,
                Some(&p.user),
                now,
            )
            .await?;
            handed_to = Some(s.login.clone());
        } else {
            moved += apply(ctx, &txn, &u, ApproverKind::Supervisor, Some(s.id), None, now).await?;
        }
    }
    if let Some((account, email)) = &eao {
        moved += apply(
            ctx,
            &txn,
            &u,
            ApproverKind::Eao,
            account.as_ref().map(|a| a.id),
            Some(email.clone()),
            now,
        )
        .await?;
    }
    if let Some(so) = &security_officer {
        store::accounts::update_profile(
            &txn,
            u.id,
            store::accounts::ProfileChange {
                security_officer_id: Some(Some(so.id)),
                ..Default::default()
            },
            now,
        )
        .await?;
        if let Some(old) = u.security_officer_id.filter(|o| *o != so.id) {
            moved += move_tasks(
                ctx,
                &txn,
                old,
                so.id,
                Move::Replace {
                    subject: u.id,
                    kind: "security_officer",
                },
                now,
            )
            .await?;
        }
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "account.approvers_set",
            target: Some(format!("user:{}", u.id)),
            details: json!({
                "before": {"supervisor_id": u.supervisor_id, "security_officer_id": u.security_officer_id, "eao_id": u.eao_id, "eao_email": u.eao_email},
                "after": {"supervisor": supervisor.as_ref().filter(|_| !handover).map(|s| &s.login), "security_officer": security_officer.as_ref().map(|s| &s.login), "eao_email": eao.as_ref().map(|(_, e)| e)},
                "handed_over_to": handed_to,
                "approval_tasks_moved": moved,
            }),
        },
    )
    .await?;
    let after = load_user(&txn, u.id).await?;
    txn.commit().await?;
    approvers_of(&ctx.db, &after).await
}

/// Who approves `u`'s requests.
async fn approvers_of(conn: &impl ConnectionTrait, u: &user::Model) -> Result<ApproversResponse> {
    let person = |id: Option<Uuid>| async move {
        Ok::<_, Error>(match id {
            Some(id) => Some(person_ref(&load_user(conn, id).await?)),
            None => None,
        })
    };
    let pending_supervisor = store::approver_changes::pending_of(conn, u.id)
        .await?
        .into_iter()
        .find(|c| c.kind == ApproverKind::Supervisor)
        .and_then(|c| c.new_approver_id);
    Ok(ApproversResponse {
        user: person_ref(u),
        pending_supervisor: person(pending_supervisor).await?,
        supervisor: person(u.supervisor_id).await?,
        security_officer: person(u.security_officer_id).await?,
        eao: person(u.eao_id).await?,
        eao_email: u.eao_email.clone(),
    })
}

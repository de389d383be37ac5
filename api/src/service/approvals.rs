//! Approving: the caller's inbox (their tasks and their groups'), approve / reject / return
//! with exactly one transition when approvers act at once, the Security Officer's IT level,
//! segregation-of-duties exceptions.

use super::load_saar;
use super::principal::UserPrincipal;
use super::views::{self, name_of, saar_response};
use super::workflow::{self, About, apply, open_task, refused};
use super::{Ctx, Error, Result, field};
use crate::domain::chain::LevelKind;
use crate::domain::decision::{ApprovalFacts, Refusal, access_end, check_approval, check_rejection};
use crate::domain::it_level::ItLevel;
use crate::domain::task::TaskStatus;
use crate::notify::templates::SaarNews;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::{application, approval_task, organization, role, saar, user};
use crate::store::tasks::Decided;
use amps_openapi::*;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The caller's open approval tasks, soonest due first.
pub async fn list_open(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<ApprovalTaskResponse>> {
    let now = ctx.clock.now();
    let snap = store::snapshot(&ctx.read).await?;
    let groups = workflow::groups_of(p);
    let (tasks, ordered): (Vec<_>, Vec<saar::Model>) = store::tasks::open_for(&snap, p.id, &groups, 500)
        .await?
        .into_iter()
        .unzip();
    let views: HashMap<Uuid, SaarResponse> = views::saar_responses(&snap, &ordered, now)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    snap.rollback().await?;
    Ok(tasks
        .into_iter()
        .filter_map(|t| {
            let saar = views.get(&t.saar_id)?.clone();
            Some(ApprovalTaskResponse {
                id: t.id,
                level: t.level,
                kind: t.kind,
                opened_at: t.opened_at,
                due_at: t.due_at,
                saar,
            })
        })
        .collect())
}

/// How many open tasks and reviews wait for the caller: indexed counts, in one statement.
pub async fn counts(ctx: &Ctx, p: &UserPrincipal) -> Result<ApprovalCountResponse> {
    let groups = workflow::groups_of(p);
    use crate::domain::permission::{Permission, allows};
    let admin = allows(&p.admin_roles, Permission::DecideReassigned);
    let [open, revalidations] = store::counts(
        &ctx.read,
        [
            store::tasks::open_count(p.id, &groups),
            store::revalidations::to_review_count(p.id, admin, ctx.clock.now()),
        ],
    )
    .await?;
    Ok(ApprovalCountResponse { open, revalidations })
}

/// A refusal of the decision rules as a 422 naming the field.
fn refusal(r: Refusal) -> Error {
    Error::Validation(field(r.field, r.code, r.message))
}

/// A decision on a task.
pub enum Decision {
    Approve(ApproveRequest),
    Reject(RejectRequest),
    Return(ReturnRequest),
}

fn reason_str(r: RejectReason) -> &'static str {
    match r {
        RejectReason::ItLevelInsufficient => "it_level_insufficient",
        RejectReason::NotNeeded => "not_needed",
        RejectReason::SodConflict => "sod_conflict",
        RejectReason::NeedsInformation => "needs_information",
        RejectReason::Other => "other",
    }
}

/// What a decision on a task needs to know.
struct Context {
    task: approval_task::Model,
    saar: saar::Model,
    role: role::Model,
    app: application::Model,
    subject: user::Model,
    org: organization::Model,
    /// The role's approval chain, in order.
    levels: Vec<LevelKind>,
}

/// A task with what deciding it needs, read in one query.
async fn context(conn: &impl ConnectionTrait, task_id: Uuid) -> Result<Option<Context>> {
    let Some(c) = store::tasks::decision_rows(conn, task_id).await? else {
        return Ok(None);
    };
    let levels = c
        .levels
        .iter()
        .map(|l| LevelKind::parse(&l.kind, l.group_id))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    Ok(Some(Context {
        task: c.task,
        saar: c.saar,
        role: c.role,
        app: c.app,
        subject: c.subject,
        org: c.org,
        levels,
    }))
}

/// Whether `p` may decide `task` of `s` now: it is theirs or their group's, it is open, a
/// deputy's delegation is in force, and they are not excluded from it (`domain::routing`).
async fn may_decide(
    ctx: &Ctx,
    p: &UserPrincipal,
    task: &approval_task::Model,
    s: &saar::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let is_mine = task.assignee_id == Some(p.id)
        || match task.group_id {
            Some(g) => workflow::groups_of(p).contains(&g),
            None => false,
        };
    if !is_mine {
        return Err(Error::Forbidden(
            "This approval is not assigned to you or your groups.".into(),
        ));
    }
    // A deputy decides only while the delegation is in force.
    if let Some(principal) = task.delegated_from
        && task.assignee_id == Some(p.id)
        && store::users::acting_for(&ctx.read, principal, now)
            .await?
            .is_none_or(|who| who.id != p.id)
    {
        return Err(Error::Forbidden(
            "Your delegation has ended: this approval has returned to the approver you acted for.".into(),
        ));
    }
    // Nobody decides their own access, nor two levels of one request.
    if let Some(why) = workflow::parties(&ctx.read, s).await?.exclusion(p.id, task.level) {
        return Err(Error::Forbidden(why.refusal()));
    }
    if !task.status.is_open() {
        return Err(Error::Conflict(format!(
            "This approval was already decided ({}).",
            task.status
        )));
    }
    Ok(())
}

/// Records the decision on a task: one transaction, one audit event, the mail it causes.
/// `decision` reads the request body: only once the caller is known to be allowed to decide
/// (a stranger learns nothing from a 400 or 422 about their body).
pub async fn decide(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    task_id: Uuid,
    decision: impl FnOnce() -> Result<Decision>,
    expected_version: Option<i32>,
) -> Result<SaarResponse> {
    let now = ctx.clock.now();
    let Some(Context {
        task,
        saar: s,
        role: r,
        app,
        subject,
        org,
        levels,
    }) = context(&ctx.read, task_id).await?
    else {
        return Err(Error::NotFound("No such approval task.".into()));
    };
    may_decide(ctx, p, &task, &s, now).await?;
    // A role marked "MFA required" is decided only after a second factor proved in the last
    // minutes: a sign-in of the morning confirms it again (step-up).
    if r.mfa_required && !p.fresh_second_factor(now) {
        return Err(super::mfa::step_up_for(
            ctx,
            p,
            &format!("{} requires a recent second factor to decide", r.name),
        )
        .await);
    }
    let d = decision()?;
    super::check_version(expected_version, s.version, &s.number)?;
    let status = s.status;
    let rr = RoleRef {
        id: r.id,
        name: r.name.clone(),
        application: app.code.clone(),
        environment: r.environment.clone(),
    };

    // An end date this approver sets on the access (the earliest any level sets holds).
    let ends = match &d {
        Decision::Approve(a) => a
            .access_ends_on
            .map(|day| access_end(day, now.date_naive(), s.access_ends_at))
            .transpose()
            .map_err(refusal)?,
        _ => None,
    };
    let (task_status, to, reason, comment, next) = match &d {
        Decision::Approve(a) => {
            let unusable = |e: String| anyhow::anyhow!(e);
            let it_level_given = a
                .it_level
                .as_deref()
                .map(str::parse::<ItLevel>)
                .transpose()
                .map_err(|e| Error::Validation(field("it_level", "unknown", e)))?;
            let warnings: Vec<SaarWarning> = serde_json::from_str(&s.warnings).unwrap_or_default();
            let name = name_of(&subject);
            let approval = check_approval(&ApprovalFacts {
                security_officer: task.kind == LevelKind::SecurityOfficer.as_str(),
                subject: &name,
                subject_it_level: subject.it_level.parse().map_err(unusable)?,
                role_minimum: r.min_it_level.parse().map_err(unusable)?,
                it_level_given,
                breaks_sod: warnings.iter().any(|w| w.kind == "sod_conflict"),
                exception_recorded: s.sod_exception.is_some(),
                exception_given: a.sod_exception_reason.as_deref(),
            })
            .map_err(refusal)?;
            let chain =
                workflow::resolve_known_chain(&ctx.read, &subject, &org, &r, s.request_type, &levels).await?;
            let to = status
                .approve_of(s.request_type, task.level, chain.len())
                .map_err(|e| refused(&s, e))?;
            (
                TaskStatus::Approved,
                to,
                None,
                a.comment.clone(),
                Some((chain, approval)),
            )
        }
        Decision::Reject(rj) => {
            check_rejection(rj.reason == RejectReason::Other, rj.comment.as_deref()).map_err(refusal)?;
            let to = status.reject().map_err(|e| refused(&s, e))?;
            (
                TaskStatus::Rejected,
                to,
                Some(reason_str(rj.reason).to_string()),
                rj.comment.clone(),
                None,
            )
        }
        Decision::Return(rt) => {
            let to = status.send_back(s.current_level).map_err(|e| refused(&s, e))?;
            (TaskStatus::Returned, to, None, Some(rt.comment.clone()), None)
        }
    };

    let txn = crate::store::begin(&ctx.db).await?;
    store::saars::lock(&txn, s.id).await?;
    // Compare-and-set: of two approvers acting at once, exactly one moves the task.
    let claimed = store::tasks::decide(
        &txn,
        task.id,
        Decided {
            status: task_status,
            by: p.id,
            reason_code: reason.as_deref(),
            comment: comment.as_deref(),
        },
        now,
    )
    .await?;
    if !claimed {
        return Err(Error::Conflict(
            "This approval was decided by someone else a moment ago.".into(),
        ));
    }
    let action;
    // What the requester is told, if anything: (what happened, the details).
    let mut tell: Option<SaarNews<'_>> = None;
    let mut approvers = Vec::new();
    let mut provisioning = HashMap::new();
    // What the decision inserts (the next task or the provisioning task, the mail, the audit
    // event) is written by one statement at the end. Whom to mail is read in the transaction:
    // a second connection taken while this one is held could wait forever on a full pool.
    let mut writes = Writes::new();
    // The new end of a renewed role, as the requester is told.
    let mut renewed_until: Option<String> = None;
    let s = match (&d, next) {
        (Decision::Approve(_), Some((chain, approval))) => {
            if let Some(l) = approval.it_level {
                store::users::set_it_level(&txn, subject.id, l.as_str(), now).await?;
            }
            let mut s = s;
            if let Some(end) = ends {
                store::saars::set_access_end(&txn, s.id, end).await?;
                s.access_ends_at = Some(end);
            }
            if let Some(reason) = &approval.exception {
                let text = format!("{} ({}): {reason}", p.login, now.format("%Y-%m-%d"));
                store::saars::set_sod_exception(&txn, s.id, &text).await?;
                s.sod_exception = Some(text);
            }
            let s = apply(&txn, &s, to, now).await?;
            if let Some(next_level) = to.level() {
                let about = About {
                    role: &rr,
                    subject: &subject,
                };
                let opened = open_task(
                    ctx,
                    &txn,
                    &mut writes,
                    &s,
                    next_level,
                    chain[next_level as usize - 1],
                    &about,
                    now,
                )
                .await?;
                approvers = opened.approvers;
                action = "saar.level_approved";
                s
            } else if !s.request_type.provisions() {
                // A renewal: the role's end moves; the application already has the role.
                let a = store::provisioning::active_assignments(&txn, subject.id, now)
                    .await?
                    .into_iter()
                    .find(|a| a.role_id == r.id)
                    .ok_or_else(|| {
                        Error::Conflict(
                            "The role ended before this renewal was approved; the request closes with it."
                                .into(),
                        )
                    })?;
                let until = crate::domain::assignment::renewed_until(
                    now,
                    a.since,
                    a.expires_at.unwrap_or(now),
                    r.default_expiration_days,
                    s.access_ends_at,
                );
                store::provisioning::extend(&txn, subject.id, r.id, until).await?;
                renewed_until = Some(until.format("%Y-%m-%d").to_string());
                tell = Some(SaarNews::Renewed {
                    until: renewed_until.as_deref().unwrap_or_default(),
                });
                action = "saar.renewed";
                s
            } else {
                workflow::open_provisioning_for(&mut writes, &s, &r, &app, now);
                provisioning.insert(s.id, (now, app.code.clone()));
                tell = Some(SaarNews::Approved {
                    removal: s.request_type == crate::domain::saar::RequestType::Deactivate,
                });
                action = "saar.approved";
                s
            }
        }
        (Decision::Reject(rj), _) => {
            let s = apply(&txn, &s, to, now).await?;
            tell = Some(SaarNews::Rejected {
                reason: rj.reason,
                comment: rj.comment.as_deref(),
            });
            action = "saar.rejected";
            s
        }
        (Decision::Return(rt), _) => {
            let s = apply(&txn, &s, to, now).await?;
            tell = Some(SaarNews::Returned { comment: &rt.comment });
            action = "saar.returned";
            s
        }
        _ => return Err(Error::Internal(anyhow::anyhow!("decision without plan"))),
    };
    if let Some(news) = tell {
        workflow::tell_requester(ctx, &txn, &mut writes, &s, &rr, &[&subject], news, now).await?;
    }
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action,
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "level": task.level, "kind": task.kind, "decision": task_status.as_str(), "reason": reason, "comment": comment, "access_ends_at": ends, "renewed_until": renewed_until}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    approvers.extend([subject, p.user.clone()]);
    let known = views::Known {
        roles: vec![rr],
        users: approvers,
        tasks: None,
        provisioning,
    };
    views::saar_responses_with(&ctx.read, std::slice::from_ref(&s), now, known)
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no view built")))
}

fn bad_link() -> Error {
    Error::InvalidToken("This approval link is not valid: it was used, replaced by a newer email, or the task is closed or past its deadline.".into())
}

/// The task behind an emailed link, and the approver it belongs to.
async fn by_link(ctx: &Ctx, token: &str) -> Result<(approval_task::Model, UserPrincipal)> {
    let now = ctx.clock.now();
    let t = store::tasks::by_link_hash(&ctx.read, &crate::auth::tokens::digest(token))
        .await?
        .filter(|t| t.status.is_open() && t.due_at > now)
        .ok_or_else(bad_link)?;
    let super::principal::Caller { user: who, org, .. } =
        super::principal::caller(&ctx.read, t.assignee_id.ok_or_else(bad_link)?, now)
            .await?
            .ok_or_else(bad_link)?;
    if !who.status.can_sign_in() {
        return Err(bad_link());
    }
    // The link lets its approver decide this task, nothing else: no administrative roles.
    Ok((
        t,
        UserPrincipal {
            id: who.id,
            login: who.login.clone(),
            admin_roles: vec![],
            groups: vec![],
            user: who,
            org,
            session: None,
            second_factor: false,
            factor_at: None,
        },
    ))
}

/// The request behind an emailed approval link.
pub async fn view_by_link(ctx: &Ctx, token: &str) -> Result<ApprovalTaskResponse> {
    let (t, _) = by_link(ctx, token).await?;
    let s = load_saar(&ctx.read, t.saar_id).await?;
    Ok(ApprovalTaskResponse {
        id: t.id,
        level: t.level,
        kind: t.kind,
        opened_at: t.opened_at,
        due_at: t.due_at,
        saar: saar_response(&ctx.read, &s, ctx.clock.now()).await?,
    })
}

/// Decides through an emailed link, as the approver it was sent to.
pub async fn decide_by_link(ctx: &Ctx, ip: Option<String>, token: &str, d: Decision) -> Result<SaarResponse> {
    let (t, p) = by_link(ctx, token).await?;
    let actor = Actor {
        id: Some(p.id),
        label: format!("{} (emailed link)", p.login),
        ip,
    };
    decide(ctx, &actor, &p, t.id, move || Ok(d), None).await
}

//! Requests (SAARs): submission with its refusals and warnings, reading with whom each waits
//! on, cancel and resubmit, the requester's Pending Requests / SAAR History and Current Roles.

use super::principal::UserPrincipal;
use super::views::{Known, current_roles, name_of, saar_response, saar_responses_with};
use super::workflow::{
    About, apply, dd2875, insert_about_held_role, open_provisioning, open_task, refused, resolve_chain_for,
    resolve_levels, tell_requester,
};
use super::{Ctx, Error, Result, field, load_role, load_saar, load_user, organization_of};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::chain::{Assignee, LevelKind};
use crate::domain::permission::Permission;
use crate::domain::request::{self, Offer, Requester};
use crate::domain::saar::{self as rules, RequestType as Kind};
use crate::domain::sod;
use crate::domain::task::TaskStatus;
use crate::notify::templates::SaarNews;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::{approval_task, role, role_assignment, saar, user};
use crate::store::saars::NewSaar;
use crate::store::{self};
use amps_openapi::*;
use chrono::{DateTime, Datelike, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Submits one SAAR per role, in one transaction. The reads are batched (a fixed number of
/// queries however many roles are asked for) and the views are built from the rows written.
pub async fn submit(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &SubmitSaarsRequest,
) -> Result<SubmitSaarsResponse> {
    let now = ctx.clock.now();
    let requester = &p.user;
    let subject = match req.on_behalf_of {
        Some(id) if id != p.id => {
            let s = store::users::find(&ctx.read, id).await?;
            match s {
                Some(s) if s.supervisor_id == Some(p.id) => s,
                _ => {
                    return Err(Error::Forbidden(
                        "You may request roles only for yourself or your direct reports.".into(),
                    ));
                }
            }
        }
        _ => requester.clone(),
    };
    let mut errors = Vec::new();
    if !req.privacy_act_accepted {
        errors.extend(field(
            "privacy_act_accepted",
            "required",
            "You must accept the Privacy Act Statement to submit a request.",
        ));
    }
    let training = req.user_info.ia_training_date;
    let today = now.date_naive();
    if training > today {
        errors.extend(field(
            "user_info.ia_training_date",
            "future",
            "must not be in the future",
        ));
    } else if today - training > Duration::days(365) {
        errors.extend(field(
            "user_info.ia_training_date",
            "training_expired",
            "must be within the last year: complete the IA / cyber-awareness training before requesting access",
        ));
    }
    let org = if subject.id == p.id {
        p.org.clone()
    } else {
        organization_of(&ctx.read, &subject).await?
    };
    let store::catalog::Holdings {
        held,
        in_force,
        pending,
    } = store::catalog::held_and_pending(&ctx.read, subject.id, now).await?;
    let for_whom = Requester {
        organization: org.id,
        organization_code: &org.code,
        is_external: org.is_external,
        allows_non_prod: org.allows_non_prod,
    };
    // Each requested role once, in the order asked, with where it was asked.
    let mut seen = HashSet::new();
    let asked: Vec<(usize, Uuid)> = req
        .role_ids
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, id)| seen.insert(*id))
        .collect();
    let ids: Vec<Uuid> = asked.iter().map(|(_, id)| *id).collect();
    let mut found = store::catalog::roles_with_refs(&ctx.read, &ids).await?;
    let facts = store::catalog::role_facts(&ctx.read, &ids).await?;
    let mut roles = Vec::new();
    for (i, id) in asked {
        let f = format!("role_ids[{i}]");
        let found = found.remove(&id);
        let offer = found.as_ref().map(|(r, _)| Offer {
            name: &r.name,
            environment: &r.environment,
            hidden: r.hidden,
            requestable_by: r.requestable_by,
            limited_to: facts.visibility.get(&r.id).map(Vec::as_slice).unwrap_or_default(),
        });
        let checked = request::check(
            offer.as_ref(),
            &for_whom,
            req.request_type.into(),
            held.contains(&id),
            pending.get(&id).map(String::as_str),
        );
        if let Err(refusal) = checked {
            errors.extend(field(&f, refusal.code, refusal.message));
            continue;
        }
        let Some((r, rr)) = found else { continue };
        let levels = facts.chains.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        match resolve_levels(&ctx.read, &subject, &org, &r, levels).await {
            Ok(chain) => roles.push((r, rr, chain)),
            Err(Error::Validation(mut e)) => {
                for x in &mut e {
                    x.field = f.clone();
                }
                errors.extend(e);
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    // A role marked "MFA required" is asked for only from a sign-in with a second factor.
    if !p.second_factor
        && let Some((_, rr, _)) = roles.iter().find(|(r, ..)| r.mfa_required)
    {
        return Err(super::mfa::step_up_for(
            ctx,
            p,
            &format!("{} ({}) requires two-step sign-in", rr.name, rr.application),
        )
        .await);
    }

    // Warnings: segregation of duties and missing prerequisites.
    let requested: Vec<Uuid> = roles.iter().map(|(r, ..)| r.id).collect();
    // Prerequisites and conflicts count the roles in force (not those past their end date).
    let mut have: HashSet<Uuid> = in_force;
    have.extend(pending.keys().copied());
    // What each role breaks: (rule, the other role) and (missing prerequisite).
    let mut broken: HashMap<Uuid, Vec<(&crate::domain::sod::SodRule, Option<Uuid>)>> = HashMap::new();
    let mut lacking: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for r in &requested {
        let mut others = have.clone();
        others.extend(requested.iter().filter(|x| *x != r));
        for rule in sod::conflicts(&facts.sod_rules, &others, *r) {
            let other = rule.roles.iter().find(|x| *x != r && others.contains(x)).copied();
            broken.entry(*r).or_default().push((rule, other));
        }
        for pre in facts.prerequisites.get(r).into_iter().flatten() {
            if !have.contains(pre) && !requested.contains(pre) {
                lacking.entry(*r).or_default().push(*pre);
            }
        }
    }
    // The roles the warnings name, read at once (those asked for are in hand).
    let mut refs: HashMap<Uuid, RoleRef> = roles.iter().map(|(r, rr, _)| (r.id, rr.clone())).collect();
    let named: HashSet<Uuid> = broken
        .values()
        .flatten()
        .filter_map(|(_, o)| *o)
        .chain(lacking.values().flatten().copied())
        .filter(|id| !refs.contains_key(id))
        .collect();
    refs.extend(store::catalog::role_refs(&ctx.read, named).await?);
    let mut missing: Vec<RoleRef> = Vec::new();
    let mut plans = Vec::new();
    for (r, rr, chain) in roles {
        let mut warnings = Vec::new();
        for (rule, other) in broken.remove(&r.id).unwrap_or_default() {
            let other_ref = other.and_then(|o| refs.get(&o).cloned());
            warnings.push(SaarWarning {
                kind: "sod_conflict".into(),
                message: format!(
                    "Segregation-of-duties rule \"{}\": conflicts with {}.",
                    rule.name,
                    other_ref
                        .as_ref()
                        .map(|o| format!("\"{}\" ({})", o.name, o.application))
                        .unwrap_or_default()
                ),
                role: other_ref,
            });
        }
        for pre in lacking.remove(&r.id).unwrap_or_default() {
            let pr = refs
                .get(&pre)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("prerequisite role missing"))?;
            warnings.push(SaarWarning {
                kind: "missing_prerequisite".into(),
                message: format!(
                    "\"{}\" needs \"{}\" ({}), which you neither hold nor requested.",
                    r.name, pr.name, pr.application
                ),
                role: Some(pr.clone()),
            });
            if !missing.contains(&pr) {
                missing.push(pr);
            }
        }
        plans.push((r, rr, chain, warnings));
    }

    // The DD 2875 user information as entered now: kept on each SAAR, and on the account of a
    // user asking for themselves.
    let job_title = req
        .user_info
        .job_title
        .as_ref()
        .map(|j| j.trim().to_string())
        .or(subject.job_title.clone());
    let phone = req
        .user_info
        .phone
        .as_ref()
        .map(|p| p.trim().to_string())
        .unwrap_or(subject.phone.clone());
    // The account is its owner's: a supervisor asking for a report records the information on
    // the SAAR only, and never writes it into the report's account.
    let profile_changed = subject.id == requester.id
        && (subject.ia_training_date != Some(training)
            || subject.job_title != job_title
            || subject.phone != phone);
    let subject = user::Model {
        ia_training_date: Some(training),
        job_title,
        phone,
        ..subject
    };
    let snapshot = dd2875(&subject, &org).to_string();
    // The numbers are taken first, in a statement of their own, so that no write below waits
    // on the counter (as with a sequence, a submission that then fails leaves a gap).
    let mut numbers = store::saars::next_numbers(&ctx.db, now.year(), plans.len())
        .await?
        .into_iter();
    // Everything the submission writes goes in one statement (`store::batch`); whom to ask is
    // read first.
    let mut writes = Writes::new();
    if profile_changed {
        writes.update(store::users::update_request_profile(
            subject.id,
            subject.ia_training_date,
            subject.job_title.clone(),
            subject.phone.clone(),
            now,
        ));
    }
    let mut created = Vec::new();
    let mut tasks = Vec::new();
    let mut people = vec![requester.clone(), subject.clone()];
    for (r, rr, chain, warnings) in plans {
        let number = numbers
            .next()
            .ok_or_else(|| anyhow::anyhow!("fewer SAAR numbers than requests"))?;
        // A supervisor requesting for a direct report has approved the supervisor level by
        // asking: it is recorded as their approval and the chain goes on from the next level.
        let endorsed =
            chain[0].kind == LevelKind::Supervisor && chain[0].assignee == Assignee::Person(requester.id);
        let start =
            rules::start(chain.len(), endorsed).ok_or_else(|| anyhow::anyhow!("a SAAR without a chain"))?;
        let s = store::saars::new_row(
            NewSaar {
                number: number.clone(),
                requester_id: requester.id,
                subject_id: subject.id,
                role_id: r.id,
                request_type: req.request_type.into(),
                justification: req.justification.trim().into(),
                snapshot: snapshot.clone(),
                warnings: serde_json::to_string(&warnings).map_err(anyhow::Error::from)?,
            },
            start,
            now,
        )?;
        store::saars::insert_into(&mut writes, &s);
        let about = About {
            role: &rr,
            subject: &subject,
        };
        if endorsed {
            let approved = approval_task::Model {
                id: Uuid::now_v7(),
                saar_id: s.id,
                level: 1,
                kind: LevelKind::Supervisor.as_str().into(),
                assignee_id: Some(requester.id),
                group_id: None,
                status: TaskStatus::Approved,
                opened_at: now,
                due_at: now,
                next_reminder_at: now,
                decided_by: Some(requester.id),
                decided_at: Some(now),
                reason_code: None,
                comment: Some("Requested by the supervisor for a direct report".into()),
                link_token_hash: None,
                delegated_from: None,
                routed_note: None,
            };
            store::tasks::insert_into(&mut writes, &approved);
            tasks.push(approved);
        }
        match start.level() {
            Some(level) => {
                let opened = open_task(
                    ctx,
                    &ctx.read,
                    &mut writes,
                    &s,
                    level,
                    chain[level as usize - 1],
                    &about,
                    now,
                )
                .await?;
                tasks.push(opened.task);
                people.extend(opened.approvers);
            }
            None => open_provisioning(&ctx.read, &mut writes, &s, &r, now).await?,
        }
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor,
                action: "saar.submitted",
                target: Some(format!("saar:{}", s.id)),
                details: json!({"number": number, "role": r.name, "subject": subject.login, "warnings": warnings}),
            },
        );
        created.push(s);
    }
    writes.commit(&ctx.db).await?;
    let saars = saar_responses_with(
        &ctx.read,
        &created,
        now,
        Known {
            roles: refs.into_values().collect(),
            users: people,
            tasks: Some(tasks),
            provisioning: HashMap::new(),
        },
    )
    .await?;
    Ok(SubmitSaarsResponse {
        saars,
        missing_prerequisites: missing,
    })
}

/// Reads a SAAR: its requester, its subject, its approvers, provisioners and the help desk.
pub async fn get(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<SaarResponse> {
    // One moment of the database: the SAAR, its steps and whom it waits on agree.
    let snap = store::snapshot(&ctx.read).await?;
    let s = load_saar(&snap, id).await?;
    may_see(&snap, p, &s).await?;
    let view = saar_response(&snap, &s, ctx.clock.now()).await;
    snap.rollback().await?;
    view
}

/// Refuses (403) a caller who may not see SAAR `s`: anyone but its requester and subject, its
/// approvers, its role's provisioners and those who may read any SAAR.
async fn may_see(conn: &impl ConnectionTrait, p: &UserPrincipal, s: &saar::Model) -> Result<()> {
    let allowed = s.requester_id == p.id
        || s.subject_id == p.id
        || p.can(Permission::ReadAnySaar)
        || super::workflow::is_approver_of(conn, p, s.id).await?
        || super::provisioning::may_provision(conn, p, s.role_id).await?;
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden("You may not see this request.".into()))
    }
}

/// SAAR `id`'s audit trail, oldest first, for whoever may see the SAAR.
pub async fn history(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<Vec<SaarHistoryEntry>> {
    let s = load_saar(&ctx.read, id).await?;
    may_see(&ctx.read, p, &s).await?;
    let events = store::audit::of_target_query(&format!("saar:{id}"))
        .all(&ctx.read)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| SaarHistoryEntry {
            hash: e.seq.map(|_| e.hash.clone()),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::String(e.details)),
        })
        .collect())
}

/// SAAR `id` as a DD Form 2875 PDF (its number, for the file name, and the document), for
/// whoever may see the SAAR: the SAAR, its steps and its audit trail read at one moment.
pub async fn dd2875_pdf(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<(String, Vec<u8>)> {
    let now = ctx.clock.now();
    let snap = store::snapshot(&ctx.read).await?;
    let s = load_saar(&snap, id).await?;
    may_see(&snap, p, &s).await?;
    let view = saar_response(&snap, &s, now).await?;
    let events = store::audit::of_target_query(&format!("saar:{id}"))
        .all(&snap)
        .await?;
    snap.rollback().await?;
    let pdf = super::dd2875::document(&view, &events, now)
        .map_err(|e| Error::Internal(anyhow::anyhow!("DD 2875 of {}: {e}", s.number)))?;
    Ok((s.number, pdf))
}

/// The requester cancels a pending or returned SAAR.
pub async fn cancel(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<SaarResponse> {
    let now = ctx.clock.now();
    let s = load_saar(&ctx.read, id).await?;
    // Who may act first: a stale-version answer would tell a stranger the number and version.
    if s.requester_id != p.id && s.subject_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may cancel this request.".into(),
        ));
    }
    super::check_version(expected_version, s.version, &s.number)?;
    let to = s.status.cancel().map_err(|e| refused(&s, e))?;
    let txn = crate::store::begin(&ctx.db).await?;
    let fresh = apply(&txn, &s, to, now).await?;
    store::tasks::close_open(&txn, s.id, TaskStatus::Cancelled, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "saar.cancelled",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "before": {"status": s.status.as_str()}}),
        },
    )
    .await?;
    txn.commit().await?;
    saar_response(&ctx.read, &fresh, now).await
}

/// The requester resubmits a returned SAAR with a new justification; the level that returned
/// it acts again.
pub async fn resubmit(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &ResubmitSaarRequest,
    expected_version: Option<i32>,
) -> Result<SaarResponse> {
    let now = ctx.clock.now();
    let s = load_saar(&ctx.read, id).await?;
    // Who may act first: a stale-version answer would tell a stranger the number and version.
    if s.requester_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may resubmit this request.".into(),
        ));
    }
    super::check_version(expected_version, s.version, &s.number)?;
    let to = s.status.resubmit(s.current_level).map_err(|e| refused(&s, e))?;
    let level = to.level().unwrap_or(1);
    let subject = load_user(&ctx.read, s.subject_id).await?;
    let (r, rr) = load_role(&ctx.read, s.role_id).await?;
    let org = organization_of(&ctx.read, &subject).await?;
    let chain = resolve_chain_for(&ctx.read, &subject, &org, &r, s.request_type).await?;
    let resolved = *chain
        .get(level as usize - 1)
        .ok_or_else(|| anyhow::anyhow!("level out of chain"))?;
    let txn = crate::store::begin(&ctx.db).await?;
    let fresh = apply(&txn, &s, to, now).await?;
    store::saars::set_justification(&txn, s.id, req.justification.trim()).await?;
    let fresh = saar::Model {
        justification: req.justification.trim().into(),
        ..fresh
    };
    let about = About {
        role: &rr,
        subject: &subject,
    };
    let mut writes = Writes::new();
    open_task(ctx, &txn, &mut writes, &fresh, level, resolved, &about, now).await?;
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "saar.resubmitted",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "before": {"justification": s.justification}, "after": {"justification": req.justification}}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    saar_response(&ctx.read, &fresh, now).await
}

/// Pending Requests and SAAR History of the caller (as requester or subject), newest first.
pub async fn my_requests(ctx: &Ctx, p: &UserPrincipal) -> Result<MyRequestsResponse> {
    let now = ctx.clock.now();
    let snap = store::snapshot(&ctx.read).await?;
    let all = store::saars::of_user(&snap, p.id, 200).await?;
    let views = super::views::saar_responses(&snap, &all, now).await?;
    let revalidations = super::revalidation::my_history(&snap, p.id).await?;
    snap.rollback().await?;
    let mut pending = Vec::new();
    let mut history = Vec::new();
    for (s, view) in all.iter().zip(views) {
        if s.status.is_open() {
            pending.push(view)
        } else {
            history.push(view)
        }
    }
    Ok(MyRequestsResponse {
        pending,
        history,
        revalidations,
    })
}

/// Inserts a removal SAAR of role `r` for `subject` (its chain: the supervisor alone), asked
/// by `requester`: when that is the supervisor, asking is their approval and it goes straight
/// to deprovisioning.
async fn insert_removal(
    conn: &impl ConnectionTrait,
    requester: &user::Model,
    subject: &user::Model,
    r: &role::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<saar::Model> {
    let endorsed = requester.id != subject.id && subject.supervisor_id == Some(requester.id);
    let start = rules::start(1, endorsed).ok_or_else(|| anyhow::anyhow!("a removal without a chain"))?;
    insert_about_held_role(conn, requester, subject, r, Kind::Deactivate, reason, start, now).await
}

/// Whether `p` may resubmit SAAR `id` (its requester), checked before the body is read.
pub async fn authorize_resubmit(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<()> {
    if load_saar(&ctx.read, id).await?.requester_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may resubmit this request.".into(),
        ));
    }
    Ok(())
}

/// Whether `assignment` is a current role of `p`'s, checked before the body is read.
pub async fn authorize_own_assignment(ctx: &Ctx, p: &UserPrincipal, assignment: Uuid) -> Result<()> {
    active_assignment(&ctx.read, p.id, assignment, ctx.clock.now())
        .await
        .map(drop)
}

/// Whether `user_id` is `p`'s direct report, checked before the body is read.
pub async fn authorize_report(ctx: &Ctx, p: &UserPrincipal, user_id: Uuid) -> Result<()> {
    if load_user(&ctx.read, user_id).await?.supervisor_id != Some(p.id) {
        return Err(Error::Forbidden(
            "You may remove roles only of your direct reports.".into(),
        ));
    }
    Ok(())
}

/// The assignment `assignment` of `user_id`'s, if it is in force at `now` (404 otherwise).
async fn active_assignment(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    assignment: Uuid,
    now: DateTime<Utc>,
) -> Result<role_assignment::Model> {
    store::provisioning::assignment(conn, assignment)
        .await?
        .filter(|a| {
            a.user_id == user_id
                && a.status == AssignmentStatus::Active
                && a.expires_at.is_none_or(|e| e > now)
        })
        .ok_or_else(|| Error::NotFound("No such current role.".into()))
}

async fn refuse_open_request(conn: &impl ConnectionTrait, user_id: Uuid, role_id: Uuid) -> Result<()> {
    if let Some(s) = store::saars::open_for(conn, user_id, role_id).await? {
        return Err(Error::Conflict(format!(
            "There is already an open request for this role: {}.",
            s.number
        )));
    }
    Ok(())
}

/// A user asks to remove one of their roles; their supervisor (or EAO) approves, then a
/// deprovisioning task ends the assignment.
pub async fn request_removal(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    assignment: Uuid,
    req: &RemovalRequest,
) -> Result<SaarResponse> {
    let ask = Ask {
        kind: Kind::Deactivate,
        text: &req.reason,
        action: "saar.removal_requested",
    };
    ask_about_own_role(ctx, actor, p, assignment, ask, |_| Ok(())).await
}

/// A user asks for more time on one of their roles that is about to expire (within the
/// renewal window); their supervisor (or EAO) approves, which moves the end date.
pub async fn request_renewal(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    assignment: Uuid,
    req: &RenewalRequest,
) -> Result<SaarResponse> {
    let window = ctx.settings.schedule.renewal_days;
    let ask = Ask {
        kind: Kind::Renewal,
        text: &req.justification,
        action: "saar.renewal_requested",
    };
    ask_about_own_role(ctx, actor, p, assignment, ask, |a| {
        crate::domain::assignment::may_renew(ctx.clock.now(), a.expires_at, window)
            .map_err(|e| Error::Conflict(e.to_string()))
    })
    .await
}

/// What a user asks about one of their roles.
struct Ask<'a> {
    kind: Kind,
    /// The reason (removal) or justification (renewal).
    text: &'a str,
    /// The audit action.
    action: &'static str,
}

/// Opens a SAAR of `ask.kind` about `p`'s role `assignment` (once `check` allows it), which
/// their supervisor (or EAO) alone approves.
async fn ask_about_own_role(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    assignment: Uuid,
    ask: Ask<'_>,
    check: impl FnOnce(&role_assignment::Model) -> Result<()>,
) -> Result<SaarResponse> {
    let now = ctx.clock.now();
    let a = active_assignment(&ctx.read, p.id, assignment, now).await?;
    check(&a)?;
    refuse_open_request(&ctx.read, p.id, a.role_id).await?;
    let u = &p.user;
    let (r, rr) = load_role(&ctx.read, a.role_id).await?;
    let chain = resolve_chain_for(&ctx.read, u, &p.org, &r, ask.kind).await?;
    let start =
        rules::start(chain.len(), false).ok_or_else(|| anyhow::anyhow!("a request without a chain"))?;
    let txn = crate::store::begin(&ctx.db).await?;
    let s = insert_about_held_role(&txn, u, u, &r, ask.kind, ask.text, start, now).await?;
    let about = About {
        role: &rr,
        subject: u,
    };
    let mut writes = Writes::new();
    open_task(ctx, &txn, &mut writes, &s, 1, chain[0], &about, now).await?;
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: ask.action,
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "role": r.name, "assignment": a.id, "expires_at": a.expires_at}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    saar_response(&ctx.read, &s, now).await
}

/// A supervisor removes a direct report's role: no approval needed, a deprovisioning task
/// opens at once.
pub async fn remove_direct_report_role(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    user_id: Uuid,
    assignment: Uuid,
    req: &RemovalRequest,
) -> Result<SaarResponse> {
    let now = ctx.clock.now();
    let subject = load_user(&ctx.read, user_id).await?;
    if subject.supervisor_id != Some(p.id) {
        return Err(Error::Forbidden(
            "You may remove roles only of your direct reports.".into(),
        ));
    }
    let a = active_assignment(&ctx.read, user_id, assignment, now).await?;
    refuse_open_request(&ctx.read, user_id, a.role_id).await?;
    let sup = &p.user;
    let (r, rr) = load_role(&ctx.read, a.role_id).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let s = insert_removal(&txn, sup, &subject, &r, &req.reason, now).await?;
    let mut writes = Writes::new();
    open_provisioning(&txn, &mut writes, &s, &r, now).await?;
    tell_requester(
        ctx,
        &txn,
        &mut writes,
        &s,
        &rr,
        &[sup, &subject],
        SaarNews::RemovedBySupervisor {
            reason: req.reason.trim(),
        },
        now,
    )
    .await?;
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "saar.removal_by_supervisor",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "role": r.name, "user": subject.login, "assignment": a.id}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    saar_response(&ctx.read, &s, now).await
}

/// The caller's Current Roles.
pub async fn my_roles(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<CurrentRoleResponse>> {
    current_roles(
        &ctx.read,
        p.id,
        ctx.clock.now(),
        ctx.settings.schedule.renewal_days,
    )
    .await
}

/// The caller's direct reports, their current roles and the open requests about them.
pub async fn direct_reports(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<DirectReportResponse>> {
    let now = ctx.clock.now();
    let reports = store::users::direct_reports(&ctx.read, p.id).await?;
    let mut out = Vec::new();
    for u in reports {
        let open = store::saars::open_about(&ctx.read, u.id).await?;
        let pending = super::views::saar_responses(&ctx.read, &open, now).await?;
        out.push(DirectReportResponse {
            status: super::accounts::wire_status(u.status),
            pending,
            id: u.id,
            user_id: u.login.clone(),
            name: name_of(&u),
            email: u.email.clone(),
            phone: u.phone.clone(),
            job_title: u.job_title.clone(),
            ia_training_date: u.ia_training_date,
            roles: current_roles(&ctx.read, u.id, now, ctx.settings.schedule.renewal_days).await?,
        });
    }
    Ok(out)
}

/// `GET /users/{id}/saars`: the requests about account `id` (open ones, then history) and
/// their reviews, as the person sees them in Pending Requests and SAAR History (the help desk
/// and administrators, answering the person's questions).
pub async fn requests_of(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<MyRequestsResponse> {
    p.require(Permission::ReadAnySaar)?;
    let now = ctx.clock.now();
    let snap = store::snapshot(&ctx.read).await?;
    let u = load_user(&snap, id).await?;
    let all: Vec<saar::Model> = store::saars::of_user(&snap, u.id, 200)
        .await?
        .into_iter()
        .filter(|s| s.subject_id == u.id)
        .collect();
    let views = super::views::saar_responses(&snap, &all, now).await?;
    let revalidations = super::revalidation::my_history(&snap, u.id).await?;
    snap.rollback().await?;
    let (pending, history) = all
        .iter()
        .zip(views)
        .partition::<Vec<_>, _>(|(s, _)| s.status.is_open());
    Ok(MyRequestsResponse {
        pending: pending.into_iter().map(|(_, v)| v).collect(),
        history: history.into_iter().map(|(_, v)| v).collect(),
        revalidations,
    })
}

/// `POST /saars/{id}/approval-mail`: mails the approvers SAAR `id` waits on its approval
/// request again (an external approver gets a fresh single-use link; the old one stops
/// working). For the help desk, when an approver says the mail never came.
pub async fn resend_approval_mail(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<Accepted> {
    p.require(Permission::ResendApprovalMail)?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let s = load_saar(&txn, id).await?;
    let open = store::tasks::of_saars(&txn, [s.id])
        .await?
        .into_iter()
        .find(|t| t.status == TaskStatus::Open);
    let Some(task) = open.filter(|_| s.status == rules::SaarStatus::Pending) else {
        return Err(Error::Conflict(format!(
            "{} is not waiting on an approver (it is {}).",
            s.number,
            s.status.as_str().replace('_', " ")
        )));
    };
    let mailed = super::workflow::notify_approvers(ctx, &txn, &s, &task, true, now).await?;
    if mailed == 0 {
        return Err(Error::Conflict(format!(
            "{} waits on nobody who may decide it; an administrator can.",
            s.number
        )));
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "approval.mail_resent",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "level": task.level, "task": task.id, "mailed": mailed}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Accepted {
        message: format!(
            "The approval request of {} went again to {mailed} approver(s).",
            s.number
        ),
    })
}

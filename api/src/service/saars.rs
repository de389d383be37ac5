//! Requests (SAARs): submission with its refusals and warnings, reading with whom each waits
//! on, cancel and resubmit, the requester's Pending Requests / SAAR History and Current Roles.

use super::catalog::{self, held_and_pending, role_ref};
use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::chain::{Assignee, ChainFacts, LevelKind, ResolvedLevel, resolve};
use crate::domain::permission::Permission;
use crate::domain::provisioning::ProvisioningStatus;
use crate::domain::saar::{self as rules, RequestType as Kind, SaarStatus, Transition};
use crate::domain::sod;
use crate::domain::task::TaskStatus;
use crate::notify::templates;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::{
    application, approval_group, approval_group_member, approval_task, organization, provisioning_task, role,
    role_assignment, saar, user,
};
use crate::store::saars::NewSaar;
use crate::store::{self, outbox};
use amps_openapi::*;
use chrono::{DateTime, Datelike, Duration, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A user's full name.
pub fn name_of(u: &user::Model) -> String {
    format!("{} {}", u.first_name, u.last_name)
}

/// Loads a user or fails.
pub async fn load_user(conn: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| Error::NotFound("No such user.".into()))
}

/// Loads a SAAR or fails with 404.
pub async fn load_saar(conn: &impl ConnectionTrait, id: Uuid) -> Result<saar::Model> {
    store::saars::find(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such request.".into()))
}

/// Writes the move `t` of `s` (the only way a SAAR's state changes); 409 when someone changed
/// it meanwhile. Returns the SAAR as it now is.
pub async fn apply(
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    t: Transition,
    now: DateTime<Utc>,
) -> Result<saar::Model> {
    store::saars::apply(conn, s, t, now).await?.ok_or_else(|| {
        Error::Conflict("This request was changed by someone else meanwhile; reload it.".into())
    })
}

/// A move the state machine refuses, in the requester's words (409).
pub fn refused(s: &saar::Model, e: rules::InvalidTransition) -> Error {
    Error::Conflict(format!("{}: {e}.", s.number))
}

/// The organization of a user.
pub async fn organization_of(conn: &impl ConnectionTrait, u: &user::Model) -> Result<organization::Model> {
    Ok(organization::Entity::find_by_id(u.organization_id)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user without organization"))?)
}

/// The facts chain resolution needs about `subject` (of organization `org`) and `r`.
pub async fn chain_facts(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    org: &organization::Model,
    r: &role::Model,
) -> Result<ChainFacts> {
    let mut security_officer = subject.security_officer_id;
    if security_officer.is_none()
        && org.is_external
        && let Some(eao) = subject.eao_id
    {
        // An external user's security officer is, unless set, their EAO's.
        security_officer = load_user(conn, eao).await?.security_officer_id;
    }
    Ok(ChainFacts {
        is_external: org.is_external,
        supervisor: subject.supervisor_id,
        security_officer,
        eao: subject.eao_id,
        data_owner: r.data_owner_id,
        iao: r.iao_id,
    })
}

/// Resolves `levels`, the chain of `r`, for `subject` (of organization `org`).
pub async fn resolve_levels(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    org: &organization::Model,
    r: &role::Model,
    levels: &[LevelKind],
) -> Result<Vec<ResolvedLevel>> {
    let facts = chain_facts(conn, subject, org, r).await?;
    resolve(levels, &facts)
        .map_err(|e| Error::Validation(field("role_ids", "no_approver", format!("{}: {}", r.name, e.0))))
}

/// The chain of a SAAR of `request_type` for `subject` and `r`, read and resolved: removals
/// (`deactivate`) need the supervisor (or EAO) only.
pub async fn resolve_chain_for(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    org: &organization::Model,
    r: &role::Model,
    request_type: Kind,
) -> Result<Vec<ResolvedLevel>> {
    let levels = if request_type == Kind::Deactivate {
        Vec::new()
    } else {
        catalog::chain_of(conn, r.id).await?
    };
    resolve_known_chain(conn, subject, org, r, request_type, &levels).await
}

/// As [`resolve_chain_for`], with the role's chain `levels` already read.
pub async fn resolve_known_chain(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    org: &organization::Model,
    r: &role::Model,
    request_type: Kind,
    levels: &[LevelKind],
) -> Result<Vec<ResolvedLevel>> {
    if request_type == Kind::Deactivate {
        return resolve_levels(conn, subject, org, r, &[LevelKind::Supervisor])
            .await
            .map_err(|e| match e {
                Error::Validation(mut v) => {
                    for x in &mut v {
                        x.field = "reason".into();
                    }
                    Error::Validation(v)
                }
                e => e,
            });
    }
    resolve_levels(conn, subject, org, r, levels).await
}

/// The people who act on an assignee (one person, or every member of a group); one query.
pub async fn people_of(conn: &impl ConnectionTrait, a: Assignee) -> Result<Vec<user::Model>> {
    Ok(match a {
        Assignee::Person(p) => user::Entity::find_by_id(p).one(conn).await?.into_iter().collect(),
        Assignee::Group(g) => {
            user::Entity::find()
                .filter(
                    user::Column::Id.in_subquery(
                        Query::select()
                            .column(approval_group_member::Column::UserId)
                            .from(approval_group_member::Entity)
                            .and_where(approval_group_member::Column::GroupId.eq(g))
                            .to_owned(),
                    ),
                )
                .all(conn)
                .await?
        }
    })
}

/// What the mails and views of a SAAR name: its role and its subject, read once per change.
pub struct About<'a> {
    pub role: &'a RoleRef,
    pub subject: &'a user::Model,
}

/// An opened approval task and the people it was mailed to.
pub struct Opened {
    pub task: approval_task::Model,
    pub approvers: Vec<user::Model>,
}

/// Opens the approval task of `level` (1-based) and mails its approvers: reads whom through
/// `conn`, adds the task and the mail to `writes`.
#[allow(clippy::too_many_arguments)]
pub async fn open_task(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    s: &saar::Model,
    level: i32,
    resolved: ResolvedLevel,
    about: &About<'_>,
    now: DateTime<Utc>,
) -> Result<Opened> {
    let sched = &ctx.settings.schedule;
    let (assignee_id, group_id, people) = match resolved.assignee {
        Assignee::Person(p) => {
            let who = super::delegation::acting_for(conn, p, now).await?;
            (Some(who.id), None, vec![who])
        }
        Assignee::Group(g) => (None, Some(g), people_of(conn, resolved.assignee).await?),
    };
    let task = approval_task::Model {
        id: Uuid::now_v7(),
        saar_id: s.id,
        level,
        kind: resolved.kind.as_str().into(),
        assignee_id,
        group_id,
        status: TaskStatus::Open,
        opened_at: now,
        due_at: sched.due(now),
        next_reminder_at: sched.next_reminder(now),
        decided_by: None,
        decided_at: None,
        reason_code: None,
        comment: None,
        link_token_hash: None,
    };
    let link = link_token(&task);
    let stored = approval_task::Model {
        link_token_hash: link.as_ref().map(|t| crate::auth::tokens::digest(t)),
        ..task
    };
    writes.insert(approval_task::ActiveModel::from(stored.clone()));
    mail_approvers(ctx, writes, s, &stored, about, &people, link, false, now);
    Ok(Opened {
        task: stored,
        approvers: people,
    })
}

/// External Authorizing Officials act through a single-use link (no session needed): a fresh
/// token for each mail about a task assigned to one, the previous link then stops working.
fn link_token(task: &approval_task::Model) -> Option<String> {
    (task.kind == "eao" && task.assignee_id.is_some()).then(crate::auth::tokens::generate)
}

/// Mails the approvers of `task` (new task or reminder), reading what the mail names.
pub async fn notify_approvers(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    task: &approval_task::Model,
    reminder: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let r = role_ref(conn, s.role_id).await?;
    let subject = load_user(conn, s.subject_id).await?;
    let link = link_token(task);
    if let Some(token) = &link {
        store::tasks::set_link_hash(conn, task.id, &crate::auth::tokens::digest(token)).await?;
    }
    let assignee = match (task.assignee_id, task.group_id) {
        (Some(p), _) => Assignee::Person(p),
        (None, Some(g)) => Assignee::Group(g),
        (None, None) => return Ok(()),
    };
    let people = people_of(conn, assignee).await?;
    let about = About {
        role: &r,
        subject: &subject,
    };
    let mut writes = Writes::new();
    mail_approvers(ctx, &mut writes, s, task, &about, &people, link, reminder, now);
    Ok(writes.exec(conn).await?)
}

/// Mails `people`, who act on `task`, with the single-use `link` token if there is one.
#[allow(clippy::too_many_arguments)]
fn mail_approvers(
    ctx: &Ctx,
    writes: &mut Writes,
    s: &saar::Model,
    task: &approval_task::Model,
    about: &About<'_>,
    people: &[user::Model],
    link: Option<String>,
    reminder: bool,
    now: DateTime<Utc>,
) {
    let r = about.role;
    let kind = LevelKind::parse(&task.kind, task.group_id)
        .map(|k| k.label())
        .unwrap_or("Approver");
    let link = link.map(|token| ctx.settings.link(&format!("/approval-link?token={token}")));
    for person in people {
        let (subject_line, mut body) = templates::approval_needed(
            &s.number,
            &format!("{} ({} {})", r.name, r.application, r.environment),
            &name_of(about.subject),
            kind,
            &task.due_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            &ctx.settings.link("/approvals"),
            reminder,
        );
        if let Some(l) = &link {
            body = body.replace("\n\n-- AMPS", &format!("\n\nOr decide without signing in, with this single-use link (it expires with the task):\n\n{l}\n\n-- AMPS"));
        }
        outbox::enqueue_into(writes, now, &person.email, &subject_line, &body);
    }
}

/// Mails the requester (and the subject, when different) about a SAAR.
pub async fn notify_requester(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    what: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let r = role_ref(conn, s.role_id).await?;
    let mut writes = Writes::new();
    tell_requester(ctx, conn, &mut writes, s, &r, &[], what, detail, now).await?;
    Ok(writes.exec(conn).await?)
}

/// Mails the requester (and the subject, when different) about a SAAR of role `r`, with
/// `writes`; reads only the people not among `known`.
#[allow(clippy::too_many_arguments)]
pub async fn tell_requester(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    s: &saar::Model,
    r: &RoleRef,
    known: &[&user::Model],
    what: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut ids = vec![s.requester_id];
    if s.subject_id != s.requester_id {
        ids.push(s.subject_id);
    }
    for id in ids {
        let email = match known.iter().find(|u| u.id == id) {
            Some(u) => u.email.clone(),
            None => load_user(conn, id).await?.email,
        };
        let (subject, body) = templates::saar_update(
            &s.number,
            &format!("{} ({} {})", r.name, r.application, r.environment),
            what,
            detail,
            &ctx.settings.link("/me"),
        );
        outbox::enqueue_into(writes, now, &email, &subject, &body);
    }
    Ok(())
}

fn dd2875(u: &user::Model, org: &organization::Model) -> serde_json::Value {
    json!({
        "user_id": u.login,
        "name": name_of(u),
        "middle_initial": u.middle_initial,
        "organization": org.code,
        "company": u.company,
        "job_title": u.job_title,
        "email": u.email,
        "phone": u.phone,
        "user_type": u.user_type,
        "it_level": u.it_level,
        "ia_training_date": u.ia_training_date,
    })
}

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
            let s = user::Entity::find_by_id(id).one(&ctx.read).await?;
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
    let (held, pending) = held_and_pending(&ctx.read, subject.id).await?;
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
    let mut found = catalog::roles_with_refs(&ctx.read, &ids).await?;
    let facts = catalog::role_facts(&ctx.read, &ids).await?;
    let mut roles = Vec::new();
    for (i, id) in asked {
        let f = format!("role_ids[{i}]");
        let Some((r, rr)) = found.remove(&id).filter(|(r, _)| !r.hidden) else {
            errors.extend(field(
                &f,
                "not_available",
                "A requested role is not available to you.",
            ));
            continue;
        };
        let limited_to = facts.visibility.get(&r.id).map(Vec::as_slice).unwrap_or_default();
        if !catalog::visible(&r, limited_to, org.id, org.is_external) {
            let who = match catalog::requestable_of(&r.requestable_by) {
                Requestable::Internal if org.is_external => "is for internal (DLA and DFAS) users only",
                Requestable::External if !org.is_external => "is for external users only",
                _ => "is not available to your organization",
            };
            errors.extend(field(
                &f,
                "not_available",
                format!("The role \"{}\" {who}.", r.name),
            ));
            continue;
        }
        if r.environment != "PROD" && !org.allows_non_prod {
            errors.extend(field(
                &f,
                "non_prod",
                format!(
                    "\"{}\" is a {} role; your organization ({}) may request PROD roles only.",
                    r.name, r.environment, org.code
                ),
            ));
            continue;
        }
        if held.contains(&r.id) {
            errors.extend(field(
                &f,
                "held",
                format!("You already hold \"{}\" ({}).", r.name, r.environment),
            ));
            continue;
        }
        if let Some(n) = pending.get(&r.id) {
            errors.extend(field(
                &f,
                "pending",
                format!("You already have a pending request for \"{}\": {n}.", r.name),
            ));
            continue;
        }
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

    // Warnings: segregation of duties and missing prerequisites.
    let requested: Vec<Uuid> = roles.iter().map(|(r, ..)| r.id).collect();
    let mut have: HashSet<Uuid> = held.clone();
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
    refs.extend(catalog::role_refs(&ctx.read, named).await?);
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

    // The DD 2875 user information as entered now: kept on each SAAR, and on the account.
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
    let profile_changed = subject.ia_training_date != Some(training)
        || subject.job_title != job_title
        || subject.phone != phone;
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
        writes.update(
            Query::update()
                .table(user::Entity)
                .value(user::Column::IaTrainingDate, subject.ia_training_date)
                .value(user::Column::JobTitle, subject.job_title.clone())
                .value(user::Column::Phone, subject.phone.clone())
                .value(user::Column::UpdatedAt, now)
                .and_where(user::Column::Id.eq(subject.id))
                .to_owned(),
        );
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
        let start = rules::start(chain.len(), endorsed);
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
        writes.insert(saar::ActiveModel::from(s.clone()));
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
            };
            writes.insert(approval_task::ActiveModel::from(approved.clone()));
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
            None => super::provisioning::open(&ctx.read, &mut writes, &s, &r, now).await?,
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

/// Whether `user` may act on, or has acted on, tasks of `s`; and is thus one of its approvers.
pub async fn is_approver_of(conn: &impl ConnectionTrait, user_id: Uuid, saar_id: Uuid) -> Result<bool> {
    let groups = store::tasks::groups_of(conn, user_id).await?;
    Ok(store::tasks::is_approver_of(conn, user_id, groups, saar_id).await?)
}

/// Reads a SAAR: its requester, its subject, its approvers, provisioners and the help desk.
pub async fn get(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<SaarResponse> {
    let s = load_saar(&ctx.read, id).await?;
    let allowed = s.requester_id == p.id
        || s.subject_id == p.id
        || p.can(Permission::ReadAnySaar)
        || is_approver_of(&ctx.read, p.id, s.id).await?
        || super::provisioning::may_provision(&ctx.read, p, s.role_id).await?;
    if !allowed {
        return Err(Error::Forbidden("You may not see this request.".into()));
    }
    saar_response(&ctx.read, &s, ctx.clock.now()).await
}

/// The views of many SAARs, built with a fixed number of queries however many there are.
pub async fn saar_responses(
    conn: &impl ConnectionTrait,
    list: &[saar::Model],
    now: DateTime<Utc>,
) -> Result<Vec<SaarResponse>> {
    saar_responses_with(conn, list, now, Known::default()).await
}

/// Rows in hand when views are built, so they are not read again.
#[derive(Default)]
pub struct Known {
    pub roles: Vec<RoleRef>,
    pub users: Vec<user::Model>,
    /// Every approval task of the SAARs viewed, when the caller has them all (a SAAR it has
    /// just created).
    pub tasks: Option<Vec<approval_task::Model>>,
    /// Open provisioning tasks the caller has just opened: SAAR id → (opened at, application
    /// code).
    pub provisioning: HashMap<Uuid, (DateTime<Utc>, String)>,
}

/// The views of many SAARs, reading only what `known` does not hold.
pub async fn saar_responses_with(
    conn: &impl ConnectionTrait,
    list: &[saar::Model],
    now: DateTime<Utc>,
    known: Known,
) -> Result<Vec<SaarResponse>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let mut roles: HashMap<Uuid, RoleRef> = known.roles.into_iter().map(|r| (r.id, r)).collect();
    let unknown_roles: HashSet<Uuid> = list
        .iter()
        .map(|s| s.role_id)
        .filter(|id| !roles.contains_key(id))
        .collect();
    roles.extend(catalog::role_refs(conn, unknown_roles).await?);
    let tasks = match known.tasks {
        Some(mut tasks) => {
            tasks.sort_by_key(|t| (t.opened_at, t.level));
            tasks
        }
        None => store::tasks::of_saars(conn, list.iter().map(|s| s.id)).await?,
    };
    let mut user_ids: HashSet<Uuid> = list.iter().flat_map(|s| [s.requester_id, s.subject_id]).collect();
    user_ids.extend(tasks.iter().filter_map(|t| t.assignee_id));
    user_ids.extend(tasks.iter().filter_map(|t| t.decided_by));
    let mut users: HashMap<Uuid, user::Model> = known
        .users
        .into_iter()
        .filter(|u| user_ids.contains(&u.id))
        .map(|u| (u.id, u))
        .collect();
    user_ids.retain(|id| !users.contains_key(id));
    if !user_ids.is_empty() {
        users.extend(
            user::Entity::find()
                .filter(user::Column::Id.is_in(user_ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u.id, u)),
        );
    }
    let group_ids: HashSet<Uuid> = tasks.iter().filter_map(|t| t.group_id).collect();
    let groups: HashMap<Uuid, String> = if group_ids.is_empty() {
        HashMap::new()
    } else {
        approval_group::Entity::find()
            .filter(approval_group::Column::Id.is_in(group_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect()
    };
    let mut open_provisioning = known.provisioning;
    let provisioning: Vec<Uuid> = list
        .iter()
        .filter(|s| s.status == SaarStatus::Provisioning && !open_provisioning.contains_key(&s.id))
        .map(|s| s.id)
        .collect();
    if !provisioning.is_empty() {
        let pts = provisioning_task::Entity::find()
            .filter(provisioning_task::Column::SaarId.is_in(provisioning))
            .filter(provisioning_task::Column::Status.eq(ProvisioningStatus::Open))
            .all(conn)
            .await?;
        let apps: HashMap<Uuid, String> = application::Entity::find()
            .filter(
                application::Column::Id.is_in(pts.iter().map(|p| p.application_id).collect::<HashSet<_>>()),
            )
            .all(conn)
            .await?
            .into_iter()
            .map(|a| (a.id, a.code))
            .collect();
        open_provisioning.extend(pts.into_iter().map(|p| {
            (
                p.saar_id,
                (
                    p.created_at,
                    apps.get(&p.application_id).cloned().unwrap_or_default(),
                ),
            )
        }));
    }
    let name = |id: &Uuid| users.get(id).map(name_of).unwrap_or_else(|| "Unknown".into());
    let mut by_saar: HashMap<Uuid, Vec<&approval_task::Model>> = HashMap::new();
    for t in &tasks {
        by_saar.entry(t.saar_id).or_default().push(t);
    }
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        let mut steps = Vec::new();
        let mut waiting_on = None;
        for t in by_saar.get(&s.id).map(Vec::as_slice).unwrap_or_default() {
            let approver = match (t.assignee_id, t.group_id) {
                (Some(p), _) => name(&p),
                (None, Some(g)) => groups.get(&g).cloned().unwrap_or_else(|| "Unknown group".into()),
                _ => "Unknown".into(),
            };
            if t.status.is_open() {
                waiting_on = Some(WaitingOn {
                    who: approver.clone(),
                    kind: t.kind.clone(),
                    since: t.opened_at,
                    due_at: Some(t.due_at),
                    seconds_left: Some((t.due_at - now).num_seconds()),
                });
            }
            steps.push(SaarStep {
                level: t.level,
                kind: t.kind.clone(),
                approver,
                status: t.status.into(),
                opened_at: t.opened_at,
                due_at: t.due_at,
                decided_by: t.decided_by.as_ref().map(name),
                decided_at: t.decided_at,
                reason_code: t.reason_code.clone(),
                comment: t.comment.clone(),
            });
        }
        if let Some((since, app)) = open_provisioning.get(&s.id) {
            waiting_on = Some(WaitingOn {
                who: format!("{app} provisioner"),
                kind: "provisioning".into(),
                since: *since,
                due_at: None,
                seconds_left: None,
            });
        }
        if s.status == SaarStatus::Returned {
            waiting_on = Some(WaitingOn {
                who: name(&s.requester_id),
                kind: "requester".into(),
                since: s.updated_at,
                due_at: None,
                seconds_left: None,
            });
        }
        let login = |id: &Uuid| users.get(id).map(|u| u.login.clone()).unwrap_or_default();
        out.push(SaarResponse {
            id: s.id,
            number: s.number.clone(),
            status: s.status.into(),
            request_type: s.request_type.into(),
            role: roles
                .get(&s.role_id)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("role missing"))?,
            requester: format!("{} ({})", name(&s.requester_id), login(&s.requester_id)),
            subject: format!("{} ({})", name(&s.subject_id), login(&s.subject_id)),
            subject_id: s.subject_id,
            justification: s.justification.clone(),
            warnings: serde_json::from_str(&s.warnings).unwrap_or_default(),
            sod_exception: s.sod_exception.clone(),
            waiting_on,
            steps,
            user_info: serde_json::from_str(&s.snapshot).unwrap_or_default(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        });
    }
    Ok(out)
}

/// The full view of a SAAR.
pub async fn saar_response(
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    now: DateTime<Utc>,
) -> Result<SaarResponse> {
    saar_responses(conn, std::slice::from_ref(s), now)
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no view built")))
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
    super::check_version(expected_version, s.version, &s.number)?;
    if s.requester_id != p.id && s.subject_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may cancel this request.".into(),
        ));
    }
    let to = s.status.cancel().map_err(|e| refused(&s, e))?;
    let txn = ctx.db.begin().await?;
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
    super::check_version(expected_version, s.version, &s.number)?;
    if s.requester_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may resubmit this request.".into(),
        ));
    }
    let to = s.status.resubmit(s.current_level).map_err(|e| refused(&s, e))?;
    let level = to.level().unwrap_or(1);
    let subject = load_user(&ctx.read, s.subject_id).await?;
    let (r, rr) = catalog::role_with_ref(&ctx.read, s.role_id).await?;
    let org = organization_of(&ctx.read, &subject).await?;
    let chain = resolve_chain_for(&ctx.read, &subject, &org, &r, s.request_type).await?;
    let resolved = *chain
        .get(level as usize - 1)
        .ok_or_else(|| anyhow::anyhow!("level out of chain"))?;
    let txn = ctx.db.begin().await?;
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
    let all = store::saars::of_user(&ctx.read, p.id, 200).await?;
    let mut pending = Vec::new();
    let mut history = Vec::new();
    for (s, view) in all.iter().zip(saar_responses(&ctx.read, &all, now).await?) {
        if s.status.is_open() {
            pending.push(view)
        } else {
            history.push(view)
        }
    }
    Ok(MyRequestsResponse { pending, history })
}

/// Current Roles of a user.
pub async fn current_roles(ctx: &Ctx, user_id: Uuid) -> Result<Vec<CurrentRoleResponse>> {
    let rows = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .order_by_asc(role_assignment::Column::Since)
        .all(&ctx.read)
        .await?;
    let roles = catalog::role_refs(&ctx.read, rows.iter().map(|a| a.role_id).collect()).await?;
    let sources: HashSet<Uuid> = rows.iter().filter_map(|a| a.source_saar_id).collect();
    let numbers = store::saars::numbers(&ctx.read, sources).await?;
    rows.into_iter()
        .map(|a| {
            Ok(CurrentRoleResponse {
                assignment_id: a.id,
                role: roles
                    .get(&a.role_id)
                    .cloned()
                    .ok_or_else(|| anyhow::anyhow!("role missing"))?,
                since: a.since,
                expires_at: a.expires_at,
                source_saar: a.source_saar_id.and_then(|id| numbers.get(&id).cloned()),
            })
        })
        .collect()
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
    let org = organization_of(conn, subject).await?;
    let number = store::saars::next_numbers(conn, now.year(), 1)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no SAAR number"))?;
    let endorsed = requester.id != subject.id && subject.supervisor_id == Some(requester.id);
    let s = store::saars::new_row(
        NewSaar {
            number,
            requester_id: requester.id,
            subject_id: subject.id,
            role_id: r.id,
            request_type: Kind::Deactivate,
            justification: reason.trim().into(),
            snapshot: dd2875(subject, &org).to_string(),
            warnings: "[]".into(),
        },
        rules::start(1, endorsed),
        now,
    )?;
    let mut writes = Writes::new();
    writes.insert(saar::ActiveModel::from(s.clone()));
    writes.exec(conn).await?;
    Ok(s)
}

async fn active_assignment(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    assignment: Uuid,
) -> Result<role_assignment::Model> {
    role_assignment::Entity::find_by_id(assignment)
        .one(conn)
        .await?
        .filter(|a| a.user_id == user_id && a.status == AssignmentStatus::Active)
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
    let now = ctx.clock.now();
    let a = active_assignment(&ctx.read, p.id, assignment).await?;
    refuse_open_request(&ctx.read, p.id, a.role_id).await?;
    let u = &p.user;
    let (r, rr) = catalog::role_with_ref(&ctx.read, a.role_id).await?;
    let chain = resolve_chain_for(&ctx.read, u, &p.org, &r, Kind::Deactivate).await?;
    let txn = ctx.db.begin().await?;
    let s = insert_removal(&txn, u, u, &r, &req.reason, now).await?;
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
            action: "saar.removal_requested",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "role": r.name, "assignment": a.id}),
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
    let a = active_assignment(&ctx.read, user_id, assignment).await?;
    refuse_open_request(&ctx.read, user_id, a.role_id).await?;
    let sup = &p.user;
    let (r, rr) = catalog::role_with_ref(&ctx.read, a.role_id).await?;
    let txn = ctx.db.begin().await?;
    let s = insert_removal(&txn, sup, &subject, &r, &req.reason, now).await?;
    let mut writes = Writes::new();
    super::provisioning::open(&txn, &mut writes, &s, &r, now).await?;
    tell_requester(
        ctx,
        &txn,
        &mut writes,
        &s,
        &rr,
        &[sup, &subject],
        "was opened by your supervisor",
        &format!("Your supervisor removes this role: {}", req.reason.trim()),
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

/// The caller's direct reports and their current roles.
pub async fn direct_reports(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<DirectReportResponse>> {
    let reports = user::Entity::find()
        .filter(user::Column::SupervisorId.eq(p.id))
        .filter(user::Column::Status.ne("deleted"))
        .order_by_asc(user::Column::LastName)
        .all(&ctx.read)
        .await?;
    let mut out = Vec::new();
    for u in reports {
        out.push(DirectReportResponse {
            id: u.id,
            user_id: u.login.clone(),
            name: name_of(&u),
            email: u.email.clone(),
            roles: current_roles(ctx, u.id).await?,
        });
    }
    Ok(out)
}

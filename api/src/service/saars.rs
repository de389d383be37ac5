//! Requests (SAARs): submission with its refusals and warnings, reading with whom each waits
//! on, cancel and resubmit, the requester's Pending Requests / SAAR History and Current Roles.

use super::catalog::{self, held_and_pending, is_visible, role_ref};
use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::domain::chain::{Assignee, ChainFacts, LevelKind, ResolvedLevel, resolve};
use crate::domain::saar::{self as rules, SaarStatus};
use crate::domain::sod;
use crate::notify::templates;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{
    application, approval_group, approval_group_member, approval_task, counter, organization,
    provisioning_task, role, role_assignment, role_prerequisite, saar, user,
};
use crate::store::outbox;
use amps_openapi::*;
use chrono::{DateTime, Datelike, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
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
    saar::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| Error::NotFound("No such request.".into()))
}

/// The status of a stored SAAR.
pub fn status_of(s: &saar::Model) -> Result<SaarStatus> {
    s.status
        .parse()
        .map_err(|e: String| Error::Internal(anyhow::anyhow!(e)))
}

fn request_type_str(t: RequestType) -> &'static str {
    match t {
        RequestType::Initial => "initial",
        RequestType::Modification => "modification",
        RequestType::Deactivate => "deactivate",
    }
}

fn request_type_of(s: &str) -> RequestType {
    match s {
        "modification" => RequestType::Modification,
        "deactivate" => RequestType::Deactivate,
        _ => RequestType::Initial,
    }
}

/// The next SAAR number of `year`, in the caller's transaction.
async fn next_number(conn: &impl ConnectionTrait, year: i32) -> Result<String> {
    let name = format!("saar-{year}");
    counter::Entity::insert(counter::ActiveModel {
        name: Set(name.clone()),
        value: Set(0),
    })
    .on_conflict(OnConflict::column(counter::Column::Name).do_nothing().to_owned())
    .try_insert()
    .exec(conn)
    .await?;
    counter::Entity::update_many()
        .col_expr(counter::Column::Value, Expr::col(counter::Column::Value).add(1))
        .filter(counter::Column::Name.eq(&name))
        .exec(conn)
        .await?;
    let c = counter::Entity::find_by_id(name)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("counter missing"))?;
    Ok(rules::number(year, c.value))
}

/// The facts chain resolution needs about `subject` and `r`.
pub async fn chain_facts(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    r: &role::Model,
) -> Result<ChainFacts> {
    let org = organization::Entity::find_by_id(subject.organization_id)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user without organization"))?;
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

/// Resolves the chain of `r` for `subject`.
pub async fn resolve_chain(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    r: &role::Model,
) -> Result<Vec<ResolvedLevel>> {
    let levels = catalog::chain_of(conn, r.id).await?;
    let facts = chain_facts(conn, subject, r).await?;
    resolve(&levels, &facts)
        .map_err(|e| Error::Validation(field("role_ids", "no_approver", format!("{}: {}", r.name, e.0))))
}

/// The chain of a SAAR: removals need the supervisor (or EAO) only.
pub async fn resolve_chain_for(
    conn: &impl ConnectionTrait,
    subject: &user::Model,
    r: &role::Model,
    request_type: &str,
) -> Result<Vec<ResolvedLevel>> {
    if request_type == "deactivate" {
        let facts = chain_facts(conn, subject, r).await?;
        return resolve(&[LevelKind::Supervisor], &facts)
            .map_err(|e| Error::Validation(field("reason", "no_approver", format!("{}: {}", r.name, e.0))));
    }
    resolve_chain(conn, subject, r).await
}

/// The people who act on an assignee (one person, or every member of a group).
pub async fn people_of(conn: &impl ConnectionTrait, a: Assignee) -> Result<Vec<user::Model>> {
    Ok(match a {
        Assignee::Person(p) => user::Entity::find_by_id(p).one(conn).await?.into_iter().collect(),
        Assignee::Group(g) => {
            let ids: Vec<Uuid> = approval_group_member::Entity::find()
                .select_only()
                .column(approval_group_member::Column::UserId)
                .filter(approval_group_member::Column::GroupId.eq(g))
                .into_tuple()
                .all(conn)
                .await?;
            user::Entity::find()
                .filter(user::Column::Id.is_in(ids))
                .all(conn)
                .await?
        }
    })
}

/// Opens the approval task of `level` (1-based) and mails its approvers.
pub async fn open_task(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    level: i32,
    resolved: ResolvedLevel,
    now: DateTime<Utc>,
) -> Result<approval_task::Model> {
    let sched = &ctx.settings.schedule;
    let (assignee_id, group_id) = match resolved.assignee {
        Assignee::Person(p) => (Some(super::delegation::effective(conn, p, now).await?), None),
        Assignee::Group(g) => (None, Some(g)),
    };
    let task = approval_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        saar_id: Set(s.id),
        level: Set(level),
        kind: Set(resolved.kind.as_str().into()),
        assignee_id: Set(assignee_id),
        group_id: Set(group_id),
        status: Set("open".into()),
        opened_at: Set(now),
        due_at: Set(sched.due(now)),
        next_reminder_at: Set(sched.next_reminder(now)),
        decided_by: Set(None),
        decided_at: Set(None),
        reason_code: Set(None),
        comment: Set(None),
        link_token_hash: Set(None),
    }
    .insert(conn)
    .await?;
    notify_approvers(ctx, conn, s, &task, false, now).await?;
    Ok(task)
}

/// Mails the approvers of `task` (new task or reminder).
pub async fn notify_approvers(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    task: &approval_task::Model,
    reminder: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let assignee = match (task.assignee_id, task.group_id) {
        (Some(p), _) => Assignee::Person(p),
        (None, Some(g)) => Assignee::Group(g),
        (None, None) => return Ok(()),
    };
    let r = role_ref(conn, s.role_id).await?;
    let subject = load_user(conn, s.subject_id).await?;
    let kind = LevelKind::parse(&task.kind, task.group_id)
        .map(|k| k.label())
        .unwrap_or("Approver");
    // External Authorizing Officials act through a single-use link (no session needed); each
    // mail carries a fresh link and the previous one stops working.
    let link = if task.kind == "eao" && task.assignee_id.is_some() {
        let token = crate::auth::tokens::generate();
        approval_task::Entity::update_many()
            .col_expr(
                approval_task::Column::LinkTokenHash,
                Expr::value(crate::auth::tokens::digest(&token)),
            )
            .filter(approval_task::Column::Id.eq(task.id))
            .exec(conn)
            .await?;
        Some(ctx.settings.link(&format!("/approval-link?token={token}")))
    } else {
        None
    };
    for person in people_of(conn, assignee).await? {
        let (subject_line, mut body) = templates::approval_needed(
            &s.number,
            &format!("{} ({} {})", r.name, r.application, r.environment),
            &name_of(&subject),
            kind,
            &task.due_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            &ctx.settings.link("/approvals"),
            reminder,
        );
        if let Some(l) = &link {
            body = body.replace("\n\n-- AMPS", &format!("\n\nOr decide without signing in, with this single-use link (it expires with the task):\n\n{l}\n\n-- AMPS"));
        }
        outbox::enqueue(conn, now, &person.email, &subject_line, &body).await?;
    }
    Ok(())
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
    let mut ids = vec![s.requester_id];
    if s.subject_id != s.requester_id {
        ids.push(s.subject_id);
    }
    for id in ids {
        let u = load_user(conn, id).await?;
        let (subject, body) = templates::saar_update(
            &s.number,
            &format!("{} ({} {})", r.name, r.application, r.environment),
            what,
            detail,
            &ctx.settings.link("/me"),
        );
        outbox::enqueue(conn, now, &u.email, &subject, &body).await?;
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

/// Submits one SAAR per role, in one transaction.
pub async fn submit(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &SubmitSaarsRequest,
) -> Result<SubmitSaarsResponse> {
    let now = ctx.clock.now();
    let requester = load_user(&ctx.db, p.id).await?;
    let subject = match req.on_behalf_of {
        Some(id) if id != p.id => {
            let s = user::Entity::find_by_id(id).one(&ctx.db).await?;
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
    let org = organization::Entity::find_by_id(subject.organization_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user without organization"))?;
    let (held, pending) = held_and_pending(&ctx.db, subject.id).await?;
    let mut seen = HashSet::new();
    let mut roles = Vec::new();
    for (i, id) in req.role_ids.iter().enumerate() {
        if !seen.insert(*id) {
            continue;
        }
        let f = format!("role_ids[{i}]");
        let Some(r) = role::Entity::find_by_id(*id)
            .one(&ctx.db)
            .await?
            .filter(|r| !r.hidden)
        else {
            errors.extend(field(
                &f,
                "not_available",
                "A requested role is not available to you.",
            ));
            continue;
        };
        if !is_visible(&ctx.db, &r, org.id, org.is_external).await? {
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
        match resolve_chain(&ctx.db, &subject, &r).await {
            Ok(chain) => roles.push((r, chain)),
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
    let requested: HashSet<Uuid> = roles.iter().map(|(r, _)| r.id).collect();
    let mut have: HashSet<Uuid> = held.clone();
    have.extend(pending.keys().copied());
    let rules = catalog::sod_rules(&ctx.db).await?;
    let mut missing = Vec::new();
    let mut plans = Vec::new();
    for (r, chain) in roles {
        let mut warnings = Vec::new();
        let mut others = have.clone();
        others.extend(requested.iter().filter(|x| **x != r.id));
        for rule in sod::conflicts(&rules, &others, r.id) {
            let other = rule
                .roles
                .iter()
                .find(|x| **x != r.id && others.contains(x))
                .copied();
            let other_ref = match other {
                Some(o) => Some(role_ref(&ctx.db, o).await?),
                None => None,
            };
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
        let prereqs: Vec<Uuid> = role_prerequisite::Entity::find()
            .select_only()
            .column(role_prerequisite::Column::PrerequisiteRoleId)
            .filter(role_prerequisite::Column::RoleId.eq(r.id))
            .into_tuple()
            .all(&ctx.db)
            .await?;
        for pre in prereqs {
            if !have.contains(&pre) && !requested.contains(&pre) {
                let pr = role_ref(&ctx.db, pre).await?;
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
        }
        plans.push((r, chain, warnings));
    }

    let snapshot = {
        let mut u = subject.clone();
        u.ia_training_date = Some(training);
        if let Some(j) = &req.user_info.job_title {
            u.job_title = Some(j.trim().into());
        }
        if let Some(ph) = &req.user_info.phone {
            u.phone = ph.trim().into();
        }
        dd2875(&u, &org)
    };
    let txn = ctx.db.begin().await?;
    user::ActiveModel {
        id: Set(subject.id),
        ia_training_date: Set(Some(training)),
        job_title: Set(req
            .user_info
            .job_title
            .as_ref()
            .map(|j| j.trim().to_string())
            .or(subject.job_title.clone())),
        phone: Set(req
            .user_info
            .phone
            .as_ref()
            .map(|p| p.trim().to_string())
            .unwrap_or(subject.phone.clone())),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let mut created = Vec::new();
    for (r, chain, warnings) in plans {
        let number = next_number(&txn, now.year()).await?;
        let s = saar::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(number.clone()),
            requester_id: Set(requester.id),
            subject_id: Set(subject.id),
            role_id: Set(r.id),
            request_type: Set(request_type_str(req.request_type).into()),
            status: Set(SaarStatus::Pending.as_str().into()),
            justification: Set(req.justification.trim().into()),
            privacy_act_accepted_at: Set(now),
            snapshot: Set(snapshot.to_string()),
            warnings: Set(serde_json::to_string(&warnings).map_err(anyhow::Error::from)?),
            current_level: Set(Some(1)),
            sod_exception: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            closed_at: Set(None),
        }
        .insert(&txn)
        .await?;
        // A supervisor requesting for a direct report has approved the supervisor level by
        // asking: it is recorded as their approval and the chain goes on from the next level.
        let endorsed =
            chain[0].kind == LevelKind::Supervisor && chain[0].assignee == Assignee::Person(requester.id);
        let s = if endorsed {
            approval_task::ActiveModel {
                id: Set(Uuid::now_v7()),
                saar_id: Set(s.id),
                level: Set(1),
                kind: Set(LevelKind::Supervisor.as_str().into()),
                assignee_id: Set(Some(requester.id)),
                group_id: Set(None),
                status: Set("approved".into()),
                opened_at: Set(now),
                due_at: Set(now),
                next_reminder_at: Set(now),
                decided_by: Set(Some(requester.id)),
                decided_at: Set(Some(now)),
                reason_code: Set(None),
                comment: Set(Some("Requested by the supervisor for a direct report".into())),
                link_token_hash: Set(None),
            }
            .insert(&txn)
            .await?;
            if let Some(next) = chain.get(1) {
                transition(&txn, &s, SaarStatus::Pending, Some(2), now).await?;
                let s = load_saar(&txn, s.id).await?;
                open_task(ctx, &txn, &s, 2, *next, now).await?;
                s
            } else {
                transition(&txn, &s, SaarStatus::Provisioning, None, now).await?;
                let s = load_saar(&txn, s.id).await?;
                super::provisioning::open(&txn, &s, &r, now).await?;
                s
            }
        } else {
            open_task(ctx, &txn, &s, 1, chain[0], now).await?;
            s
        };
        audit::append(
            &txn,
            now,
            NewEvent {
                actor,
                action: "saar.submitted",
                target: Some(format!("saar:{}", s.id)),
                details: json!({"number": number, "role": r.name, "subject": subject.login, "warnings": warnings}),
            },
        )
        .await?;
        created.push(s);
    }
    txn.commit().await?;
    let mut saars = Vec::new();
    for s in &created {
        saars.push(saar_response(&ctx.db, s, now).await?);
    }
    Ok(SubmitSaarsResponse {
        saars,
        missing_prerequisites: missing,
    })
}

/// Whether `user` may act on, or has acted on, tasks of `s`; and is thus one of its approvers.
pub async fn is_approver_of(conn: &impl ConnectionTrait, user_id: Uuid, saar_id: Uuid) -> Result<bool> {
    let groups: Vec<Uuid> = approval_group_member::Entity::find()
        .select_only()
        .column(approval_group_member::Column::GroupId)
        .filter(approval_group_member::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?;
    let n = approval_task::Entity::find()
        .filter(approval_task::Column::SaarId.eq(saar_id))
        .filter(
            sea_orm::Condition::any()
                .add(approval_task::Column::AssigneeId.eq(user_id))
                .add(approval_task::Column::GroupId.is_in(groups))
                .add(approval_task::Column::DecidedBy.eq(user_id)),
        )
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Reads a SAAR: its requester, its subject, its approvers, provisioners and the help desk.
pub async fn get(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<SaarResponse> {
    let s = load_saar(&ctx.db, id).await?;
    let allowed = s.requester_id == p.id
        || s.subject_id == p.id
        || p.has_admin_role("Administrator")
        || p.has_admin_role("Help Desk")
        || is_approver_of(&ctx.db, p.id, s.id).await?
        || super::provisioning::may_provision(&ctx.db, p, s.role_id).await?;
    if !allowed {
        return Err(Error::Forbidden("You may not see this request.".into()));
    }
    saar_response(&ctx.db, &s, ctx.clock.now()).await
}

/// The views of many SAARs, built with a fixed number of queries however many there are.
pub async fn saar_responses(
    conn: &impl ConnectionTrait,
    list: &[saar::Model],
    now: DateTime<Utc>,
) -> Result<Vec<SaarResponse>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let saar_ids: Vec<Uuid> = list.iter().map(|s| s.id).collect();
    let roles = catalog::role_refs(conn, list.iter().map(|s| s.role_id).collect()).await?;
    let tasks = approval_task::Entity::find()
        .filter(approval_task::Column::SaarId.is_in(saar_ids.clone()))
        .order_by_asc(approval_task::Column::OpenedAt)
        .order_by_asc(approval_task::Column::Level)
        .all(conn)
        .await?;
    let mut user_ids: HashSet<Uuid> = list.iter().flat_map(|s| [s.requester_id, s.subject_id]).collect();
    user_ids.extend(tasks.iter().filter_map(|t| t.assignee_id));
    user_ids.extend(tasks.iter().filter_map(|t| t.decided_by));
    let users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
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
    let provisioning: Vec<Uuid> = list
        .iter()
        .filter(|s| s.status == SaarStatus::Provisioning.as_str())
        .map(|s| s.id)
        .collect();
    let open_provisioning: HashMap<Uuid, (DateTime<Utc>, String)> = if provisioning.is_empty() {
        HashMap::new()
    } else {
        let pts = provisioning_task::Entity::find()
            .filter(provisioning_task::Column::SaarId.is_in(provisioning))
            .filter(provisioning_task::Column::Status.eq("open"))
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
        pts.into_iter()
            .map(|p| {
                (
                    p.saar_id,
                    (
                        p.created_at,
                        apps.get(&p.application_id).cloned().unwrap_or_default(),
                    ),
                )
            })
            .collect()
    };
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
            if t.status == "open" {
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
                status: t.status.clone(),
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
        if s.status == SaarStatus::Returned.as_str() {
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
            status: s.status.clone(),
            request_type: request_type_of(&s.request_type),
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

/// Moves a SAAR to `to` if its version is still `s.version`; 409 otherwise.
pub async fn transition(
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    to: SaarStatus,
    level: Option<i32>,
    now: DateTime<Utc>,
) -> Result<()> {
    let closed = matches!(
        to,
        SaarStatus::Completed | SaarStatus::Rejected | SaarStatus::Cancelled | SaarStatus::Expired
    );
    let mut q = saar::Entity::update_many()
        .col_expr(saar::Column::Status, Expr::value(to.as_str()))
        .col_expr(saar::Column::CurrentLevel, Expr::value(level))
        .col_expr(saar::Column::Version, Expr::value(s.version + 1))
        .col_expr(saar::Column::UpdatedAt, Expr::value(now));
    if closed {
        q = q.col_expr(saar::Column::ClosedAt, Expr::value(now));
    }
    let res = q
        .filter(saar::Column::Id.eq(s.id))
        .filter(saar::Column::Version.eq(s.version))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(Error::Conflict(
            "This request was changed by someone else meanwhile; reload it.".into(),
        ));
    }
    Ok(())
}

/// Closes the open tasks of a SAAR with `status`.
pub async fn close_open_tasks(
    conn: &impl ConnectionTrait,
    saar_id: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    approval_task::Entity::update_many()
        .col_expr(approval_task::Column::Status, Expr::value(status))
        .col_expr(approval_task::Column::DecidedAt, Expr::value(now))
        .filter(approval_task::Column::SaarId.eq(saar_id))
        .filter(approval_task::Column::Status.eq("open"))
        .exec(conn)
        .await?;
    Ok(())
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
    let s = load_saar(&ctx.db, id).await?;
    super::check_version(expected_version, s.version, &s.number)?;
    if s.requester_id != p.id && s.subject_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may cancel this request.".into(),
        ));
    }
    let to = status_of(&s)?
        .cancel()
        .map_err(|e| Error::Conflict(format!("{}: {e}.", s.number)))?;
    let txn = ctx.db.begin().await?;
    transition(&txn, &s, to, None, now).await?;
    close_open_tasks(&txn, s.id, "cancelled", now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "saar.cancelled",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "before": {"status": s.status}}),
        },
    )
    .await?;
    txn.commit().await?;
    saar_response(&ctx.db, &load_saar(&ctx.db, id).await?, now).await
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
    let s = load_saar(&ctx.db, id).await?;
    super::check_version(expected_version, s.version, &s.number)?;
    if s.requester_id != p.id {
        return Err(Error::Forbidden(
            "Only the requester may resubmit this request.".into(),
        ));
    }
    let to = status_of(&s)?
        .resubmit()
        .map_err(|e| Error::Conflict(format!("{}: {e}.", s.number)))?;
    let level = s.current_level.unwrap_or(1);
    let subject = load_user(&ctx.db, s.subject_id).await?;
    let r = role::Entity::find_by_id(s.role_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("role missing"))?;
    let chain = resolve_chain_for(&ctx.db, &subject, &r, &s.request_type).await?;
    let resolved = *chain
        .get(level as usize - 1)
        .ok_or_else(|| anyhow::anyhow!("level out of chain"))?;
    let txn = ctx.db.begin().await?;
    transition(&txn, &s, to, Some(level), now).await?;
    saar::Entity::update_many()
        .col_expr(saar::Column::Justification, Expr::value(req.justification.trim()))
        .filter(saar::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    let fresh = load_saar(&txn, s.id).await?;
    open_task(ctx, &txn, &fresh, level, resolved, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent { actor, action: "saar.resubmitted", target: Some(format!("saar:{}", s.id)), details: json!({"number": s.number, "before": {"justification": s.justification}, "after": {"justification": req.justification}}) },
    )
    .await?;
    txn.commit().await?;
    saar_response(&ctx.db, &load_saar(&ctx.db, id).await?, now).await
}

/// Pending Requests and SAAR History of the caller (as requester or subject), newest first.
pub async fn my_requests(ctx: &Ctx, p: &UserPrincipal) -> Result<MyRequestsResponse> {
    let now = ctx.clock.now();
    let all = saar::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(saar::Column::SubjectId.eq(p.id))
                .add(saar::Column::RequesterId.eq(p.id)),
        )
        .order_by_desc(saar::Column::CreatedAt)
        .limit(200)
        .all(&ctx.db)
        .await?;
    let mut pending = Vec::new();
    let mut history = Vec::new();
    for (s, view) in all.iter().zip(saar_responses(&ctx.db, &all, now).await?) {
        if status_of(s)?.is_open() {
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
        .filter(role_assignment::Column::Status.eq("active"))
        .order_by_asc(role_assignment::Column::Since)
        .all(&ctx.db)
        .await?;
    let roles = catalog::role_refs(&ctx.db, rows.iter().map(|a| a.role_id).collect()).await?;
    let sources: HashSet<Uuid> = rows.iter().filter_map(|a| a.source_saar_id).collect();
    let numbers: HashMap<Uuid, String> = if sources.is_empty() {
        HashMap::new()
    } else {
        saar::Entity::find()
            .select_only()
            .column(saar::Column::Id)
            .column(saar::Column::Number)
            .filter(saar::Column::Id.is_in(sources))
            .into_tuple::<(Uuid, String)>()
            .all(&ctx.db)
            .await?
            .into_iter()
            .collect()
    };
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

/// Inserts a removal SAAR for `assignment` of `subject`.
#[expect(clippy::too_many_arguments, reason = "one row with its facts")]
async fn insert_removal(
    conn: &impl ConnectionTrait,
    requester: &user::Model,
    subject: &user::Model,
    r: &role::Model,
    status: SaarStatus,
    level: Option<i32>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<saar::Model> {
    let org = organization::Entity::find_by_id(subject.organization_id)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user without organization"))?;
    Ok(saar::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(next_number(conn, now.year()).await?),
        requester_id: Set(requester.id),
        subject_id: Set(subject.id),
        role_id: Set(r.id),
        request_type: Set("deactivate".into()),
        status: Set(status.as_str().into()),
        justification: Set(reason.trim().into()),
        privacy_act_accepted_at: Set(now),
        snapshot: Set(dd2875(subject, &org).to_string()),
        warnings: Set("[]".into()),
        current_level: Set(level),
        sod_exception: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
    }
    .insert(conn)
    .await?)
}

async fn active_assignment(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    assignment: Uuid,
) -> Result<role_assignment::Model> {
    role_assignment::Entity::find_by_id(assignment)
        .one(conn)
        .await?
        .filter(|a| a.user_id == user_id && a.status == "active")
        .ok_or_else(|| Error::NotFound("No such current role.".into()))
}

async fn refuse_open_request(conn: &impl ConnectionTrait, user_id: Uuid, role_id: Uuid) -> Result<()> {
    let open = saar::Entity::find()
        .filter(saar::Column::SubjectId.eq(user_id))
        .filter(saar::Column::RoleId.eq(role_id))
        .filter(saar::Column::Status.is_in(["pending", "provisioning", "returned"]))
        .one(conn)
        .await?;
    if let Some(s) = open {
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
    let a = active_assignment(&ctx.db, p.id, assignment).await?;
    refuse_open_request(&ctx.db, p.id, a.role_id).await?;
    let u = load_user(&ctx.db, p.id).await?;
    let r = role::Entity::find_by_id(a.role_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("role missing"))?;
    let chain = resolve_chain_for(&ctx.db, &u, &r, "deactivate").await?;
    let txn = ctx.db.begin().await?;
    let s = insert_removal(&txn, &u, &u, &r, SaarStatus::Pending, Some(1), &req.reason, now).await?;
    open_task(ctx, &txn, &s, 1, chain[0], now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "saar.removal_requested",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "role": r.name, "assignment": a.id}),
        },
    )
    .await?;
    txn.commit().await?;
    saar_response(&ctx.db, &s, now).await
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
    let subject = load_user(&ctx.db, user_id).await?;
    if subject.supervisor_id != Some(p.id) {
        return Err(Error::Forbidden(
            "You may remove roles only of your direct reports.".into(),
        ));
    }
    let a = active_assignment(&ctx.db, user_id, assignment).await?;
    refuse_open_request(&ctx.db, user_id, a.role_id).await?;
    let sup = load_user(&ctx.db, p.id).await?;
    let r = role::Entity::find_by_id(a.role_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("role missing"))?;
    let txn = ctx.db.begin().await?;
    let s = insert_removal(
        &txn,
        &sup,
        &subject,
        &r,
        SaarStatus::Provisioning,
        None,
        &req.reason,
        now,
    )
    .await?;
    super::provisioning::open(&txn, &s, &r, now).await?;
    notify_requester(
        ctx,
        &txn,
        &s,
        "was opened by your supervisor",
        &format!("Your supervisor removes this role: {}", req.reason.trim()),
        now,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "saar.removal_by_supervisor",
            target: Some(format!("saar:{}", s.id)),
            details: json!({"number": s.number, "role": r.name, "user": subject.login, "assignment": a.id}),
        },
    )
    .await?;
    txn.commit().await?;
    saar_response(&ctx.db, &s, now).await
}

/// The caller's direct reports and their current roles.
pub async fn direct_reports(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<DirectReportResponse>> {
    let reports = user::Entity::find()
        .filter(user::Column::SupervisorId.eq(p.id))
        .filter(user::Column::Status.ne("deleted"))
        .order_by_asc(user::Column::LastName)
        .all(&ctx.db)
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

//! The steps every SAAR use case shares: resolving whom a level asks, writing a move,
//! opening the next approval task (or the provisioning task) and telling the approvers and
//! the requester. Use cases (`saars`, `approvals`, `provisioning`, `delegation`, the jobs)
//! call these; this module calls only the store, the domain and `notify`.

use super::principal::UserPrincipal;
use super::views::name_of;
use super::{Ctx, Error, Result, field, load_role, load_user};
use crate::domain::chain::{Assignee, ChainFacts, LevelKind, ResolvedLevel, resolve};
use crate::domain::permission::Permission;
use crate::domain::provisioning::ProvisioningKind;
use crate::domain::request::RenewalApprover;
use crate::domain::routing::{ADMINISTRATORS, Fallback, Parties, ending_at_administrators, fallback};
use crate::domain::saar::{self as rules, RequestType as Kind, Transition};
use crate::domain::task::TaskStatus;
use crate::notify::templates::{self, SaarNews};
use crate::store;
use crate::store::batch::Writes;
use crate::store::entities::{application, approval_task, organization, role, saar, user};
use crate::store::outbox;
use amps_openapi::RoleRef;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

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
    let levels = if needs_chain(r, request_type) {
        store::catalog::chain_of(conn, r.id).await?
    } else {
        Vec::new()
    };
    resolve_known_chain(conn, subject, org, r, request_type, &levels).await
}

/// Whether a SAAR of `request_type` for `r` goes through the role's own chain: new access
/// does; a removal never; a renewal when the role says so.
pub fn needs_chain(r: &role::Model, request_type: Kind) -> bool {
    match request_type {
        Kind::Renewal => r.renewal_approver == RenewalApprover::Chain,
        k => !k.supervisor_only(),
    }
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
    let alone = match (request_type, r.renewal_approver) {
        (Kind::Renewal, RenewalApprover::Chain) => None,
        (Kind::Renewal, RenewalApprover::DataOwner) => Some(LevelKind::DataOwner),
        (k, _) if k.supervisor_only() => Some(LevelKind::Supervisor),
        _ => None,
    };
    if let Some(level) = alone {
        return resolve_levels(conn, subject, org, r, &[level])
            .await
            .map_err(|e| match e {
                Error::Validation(mut v) => {
                    let f = if request_type == Kind::Renewal {
                        "justification"
                    } else {
                        "reason"
                    };
                    for x in &mut v {
                        x.field = f.into();
                    }
                    Error::Validation(v)
                }
                e => e,
            });
    }
    if r.admin_key.is_some() {
        // AMPS's own administrative roles end at the administrators, whatever their chain.
        return resolve_levels(conn, subject, org, r, &ending_at_administrators(levels)).await;
    }
    resolve_levels(conn, subject, org, r, levels).await
}

/// The people who act on an assignee (one person, every member of a group, or the
/// administrators for their queue); one query.
pub async fn people_of(
    conn: &impl ConnectionTrait,
    a: Assignee,
    now: DateTime<Utc>,
) -> Result<Vec<user::Model>> {
    Ok(match a {
        Assignee::Person(p) => store::users::find(conn, p).await?.into_iter().collect(),
        Assignee::Group(ADMINISTRATORS) => store::users::administrators(conn, now).await?,
        Assignee::Group(g) => store::users::members_of(conn, g).await?,
    })
}

/// Whom the tasks of `s` must be kept from (`domain::routing`): its subject, its requester and
/// who approved which level, read through `conn`.
pub async fn parties(conn: &impl ConnectionTrait, s: &saar::Model) -> Result<Parties> {
    Ok(Parties {
        subject: s.subject_id,
        requester: s.requester_id,
        approvals: store::tasks::approvals_of(conn, s.id).await?,
    })
}

/// Where a task goes: to whom, for whom (a deputy holds it for the approver) and why, when
/// not to the approver the chain names.
struct Route {
    assignee_id: Option<Uuid>,
    group_id: Option<Uuid>,
    delegated_from: Option<Uuid>,
    note: Option<String>,
}

impl Route {
    fn group(g: Uuid, note: Option<String>) -> Self {
        Self {
            assignee_id: None,
            group_id: Some(g),
            delegated_from: None,
            note,
        }
    }
}

/// Routes the task of `level` resolved to `resolved`: to the named approver (or the deputy
/// acting for them today, if that deputy may sign in) unless `parties` excludes them or they
/// can no longer sign in; then to their own supervisor for a supervisor or EAO level, else to
/// the administrators' queue, saying why.
async fn route(
    conn: &impl ConnectionTrait,
    parties: &Parties,
    level: i32,
    resolved: ResolvedLevel,
    now: DateTime<Utc>,
) -> Result<Route> {
    let named = match resolved.assignee {
        Assignee::Group(g) => return Ok(Route::group(g, None)),
        Assignee::Person(p) => p,
    };
    // The approver, or their deputy when one acts for them today and may decide it.
    let person = |who: Uuid| async move {
        let acting = store::users::acting_for(conn, who, now)
            .await?
            .ok_or_else(|| Error::NotFound("No such approver.".into()))?;
        Ok::<_, Error>(
            if acting.id != who
                && acting.status.can_sign_in()
                && parties.exclusion(acting.id, level).is_none()
            {
                Route {
                    assignee_id: Some(acting.id),
                    group_id: None,
                    delegated_from: Some(who),
                    note: None,
                }
            } else {
                Route {
                    assignee_id: Some(who),
                    group_id: None,
                    delegated_from: None,
                    note: None,
                }
            },
        )
    };
    let approver = load_user(conn, named).await?;
    // Passed over like an excluded approver: one who can no longer sign in (their open tasks
    // were handed over the same way: `delegation::hand_over`).
    let excluded = match parties.exclusion(named, level) {
        Some(why) => format!("{} is {}", name_of(&approver), why.reason()),
        None if !approver.status.can_sign_in() => format!("{} can no longer sign in", name_of(&approver)),
        None => return person(named).await,
    };
    if fallback(resolved.kind) == Fallback::TheirSupervisor
        && let Some(up) = approver.supervisor_id
        && parties.exclusion(up, level).is_none()
        && let Some(sup) = store::users::find(conn, up).await?
        && sup.status.can_sign_in()
    {
        let mut r = person(up).await?;
        r.note = Some(format!(
            "{excluded}; sent to their supervisor, {}.",
            name_of(&sup)
        ));
        return Ok(r);
    }
    Ok(Route::group(
        ADMINISTRATORS,
        Some(format!("{excluded}; sent to the AMPS administrators.")),
    ))
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
#[expect(
    clippy::too_many_arguments,
    reason = "the task, its facts and the batch it joins"
)]
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
    let parties = parties(conn, s).await?;
    let to = route(conn, &parties, level, resolved, now).await?;
    let mut people = match (to.assignee_id, to.group_id) {
        (Some(p), _) => people_of(conn, Assignee::Person(p), now).await?,
        (None, Some(g)) => people_of(conn, Assignee::Group(g), now).await?,
        (None, None) => Vec::new(),
    };
    // Group members who may not decide it are not asked.
    people.retain(|u| parties.exclusion(u.id, level).is_none());
    let task = approval_task::Model {
        id: Uuid::now_v7(),
        saar_id: s.id,
        level,
        kind: resolved.kind.as_str().into(),
        assignee_id: to.assignee_id,
        group_id: to.group_id,
        status: TaskStatus::Open,
        opened_at: now,
        due_at: sched.due(now),
        next_reminder_at: sched.next_reminder(now),
        decided_by: None,
        decided_at: None,
        reason_code: None,
        comment: None,
        link_token_hash: None,
        delegated_from: to.delegated_from,
        routed_note: to.note,
    };
    let link = link_token(&task);
    let stored = approval_task::Model {
        link_token_hash: link.as_ref().map(|t| crate::auth::tokens::digest(t)),
        ..task
    };
    store::tasks::insert_into(writes, &stored);
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

/// Mails the approvers of `task` (new task or reminder), reading what the mail names;
/// returns how many people were mailed.
pub async fn notify_approvers(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    task: &approval_task::Model,
    reminder: bool,
    now: DateTime<Utc>,
) -> Result<usize> {
    let (_, r) = load_role(conn, s.role_id).await?;
    let subject = load_user(conn, s.subject_id).await?;
    let link = link_token(task);
    if let Some(token) = &link {
        store::tasks::set_link_hash(conn, task.id, &crate::auth::tokens::digest(token)).await?;
    }
    let assignee = match (task.assignee_id, task.group_id) {
        (Some(p), _) => Assignee::Person(p),
        (None, Some(g)) => Assignee::Group(g),
        (None, None) => return Ok(0),
    };
    let mut people = people_of(conn, assignee, now).await?;
    let parties = parties(conn, s).await?;
    people.retain(|u| parties.exclusion(u.id, task.level).is_none());
    let about = About {
        role: &r,
        subject: &subject,
    };
    let mut writes = Writes::new();
    mail_approvers(ctx, &mut writes, s, task, &about, &people, link, reminder, now);
    writes.exec(conn).await?;
    Ok(people.len())
}

/// Mails `people`, who act on `task`, with the single-use `link` token if there is one.
#[expect(clippy::too_many_arguments, reason = "the mail and the facts it names")]
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
        let (subject_line, body) = templates::approval_needed(
            &s.number,
            &format!("{} ({} {})", r.name, r.application, r.environment),
            &name_of(about.subject),
            kind,
            &task.due_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            &ctx.settings.link("/approvals"),
            link.as_deref(),
            reminder,
        );
        outbox::enqueue_into(writes, now, &person.email, &subject_line, &body);
    }
}

/// Mails the requester (and the subject, when different) about a SAAR.
pub async fn notify_requester(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    s: &saar::Model,
    news: SaarNews<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (_, r) = load_role(conn, s.role_id).await?;
    let mut writes = Writes::new();
    tell_requester(ctx, conn, &mut writes, s, &r, &[], news, now).await?;
    Ok(writes.exec(conn).await?)
}

/// Mails the requester (and the subject, when different) about a SAAR of role `r`, with
/// `writes`; reads only the people not among `known`.
#[expect(clippy::too_many_arguments, reason = "the mail and the facts it names")]
pub async fn tell_requester(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    s: &saar::Model,
    r: &RoleRef,
    known: &[&user::Model],
    news: SaarNews<'_>,
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
            news,
            &ctx.settings.link("/me"),
        );
        outbox::enqueue_into(writes, now, &email, &subject, &body);
    }
    Ok(())
}

/// Opens the provisioning task of an approved SAAR (grant, or revoke for a removal) with
/// `writes`, reading its application through `conn`.
pub async fn open_provisioning(
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    s: &saar::Model,
    r: &role::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let app = store::provisioning::application(conn, r.application_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("application missing"))?;
    open_provisioning_for(writes, s, r, &app, now);
    Ok(())
}

/// Opens the provisioning task of `s` for role `r` of application `app`, with `writes`.
pub fn open_provisioning_for(
    writes: &mut Writes,
    s: &saar::Model,
    r: &role::Model,
    app: &application::Model,
    now: DateTime<Utc>,
) {
    let kind = if s.request_type == Kind::Deactivate {
        ProvisioningKind::Revoke
    } else {
        ProvisioningKind::Grant
    };
    store::provisioning::open_into(writes, s, r.id, app, kind, now);
}

/// The approval groups `p` acts for (their own, and the administrators' queue if they may
/// decide it).
pub fn groups_of(p: &UserPrincipal) -> Vec<Uuid> {
    let mut groups = p.groups.clone();
    if p.can(Permission::DecideReassigned) {
        groups.push(crate::domain::routing::ADMINISTRATORS);
    }
    groups
}

/// Whether `p` may act on, or has acted on, tasks of `s`; and is thus one of its approvers.
pub async fn is_approver_of(conn: &impl ConnectionTrait, p: &UserPrincipal, saar_id: Uuid) -> Result<bool> {
    let groups = groups_of(p);
    Ok(store::tasks::is_approver_of(conn, p.id, groups, saar_id).await?)
}

/// The DD 2875 user information of `u` (of organization `org`) a SAAR keeps as submitted.
pub fn dd2875(u: &user::Model, org: &organization::Model) -> serde_json::Value {
    serde_json::json!({
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

/// Inserts a SAAR of `kind` about a role `r` that `subject` holds (a removal, a renewal, or
/// the record of its expiry), asked by `requester`, starting with `start`.
#[expect(clippy::too_many_arguments, reason = "the SAAR's facts")]
pub async fn insert_about_held_role(
    conn: &impl ConnectionTrait,
    requester: &user::Model,
    subject: &user::Model,
    r: &role::Model,
    kind: Kind,
    justification: &str,
    start: rules::Transition,
    now: DateTime<Utc>,
) -> Result<saar::Model> {
    let org = super::organization_of(conn, subject).await?;
    let number = store::saars::next_numbers(conn, chrono::Datelike::year(&now), 1)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no SAAR number"))?;
    let s = store::saars::new_row(
        store::saars::NewSaar {
            number,
            requester_id: requester.id,
            subject_id: subject.id,
            role_id: r.id,
            request_type: kind,
            justification: justification.trim().into(),
            snapshot: dd2875(subject, &org).to_string(),
            warnings: "[]".into(),
        },
        start,
        now,
    )?;
    let mut writes = Writes::new();
    store::saars::insert_into(&mut writes, &s);
    writes.exec(conn).await?;
    Ok(s)
}

//! Revalidation use cases: an administrator starts a campaign (set-based, however many users
//! it reaches), each user reviews their roles, their reviewer approves or rejects, the job
//! reminds, lapses overdue reviews and opens reviews when a user's IA training lapses; a change
//! of supervisor or organization opens one at once. Each change is one transaction, one audit
//! event and the mail it causes.

use super::expiry::deprovision;
use super::principal::UserPrincipal;
use super::views::name_of;
use super::{Ctx, Error, JOB_BATCH, Result, field, load_user};
use crate::domain::account::AccountStatus;
use crate::domain::permission::{Permission, allows};
use crate::domain::revalidation::{
    self as rules, ItemDecision, RevalidationStatus as Status, Review, Scope, Trigger,
};
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::batch::Writes;
use crate::store::entities::{revalidation, revalidation_campaign, user};
use crate::store::outbox;
use crate::store::revalidations::{Labels, Move, Reminder, Target};
use crate::store::users::Addressee;
use amps_openapi as api;
use amps_openapi::*;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// How long a review opened by a change (not a campaign) has.
const CHANGE_DUE_DAYS: i64 = 30;

/// The shortest campaign, so that the reminder a week before the due date fits.
const SHORTEST_CAMPAIGN_DAYS: i64 = 7;
/// How long the annual campaign runs.
const ANNUAL_DAYS: i64 = 30;
/// The namespace of the annual campaigns' ids (one per year).
const ANNUAL_NAMESPACE: Uuid = Uuid::from_u128(0x7a3c_1f0e_5b2d_4c8a_9e61_0d4b_2f7a_c913);

/// A deadline in words: a campaign's ends at midnight after its last day ("the end of
/// 2027-01-15 (UTC)"), a review opened by a change at a moment ("2027-01-15 14:05 UTC").
fn when(t: DateTime<Utc>) -> String {
    if t.time() == chrono::NaiveTime::MIN {
        format!("the end of {} (UTC)", (t - Duration::days(1)).format("%Y-%m-%d"))
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

fn may_manage(p: &UserPrincipal) -> Result<()> {
    if allows(&p.admin_roles, Permission::ManageRevalidation) {
        Ok(())
    } else {
        Err(Error::Forbidden(Permission::ManageRevalidation.refusal().into()))
    }
}

/// Checks that `p` may run campaigns (before a body is read).
pub fn authorize_manage(p: &UserPrincipal) -> Result<()> {
    may_manage(p)
}

fn wire_status(s: Status) -> api::RevalidationStatus {
    match s {
        Status::Open => api::RevalidationStatus::Open,
        Status::Submitted => api::RevalidationStatus::Submitted,
        Status::Approved => api::RevalidationStatus::Approved,
        Status::Rejected => api::RevalidationStatus::Rejected,
        Status::Lapsed => api::RevalidationStatus::Lapsed,
    }
}

fn wire_scope(s: Scope) -> CampaignScope {
    match s {
        Scope::Internal => CampaignScope::Internal,
        Scope::Organization => CampaignScope::Organization,
        Scope::Application => CampaignScope::Application,
    }
}

/// Starts a campaign: every user in scope holding a role gets a review, due at the end of
/// `due_on`, and a mail.
pub async fn start_campaign(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateCampaignRequest,
) -> Result<CampaignResponse> {
    may_manage(p)?;
    let now = ctx.clock.now();
    let today = now.date_naive();
    if req.due_on < today + Duration::days(SHORTEST_CAMPAIGN_DAYS) {
        return Err(Error::Validation(field(
            "due_on",
            "too_soon",
            format!("must be at least {SHORTEST_CAMPAIGN_DAYS} days after today ({today})"),
        )));
    }
    let due = req
        .due_on
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| Error::Validation(field("due_on", "out_of_range", "is not a day AMPS can keep")))?;
    let (scope, target) = match (req.scope, req.organization_id, req.application_id) {
        (CampaignScope::Internal, None, None) => (Scope::Internal, Target::Internal),
        (CampaignScope::Organization, Some(o), None) => {
            if store::users::organization(&ctx.read, o).await?.is_none() {
                return Err(Error::Validation(field(
                    "organization_id",
                    "unknown",
                    "no such organization",
                )));
            }
            (Scope::Organization, Target::Organization(o))
        }
        (CampaignScope::Application, None, Some(a)) => {
            if store::provisioning::application(&ctx.read, a).await?.is_none() {
                return Err(Error::Validation(field(
                    "application_id",
                    "unknown",
                    "no such application",
                )));
            }
            (Scope::Application, Target::Application(a))
        }
        _ => {
            return Err(Error::Validation(field(
                "scope",
                "mismatch",
                "name an organization_id with scope organization, an application_id with scope application, and neither with scope internal",
            )));
        }
    };
    let c = revalidation_campaign::Model {
        id: Uuid::now_v7(),
        name: req.name.trim().into(),
        scope,
        organization_id: req.organization_id,
        application_id: req.application_id,
        due_at: due,
        created_by: p.id,
        created_at: now,
        closed_at: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    let opened = open_campaign(ctx, &txn, actor, &c, target, now).await?;
    txn.commit().await?;
    store::revalidations::after_bulk_open(&ctx.db, opened).await?;
    campaign_view(ctx, &c, now).await
}

/// Inserts campaign `c` over `target` and opens its reviews (with their mail and the audit
/// event) in the caller's transaction; returns how many reviews opened.
async fn open_campaign(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    actor: &Actor,
    c: &revalidation_campaign::Model,
    target: Target,
    now: DateTime<Utc>,
) -> Result<u64> {
    let (scope, due) = (c.scope, c.due_at);
    let link = ctx.settings.link("/revalidation");
    let day = (due - Duration::days(1)).format("%Y-%m-%d").to_string();
    let subject = format!("AMPS: review your roles by {day}");
    let body = format!(
        "Your organization reviews who holds which roles ({}). Open your review, keep the roles you still need and mark the ones to remove, then submit it for your supervisor's approval by {day}:\n\n{link}\n\nIf your review is not approved by {}, every role in it is removed.\n\n-- AMPS",
        c.name,
        rules::lapses_at(due).format("%Y-%m-%d")
    );
    store::revalidations::insert_campaign(txn, c.clone()).await?;
    let opened = store::revalidations::open(
        txn,
        target,
        Some(c.id),
        Trigger::Campaign,
        due,
        rules::first_reminder(now, due),
        now,
        Some((&subject, ",\n\n", &body)),
    )
    .await?;
    audit::append(
        txn,
        now,
        NewEvent {
            actor,
            action: "revalidation.campaign_started",
            target: Some(format!("revalidation_campaign:{}", c.id)),
            details: json!({"name": c.name, "scope": scope.as_str(), "organization": c.organization_id, "application": c.application_id, "due_at": due, "reviews": opened}),
        },
    )
    .await?;
    Ok(opened)
}

/// Starts this year's campaign over every internal user on the day `AMPS_REVALIDATION_ANNUAL`
/// names (or within the 30 days after it, if no replica was running that day), due 30 days
/// after that day. Its id is derived from the year, so of several replicas exactly one starts
/// it. Returns whether this call started it.
pub async fn start_annual(ctx: &Ctx, now: DateTime<Utc>) -> Result<bool> {
    let Some((month, day)) = ctx.settings.revalidation_annual else {
        return Ok(false);
    };
    let year = chrono::Datelike::year(&now);
    let Some(start) = chrono::NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
    else {
        return Ok(false);
    };
    let due = start + Duration::days(ANNUAL_DAYS);
    if now < start || now >= due {
        return Ok(false);
    }
    let id = Uuid::new_v5(&ANNUAL_NAMESPACE, format!("annual-{year}").as_bytes());
    if store::revalidations::campaign(&ctx.db, id).await?.is_some() {
        return Ok(false);
    }
    let c = revalidation_campaign::Model {
        id,
        name: format!("Annual review of roles {year}"),
        scope: Scope::Internal,
        organization_id: None,
        application_id: None,
        due_at: due,
        created_by: Uuid::nil(),
        created_at: now,
        closed_at: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    match open_campaign(ctx, &txn, &Actor::system(), &c, Target::Internal, now).await {
        Ok(opened) => {
            txn.commit().await?;
            store::revalidations::after_bulk_open(&ctx.db, opened).await?;
            Ok(true)
        }
        // Another replica started it a moment ago (the id is the year's).
        Err(Error::Internal(e))
            if e.downcast_ref::<sea_orm::DbErr>()
                .and_then(|d| d.sql_err())
                .is_some_and(|s| matches!(s, sea_orm::SqlErr::UniqueConstraintViolation(_))) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Every campaign, newest first, with its progress.
pub async fn list_campaigns(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<CampaignResponse>> {
    may_manage(p)?;
    let now = ctx.clock.now();
    let mut out = Vec::new();
    for c in store::revalidations::campaigns(&ctx.read).await? {
        out.push(campaign_view(ctx, &c, now).await?);
    }
    Ok(out)
}

async fn load_campaign(ctx: &Ctx, id: Uuid) -> Result<revalidation_campaign::Model> {
    store::revalidations::campaign(&ctx.read, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such campaign.".into()))
}

/// Campaign `id` with its progress per organization and the quality of its reviews.
pub async fn get_campaign(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<CampaignResponse> {
    may_manage(p)?;
    let c = load_campaign(ctx, id).await?;
    campaign_view(ctx, &c, ctx.clock.now()).await
}

async fn campaign_view(
    ctx: &Ctx,
    c: &revalidation_campaign::Model,
    now: DateTime<Utc>,
) -> Result<CampaignResponse> {
    let mut by_org: BTreeMap<String, CampaignProgress> = BTreeMap::new();
    for (org, status, overdue, no_reviewer, n) in store::revalidations::progress(&ctx.read, c.id, now).await?
    {
        let p = by_org.entry(org).or_default();
        p.total += n;
        match status {
            Status::Open => p.waiting_on_user += n,
            Status::Submitted => p.waiting_on_reviewer += n,
            _ => p.done += n,
        }
        if status.is_open() && overdue {
            p.overdue += n;
        }
        if status.is_open() && no_reviewer {
            p.without_reviewer += n;
        }
    }
    for (org, confirmed, n) in store::revalidations::removals(&ctx.read, c.id).await? {
        let p = by_org.entry(org).or_default();
        if confirmed {
            p.roles_removed += n;
        } else {
            p.removals_pending += n;
        }
    }
    let mut total = CampaignProgress::default();
    for p in by_org.values() {
        total.total += p.total;
        total.done += p.done;
        total.waiting_on_user += p.waiting_on_user;
        total.waiting_on_reviewer += p.waiting_on_reviewer;
        total.overdue += p.overdue;
        total.without_reviewer += p.without_reviewer;
        total.roles_removed += p.roles_removed;
        total.removals_pending += p.removals_pending;
    }
    let reviews: Vec<Review> = store::revalidations::decisions(&ctx.read, c.id)
        .await?
        .into_iter()
        .map(|(opened, decided, roles, kept_all)| Review {
            seconds: (decided - opened).num_milliseconds().max(0) as f64 / 1000.0,
            roles: usize::try_from(roles).unwrap_or(0),
            kept_all,
        })
        .collect();
    let quality = rules::quality(&reviews);
    let creator = store::users::find(&ctx.read, c.created_by).await?;
    Ok(CampaignResponse {
        id: c.id,
        name: c.name.clone(),
        scope: wire_scope(c.scope),
        organization_id: c.organization_id,
        application_id: c.application_id,
        due_at: c.due_at,
        created_at: c.created_at,
        created_by: creator.map_or_else(|| "system".to_string(), |u| u.login),
        closed_at: c.closed_at,
        progress: total,
        by_organization: by_org
            .into_iter()
            .map(|(organization, progress)| OrganizationProgress {
                organization,
                progress,
            })
            .collect(),
        review: ReviewQuality {
            decisions: i64::try_from(reviews.len()).unwrap_or(i64::MAX),
            median_seconds: quality.map(|q| q.0),
            rubber_stamp_share: quality.map(|q| q.1),
        },
    })
}

/// Mails everyone overdue in campaign `id` (the user, or the reviewer once submitted): one
/// action, one audit event.
pub async fn remind_overdue(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<RemindResponse> {
    may_manage(p)?;
    let c = load_campaign(ctx, id).await?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let overdue = store::revalidations::overdue_in(&txn, c.id, now).await?;
    let mut writes = Writes::new();
    writes.insert_many(
        remind(
            ctx,
            &txn,
            &overdue.iter().map(Reminder::from).collect::<Vec<_>>(),
            &HashMap::new(),
            now,
        )
        .await?
        .into_iter()
        .map(|(_, m)| m),
    );
    let n = i64::try_from(overdue.len()).unwrap_or(i64::MAX);
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: "revalidation.overdue_reminded",
            target: Some(format!("revalidation_campaign:{}", c.id)),
            details: json!({"name": c.name, "reminded": n}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    Ok(RemindResponse { reminded: n })
}

/// The people a review waits on: the user while open; once submitted, the reviewer, or the
/// administrators of the user's organization when there is none ([`stand_ins`]).
async fn waiting_on(
    conn: &impl ConnectionTrait,
    r: &revalidation::Model,
    now: DateTime<Utc>,
) -> Result<Vec<user::Model>> {
    Ok(match (r.status, r.reviewer_id) {
        (Status::Open, _) => vec![load_user(conn, r.user_id).await?],
        (_, Some(reviewer)) => vec![load_user(conn, reviewer).await?],
        (_, None) => {
            let user = load_user(conn, r.user_id).await?;
            let administrators = store::users::administrators(conn, now).await?;
            stand_ins(&administrators, user.id, user.organization_id)
                .into_iter()
                .cloned()
                .collect()
        }
    })
}

/// Who decides a review of `user`'s roles when they have no supervisor (or EAO): the
/// administrators of their own organization, or every administrator when it has none;
/// never the user.
fn stand_ins(administrators: &[user::Model], user: Uuid, organization: Uuid) -> Vec<&user::Model> {
    let others = || administrators.iter().filter(|a| a.id != user);
    let own: Vec<&user::Model> = others().filter(|a| a.organization_id == organization).collect();
    if own.is_empty() { others().collect() } else { own }
}

/// Adds to `writes` a reminder of each of reviews `rs` to whoever it waits on: the user while
/// open; once submitted, the reviewer and their deputy acting now, or the administrators of
/// the user's organization when there is no reviewer ([`stand_ins`]). A fixed number of statements however many reviews.
async fn remind(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    rs: &[Reminder],
    known: &HashMap<Uuid, Addressee>,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, outbox::Message)>> {
    if rs.is_empty() {
        return Ok(Vec::new());
    }
    let reviewers: HashSet<Uuid> = rs
        .iter()
        .filter(|r| r.status != Status::Open)
        .filter_map(|r| r.reviewer_id)
        .collect();
    let deputies = store::revalidations::deputies_of(conn, reviewers.iter().copied(), now).await?;
    // Only what the mail needs of each person (a batch names a thousand of them), and only
    // those the caller did not read already.
    let unknown: HashSet<Uuid> = rs
        .iter()
        .map(|r| r.user_id)
        .chain(reviewers.iter().copied())
        .chain(deputies.values().copied())
        .filter(|id| !known.contains_key(id))
        .collect();
    let mut people: HashMap<Uuid, Addressee> = known.clone();
    if !unknown.is_empty() {
        people.extend(
            store::users::addressees(conn, unknown)
                .await?
                .into_iter()
                .map(|u| (u.id, u)),
        );
    }
    let administrators = if rs
        .iter()
        .any(|r| r.status != Status::Open && r.reviewer_id.is_none())
    {
        store::users::administrators(conn, now).await?
    } else {
        Vec::new()
    };
    let mut mail = Vec::new();
    for r in rs {
        let Some(user) = people.get(&r.user_id) else {
            continue;
        };
        let due = when(r.due_at);
        let lapses = when(rules::lapses_at(r.due_at));
        let (late, when) = if now >= r.due_at {
            ("overdue", format!("was due by {due}"))
        } else {
            ("reminder", format!("is due by {due}"))
        };
        if r.status == Status::Open {
            mail.push((r.id, outbox::message(
                now,
                &user.email,
                &format!("AMPS: {late}: review your roles by {due}"),
                &format!(
                    "Hello {},\n\nYour review of the roles you hold {when}. Keep the roles you still need, mark the ones to remove, and submit it:\n\n{}\n\nIf it is not approved by {lapses}, every role in it is removed.\n\n-- AMPS",
                    user.first_name,
                    ctx.settings.link("/revalidation")
                ),
            )));
            continue;
        }
        let deciders: Vec<Addressee> = match r.reviewer_id {
            Some(reviewer) => [Some(reviewer), deputies.get(&reviewer).copied()]
                .into_iter()
                .flatten()
                .filter_map(|id| people.get(&id))
                .cloned()
                .collect(),
            None => stand_ins(&administrators, user.id, user.organization_id)
                .into_iter()
                .map(Addressee::from)
                .collect(),
        };
        let name = format!("{} {}", user.first_name, user.last_name);
        for person in deciders {
            mail.push((r.id, outbox::message(
                now,
                &person.email,
                &format!("AMPS: {late}: approve {name}'s review of their roles by {due}"),
                &format!(
                    "Hello {},\n\n{} reviewed the roles they hold; your decision {when}:\n\n{}\n\nIf no one decides by {lapses}, every role in it is removed.\n\n-- AMPS",
                    person.first_name,
                    name,
                    ctx.settings.link("/approvals")
                ),
            )));
        }
    }
    Ok(mail)
}

/// The view of reviews `rs`.
async fn views(conn: &impl ConnectionTrait, rs: &[revalidation::Model]) -> Result<Vec<RevalidationResponse>> {
    if rs.is_empty() {
        return Ok(Vec::new());
    }
    let mut labels = store::revalidations::labels_of(conn, rs.iter().map(|r| r.id)).await?;
    let rs: Vec<(revalidation::Model, Labels)> = rs
        .iter()
        .map(|r| (r.clone(), labels.remove(&r.id).unwrap_or_default()))
        .collect();
    labelled_views(conn, &rs).await
}

/// The views of reviews read with their labels: one more statement (their items with roles and
/// assignments), however many reviews.
async fn labelled_views(
    conn: &impl ConnectionTrait,
    rs: &[(revalidation::Model, Labels)],
) -> Result<Vec<RevalidationResponse>> {
    let ids: Vec<Uuid> = rs.iter().map(|(r, _)| r.id).collect();
    let mut items = store::revalidations::items_with_roles(conn, &ids).await?;
    rs.iter()
        .map(|(r, labels)| {
            let mut list = items.remove(&r.id).unwrap_or_default();
            list.sort_by_key(|i| i.since);
            let items = list
                .into_iter()
                .map(|i| RevalidationItem {
                    assignment_id: i.assignment_id,
                    role: RoleRef {
                        id: i.role_id,
                        name: i.role_name,
                        application: i.application,
                        environment: i.environment,
                    },
                    since: i.since.unwrap_or(r.opened_at),
                    expires_at: i.expires_at,
                    keep: i.keep,
                    reason: i.reason,
                })
                .collect::<Vec<_>>();
            Ok(RevalidationResponse {
                id: r.id,
                campaign: labels.campaign_name.clone(),
                trigger: r.trigger.as_str().into(),
                user: labels.user_name.clone().unwrap_or_default(),
                user_id: r.user_id,
                reviewer: match r.reviewer_id {
                    Some(_) => labels.reviewer_name.clone().unwrap_or_default(),
                    None => "Administrators".to_string(),
                },
                status: wire_status(r.status),
                due_at: r.due_at,
                opened_at: r.opened_at,
                submitted_at: r.submitted_at,
                decided_at: r.decided_at,
                decided_by: r.decided_by.map(|_| labels.decider_name.clone().unwrap_or_default()),
                comment: r.comment.clone(),
                items,
                if_not_finished: format!(
                    "If this review is not approved by {}, it is overdue, and on {} every role in it is removed.",
                    when(r.due_at),
                    when(rules::lapses_at(r.due_at))
                ),
                version: r.version,
            })
        })
        .collect()
}

async fn view(conn: &impl ConnectionTrait, r: &revalidation::Model) -> Result<RevalidationResponse> {
    views(conn, std::slice::from_ref(r))
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no view built")))
}

/// My review still waiting on someone.
pub async fn mine(ctx: &Ctx, p: &UserPrincipal) -> Result<RevalidationResponse> {
    let r = store::revalidations::open_of_labelled(&ctx.read, p.id)
        .await?
        .ok_or_else(|| Error::NotFound("You have no review of your roles open.".into()))?;
    labelled_views(&ctx.read, std::slice::from_ref(&r))
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no view built")))
}

/// My reviews, newest first (SAAR History).
pub async fn my_history(conn: &impl ConnectionTrait, user: Uuid) -> Result<Vec<RevalidationResponse>> {
    let rs = store::revalidations::of_user(conn, user).await?;
    views(conn, &rs).await
}

/// Records my decisions on the roles of my open review and, with `submit`, sends it to the
/// reviewer.
pub async fn update_mine(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &UpdateRevalidationRequest,
) -> Result<RevalidationResponse> {
    let now = ctx.clock.now();
    let r = store::revalidations::open_of(&ctx.read, p.id)
        .await?
        .ok_or_else(|| Error::NotFound("You have no review of your roles open.".into()))?;
    if r.status != Status::Open {
        return Err(Error::Conflict(
            "Your review was submitted; your reviewer decides it now.".into(),
        ));
    }
    super::check_version(req.version, r.version, "your review")?;
    let items = store::revalidations::items_of(&ctx.read, &[r.id])
        .await?
        .remove(&r.id)
        .unwrap_or_default();
    let mut decided: HashMap<Uuid, (Option<bool>, Option<String>)> = items
        .iter()
        .map(|i| (i.assignment_id, (i.keep, i.reason.clone())))
        .collect();
    let mut errors = Vec::new();
    for (k, d) in req.items.iter().enumerate() {
        match decided.get_mut(&d.assignment_id) {
            Some(slot) => {
                let reason = d.reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
                *slot = (
                    Some(d.keep),
                    if d.keep { None } else { reason.map(str::to_string) },
                );
            }
            None => errors.extend(field(
                &format!("items[{k}].assignment_id"),
                "unknown",
                "is not one of the roles under review",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    // In the order of the items stored, to name the one at fault.
    let order: Vec<Uuid> = items.iter().map(|i| i.assignment_id).collect();
    if req.submit {
        let stand: Vec<ItemDecision<'_>> = order
            .iter()
            .map(|a| {
                let (keep, reason) = &decided[a];
                ItemDecision {
                    keep: *keep,
                    reason: reason.as_deref(),
                }
            })
            .collect();
        if let Err(problems) = rules::check_submission(&stand) {
            let mut errors = Vec::new();
            for u in problems {
                let at = req
                    .items
                    .iter()
                    .position(|d| d.assignment_id == order[u.index])
                    .map_or_else(
                        || format!("items[assignment {}]", order[u.index]),
                        |k| format!("items[{k}]"),
                    );
                errors.extend(field(&at, u.code, u.message));
            }
            return Err(Error::Validation(errors));
        }
    }
    let txn = crate::store::begin(&ctx.db).await?;
    for d in &req.items {
        let (keep, reason) = &decided[&d.assignment_id];
        store::revalidations::set_item(
            &txn,
            r.id,
            d.assignment_id,
            keep.unwrap_or(true),
            reason.as_deref(),
        )
        .await?;
    }
    let mut writes = Writes::new();
    let moved = if req.submit {
        store::revalidations::advance(
            &txn,
            &r,
            Status::Submitted,
            Move {
                submitted_at: Some(now),
                next_reminder_at: Some(Some(rules::first_reminder(now, r.due_at))),
                ..Move::default()
            },
        )
        .await?
    } else {
        store::revalidations::touch(&txn, &r).await?
    };
    if !moved {
        return Err(Error::Conflict(
            "Your review was changed meanwhile; reload it.".into(),
        ));
    }
    let removed = decided.values().filter(|(k, _)| *k == Some(false)).count();
    if req.submit {
        let submitted = revalidation::Model {
            status: Status::Submitted,
            ..r.clone()
        };
        let user = &p.user;
        for person in waiting_on(&txn, &submitted, now).await? {
            let due = when(r.due_at);
            outbox::enqueue_into(
                &mut writes,
                now,
                &person.email,
                &format!(
                    "AMPS: {} reviewed their roles: your approval is needed",
                    name_of(user)
                ),
                &format!(
                    "Hello {},\n\n{} reviewed the {} roles they hold (keeping {}, removing {removed}) and asks for your approval by {due}:\n\n{}\n\nIf no one decides by then, every role in it is removed.\n\n-- AMPS",
                    person.first_name,
                    name_of(user),
                    order.len(),
                    order.len() - removed,
                    ctx.settings.link("/approvals")
                ),
            );
        }
    }
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: if req.submit {
                "revalidation.submitted"
            } else {
                "revalidation.updated"
            },
            target: Some(format!("revalidation:{}", r.id)),
            details: json!({"items": req.items.iter().map(|d| json!({"assignment": d.assignment_id, "keep": d.keep})).collect::<Vec<_>>(), "removing": removed}),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    let fresh = store::revalidations::find(&ctx.db, r.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("review vanished"))?;
    view(&ctx.db, &fresh).await
}

/// Whether `p` (the deputy now of those in `acting_for`) decides review `r`: its reviewer or
/// the reviewer's deputy during their period, or an administrator when it has none; never its
/// own user.
fn decides(p: &UserPrincipal, acting_for: &[Uuid], r: &revalidation::Model) -> bool {
    r.user_id != p.id
        && match r.reviewer_id {
            Some(id) => id == p.id || acting_for.contains(&id),
            None => allows(&p.admin_roles, Permission::DecideReassigned),
        }
}

/// The people `p` acts for as their deputy now.
async fn acting_for(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<Uuid>> {
    Ok(store::users::deputizing_for(&ctx.read, p.id, ctx.clock.now()).await?)
}

/// The submitted reviews waiting on me (or on those I am the deputy of now).
pub async fn to_review(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<RevalidationResponse>> {
    let admin = allows(&p.admin_roles, Permission::DecideReassigned);
    let rs = store::revalidations::to_review(&ctx.read, p.id, admin, ctx.clock.now()).await?;
    views(&ctx.read, &rs).await
}

/// Review `id`, for its user, its reviewer (who starts deciding when they first open it) and
/// the administrators.
pub async fn get(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<RevalidationResponse> {
    let r = store::revalidations::find(&ctx.read, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such review.".into()))?;
    let reviewer = decides(p, &acting_for(ctx, p).await?, &r);
    if !(r.user_id == p.id || reviewer || allows(&p.admin_roles, Permission::ManageRevalidation)) {
        return Err(Error::NotFound("No such review.".into()));
    }
    if reviewer && r.status == Status::Submitted && r.review_opened_at.is_none() {
        // When the reviewer started reading: the start of their decision's time (audited, as
        // who read whose review is part of the trail).
        let now = ctx.clock.now();
        let txn = crate::store::begin(&ctx.db).await?;
        if store::revalidations::review_opened(&txn, r.id, now).await? {
            audit::append(
                &txn,
                now,
                NewEvent {
                    actor,
                    action: "revalidation.review_opened",
                    target: Some(format!("revalidation:{}", r.id)),
                    details: json!({"user": r.user_id}),
                },
            )
            .await?;
        }
        txn.commit().await?;
    }
    view(&ctx.read, &r).await
}

/// Checks that `p` decides review `id` (before a body is read).
pub async fn authorize_decide(ctx: &Ctx, p: &UserPrincipal, id: Uuid) -> Result<()> {
    let r = store::revalidations::find(&ctx.read, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such review.".into()))?;
    if r.user_id == p.id {
        return Err(Error::Forbidden(
            "Nobody decides the review of their own roles.".into(),
        ));
    }
    if !decides(p, &acting_for(ctx, p).await?, &r) {
        return Err(Error::NotFound("No such review.".into()));
    }
    Ok(())
}

/// A reviewer's decision.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Approve, removing the roles in `remove` the user kept.
    Approve {
        comment: Option<String>,
        remove: Vec<ReviewerRemoval>,
    },
    /// Reject, with a reason: every role goes.
    Reject { reason: String },
}

/// Whether the decision on review `r` may still be corrected at `now`: until its campaign
/// closes, or for a review opened by a change, until it would have lapsed.
async fn correctable(conn: &impl ConnectionTrait, r: &revalidation::Model, now: DateTime<Utc>) -> Result<()> {
    let open = match r.campaign_id {
        Some(c) => store::revalidations::campaign(conn, c)
            .await?
            .is_some_and(|c| c.closed_at.is_none()),
        None => now < rules::lapses_at(r.due_at),
    };
    if open {
        Ok(())
    } else {
        Err(Error::Conflict(
            "This review's campaign is closed: its decisions stand. Remove a role with a removal request."
                .into(),
        ))
    }
}

/// The reviewer's decision on submitted review `id`, or their correction of one they approved
/// while its campaign is open: approving again removes more roles, rejecting removes every
/// role (and disables the account, by setting). What was removed stays removed.
pub async fn decide(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    decision: Decision,
    version: Option<i32>,
) -> Result<RevalidationResponse> {
    authorize_decide(ctx, p, id).await?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let r = store::revalidations::find(&txn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such review.".into()))?;
    let correcting = match (r.status, &decision) {
        (Status::Submitted, _) => false,
        (Status::Approved, Decision::Reject { .. }) => true,
        (Status::Approved, Decision::Approve { remove, .. }) if !remove.is_empty() => true,
        (Status::Approved, _) => {
            return Err(Error::Conflict(
                "This review is approved already; to correct it, name the roles to remove or reject it."
                    .into(),
            ));
        }
        (status, _) => {
            return Err(Error::Conflict(format!(
                "This review is {status}; it cannot be decided."
            )));
        }
    };
    super::check_version(version, r.version, "this review")?;
    if correcting {
        correctable(&txn, &r, now).await?;
    }
    let user = load_user(&txn, r.user_id).await?;
    let mut writes = Writes::new();
    // The roles the reviewer removes: each one the user kept and still holds.
    let mut taken = Vec::new();
    if let Decision::Approve { remove, .. } = &decision {
        let items = store::revalidations::items_of(&txn, &[r.id])
            .await?
            .remove(&r.id)
            .unwrap_or_default();
        let mut errors = Vec::new();
        for (i, x) in remove.iter().enumerate() {
            match items.iter().find(|it| it.assignment_id == x.assignment_id) {
                Some(it) if it.keep == Some(true) => taken.push((it.clone(), x.reason.trim().to_string())),
                Some(_) => errors.push(field(
                    &format!("remove[{i}].assignment_id"),
                    "not_kept",
                    "the user gave this role up already",
                )),
                None => errors.push(field(
                    &format!("remove[{i}].assignment_id"),
                    "unknown",
                    "is not a role of this review",
                )),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors.into_iter().flatten().collect()));
        }
        for (it, reason) in &taken {
            let why = format!("Removed by the reviewer: {reason}");
            store::revalidations::set_item(&txn, r.id, it.assignment_id, false, Some(&why)).await?;
        }
    }
    let (to, comment) = match &decision {
        Decision::Approve { comment, .. } => (Status::Approved, comment.as_deref()),
        Decision::Reject { reason } => (Status::Rejected, Some(reason.as_str())),
    };
    let moved = store::revalidations::advance(
        &txn,
        &r,
        to,
        Move {
            decided_at: Some(now),
            decided_by: Some(p.id),
            comment,
            next_reminder_at: Some(None),
            ..Move::default()
        },
    )
    .await?;
    if !moved {
        return Err(Error::Conflict(
            "This review was decided by someone else a moment ago.".into(),
        ));
    }
    let removed = if correcting && to == Status::Approved {
        // A correction removes only what the reviewer names now; the rest stays as decided.
        for (it, reason) in &taken {
            let (role, _) = super::load_role(&txn, it.role_id).await?;
            let why = format!("Removed by the reviewer in a correction of the review of roles: {reason}");
            deprovision(&txn, &mut writes, &user, &role, &why, now).await?;
        }
        taken.len()
    } else {
        close(&txn, &mut writes, &r, &user, to, now).await?
    };
    let disabled = to == Status::Rejected && ctx.settings.revalidation_reject_disables;
    if disabled {
        store::users::set_status(&txn, user.id, AccountStatus::Disabled, now).await?;
        super::delegation::hand_over(ctx, &txn, &user, now).await?;
    }
    let corrected = if correcting { " (corrected)" } else { "" };
    let (subject, body) = if to == Status::Approved {
        (
            format!("AMPS: your review of your roles was approved{corrected}"),
            format!(
                "Hello {},\n\n{} {} your review. {}{}\n\n-- AMPS",
                user.first_name,
                name_of(&p.user),
                if correcting {
                    "corrected their approval of"
                } else {
                    "approved"
                },
                match (removed, taken.is_empty()) {
                    (0, _) => "You keep every role.".to_string(),
                    (n, true) => format!("The {n} role(s) you gave up are being removed; you keep the rest."),
                    (n, false) => format!(
                        "{n} role(s) are being removed, {} of them by your reviewer ({}); you keep the rest.",
                        taken.len(),
                        taken
                            .iter()
                            .map(|(_, why)| why.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                },
                comment.map(|c| format!("\n\nComment: {c}")).unwrap_or_default()
            ),
        )
    } else {
        (
            format!("AMPS: your review of your roles was rejected{corrected}"),
            format!(
                "Hello {},\n\n{} rejected your review: {}\n\nEvery role in it is being removed.{}\n\nCall the help desk if you believe this is a mistake.\n\n-- AMPS",
                user.first_name,
                name_of(&p.user),
                comment.unwrap_or_default(),
                if disabled {
                    " Your account is disabled."
                } else {
                    ""
                }
            ),
        )
    };
    outbox::enqueue_into(&mut writes, now, &user.email, &subject, &body);
    let reviewer_removed: Vec<_> = taken
        .iter()
        .map(|(it, why)| json!({"assignment": it.assignment_id, "reason": why}))
        .collect();
    audit::append_into(
        &mut writes,
        now,
        NewEvent {
            actor,
            action: match (correcting, to) {
                (true, _) => "revalidation.corrected",
                (false, Status::Approved) => "revalidation.approved",
                _ => "revalidation.rejected",
            },
            target: Some(format!("revalidation:{}", r.id)),
            details: json!({
                "user": user.login,
                "was": r.status.as_str(),
                "now": to.as_str(),
                "removed": removed,
                "removed_by_reviewer": reviewer_removed,
                "comment": comment,
                "account_disabled": disabled,
            }),
        },
    );
    writes.exec(&txn).await?;
    txn.commit().await?;
    let fresh = store::revalidations::find(&ctx.db, r.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("review vanished"))?;
    view(&ctx.db, &fresh).await
}

/// Closes campaign `id` (administrators): its decisions then stand. Refused while reviews in
/// it are still open or waiting on a reviewer.
pub async fn close_campaign(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
) -> Result<CampaignResponse> {
    may_manage(p)?;
    let c = load_campaign(ctx, id).await?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let waiting = store::revalidations::open_in(&txn, c.id).await?;
    if waiting > 0 {
        return Err(Error::Conflict(format!(
            "{waiting} review(s) of this campaign are not decided yet; remind them, or wait until they lapse a week after the due date."
        )));
    }
    if !store::revalidations::close_campaign(&txn, c.id, now).await? {
        return Err(Error::Conflict("This campaign is closed already.".into()));
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "revalidation.campaign_closed",
            target: Some(format!("revalidation_campaign:{}", c.id)),
            details: json!({"name": c.name}),
        },
    )
    .await?;
    txn.commit().await?;
    let c = load_campaign(ctx, id).await?;
    campaign_view(ctx, &c, now).await
}

/// Closes the campaigns whose every review is finished once the last of them could have
/// lapsed (a week after the due date): their decisions then stand. Returns how many closed.
pub async fn close_finished(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut closed = 0;
    for c in
        store::revalidations::finished_campaigns(&ctx.db, now - Duration::days(rules::GRACE_DAYS)).await?
    {
        let txn = crate::store::begin(&ctx.db).await?;
        if store::revalidations::open_in(&txn, c.id).await? > 0
            || !store::revalidations::close_campaign(&txn, c.id, now).await?
        {
            continue;
        }
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "revalidation.campaign_closed",
                target: Some(format!("revalidation_campaign:{}", c.id)),
                details: json!({"name": c.name}),
            },
        )
        .await?;
        txn.commit().await?;
        closed += 1;
    }
    Ok(closed)
}

/// What a review ending in `to` does to the roles in it: approved, the roles given up are
/// deprovisioned and the kept ones reviewed; rejected or lapsed, every role is deprovisioned.
/// Returns how many roles are removed.
async fn close(
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    r: &revalidation::Model,
    user: &user::Model,
    to: Status,
    now: DateTime<Utc>,
) -> Result<usize> {
    let items = store::revalidations::items_of(conn, &[r.id])
        .await?
        .remove(&r.id)
        .unwrap_or_default();
    let in_force: HashSet<Uuid> = store::provisioning::active_assignments(conn, user.id, now)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let (gone, kept): (Vec<_>, Vec<_>) = items
        .into_iter()
        .filter(|i| in_force.contains(&i.assignment_id))
        .partition(|i| to != Status::Approved || i.keep == Some(false));
    store::revalidations::mark_reviewed(conn, kept.iter().map(|i| i.assignment_id).collect(), now).await?;
    for i in &gone {
        let (role, _) = super::load_role(conn, i.role_id).await?;
        let why = match (to, i.reason.as_deref()) {
            (Status::Approved, Some(reason)) => format!("Given up in a review of roles: {reason}"),
            (Status::Rejected, _) => "The review of roles was rejected.".to_string(),
            _ => "The review of roles was not approved by its due date.".to_string(),
        };
        deprovision(conn, writes, user, &role, &why, now).await?;
    }
    Ok(gone.len())
}

/// Reminds the people open reviews wait on, a week and a day before the due date and on it;
/// returns how many reviews were reminded. Set-based: up to [`JOB_BATCH`] reviews in one
/// transaction of a fixed number of statements (claimed by one update per reminder moment, so
/// with several replicas each reminder goes once).
pub async fn send_reminders(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    // The reviews, their people and the mail are read and written out on the read pool
    // before the write transaction, which holds the single SQLite writer for the claims and
    // two inserts.
    let t0 = std::time::Instant::now();
    let due = store::revalidations::reminders_due(&ctx.read, now, JOB_BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let t_due = t0.elapsed();
    let known: HashMap<Uuid, Addressee> = due.iter().map(|(_, a)| (a.id, a.clone())).collect();
    let due: Vec<Reminder> = due.into_iter().map(|(r, _)| r).collect();
    let open: Vec<Reminder> = due.iter().filter(|r| r.status.is_open()).cloned().collect();
    let mut mail = remind(ctx, &ctx.read, &open, &known, now).await?;
    let t_read = t0.elapsed();
    // A campaign's reviews share their due date, so a batch is usually one claim.
    // (reminder due, next reminder) → reviews.
    type Moment = (DateTime<Utc>, Option<DateTime<Utc>>);
    let mut moments: BTreeMap<Moment, Vec<Uuid>> = BTreeMap::new();
    let mut finished = Vec::new();
    for r in &due {
        if !r.status.is_open() {
            finished.push(r.id);
            continue;
        }
        if let Some(was) = r.next_reminder_at {
            moments
                .entry((was, rules::next_reminder(now, r.due_at)))
                .or_default()
                .push(r.id);
        }
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let t_begin = t0.elapsed();
    store::revalidations::clear_finished_reminders(&txn, finished).await?;
    let mut claimed = Vec::with_capacity(due.len());
    for ((was, next), ids) in moments {
        claimed.extend(store::revalidations::claim_reminders(&txn, ids, was, next).await?);
    }
    let t_claim = t0.elapsed();
    // Only claimed reviews are mailed; one whose state moved since it was read (its user
    // submitted it meanwhile) is read again and written out from its claimed state.
    let seen: HashMap<Uuid, &Reminder> = due.iter().map(|r| (r.id, r)).collect();
    let moved: Vec<Uuid> = claimed
        .iter()
        .filter(|(id, status)| seen.get(id).map(|r| r.status) != Some(*status))
        .map(|(id, _)| *id)
        .collect();
    let mailed: HashSet<Uuid> = claimed
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !moved.contains(id))
        .collect();
    mail.retain(|(id, _)| mailed.contains(id));
    if !moved.is_empty() {
        let moved: Vec<Reminder> = store::revalidations::find_many(&txn, moved)
            .await?
            .iter()
            .map(Reminder::from)
            .collect();
        mail.extend(remind(ctx, &txn, &moved, &known, now).await?);
    }
    let mut writes = Writes::new();
    writes.insert_many(mail.into_iter().map(|(_, m)| m));
    let actor = Actor::system();
    writes.audit_many(claimed.iter().map(|(id, status)| {
        audit::event(
            now,
            NewEvent {
                actor: &actor,
                action: "revalidation.reminded",
                target: Some(format!("revalidation:{id}")),
                details: json!({"status": status.as_str(), "due_at": seen.get(id).map(|r| r.due_at)}),
            },
        )
    }));
    let t_render = t0.elapsed();
    writes.exec(&txn).await?;
    let t_write = t0.elapsed();
    txn.commit().await?;
    // Where a batch's time goes (the scheduler pass at scale is a target of issue #13).
    tracing::debug!(
        items = due.len(),
        due_ms = t_due.as_secs_f64() * 1e3,
        read_ms = (t_read - t_due).as_secs_f64() * 1e3,
        begin_ms = (t_begin - t_read).as_secs_f64() * 1e3,
        claim_ms = (t_claim - t_begin).as_secs_f64() * 1e3,
        render_ms = (t_render - t_claim).as_secs_f64() * 1e3,
        write_ms = (t_write - t_render).as_secs_f64() * 1e3,
        commit_ms = (t0.elapsed() - t_write).as_secs_f64() * 1e3,
        "review reminders batch"
    );
    // A batch that lost every claim to another replica still counts as full, so the round
    // goes on to the rest.
    Ok(due.len())
}

/// Lapses the reviews still open a week after their due date ([`rules::GRACE_DAYS`]; at most
/// 200 a round): every role in them is deprovisioned and the user (and reviewer) told.
/// Returns how many lapsed.
pub async fn lapse_overdue(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let mut lapsed = 0;
    let due_before = now - Duration::days(rules::GRACE_DAYS);
    for r in store::revalidations::overdue(&ctx.db, due_before, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        let moved = store::revalidations::advance(
            &txn,
            &r,
            Status::Lapsed,
            Move {
                decided_at: Some(now),
                next_reminder_at: Some(None),
                ..Move::default()
            },
        )
        .await?;
        if !moved {
            continue;
        }
        let user = load_user(&txn, r.user_id).await?;
        let mut writes = Writes::new();
        let removed = close(&txn, &mut writes, &r, &user, Status::Lapsed, now).await?;
        let mut told = vec![user.clone()];
        if r.status == Status::Submitted {
            told.extend(waiting_on(&txn, &r, now).await?);
        }
        for person in told {
            outbox::enqueue_into(
                &mut writes,
                now,
                &person.email,
                &format!(
                    "AMPS: the review of {}'s roles was not finished in time",
                    name_of(&user)
                ),
                &format!(
                    "Hello {},\n\nThe review of the roles {} holds was not approved by its due date ({}). As none of them was confirmed, the {removed} role(s) in it are being removed. Request again the roles still needed.\n\n-- AMPS",
                    person.first_name,
                    name_of(&user),
                    when(r.due_at)
                ),
            );
        }
        audit::append_into(
            &mut writes,
            now,
            NewEvent {
                actor: &Actor::system(),
                action: "revalidation.lapsed",
                target: Some(format!("revalidation:{}", r.id)),
                details: json!({"user": user.login, "was": r.status.as_str(), "removed": removed}),
            },
        );
        writes.exec(&txn).await?;
        txn.commit().await?;
        lapsed += 1;
    }
    Ok(lapsed)
}

/// Opens, in the caller's transaction, a review of `user`'s roles after a change in their
/// circumstances (`trigger`), reviewed by their supervisor (EAO) as they now stand, unless
/// one is open already or they hold no role. Returns whether one opened.
pub async fn open_for_change(
    ctx: &Ctx,
    conn: &impl ConnectionTrait,
    writes: &mut Writes,
    user: Uuid,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<bool> {
    let due = now + Duration::days(CHANGE_DUE_DAYS);
    let opened = store::revalidations::open(
        conn,
        Target::User(user),
        None,
        trigger,
        due,
        rules::first_reminder(now, due),
        now,
        None,
    )
    .await?;
    if opened == 0 {
        return Ok(false);
    }
    let u = load_user(conn, user).await?;
    let why = match trigger {
        Trigger::IaTraining => "your IA (cyber awareness) training is more than a year old",
        Trigger::SupervisorChange => "you have a new supervisor, who reviews the access you hold",
        Trigger::OrganizationChange => "you moved to another organization",
        Trigger::Campaign => "of a review campaign",
    };
    outbox::enqueue_into(
        writes,
        now,
        &u.email,
        &format!("AMPS: review your roles by {}", due.format("%Y-%m-%d")),
        &format!(
            "Hello {},\n\nBecause {why}, review the roles you hold: keep the ones you still need, mark the ones to remove, and submit it for approval by {}:\n\n{}\n\nIf it is not approved by then, every role in it is removed.\n\n-- AMPS",
            u.first_name,
            due.format("%Y-%m-%d"),
            ctx.settings.link("/revalidation")
        ),
    );
    audit::append_into(
        writes,
        now,
        NewEvent {
            actor: &Actor::system(),
            action: "revalidation.opened",
            target: Some(format!("user:{user}")),
            details: json!({"user": u.login, "trigger": trigger.as_str(), "due_at": due}),
        },
    );
    Ok(true)
}

/// Opens a review for each user (at most 200 a round) whose IA training lapsed (more than a
/// year old) while they hold roles; returns how many opened.
pub async fn open_for_lapsed_training(ctx: &Ctx, now: DateTime<Utc>) -> Result<usize> {
    let before = now.date_naive() - Duration::days(365);
    let mut opened = 0;
    for user in store::revalidations::training_lapsed(&ctx.db, before, now, 200).await? {
        let txn = crate::store::begin(&ctx.db).await?;
        let mut writes = Writes::new();
        if open_for_change(ctx, &txn, &mut writes, user, Trigger::IaTraining, now).await? {
            writes.exec(&txn).await?;
            txn.commit().await?;
            opened += 1;
        }
    }
    Ok(opened)
}

//! The read model of SAARs and people: `SaarResponse` built for many SAARs with a fixed
//! number of queries, Current Roles, names and person references; and how the domain's states
//! read on the wire (each domain enum maps to its contract enum by one exhaustive match, so a
//! state added to the domain does not compile until the contract, and so the OpenAPI document
//! and the SPA, names it too).

use super::Result;
use crate::domain::saar::{self as rules, SaarStatus};
use crate::domain::task;
use crate::store;
use crate::store::entities::{approval_task, saar, user};
use amps_openapi::{CurrentRoleResponse, PersonRef, RoleRef, SaarResponse, SaarStep, WaitingOn};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A user's full name.
pub fn name_of(u: &user::Model) -> String {
    format!("{} {}", u.first_name, u.last_name)
}

/// A person as other screens name them.
pub fn person_ref(u: &user::Model) -> PersonRef {
    PersonRef {
        id: u.id,
        user_id: u.login.clone(),
        name: name_of(u),
        email: u.email.clone(),
    }
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
    user_ids.extend(tasks.iter().filter_map(|t| t.delegated_from));
    // (name, User ID) of each person named: only those columns are read.
    let mut users: HashMap<Uuid, (String, String)> = known
        .users
        .iter()
        .filter(|u| user_ids.contains(&u.id))
        .map(|u| (u.id, (name_of(u), u.login.clone())))
        .collect();
    user_ids.retain(|id| !users.contains_key(id));
    let mut open_provisioning = known.provisioning;
    // Every name not in hand, in one statement.
    let labels = store::labels::read(
        conn,
        store::labels::Wanted {
            people: user_ids,
            roles: list
                .iter()
                .map(|s| s.role_id)
                .filter(|id| !roles.contains_key(id))
                .collect(),
            groups: tasks.iter().filter_map(|t| t.group_id).collect(),
            provisioning: list
                .iter()
                .filter(|s| s.status == SaarStatus::Provisioning && !open_provisioning.contains_key(&s.id))
                .map(|s| s.id)
                .collect(),
            ..Default::default()
        },
    )
    .await?;
    users.extend(
        labels
            .people
            .into_iter()
            .map(|(id, p)| (id, (format!("{} {}", p.first_name, p.last_name), p.login))),
    );
    roles.extend(labels.roles);
    let groups = labels.groups;
    open_provisioning.extend(labels.provisioning);
    let name = |id: &Uuid| {
        users
            .get(id)
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| "Unknown".into())
    };
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
                    reason: t.routed_note.clone().or_else(|| {
                        t.delegated_from
                            .as_ref()
                            .map(|p| format!("Deputy acting for {}.", name(p)))
                    }),
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
                reason: None,
            });
        }
        if s.status == SaarStatus::Returned {
            waiting_on = Some(WaitingOn {
                who: name(&s.requester_id),
                kind: "requester".into(),
                since: s.updated_at,
                due_at: None,
                seconds_left: None,
                reason: None,
            });
        }
        let login = |id: &Uuid| users.get(id).map(|(_, login)| login.clone()).unwrap_or_default();
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
            access_ends_at: s.access_ends_at,
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
        .ok_or_else(|| anyhow::anyhow!("no view built").into())
}

/// Current Roles of a user: the roles in force at `now`, each renewable `renewal_days` before
/// it expires.
pub async fn current_roles(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
    renewal_days: i64,
) -> Result<Vec<CurrentRoleResponse>> {
    let rows = store::provisioning::active_assignments(conn, user_id, now).await?;
    let roles = store::catalog::role_refs_with_mfa(conn, rows.iter().map(|a| a.role_id).collect()).await?;
    let sources: HashSet<Uuid> = rows.iter().filter_map(|a| a.source_saar_id).collect();
    let numbers = store::saars::numbers(conn, sources).await?;
    rows.into_iter()
        .map(|a| {
            let (role, mfa_required) = roles
                .get(&a.role_id)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("role missing"))?;
            Ok(CurrentRoleResponse {
                assignment_id: a.id,
                role,
                mfa_required,
                since: a.since,
                expires_at: a.expires_at,
                renewable_from: a
                    .expires_at
                    .map(|e| crate::domain::assignment::renewable_from(e, renewal_days)),
                reviewed_at: a.reviewed_at,
                source_saar: a.source_saar_id.and_then(|id| numbers.get(&id).cloned()),
            })
        })
        .collect()
}

impl From<rules::SaarStatus> for amps_openapi::SaarStatus {
    fn from(s: rules::SaarStatus) -> Self {
        use rules::SaarStatus as S;
        match s {
            S::Pending => Self::Pending,
            S::Provisioning => Self::Provisioning,
            S::Completed => Self::Completed,
            S::Rejected => Self::Rejected,
            S::Returned => Self::Returned,
            S::Cancelled => Self::Cancelled,
            S::Expired => Self::Expired,
        }
    }
}

impl From<task::TaskStatus> for amps_openapi::TaskStatus {
    fn from(s: task::TaskStatus) -> Self {
        use task::TaskStatus as S;
        match s {
            S::Open => Self::Open,
            S::Approved => Self::Approved,
            S::Rejected => Self::Rejected,
            S::Returned => Self::Returned,
            S::Expired => Self::Expired,
            S::Cancelled => Self::Cancelled,
        }
    }
}

impl From<rules::RequestType> for amps_openapi::RequestType {
    fn from(t: rules::RequestType) -> Self {
        use rules::RequestType as T;
        match t {
            T::Initial => Self::Initial,
            T::Deactivate => Self::Deactivate,
            T::Renewal => Self::Renewal,
        }
    }
}

impl From<amps_openapi::RequestType> for rules::RequestType {
    fn from(t: amps_openapi::RequestType) -> Self {
        use amps_openapi::RequestType as T;
        match t {
            T::Initial => Self::Initial,
            T::Deactivate => Self::Deactivate,
            T::Renewal => Self::Renewal,
        }
    }
}

impl From<crate::domain::provisioning::ProvisioningMode> for amps_openapi::ProvisioningMode {
    fn from(m: crate::domain::provisioning::ProvisioningMode) -> Self {
        use crate::domain::provisioning::ProvisioningMode as M;
        match m {
            M::Manual => Self::Manual,
            M::Automatic => Self::Automatic,
        }
    }
}

impl From<amps_openapi::ProvisioningMode> for crate::domain::provisioning::ProvisioningMode {
    fn from(m: amps_openapi::ProvisioningMode) -> Self {
        use amps_openapi::ProvisioningMode as M;
        match m {
            M::Manual => Self::Manual,
            M::Automatic => Self::Automatic,
        }
    }
}

impl From<crate::domain::request::Requestable> for amps_openapi::Requestable {
    fn from(r: crate::domain::request::Requestable) -> Self {
        use crate::domain::request::Requestable as R;
        match r {
            R::Internal => Self::Internal,
            R::External => Self::External,
            R::Both => Self::Both,
        }
    }
}

impl From<amps_openapi::Requestable> for crate::domain::request::Requestable {
    fn from(r: amps_openapi::Requestable) -> Self {
        use amps_openapi::Requestable as R;
        match r {
            R::Internal => Self::Internal,
            R::External => Self::External,
            R::Both => Self::Both,
        }
    }
}

impl From<crate::domain::request::RenewalApprover> for amps_openapi::RenewalApprover {
    fn from(r: crate::domain::request::RenewalApprover) -> Self {
        use crate::domain::request::RenewalApprover as R;
        match r {
            R::Supervisor => Self::Supervisor,
            R::DataOwner => Self::DataOwner,
            R::Chain => Self::Chain,
        }
    }
}

impl From<amps_openapi::RenewalApprover> for crate::domain::request::RenewalApprover {
    fn from(r: amps_openapi::RenewalApprover) -> Self {
        use amps_openapi::RenewalApprover as R;
        match r {
            R::Supervisor => Self::Supervisor,
            R::DataOwner => Self::DataOwner,
            R::Chain => Self::Chain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_stored_names() {
        for s in rules::SaarStatus::ALL {
            let wire = serde_json::to_value(amps_openapi::SaarStatus::from(*s)).expect("serializes");
            assert_eq!(wire, s.as_str());
        }
        for s in task::TaskStatus::ALL {
            let wire = serde_json::to_value(amps_openapi::TaskStatus::from(*s)).expect("serializes");
            assert_eq!(wire, s.as_str());
        }
        for t in rules::RequestType::ALL {
            let wire = amps_openapi::RequestType::from(*t);
            assert_eq!(serde_json::to_value(wire).expect("serializes"), t.as_str());
            assert_eq!(rules::RequestType::from(wire), *t);
        }
    }
}

//! The role catalog's reads and writes that other use cases share: short references to
//! roles, what a requester holds and has pending, the facts a submission checks (visibility,
//! chains, prerequisites, segregation-of-duties rules; one round trip for any number of
//! roles) and approval chains.

use super::entities::{
    application, role, role_assignment, role_chain_level, role_prerequisite, role_visibility, saar, sod_rule,
    sod_rule_role,
};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::chain::LevelKind;
use crate::domain::request::RenewalApprover;
use crate::domain::saar::SaarStatus;
use amps_openapi::RoleRef;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Replaces a role's approval chain.
pub async fn set_chain(
    conn: &impl ConnectionTrait,
    role_id: Uuid,
    levels: &[LevelKind],
) -> Result<(), DbErr> {
    role_chain_level::Entity::delete_many()
        .filter(role_chain_level::Column::RoleId.eq(role_id))
        .exec(conn)
        .await?;
    for (i, l) in levels.iter().enumerate() {
        role_chain_level::ActiveModel {
            role_id: Set(role_id),
            position: Set(i as i32 + 1),
            kind: Set(l.as_str().into()),
            group_id: Set(match l {
                LevelKind::Group(g) => Some(*g),
                _ => None,
            }),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// A role's chain, in order.
pub async fn chain_of(conn: &impl ConnectionTrait, role_id: Uuid) -> Result<Vec<LevelKind>, DbErr> {
    role_chain_level::Entity::find()
        .filter(role_chain_level::Column::RoleId.eq(role_id))
        .order_by_asc(role_chain_level::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|l| LevelKind::parse(&l.kind, l.group_id).map_err(DbErr::Custom))
        .collect()
}

/// A role with its short reference, in one query.
pub async fn role_with_ref(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(role::Model, RoleRef)>, DbErr> {
    Ok(roles_with_refs(conn, &[id]).await?.remove(&id))
}

/// Roles with their short references (application code included), in one query.
pub async fn roles_with_refs(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (role::Model, RoleRef)>, DbErr> {
    Ok(role::Entity::find()
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .find_also_related(application::Entity)
        .all(conn)
        .await?
        .into_iter()
        .map(|(r, a)| {
            let rr = RoleRef {
                id: r.id,
                name: r.name.clone(),
                application: a.map(|a| a.code).unwrap_or_default(),
                environment: r.environment.clone(),
            };
            (r.id, (r, rr))
        })
        .collect())
}

/// Short references to roles `ids` with who approves their renewal: what a renewal offer
/// names (five columns in one statement, not the role and application rows: a batch of
/// offers names hundreds of roles).
pub async fn renewal_refs(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (RoleRef, RenewalApprover)>, DbErr> {
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let rows: Vec<(Uuid, String, String, RenewalApprover, Option<String>)> = role::Entity::find()
        .select_only()
        .columns([
            role::Column::Id,
            role::Column::Name,
            role::Column::Environment,
            role::Column::RenewalApprover,
        ])
        .column(application::Column::Code)
        .join(JoinType::LeftJoin, role::Relation::Application.def())
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, environment, approver, code)| {
            (
                id,
                (
                    RoleRef {
                        id,
                        name,
                        application: code.unwrap_or_default(),
                        environment,
                    },
                    approver,
                ),
            )
        })
        .collect())
}

/// Short references to many roles (application code included), in one query.
pub async fn role_refs(
    conn: &impl ConnectionTrait,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, RoleRef>, DbErr> {
    Ok(role_refs_with_mfa(conn, ids)
        .await?
        .into_iter()
        .map(|(id, (r, _))| (id, r))
        .collect())
}

/// As [`role_refs`], with whether each role is marked "MFA required" (one statement).
pub async fn role_refs_with_mfa(
    conn: &impl ConnectionTrait,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, (RoleRef, bool)>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(role::Entity::find()
        .filter(role::Column::Id.is_in(ids))
        .find_also_related(application::Entity)
        .all(conn)
        .await?
        .into_iter()
        .map(|(r, a)| {
            (
                r.id,
                (
                    RoleRef {
                        id: r.id,
                        name: r.name,
                        application: a.map(|a| a.code).unwrap_or_default(),
                        environment: r.environment,
                    },
                    r.mfa_required,
                ),
            )
        })
        .collect())
}

/// What a user holds and has asked for, as the request rules need it.
#[derive(Debug, Default)]
pub struct Holdings {
    /// Roles with an active assignment (a role past its end date stays here until the expiry
    /// job ends it: it cannot be requested twice meanwhile).
    pub held: HashSet<Uuid>,
    /// Roles in force at the time asked: held and not past their end date (what counts for
    /// prerequisites and segregation of duties).
    pub in_force: HashSet<Uuid>,
    /// Roles with an open request, with its number.
    pub pending: HashMap<Uuid, String>,
}

/// The roles `user_id` holds (and which are in force at `now`) and has open requests for,
/// in one query.
pub async fn held_and_pending(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Holdings, DbErr> {
    let q = held_and_pending_query(user_id);
    let mut h = Holdings::default();
    for row in conn.query_all(&q).await? {
        let role_id: Uuid = row.try_get_by_index(0)?;
        match row.try_get_by_index::<Option<String>>(1)? {
            Some(number) => {
                h.pending.insert(role_id, number);
            }
            None => {
                let ends: Option<DateTime<Utc>> = row.try_get_by_index(2)?;
                if ends.is_none_or(|e| e > now) {
                    h.in_force.insert(role_id);
                }
                h.held.insert(role_id);
            }
        }
    }
    Ok(h)
}

/// The query of [`held_and_pending`]: (role, `NULL` when held or the open request's number,
/// the assignment's end date).
pub fn held_and_pending_query(user_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    let open = Query::select()
        .column(saar::Column::RoleId)
        .column(saar::Column::Number)
        .expr(Expr::val(Option::<DateTime<Utc>>::None))
        .from(saar::Entity)
        .and_where(saar::Column::SubjectId.eq(user_id))
        .and_where(saar::Column::Status.is_in(SaarStatus::ALL.iter().copied().filter(|s| s.is_open())))
        .to_owned();
    Query::select()
        .column(role_assignment::Column::RoleId)
        .expr(Expr::val(Option::<String>::None))
        .column(role_assignment::Column::ExpiresAt)
        .from(role_assignment::Entity)
        .and_where(role_assignment::Column::UserId.eq(user_id))
        .and_where(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .union(UnionType::All, open)
        .to_owned()
}

/// What the request rules need to know about some roles.
#[derive(Debug, Default)]
pub struct RoleFacts {
    /// The organizations each role is limited to (a role absent is open to all).
    pub visibility: HashMap<Uuid, Vec<Uuid>>,
    /// Each role's approval chain, in order.
    pub chains: HashMap<Uuid, Vec<LevelKind>>,
    /// Each role's prerequisite roles.
    pub prerequisites: HashMap<Uuid, Vec<Uuid>>,
    /// The segregation-of-duties rules that name any of the roles, each with all its roles
    /// (a rule that names none of them cannot be broken by them).
    pub sod_rules: Vec<crate::domain::sod::SodRule>,
}

/// The visibility, chains, prerequisites and segregation-of-duties rules of `roles`, in one
/// round trip (a submission runs this once, however many roles it asks for): the four reads
/// share the shape (what, role, id, text, position).
pub async fn role_facts(conn: &impl ConnectionTrait, roles: &[Uuid]) -> Result<RoleFacts, DbErr> {
    let mut facts = RoleFacts::default();
    if roles.is_empty() {
        return Ok(facts);
    }
    let ids = || roles.iter().copied();
    let no_text = || Expr::val(Option::<String>::None);
    let no_position = || Expr::val(Option::<i32>::None);
    let chains = Query::select()
        .expr(Expr::val("chain"))
        .column(role_chain_level::Column::RoleId)
        .column(role_chain_level::Column::GroupId)
        .column(role_chain_level::Column::Kind)
        .column(role_chain_level::Column::Position)
        .from(role_chain_level::Entity)
        .and_where(role_chain_level::Column::RoleId.is_in(ids()))
        .to_owned();
    let visibility = Query::select()
        .expr(Expr::val("visibility"))
        .column(role_visibility::Column::RoleId)
        .column(role_visibility::Column::OrganizationId)
        .expr(no_text())
        .expr(no_position())
        .from(role_visibility::Entity)
        .and_where(role_visibility::Column::RoleId.is_in(ids()))
        .to_owned();
    let prerequisites = Query::select()
        .expr(Expr::val("prerequisite"))
        .column(role_prerequisite::Column::RoleId)
        .column(role_prerequisite::Column::PrerequisiteRoleId)
        .expr(no_text())
        .expr(no_position())
        .from(role_prerequisite::Entity)
        .and_where(role_prerequisite::Column::RoleId.is_in(ids()))
        .to_owned();
    let sod = Query::select()
        .expr(Expr::val("sod"))
        .column((sod_rule_role::Entity, sod_rule_role::Column::RoleId))
        .column((sod_rule_role::Entity, sod_rule_role::Column::RuleId))
        .column((sod_rule::Entity, sod_rule::Column::Name))
        .expr(no_position())
        .from(sod_rule_role::Entity)
        .inner_join(
            sod_rule::Entity,
            Expr::col((sod_rule::Entity, sod_rule::Column::Id))
                .equals((sod_rule_role::Entity, sod_rule_role::Column::RuleId)),
        )
        .and_where(
            Expr::col((sod_rule_role::Entity, sod_rule_role::Column::RuleId)).in_subquery(
                Query::select()
                    .column(sod_rule_role::Column::RuleId)
                    .from(sod_rule_role::Entity)
                    .and_where(sod_rule_role::Column::RoleId.is_in(ids()))
                    .to_owned(),
            ),
        )
        .to_owned();
    let mut q = chains;
    q.union(UnionType::All, visibility)
        .union(UnionType::All, prerequisites)
        .union(UnionType::All, sod);
    let mut levels: Vec<(Uuid, i32, LevelKind)> = Vec::new();
    let mut rules: HashMap<Uuid, crate::domain::sod::SodRule> = HashMap::new();
    for row in conn.query_all(&q).await? {
        let FactRow {
            what,
            role_id,
            other,
            text,
        } = FactRow::read(&row)?;
        match (what.as_str(), other) {
            ("chain", group) => {
                let position: Option<i32> = row.try_get_by_index(4)?;
                let kind =
                    LevelKind::parse(text.as_deref().unwrap_or_default(), group).map_err(DbErr::Custom)?;
                levels.push((role_id, position.unwrap_or_default(), kind));
            }
            ("visibility", Some(org)) => facts.visibility.entry(role_id).or_default().push(org),
            ("prerequisite", Some(pre)) => facts.prerequisites.entry(role_id).or_default().push(pre),
            ("sod", Some(rule)) => {
                rules
                    .entry(rule)
                    .or_insert_with(|| crate::domain::sod::SodRule {
                        id: rule,
                        name: text.unwrap_or_default(),
                        roles: HashSet::new(),
                    })
                    .roles
                    .insert(role_id);
            }
            _ => return Err(DbErr::Custom(format!("unexpected role fact {what}"))),
        }
    }
    levels.sort_by_key(|(role_id, position, _)| (*role_id, *position));
    for (role_id, _, kind) in levels {
        facts.chains.entry(role_id).or_default().push(kind);
    }
    facts.sod_rules = rules.into_values().collect();
    facts.sod_rules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(facts)
}

/// The head of a row of the role queries that union several reads in one shape: what the
/// row is, the role, another id and a text (further columns are read by their users).
pub(crate) struct FactRow {
    pub what: String,
    pub role_id: Uuid,
    pub other: Option<Uuid>,
    pub text: Option<String>,
}

impl FactRow {
    pub(crate) fn read(row: &sea_orm::QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            what: row.try_get_by_index(0)?,
            role_id: row.try_get_by_index(1)?,
            other: row.try_get_by_index(2)?,
            text: row.try_get_by_index(3)?,
        })
    }
}

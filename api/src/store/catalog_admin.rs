//! The role catalog as its managers change it: applications, roles with their visibility,
//! prerequisites and chains, approval groups and their members, segregation-of-duties rules
//! and organizations; and the role search (visibility applied in SQL).

use super::entities::{
    application, approval_group, approval_group_member, organization, role, role_chain_level,
    role_prerequisite, role_visibility, sod_rule, sod_rule_role, user,
};
use crate::domain::chain::LevelKind;
use crate::domain::request::Requestable;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SubQueryStatement, UnionType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Every application, by code.
pub async fn applications(conn: &impl ConnectionTrait) -> Result<Vec<application::Model>, DbErr> {
    application::Entity::find()
        .order_by_asc(application::Column::Code)
        .all(conn)
        .await
}

/// The application with code `code`.
pub async fn application_by_code(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::Code.eq(code))
        .one(conn)
        .await
}

/// Stores a new application.
pub async fn insert_application(
    conn: &impl ConnectionTrait,
    a: application::Model,
) -> Result<application::Model, DbErr> {
    application::ActiveModel::from(a).insert(conn).await
}

/// Whether approval group `id` exists.
pub async fn group_exists(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(group(conn, id).await?.is_some())
}

/// The approval group `id`.
pub async fn group(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<approval_group::Model>, DbErr> {
    approval_group::Entity::find_by_id(id).one(conn).await
}

/// Whether a group other than `except` is named `name`.
pub async fn group_name_taken(
    conn: &impl ConnectionTrait,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, DbErr> {
    let mut q = approval_group::Entity::find().filter(approval_group::Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(approval_group::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}

/// Stores a new approval group with its `members`.
pub async fn insert_group(
    conn: &impl ConnectionTrait,
    g: approval_group::Model,
    members: &[Uuid],
) -> Result<approval_group::Model, DbErr> {
    let g = approval_group::ActiveModel::from(g).insert(conn).await?;
    set_members(conn, g.id, members).await?;
    Ok(g)
}

/// Renames or redescribes group `g.id` as `g` says.
pub async fn update_group(
    conn: &impl ConnectionTrait,
    g: approval_group::Model,
) -> Result<approval_group::Model, DbErr> {
    approval_group::ActiveModel {
        id: Set(g.id),
        name: Set(g.name),
        description: Set(g.description),
        ..Default::default()
    }
    .update(conn)
    .await
}

/// Replaces the members of group `id`.
pub async fn set_members(conn: &impl ConnectionTrait, id: Uuid, members: &[Uuid]) -> Result<(), DbErr> {
    approval_group_member::Entity::delete_many()
        .filter(approval_group_member::Column::GroupId.eq(id))
        .exec(conn)
        .await?;
    for u in members {
        approval_group_member::ActiveModel {
            group_id: Set(id),
            user_id: Set(*u),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The members of group `id`.
pub async fn members(conn: &impl ConnectionTrait, id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    approval_group_member::Entity::find()
        .select_only()
        .column(approval_group_member::Column::UserId)
        .filter(approval_group_member::Column::GroupId.eq(id))
        .into_tuple()
        .all(conn)
        .await
}

/// Every approval group by name, and every membership.
pub async fn groups_with_memberships(
    conn: &impl ConnectionTrait,
) -> Result<(Vec<approval_group::Model>, Vec<approval_group_member::Model>), DbErr> {
    let groups = approval_group::Entity::find()
        .order_by_asc(approval_group::Column::Name)
        .all(conn)
        .await?;
    let links = approval_group_member::Entity::find().all(conn).await?;
    Ok((groups, links))
}

/// Which of `ids` are accounts.
pub async fn existing_users(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> Result<HashSet<Uuid>, DbErr> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// The role `id`.
pub async fn role(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find_by_id(id).one(conn).await
}

/// The role named `name` of application `app` in environment `env`.
pub async fn role_by_name(
    conn: &impl ConnectionTrait,
    app: Uuid,
    name: &str,
    env: &str,
) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find()
        .filter(role::Column::ApplicationId.eq(app))
        .filter(role::Column::Name.eq(name))
        .filter(role::Column::Environment.eq(env))
        .one(conn)
        .await
}

/// Stores a new role with the organizations that see it, its prerequisites and its chain.
pub async fn insert_role(
    conn: &impl ConnectionTrait,
    r: role::Model,
    orgs: &[Uuid],
    prerequisites: &[Uuid],
    chain: &[LevelKind],
) -> Result<(), DbErr> {
    let id = r.id;
    role::ActiveModel::from(r).insert(conn).await?;
    set_visibility(conn, id, orgs).await?;
    set_prerequisites(conn, id, prerequisites).await?;
    super::catalog::set_chain(conn, id, chain).await
}

/// Writes the settings of role `r.id` (not its name, application or environment).
pub async fn update_role(conn: &impl ConnectionTrait, r: role::Model) -> Result<(), DbErr> {
    role::ActiveModel {
        id: Set(r.id),
        description: Set(r.description),
        hidden: Set(r.hidden),
        requestable_by: Set(r.requestable_by),
        min_it_level: Set(r.min_it_level),
        default_expiration_days: Set(r.default_expiration_days),
        mfa_required: Set(r.mfa_required),
        data_owner_id: Set(r.data_owner_id),
        iao_id: Set(r.iao_id),
        renewal_approver: Set(r.renewal_approver),
        ..Default::default()
    }
    .update(conn)
    .await
    .map(|_| ())
}

/// Replaces the organizations that see role `id` (none: every organization).
pub async fn set_visibility(conn: &impl ConnectionTrait, id: Uuid, orgs: &[Uuid]) -> Result<(), DbErr> {
    role_visibility::Entity::delete_many()
        .filter(role_visibility::Column::RoleId.eq(id))
        .exec(conn)
        .await?;
    for o in orgs.iter().collect::<HashSet<_>>() {
        role_visibility::ActiveModel {
            role_id: Set(id),
            organization_id: Set(*o),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Replaces the prerequisite roles of role `id`.
pub async fn set_prerequisites(
    conn: &impl ConnectionTrait,
    id: Uuid,
    prerequisites: &[Uuid],
) -> Result<(), DbErr> {
    role_prerequisite::Entity::delete_many()
        .filter(role_prerequisite::Column::RoleId.eq(id))
        .exec(conn)
        .await?;
    for pre in prerequisites.iter().collect::<HashSet<_>>() {
        role_prerequisite::ActiveModel {
            role_id: Set(id),
            prerequisite_role_id: Set(*pre),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// What the catalog view of some roles shows, read in two statements.
#[derive(Debug, Default)]
pub struct RoleDetails {
    pub roles: HashMap<Uuid, role::Model>,
    pub apps: HashMap<Uuid, application::Model>,
    /// (role, a prerequisite of it), in no order.
    pub prerequisites: Vec<(Uuid, amps_openapi::RoleRef)>,
    /// Chain levels (role, position, kind, group), in position order.
    pub chains: Vec<(Uuid, i32, String, Option<Uuid>)>,
    /// (role, organization code), by code; read only when asked for.
    pub visibility: Vec<(Uuid, String)>,
}

/// The details of roles `ids`; with `visibility`, the organizations that see them too. One
/// statement reads the roles with their applications; one more reads their chains,
/// prerequisites (with the prerequisite's name, application and environment) and
/// visibility, as rows of one shape (what, role, other id, three texts, position).
pub async fn role_details(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    visibility: bool,
) -> Result<RoleDetails, DbErr> {
    if ids.is_empty() {
        return Ok(RoleDetails::default());
    }
    let rows = role::Entity::find()
        .filter(role::Column::Id.is_in(ids.to_vec()))
        .find_also_related(application::Entity)
        .all(conn)
        .await?;
    details_of(conn, rows, visibility).await
}

/// The details of roles already read with their applications (one more statement).
pub async fn details_of(
    conn: &impl ConnectionTrait,
    rows: Vec<(role::Model, Option<application::Model>)>,
    visibility: bool,
) -> Result<RoleDetails, DbErr> {
    let mut d = RoleDetails::default();
    let ids: Vec<Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    if ids.is_empty() {
        return Ok(d);
    }
    for (r, a) in rows {
        if let Some(a) = a {
            d.apps.insert(a.id, a);
        }
        d.roles.insert(r.id, r);
    }
    let no_text = || Expr::val(Option::<String>::None);
    let no_id = || Expr::val(Option::<Uuid>::None);
    let pre = Alias::new("pre");
    let pre_app = Alias::new("pre_app");
    let mut q = Query::select()
        .expr(Expr::val("chain"))
        .column(role_chain_level::Column::RoleId)
        .column(role_chain_level::Column::GroupId)
        .column(role_chain_level::Column::Kind)
        .expr(no_text())
        .expr(no_text())
        .column(role_chain_level::Column::Position)
        .from(role_chain_level::Entity)
        .and_where(role_chain_level::Column::RoleId.is_in(ids.to_vec()))
        .to_owned();
    q.union(
        UnionType::All,
        Query::select()
            .expr(Expr::val("prerequisite"))
            .column((role_prerequisite::Entity, role_prerequisite::Column::RoleId))
            .column((
                role_prerequisite::Entity,
                role_prerequisite::Column::PrerequisiteRoleId,
            ))
            .column((pre.clone(), role::Column::Name))
            .column((pre_app.clone(), application::Column::Code))
            .column((pre.clone(), role::Column::Environment))
            .expr(Expr::val(Option::<i32>::None))
            .from(role_prerequisite::Entity)
            .join_as(
                JoinType::InnerJoin,
                role::Entity,
                pre.clone(),
                Expr::col((pre.clone(), role::Column::Id)).equals((
                    role_prerequisite::Entity,
                    role_prerequisite::Column::PrerequisiteRoleId,
                )),
            )
            .join_as(
                JoinType::InnerJoin,
                application::Entity,
                pre_app.clone(),
                Expr::col((pre_app, application::Column::Id)).equals((pre, role::Column::ApplicationId)),
            )
            .and_where(
                Expr::col((role_prerequisite::Entity, role_prerequisite::Column::RoleId)).is_in(ids.to_vec()),
            )
            .to_owned(),
    );
    if visibility {
        q.union(
            UnionType::All,
            Query::select()
                .expr(Expr::val("visibility"))
                .column((role_visibility::Entity, role_visibility::Column::RoleId))
                .expr(no_id())
                .column((organization::Entity, organization::Column::Code))
                .expr(no_text())
                .expr(no_text())
                .expr(Expr::val(Option::<i32>::None))
                .from(role_visibility::Entity)
                .inner_join(
                    organization::Entity,
                    Expr::col((organization::Entity, organization::Column::Id))
                        .equals((role_visibility::Entity, role_visibility::Column::OrganizationId)),
                )
                .and_where(
                    Expr::col((role_visibility::Entity, role_visibility::Column::RoleId)).is_in(ids.to_vec()),
                )
                .to_owned(),
        );
    }
    for row in conn.query_all(&q).await? {
        let super::catalog::FactRow {
            what,
            role_id,
            other,
            text,
        } = super::catalog::FactRow::read(&row)?;
        match (what.as_str(), other) {
            ("chain", group) => {
                let position: Option<i32> = row.try_get_by_index(6)?;
                d.chains.push((
                    role_id,
                    position.unwrap_or_default(),
                    text.unwrap_or_default(),
                    group,
                ));
            }
            ("prerequisite", Some(id)) => {
                let application: Option<String> = row.try_get_by_index(4)?;
                let environment: Option<String> = row.try_get_by_index(5)?;
                d.prerequisites.push((
                    role_id,
                    amps_openapi::RoleRef {
                        id,
                        name: text.unwrap_or_default(),
                        application: application.unwrap_or_default(),
                        environment: environment.unwrap_or_default(),
                    },
                ));
            }
            ("visibility", None) => d.visibility.push((role_id, text.unwrap_or_default())),
            _ => return Err(DbErr::Custom(format!("unexpected role detail {what}"))),
        }
    }
    d.chains
        .sort_by_key(|(role_id, position, _, _)| (*role_id, *position));
    d.visibility.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(d)
}

/// A role search.
#[derive(Debug, Default)]
pub struct RoleSearch<'a> {
    /// Part of the role's name or its application's code or name, any case.
    pub text: Option<&'a str>,
    /// Only roles of the application with this code.
    pub application: Option<&'a str>,
    /// Only roles a member of this organization may see and request (never hidden ones);
    /// `None`: every role (the catalog view).
    pub visible_to: Option<&'a organization::Model>,
    pub limit: u64,
}

/// The roles `s` finds (with their applications), by name then environment.
pub async fn search_roles(
    conn: &impl ConnectionTrait,
    s: &RoleSearch<'_>,
) -> Result<Vec<(role::Model, Option<application::Model>)>, DbErr> {
    role_search(conn.get_database_backend(), s).all(conn).await
}

/// The query of a role search, with each role's application. Text matches part of a role's
/// name through an index (SQLite: the FTS5 trigram table `role_search`, for three characters
/// or more; PostgreSQL: the trigram index on `lower(name)`), or part of its application's code
/// or name (a few dozen rows).
pub fn role_search(
    backend: DbBackend,
    s: &RoleSearch<'_>,
) -> sea_orm::SelectTwo<role::Entity, application::Entity> {
    let mut cond = match s.visible_to {
        Some(org) => visible_to(org),
        None => Condition::all(),
    };
    if let Some(text) = s.text {
        let pattern = super::users::contains_pattern(text);
        let lower = |c: Expr| Expr::expr(Func::lower(c));
        let by_name = if backend == DbBackend::Sqlite && text.chars().count() >= 3 {
            // A phrase of the text: its trigrams in a row, i.e. names containing it, any case.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            Expr::col((role::Entity, role::Column::Id)).in_subquery(
                Query::select()
                    .column(Alias::new("role_id"))
                    .from(Alias::new("role_search"))
                    .and_where(Expr::cust_with_values("role_search MATCH ?", [phrase]))
                    .to_owned(),
            )
        } else {
            lower(Expr::col((role::Entity, role::Column::Name))).like(pattern.clone())
        };
        let apps = Query::select()
            .column(application::Column::Id)
            .from(application::Entity)
            .cond_where(
                Condition::any()
                    .add(lower(Expr::col(application::Column::Code)).like(pattern.clone()))
                    .add(lower(Expr::col(application::Column::Name)).like(pattern)),
            )
            .to_owned();
        let application_id = Expr::col((role::Entity, role::Column::ApplicationId));
        let by_application = if backend == DbBackend::Postgres {
            // An array computed once (an init plan), so PostgreSQL can combine the name's
            // trigram index with the application index (a BitmapOr); `IN (subquery)` would
            // make it read every role.
            Expr::cust_with_exprs(
                "$1 = ANY(ARRAY($2))",
                [
                    application_id,
                    Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(apps))),
                ],
            )
        } else {
            application_id.in_subquery(apps)
        };
        cond = cond.add(Condition::any().add(by_name).add(by_application));
    }
    if let Some(app) = s.application {
        cond = cond.add(application::Column::Code.eq(app));
    }
    role::Entity::find()
        .find_also_related(application::Entity)
        .filter(cond)
        .order_by_asc(role::Column::Name)
        .order_by_asc(role::Column::Environment)
        .limit(s.limit)
}

/// The condition that keeps the roles a member of `org` may see and request.
fn visible_to(org: &organization::Model) -> Condition {
    let mut cond = Condition::all().add(role::Column::Hidden.eq(false));
    cond = cond.add(if org.is_external {
        role::Column::RequestableBy.is_in([Requestable::External, Requestable::Both])
    } else {
        role::Column::RequestableBy.is_in([Requestable::Internal, Requestable::Both])
    });
    let any_vis = Query::select()
        .expr(Expr::val(1))
        .from(role_visibility::Entity)
        .and_where(
            Expr::col((role_visibility::Entity, role_visibility::Column::RoleId))
                .equals((role::Entity, role::Column::Id)),
        )
        .to_owned();
    let org_vis = Query::select()
        .expr(Expr::val(1))
        .from(role_visibility::Entity)
        .and_where(
            Expr::col((role_visibility::Entity, role_visibility::Column::RoleId))
                .equals((role::Entity, role::Column::Id)),
        )
        .and_where(Expr::col((role_visibility::Entity, role_visibility::Column::OrganizationId)).eq(org.id))
        .to_owned();
    cond = cond.add(
        Condition::any()
            .add(Expr::exists(any_vis).not())
            .add(Expr::exists(org_vis)),
    );
    if !org.allows_non_prod {
        // The organization may request PROD roles only: do not offer the others.
        cond = cond.add(role::Column::Environment.eq("PROD"));
    }
    cond
}

/// Every organization, by code.
pub async fn organizations(conn: &impl ConnectionTrait) -> Result<Vec<organization::Model>, DbErr> {
    organization::Entity::find()
        .order_by_asc(organization::Column::Code)
        .all(conn)
        .await
}

/// The organization `id`.
pub async fn organization(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find_by_id(id).one(conn).await
}

/// Stores a changed organization.
pub async fn update_organization(
    conn: &impl ConnectionTrait,
    o: organization::Model,
) -> Result<organization::Model, DbErr> {
    organization::ActiveModel::from(o).reset_all().update(conn).await
}

/// Stores a new organization.
pub async fn insert_organization(
    conn: &impl ConnectionTrait,
    o: organization::Model,
) -> Result<organization::Model, DbErr> {
    organization::ActiveModel::from(o).insert(conn).await
}

/// Whether a segregation-of-duties rule is named `name`.
pub async fn sod_rule_name_taken(conn: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    Ok(sod_rule::Entity::find()
        .filter(sod_rule::Column::Name.eq(name))
        .one(conn)
        .await?
        .is_some())
}

/// Stores a new segregation-of-duties rule over `roles`.
pub async fn insert_sod_rule(
    conn: &impl ConnectionTrait,
    r: sod_rule::Model,
    roles: &[Uuid],
) -> Result<(), DbErr> {
    let id = r.id;
    sod_rule::ActiveModel::from(r).insert(conn).await?;
    for role in roles {
        sod_rule_role::ActiveModel {
            rule_id: Set(id),
            role_id: Set(*role),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Every segregation-of-duties rule by name, and the roles of each.
pub async fn sod_rules(
    conn: &impl ConnectionTrait,
) -> Result<(Vec<sod_rule::Model>, Vec<sod_rule_role::Model>), DbErr> {
    let rules = sod_rule::Entity::find()
        .order_by_asc(sod_rule::Column::Name)
        .all(conn)
        .await?;
    let links = sod_rule_role::Entity::find().all(conn).await?;
    Ok((rules, links))
}

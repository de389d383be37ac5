//! The role catalog as its managers change it: applications, roles with their visibility,
//! prerequisites and chains, approval groups and their members, segregation-of-duties rules
//! and organizations; and the role search (visibility applied in SQL).

use super::entities::{
    application, approval_group, approval_group_member, organization, role, role_chain_level,
    role_prerequisite, role_visibility, sod_rule, sod_rule_role, user,
};
use crate::domain::chain::LevelKind;
use crate::domain::request::Requestable;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait, Set,
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

/// What the catalog view of some roles shows, read with a fixed number of queries.
#[derive(Debug, Default)]
pub struct RoleDetails {
    pub roles: HashMap<Uuid, role::Model>,
    pub apps: HashMap<Uuid, application::Model>,
    pub prerequisites: Vec<role_prerequisite::Model>,
    /// Chain levels, in position order.
    pub chains: Vec<role_chain_level::Model>,
    /// (role, organization code), by code; read only when asked for.
    pub visibility: Vec<(Uuid, String)>,
}

/// The details of roles `ids`; with `visibility`, the organizations that see them too.
pub async fn role_details(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    visibility: bool,
) -> Result<RoleDetails, DbErr> {
    if ids.is_empty() {
        return Ok(RoleDetails::default());
    }
    let roles: HashMap<Uuid, role::Model> = role::Entity::find()
        .filter(role::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let apps = application::Entity::find()
        .filter(
            application::Column::Id.is_in(roles.values().map(|r| r.application_id).collect::<HashSet<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let prerequisites = role_prerequisite::Entity::find()
        .filter(role_prerequisite::Column::RoleId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let chains = role_chain_level::Entity::find()
        .filter(role_chain_level::Column::RoleId.is_in(ids.to_vec()))
        .order_by_asc(role_chain_level::Column::Position)
        .all(conn)
        .await?;
    let visibility = if visibility {
        role_visibility::Entity::find()
            .select_only()
            .column(role_visibility::Column::RoleId)
            .column(organization::Column::Code)
            .join(JoinType::InnerJoin, role_visibility::Relation::Organization.def())
            .filter(role_visibility::Column::RoleId.is_in(ids.to_vec()))
            .order_by_asc(organization::Column::Code)
            .into_tuple()
            .all(conn)
            .await?
    } else {
        Vec::new()
    };
    Ok(RoleDetails {
        roles,
        apps,
        prerequisites,
        chains,
        visibility,
    })
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

/// The ids of the roles `s` finds, by name then environment.
pub async fn search_roles(conn: &impl ConnectionTrait, s: &RoleSearch<'_>) -> Result<Vec<Uuid>, DbErr> {
    let mut cond = match s.visible_to {
        Some(org) => visible_to(org),
        None => Condition::all(),
    };
    if let Some(text) = s.text {
        let pattern = super::users::contains_pattern(text);
        cond = cond.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col((role::Entity, role::Column::Name))))
                        .like(pattern.clone()),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col((
                        application::Entity,
                        application::Column::Code,
                    ))))
                    .like(pattern.clone()),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col((
                        application::Entity,
                        application::Column::Name,
                    ))))
                    .like(pattern),
                ),
        );
    }
    if let Some(app) = s.application {
        cond = cond.add(application::Column::Code.eq(app));
    }
    role::Entity::find()
        .join(JoinType::InnerJoin, role::Relation::Application.def())
        .filter(cond)
        .select_only()
        .column(role::Column::Id)
        .order_by_asc(role::Column::Name)
        .order_by_asc(role::Column::Environment)
        .limit(s.limit)
        .into_tuple()
        .all(conn)
        .await
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

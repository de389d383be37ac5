//! The role catalog: applications, roles (visibility, who may request, IT level,
//! prerequisites, approval chain, expiration), approval groups and segregation-of-duties
//! rules; and the role search of the request wizard.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::domain::chain::LevelKind;
use crate::domain::it_level::ItLevel;
use crate::domain::permission::Permission;
use crate::domain::routing::ADMINISTRATORS;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::catalog_admin as admin;
use crate::store::entities::{application, approval_group, organization, role, sod_rule};
use amps_openapi::*;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

fn require_catalog(p: &UserPrincipal) -> Result<()> {
    p.require(Permission::ManageCatalog)
}

fn app_response(a: application::Model) -> ApplicationResponse {
    ApplicationResponse {
        webhook_secret: None,
        id: a.id,
        code: a.code,
        name: a.name,
        provisioning_mode: a.provisioning_mode.into(),
        webhook_url: a.webhook_url,
        provisioner_group_id: a.provisioner_group_id,
    }
}

/// Creates an application.
pub async fn create_application(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateApplicationRequest,
) -> Result<ApplicationResponse> {
    require_catalog(p)?;
    let now = ctx.clock.now();
    if req.provisioning_mode == ProvisioningMode::Automatic && req.webhook_url.is_none() {
        return Err(Error::Validation(field(
            "webhook_url",
            "required",
            "is required for automatic provisioning",
        )));
    }
    if let Some(url) = &req.webhook_url
        && let Err(why) = crate::notify::outbound::check_url(url, &ctx.settings.webhook_networks)
    {
        return Err(Error::Validation(field("webhook_url", "not_allowed", why)));
    }
    if let Some(g) = req.provisioner_group_id
        && !admin::group_exists(&ctx.read, g).await?
    {
        return Err(Error::Validation(field(
            "provisioner_group_id",
            "unknown",
            "is not an approval group",
        )));
    }
    if admin::application_by_code(&ctx.read, req.code.trim())
        .await?
        .is_some()
    {
        return Err(Error::Duplicate(field(
            "code",
            "taken",
            "is already used by another application",
        )));
    }
    let secret = (req.provisioning_mode == ProvisioningMode::Automatic).then(crate::auth::tokens::generate);
    let txn = crate::store::begin(&ctx.db).await?;
    let a = admin::insert_application(
        &txn,
        application::Model {
            webhook_secret: secret.clone(),
            id: Uuid::now_v7(),
            code: req.code.trim().into(),
            name: req.name.trim().into(),
            provisioning_mode: req.provisioning_mode.into(),
            webhook_url: req.webhook_url.clone(),
            provisioner_group_id: req.provisioner_group_id,
            created_at: now,
        },
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.application_created",
            target: Some(format!("application:{}", a.id)),
            details: json!({"after": {"code": a.code, "name": a.name, "mode": a.provisioning_mode.as_str()}}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ApplicationResponse {
        webhook_secret: secret,
        ..app_response(a)
    })
}

/// Lists applications.
pub async fn list_applications(ctx: &Ctx) -> Result<Vec<ApplicationResponse>> {
    Ok(admin::applications(&ctx.read)
        .await?
        .into_iter()
        .map(app_response)
        .collect())
}

/// The settings of a role that refer to other records, as created or changed.
struct RoleSpec<'a> {
    min_it_level: &'a str,
    chain: &'a [ChainLevel],
    data_owner_id: Option<Uuid>,
    iao_id: Option<Uuid>,
    visible_to: &'a [String],
    prerequisites: &'a [Uuid],
}

/// Checks a role's settings, adding what is wrong to `errors`; returns the parsed chain and
/// the organizations that see the role.
async fn check_spec(
    conn: &impl ConnectionTrait,
    spec: &RoleSpec<'_>,
    this_role: Option<Uuid>,
    errors: &mut Vec<FieldError>,
) -> Result<(Vec<LevelKind>, Vec<Uuid>)> {
    if spec.min_it_level.parse::<ItLevel>().is_err() {
        errors.extend(field("min_it_level", "unknown", "must be none, I, II or III"));
    }
    let mut levels = Vec::new();
    for (i, l) in spec.chain.iter().enumerate() {
        match LevelKind::parse(&l.kind, l.group_id) {
            Ok(LevelKind::Group(g)) if !admin::group_exists(conn, g).await? => {
                errors.extend(field(
                    &format!("chain[{i}].group_id"),
                    "unknown",
                    "is not an approval group",
                ));
            }
            Ok(k) => levels.push(k),
            Err(e) => errors.extend(field(&format!("chain[{i}].kind"), "unknown", e)),
        }
    }
    if levels.contains(&LevelKind::DataOwner) && spec.data_owner_id.is_none() {
        errors.extend(field(
            "data_owner_id",
            "required",
            "is required when the chain has a Data Owner level",
        ));
    }
    if levels.contains(&LevelKind::Iao) && spec.iao_id.is_none() {
        errors.extend(field(
            "iao_id",
            "required",
            "is required when the chain has an IAO level",
        ));
    }
    for (name, id) in [("data_owner_id", spec.data_owner_id), ("iao_id", spec.iao_id)] {
        if let Some(id) = id
            && store::users::find(conn, id).await?.is_none()
        {
            errors.extend(field(name, "unknown", "is not a user"));
        }
    }
    let mut orgs = Vec::new();
    for (i, code) in spec.visible_to.iter().enumerate() {
        match store::accounts::organization_by_code(conn, code).await? {
            Some(o) => orgs.push(o.id),
            None => errors.extend(field(
                &format!("visible_to[{i}]"),
                "unknown",
                "is not an organization code",
            )),
        }
    }
    for (i, pre) in spec.prerequisites.iter().enumerate() {
        if Some(*pre) == this_role {
            errors.extend(field(
                &format!("prerequisites[{i}]"),
                "self",
                "is the role itself",
            ));
        } else if admin::role(conn, *pre).await?.is_none() {
            errors.extend(field(&format!("prerequisites[{i}]"), "unknown", "is not a role"));
        }
    }
    Ok((levels, orgs))
}

/// Creates a role.
pub async fn create_role(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateRoleRequest,
) -> Result<RoleResponse> {
    require_catalog(p)?;
    let now = ctx.clock.now();
    let mut errors = Vec::new();
    let app = store::provisioning::application(&ctx.read, req.application_id).await?;
    match &app {
        None => errors.extend(field("application_id", "unknown", "is not an application")),
        // AMPS's own application holds the administrative roles: administrators only.
        Some(a) if a.code == crate::seed::AMPS_APP => p.require(Permission::ManageAmpsRoles)?,
        Some(_) => {}
    }
    let spec = RoleSpec {
        min_it_level: &req.min_it_level,
        chain: &req.chain,
        data_owner_id: req.data_owner_id,
        iao_id: req.iao_id,
        visible_to: &req.visible_to,
        prerequisites: &req.prerequisites,
    };
    let checked = check_spec(&ctx.read, &spec, None, &mut errors).await?;
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let (levels, orgs) = checked;
    let env = req.environment.trim().to_uppercase();
    let exists = admin::role_by_name(&ctx.read, req.application_id, req.name.trim(), &env).await?;
    if exists.is_some() {
        return Err(Error::Duplicate(field(
            "name",
            "taken",
            "already exists in this application and environment",
        )));
    }
    let id = Uuid::now_v7();
    let txn = crate::store::begin(&ctx.db).await?;
    admin::insert_role(
        &txn,
        role::Model {
            id,
            application_id: req.application_id,
            name: req.name.trim().into(),
            environment: env,
            description: req.description.clone(),
            hidden: req.hidden,
            requestable_by: req.requestable_by.into(),
            min_it_level: req.min_it_level.clone(),
            default_expiration_days: req.default_expiration_days,
            mfa_required: req.mfa_required,
            data_owner_id: req.data_owner_id,
            iao_id: req.iao_id,
            admin_key: None,
            created_at: now,
            renewal_approver: req.renewal_approver.into(),
        },
        &orgs,
        &req.prerequisites,
        &levels,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.role_created",
            target: Some(format!("role:{id}")),
            details: json!({"after": serde_json::to_value(req).unwrap_or_default()}),
        },
    )
    .await?;
    txn.commit().await?;
    role_response(&ctx.read, id, None).await
}

async fn role_response(
    conn: &impl ConnectionTrait,
    id: Uuid,
    flags: Option<(&HashSet<Uuid>, &HashMap<Uuid, String>)>,
) -> Result<RoleResponse> {
    role_responses(conn, &[id], flags, true)
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound("No such role.".into()))
}

/// Catalog views of roles, in the order of `ids`, with a fixed number of queries.
async fn role_responses(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    flags: Option<(&HashSet<Uuid>, &HashMap<Uuid, String>)>,
    with_catalog: bool,
) -> Result<Vec<RoleResponse>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let details = admin::role_details(conn, ids, with_catalog).await?;
    responses_of(ids, details, flags, with_catalog)
}

/// Catalog views of roles, in the order of `ids`, from their details.
fn responses_of(
    ids: &[Uuid],
    details: admin::RoleDetails,
    flags: Option<(&HashSet<Uuid>, &HashMap<Uuid, String>)>,
    with_catalog: bool,
) -> Result<Vec<RoleResponse>> {
    let admin::RoleDetails {
        roles,
        apps,
        prerequisites: prereqs,
        chains,
        visibility,
    } = details;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(r) = roles.get(id) else { continue };
        let a = apps
            .get(&r.application_id)
            .ok_or_else(|| anyhow::anyhow!("role without application"))?;
        out.push(RoleResponse {
            id: r.id,
            name: r.name.clone(),
            application: a.code.clone(),
            application_id: a.id,
            environment: r.environment.clone(),
            description: r.description.clone(),
            min_it_level: r.min_it_level.clone(),
            requestable_by: r.requestable_by.into(),
            renewal_approver: r.renewal_approver.into(),
            mfa_required: r.mfa_required,
            prerequisites: {
                let mut refs: Vec<RoleRef> = prereqs
                    .iter()
                    .filter(|(role_id, _)| *role_id == r.id)
                    .map(|(_, pre)| pre.clone())
                    .collect();
                refs.sort_by(|a, b| (&a.name, &a.environment).cmp(&(&b.name, &b.environment)));
                refs
            },
            chain: chains
                .iter()
                .filter(|(role_id, ..)| *role_id == r.id)
                .map(|(_, _, kind, group_id)| ChainLevel {
                    kind: kind.clone(),
                    group_id: *group_id,
                })
                .collect(),
            default_expiration_days: r.default_expiration_days,
            held: flags.is_some_and(|(h, _)| h.contains(id)),
            pending: flags.is_some_and(|(_, p)| p.contains_key(id)),
            catalog: with_catalog.then(|| RoleCatalogFacts {
                hidden: r.hidden,
                visible_to: visibility
                    .iter()
                    .filter(|(rid, _)| rid == id)
                    .map(|(_, code)| code.clone())
                    .collect(),
                mfa_required: r.mfa_required,
                data_owner_id: r.data_owner_id,
                iao_id: r.iao_id,
            }),
        });
    }
    Ok(out)
}

/// The wizard's role search: only roles the caller may see, never hidden ones. With `all`,
/// the catalog view for catalog managers: every role, with its settings.
pub async fn search_roles(ctx: &Ctx, p: &UserPrincipal, q: &SearchRolesQuery) -> Result<Vec<RoleResponse>> {
    let catalog_view = q.all == Some(true);
    if catalog_view {
        require_catalog(p)?;
    }
    let search = admin::RoleSearch {
        text: q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        application: q.application.as_deref().filter(|a| !a.is_empty()),
        visible_to: (!catalog_view).then_some(&p.org),
        limit: q.limit.unwrap_or(50),
    };
    let found = admin::search_roles(&ctx.read, &search).await?;
    let ids: Vec<Uuid> = found.iter().map(|(r, _)| r.id).collect();
    let details = admin::details_of(&ctx.read, found, catalog_view).await?;
    let h = store::catalog::held_and_pending(&ctx.read, p.id, ctx.clock.now()).await?;
    responses_of(&ids, details, Some((&h.held, &h.pending)), catalog_view)
}

/// Creates an approval group.
pub async fn create_group(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateApprovalGroupRequest,
) -> Result<ApprovalGroupResponse> {
    require_catalog(p)?;
    let now = ctx.clock.now();
    let members = checked_members(&ctx.read, &req.members).await?;
    if admin::group_name_taken(&ctx.read, req.name.trim(), None).await? {
        return Err(Error::Duplicate(field(
            "name",
            "taken",
            "is already used by another group",
        )));
    }
    let id = Uuid::now_v7();
    let txn = crate::store::begin(&ctx.db).await?;
    let g = admin::insert_group(
        &txn,
        approval_group::Model {
            id,
            name: req.name.trim().into(),
            description: req.description.clone(),
            created_at: now,
        },
        &members,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.approval_group_created",
            target: Some(format!("approval_group:{id}")),
            details: json!({"after": {"name": req.name, "members": members}}),
        },
    )
    .await?;
    let out = group_response(&txn, g).await?;
    txn.commit().await?;
    Ok(out)
}

/// `members` without repeats, in the order given; a 422 naming each one that is not a user.
async fn checked_members(conn: &impl ConnectionTrait, members: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut seen = HashSet::new();
    let members: Vec<Uuid> = members.iter().copied().filter(|u| seen.insert(*u)).collect();
    let known = admin::existing_users(conn, members.clone()).await?;
    let errors: Vec<FieldError> = members
        .iter()
        .enumerate()
        .filter(|(_, u)| !known.contains(u))
        .flat_map(|(i, _)| field(&format!("members[{i}]"), "unknown", "is not a user"))
        .collect();
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(Error::Validation(errors))
    }
}

/// The users `ids` as people, in name order.
async fn people(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<PersonRef>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut out: Vec<PersonRef> = store::users::find_many(conn, ids.iter().copied())
        .await?
        .iter()
        .map(super::views::person_ref)
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.user_id.cmp(&b.user_id)));
    Ok(out)
}

/// Who may see approval groups and their members: those who staff them and the help desk.
fn require_group_reader(p: &UserPrincipal) -> Result<()> {
    p.require(Permission::ReadApprovalGroups)
}

/// Lists approval groups with their members (three queries, whatever their number).
pub async fn list_groups(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<ApprovalGroupResponse>> {
    require_group_reader(p)?;
    let (groups, links) = admin::groups_with_memberships(&ctx.read).await?;
    let ids: Vec<Uuid> = links
        .iter()
        .map(|l| l.user_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let everyone = people(&ctx.read, &ids).await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let members: Vec<Uuid> = links
                .iter()
                .filter(|l| l.group_id == g.id)
                .map(|l| l.user_id)
                .collect();
            ApprovalGroupResponse {
                people: everyone
                    .iter()
                    .filter(|p| members.contains(&p.id))
                    .cloned()
                    .collect(),
                members,
                id: g.id,
                name: g.name,
                description: g.description,
            }
        })
        .collect())
}

/// Creates a segregation-of-duties rule.
pub async fn create_sod_rule(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateSodRuleRequest,
) -> Result<SodRuleResponse> {
    require_catalog(p)?;
    let now = ctx.clock.now();
    let roles: Vec<Uuid> = req
        .role_ids
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if roles.len() < 2 {
        return Err(Error::Validation(field(
            "role_ids",
            "too_few",
            "must name at least two different roles",
        )));
    }
    for (i, r) in roles.iter().enumerate() {
        if admin::role(&ctx.read, *r).await?.is_none() {
            return Err(Error::Validation(field(
                &format!("role_ids[{i}]"),
                "unknown",
                "is not a role",
            )));
        }
    }
    if admin::sod_rule_name_taken(&ctx.read, req.name.trim()).await? {
        return Err(Error::Duplicate(field(
            "name",
            "taken",
            "is already used by another rule",
        )));
    }
    let id = Uuid::now_v7();
    let txn = crate::store::begin(&ctx.db).await?;
    admin::insert_sod_rule(
        &txn,
        sod_rule::Model {
            id,
            name: req.name.trim().into(),
            description: req.description.clone(),
            created_at: now,
        },
        &roles,
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.sod_rule_created",
            target: Some(format!("sod_rule:{id}")),
            details: json!({"after": {"name": req.name, "roles": roles}}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SodRuleResponse {
        id,
        name: req.name.trim().into(),
        description: req.description.clone(),
        role_ids: roles,
    })
}

/// Lists the segregation-of-duties rules.
pub async fn list_sod_rules(ctx: &Ctx) -> Result<Vec<SodRuleResponse>> {
    let (rules, links) = admin::sod_rules(&ctx.read).await?;
    Ok(rules
        .into_iter()
        .map(|r| SodRuleResponse {
            id: r.id,
            role_ids: links
                .iter()
                .filter(|l| l.rule_id == r.id)
                .map(|l| l.role_id)
                .collect(),
            name: r.name,
            description: r.description,
        })
        .collect())
}

/// Changes a role's settings (not its name, application or environment, which identify it).
pub async fn update_role(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &UpdateRoleRequest,
) -> Result<RoleResponse> {
    require_catalog(p)?;
    let now = ctx.clock.now();
    let current = admin::role(&ctx.read, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such role.".into()))?;
    if current.admin_key.is_some() {
        // A path to administrative power is made by administrators only.
        p.require(Permission::ManageAmpsRoles)?;
    }
    if req.is_empty() {
        return Err(Error::Validation(field(
            "body",
            "empty",
            "names nothing to change",
        )));
    }
    let before = role_response(&ctx.read, id, None).await?;
    let facts = before
        .catalog
        .clone()
        .ok_or_else(|| anyhow::anyhow!("catalog facts missing"))?;
    let chain = req.chain.clone().unwrap_or_else(|| before.chain.clone());
    let visible_to = req.visible_to.clone().unwrap_or_else(|| facts.visible_to.clone());
    let prerequisites = req
        .prerequisites
        .clone()
        .unwrap_or_else(|| before.prerequisites.iter().map(|r| r.id).collect());
    let min_it_level = req
        .min_it_level
        .clone()
        .unwrap_or_else(|| current.min_it_level.clone());
    let spec = RoleSpec {
        min_it_level: &min_it_level,
        chain: &chain,
        data_owner_id: req.data_owner_id.or(current.data_owner_id),
        iao_id: req.iao_id.or(current.iao_id),
        visible_to: &visible_to,
        prerequisites: &prerequisites,
    };
    let mut errors = Vec::new();
    let (levels, orgs) = check_spec(&ctx.read, &spec, Some(id), &mut errors).await?;
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let mut m = current.clone();
    if let Some(d) = &req.description {
        m.description = d.clone();
    }
    if let Some(h) = req.hidden {
        m.hidden = h;
    }
    if let Some(r) = req.requestable_by {
        m.requestable_by = r.into();
    }
    m.min_it_level = min_it_level.clone();
    if let Some(days) = req.default_expiration_days {
        m.default_expiration_days = (days > 0).then_some(days);
    }
    if let Some(mfa) = req.mfa_required {
        m.mfa_required = mfa;
    }
    if let Some(r) = req.renewal_approver {
        m.renewal_approver = r.into();
    }
    m.data_owner_id = spec.data_owner_id;
    m.iao_id = spec.iao_id;
    admin::update_role(&txn, m).await?;
    if req.visible_to.is_some() {
        admin::set_visibility(&txn, id, &orgs).await?;
    }
    if req.prerequisites.is_some() {
        admin::set_prerequisites(&txn, id, &prerequisites).await?;
    }
    if req.chain.is_some() {
        store::catalog::set_chain(&txn, id, &levels).await?;
    }
    let after = role_response(&txn, id, None).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.role_updated",
            target: Some(format!("role:{id}")),
            details: json!({
                "before": serde_json::to_value(&before).unwrap_or_default(),
                "after": serde_json::to_value(&after).unwrap_or_default(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

fn org_response(o: organization::Model) -> OrganizationResponse {
    OrganizationResponse {
        id: o.id,
        code: o.code,
        name: o.name,
        is_external: o.is_external,
        allows_non_prod: o.allows_non_prod,
        mfa_required: o.mfa_required,
    }
}

/// Lists organizations.
pub async fn list_organizations(ctx: &Ctx) -> Result<Vec<OrganizationResponse>> {
    Ok(admin::organizations(&ctx.read)
        .await?
        .into_iter()
        .map(org_response)
        .collect())
}

/// Adds an organization.
pub async fn create_organization(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    req: &CreateOrganizationRequest,
) -> Result<OrganizationResponse> {
    p.require(Permission::ManageOrganizations)?;
    let now = ctx.clock.now();
    if store::accounts::organization_by_code(&ctx.read, req.code.trim())
        .await?
        .is_some()
    {
        return Err(Error::Duplicate(field(
            "code",
            "taken",
            "is already used by another organization",
        )));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let o = admin::insert_organization(
        &txn,
        organization::Model {
            id: Uuid::now_v7(),
            code: req.code.trim().into(),
            name: req.name.trim().into(),
            is_external: req.is_external,
            allows_non_prod: req.allows_non_prod,
            mfa_required: req.mfa_required,
            created_at: now,
        },
    )
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.organization_created",
            target: Some(format!("organization:{}", o.id)),
            details: json!({"after": serde_json::to_value(req).unwrap_or_default()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(org_response(o))
}

/// Changes an organization's name, non-PROD access or second-factor requirement. Requiring a
/// second factor takes effect at its users' next request (the callers' caches hear of it).
pub async fn update_organization(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &UpdateOrganizationRequest,
) -> Result<OrganizationResponse> {
    p.require(Permission::ManageOrganizations)?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let before = admin::organization(&txn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such organization.".into()))?;
    let mut after = before.clone();
    if let Some(name) = &req.name {
        after.name = name.trim().into();
    }
    if let Some(v) = req.allows_non_prod {
        after.allows_non_prod = v;
    }
    if let Some(v) = req.mfa_required {
        after.mfa_required = v;
    }
    if after == before {
        return Ok(org_response(before));
    }
    let after = admin::update_organization(&txn, after).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.organization_updated",
            target: Some(format!("organization:{id}")),
            details: json!({
                "before": serde_json::to_value(org_response(before)).unwrap_or_default(),
                "after": serde_json::to_value(org_response(after.clone())).unwrap_or_default(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(org_response(after))
}

/// Changes an approval group's name, description or members. Open group tasks stay with the
/// group: its new members see them at once.
pub async fn update_group(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &UpdateApprovalGroupRequest,
) -> Result<ApprovalGroupResponse> {
    require_catalog(p)?;
    let now = ctx.clock.now();
    let current = admin::group(&ctx.read, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such approval group.".into()))?;
    if id == ADMINISTRATORS {
        return Err(Error::Conflict(
            "This group is AMPS's own: its members are the holders of the Administrator role; change who holds that role instead.".into(),
        ));
    }
    if req.name.is_none() && req.description.is_none() && req.members.is_none() {
        return Err(Error::Validation(field(
            "body",
            "empty",
            "names nothing to change",
        )));
    }
    if let Some(name) = &req.name
        && admin::group_name_taken(&ctx.read, name.trim(), Some(id)).await?
    {
        return Err(Error::Duplicate(field(
            "name",
            "taken",
            "is already used by another group",
        )));
    }
    let members = match &req.members {
        Some(m) => Some(checked_members(&ctx.read, m).await?),
        None => None,
    };
    let before = group_response(&ctx.read, current.clone()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let mut m = current;
    if let Some(n) = &req.name {
        m.name = n.trim().into();
    }
    if let Some(d) = &req.description {
        m.description = d.clone();
    }
    let g = admin::update_group(&txn, m).await?;
    if let Some(members) = &members {
        admin::set_members(&txn, id, members).await?;
    }
    let after = group_response(&txn, g).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "catalog.approval_group_updated",
            target: Some(format!("approval_group:{id}")),
            details: json!({
                "before": serde_json::to_value(&before).unwrap_or_default(),
                "after": serde_json::to_value(&after).unwrap_or_default(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

async fn group_response(
    conn: &impl ConnectionTrait,
    g: approval_group::Model,
) -> Result<ApprovalGroupResponse> {
    let members = admin::members(conn, g.id).await?;
    Ok(ApprovalGroupResponse {
        id: g.id,
        name: g.name,
        description: g.description,
        people: people(conn, &members).await?,
        members,
    })
}

/// `PUT /organizations/{id}/officers`: the security officers (holders of the Security Officer
/// role) and IAOs (active internal accounts) organization `id` names; each list replaces the
/// one before. Audited.
pub async fn set_organization_officers(
    ctx: &Ctx,
    actor: &Actor,
    p: &UserPrincipal,
    id: Uuid,
    req: &OrganizationOfficersRequest,
) -> Result<OrganizationOfficersResponse> {
    p.require(Permission::ManageOrganizations)?;
    validator::Validate::validate(req)?;
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let org = store::users::organization(&txn, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such organization.".into()))?;
    if org.is_external {
        return Err(Error::Validation(field(
            "security_officers",
            "external",
            "external organizations have no officers of their own (their users' EAO approves)",
        )));
    }
    let mut errors = Vec::new();
    let wanted = [
        (&req.security_officers, "security_officers", true),
        (&req.iaos, "iaos", false),
    ];
    let mut chosen: [Vec<Uuid>; 2] = [Vec::new(), Vec::new()];
    for (slot, (list, name, so)) in wanted.into_iter().enumerate() {
        for (i, login) in list.iter().enumerate() {
            let at = format!("{name}[{i}]");
            let u =
                store::users::active_by_login(&txn, &crate::domain::account::normalize_login(login)).await?;
            let Some(u) = u else {
                errors.extend(field(&at, "unknown", "is not the User ID of an active account"));
                continue;
            };
            let internal = store::users::organization(&txn, u.organization_id)
                .await?
                .is_some_and(|o| !o.is_external);
            if !internal {
                errors.extend(field(&at, "external", "must be an internal account"));
            } else if so
                && !crate::domain::permission::allows(
                    &store::users::admin_roles(&txn, u.id, now).await?,
                    Permission::ActAsSecurityOfficer,
                )
            {
                errors.extend(field(
                    &at,
                    "not_security_officer",
                    "does not hold the Security Officer role",
                ));
            } else if !chosen[slot].contains(&u.id) {
                chosen[slot].push(u.id);
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let [sos, iaos] = chosen;
    store::users::set_officers(&txn, org.id, store::users::OFFICER_SECURITY, &sos).await?;
    store::users::set_officers(&txn, org.id, store::users::OFFICER_IAO, &iaos).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "organization.officers_set",
            target: Some(format!("organization:{}", org.id)),
            details: json!({"organization": org.code, "after": {"security_officers": req.security_officers, "iaos": req.iaos}}),
        },
    )
    .await?;
    let response = OrganizationOfficersResponse {
        security_officers: store::users::officers_of(&txn, org.id, store::users::OFFICER_SECURITY)
            .await?
            .iter()
            .map(super::views::person_ref)
            .collect(),
        iaos: store::users::officers_of(&txn, org.id, store::users::OFFICER_IAO)
            .await?
            .iter()
            .map(super::views::person_ref)
            .collect(),
    };
    txn.commit().await?;
    Ok(response)
}

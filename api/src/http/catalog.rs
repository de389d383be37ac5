//! Catalog administration (`/organizations`, `/applications`, `/roles`, `/approval-groups`,
//! `/sod-rules`) and
//! the wizard's role search (`GET /roles`).

use super::extract::{Auth, JsonBody};
use super::problems::{Conflict, Forbidden, Invalid, NotFound, Unauthorized};
use crate::domain::permission::Permission;
use crate::service::{Ctx, Error, catalog};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(set_organization_officers)
        .service(update_organization)
        .service(list_applications)
        .service(create_application)
        .service(search_roles)
        .service(create_role)
        .service(update_role)
        .service(list_approval_groups)
        .service(create_approval_group)
        .service(update_approval_group)
        .service(list_sod_rules)
        .service(create_sod_rule);
}

/// Applications in the catalog.
///
/// **Permissions**: administrators and role-catalog owners (the catalog screens).
///
/// **Refusals**: 403: anyone else.
#[utoipa::path(
    tag = "catalog",
    operation_id = "list_applications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApplicationResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/applications")]
async fn list_applications(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    auth.0.user()?.require(Permission::ManageCatalog)?;
    Ok(HttpResponse::Ok().json(catalog::list_applications(&ctx).await?))
}

/// Add an application.
///
/// **Permissions**: Administrator or Role Catalog Owner.
///
/// **Refusals**: 403: not a catalog manager; 409: code taken.
#[utoipa::path(
    tag = "catalog",
    operation_id = "create_application",
    security(("bearer" = [])),
    request_body = CreateApplicationRequest,
    responses(
        (status = 201, body = ApplicationResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/applications")]
async fn create_application(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateApplicationRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageCatalog)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(catalog::create_application(&ctx, &auth.actor(&req), p, &body).await?))
}

/// Search the roles the caller may request (the wizard's Select Roles step). Hidden roles and
/// roles not visible to the caller's organization or user type are never listed. With
/// `all=true`, the catalog view: every role, hidden ones included, with their settings.
///
/// **Permissions**: any signed-in user; `all=true` only Administrator or Role Catalog Owner.
///
/// **Refusals**: 403: `all=true` without managing the catalog; 422: invalid parameters.
#[utoipa::path(
    tag = "catalog",
    operation_id = "search_roles",
    security(("bearer" = [])),
    params(
        SearchRolesQuery,
    ),
    responses(
        (status = 200, body = Vec<RoleResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[get("/roles")]
async fn search_roles(
    ctx: web::Data<Ctx>,
    auth: Auth,
    q: web::Query<SearchRolesQuery>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    q.validate()?;
    Ok(HttpResponse::Ok().json(catalog::search_roles(&ctx, p, &q).await?))
}

/// Add a role: visibility, who may request it, minimum IT level, prerequisites, approval
/// chain, expiration.
///
/// **Permissions**: Administrator or Role Catalog Owner.
///
/// **Refusals**: 403: not a catalog manager; 409: role exists.
#[utoipa::path(
    tag = "catalog",
    operation_id = "create_role",
    security(("bearer" = [])),
    request_body = CreateRoleRequest,
    responses(
        (status = 201, body = RoleResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/roles")]
async fn create_role(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateRoleRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageCatalog)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(catalog::create_role(&ctx, &auth.actor(&req), p, &body).await?))
}

/// Approval groups with their members.
///
/// **Permissions**: Administrator, Role Catalog Owner or Help Desk.
#[utoipa::path(
    tag = "catalog",
    operation_id = "list_approval_groups",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApprovalGroupResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/approval-groups")]
async fn list_approval_groups(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(catalog::list_groups(&ctx, p).await?))
}

/// Add an approval group.
///
/// **Permissions**: Administrator or Role Catalog Owner.
#[utoipa::path(
    tag = "catalog",
    operation_id = "create_approval_group",
    security(("bearer" = [])),
    request_body = CreateApprovalGroupRequest,
    responses(
        (status = 201, body = ApprovalGroupResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/approval-groups")]
async fn create_approval_group(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateApprovalGroupRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageCatalog)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(catalog::create_group(&ctx, &auth.actor(&req), p, &body).await?))
}

/// Segregation-of-duties rules.
///
/// **Permissions**: administrators and role-catalog owners (the catalog screens).
///
/// **Refusals**: 403: anyone else.
#[utoipa::path(
    tag = "catalog",
    operation_id = "list_sod_rules",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SodRuleResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/sod-rules")]
async fn list_sod_rules(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    auth.0.user()?.require(Permission::ManageCatalog)?;
    Ok(HttpResponse::Ok().json(catalog::list_sod_rules(&ctx).await?))
}

/// Add a segregation-of-duties rule (a set of roles no one may hold two of).
///
/// **Permissions**: Administrator or Role Catalog Owner.
#[utoipa::path(
    tag = "catalog",
    operation_id = "create_sod_rule",
    security(("bearer" = [])),
    request_body = CreateSodRuleRequest,
    responses(
        (status = 201, body = SodRuleResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/sod-rules")]
async fn create_sod_rule(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateSodRuleRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageCatalog)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(catalog::create_sod_rule(&ctx, &auth.actor(&req), p, &body).await?))
}

/// Organizations (DLA, DFAS, External, …).
///
/// **Permissions**: administrators, role-catalog owners (the catalog screens) and the help
/// desk (who create accounts in them).
///
/// **Refusals**: 403: anyone else.
#[utoipa::path(
    tag = "catalog",
    operation_id = "list_organizations",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<OrganizationResponse>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/organizations")]
async fn list_organizations(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    if !crate::domain::permission::allows(&p.admin_roles, Permission::CreateAccounts) {
        p.require(Permission::ManageCatalog)?;
    }
    Ok(HttpResponse::Ok().json(catalog::list_organizations(&ctx).await?))
}

/// Add an organization.
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 409: code taken.
#[utoipa::path(
    tag = "catalog",
    operation_id = "create_organization",
    security(("bearer" = [])),
    request_body = CreateOrganizationRequest,
    responses(
        (status = 201, body = OrganizationResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[post("/organizations")]
async fn create_organization(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    body: JsonBody<CreateOrganizationRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageOrganizations)?;
    let body = body.parse()?;
    Ok(HttpResponse::Created().json(catalog::create_organization(&ctx, &auth.actor(&req), p, &body).await?))
}

/// Name an internal organization's security officers and Information Assurance Officers (each
/// list replaces the one before). Users see them in My Information, and a user's own security
/// officer must then be one of the organization's. Audited.
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 404: no such organization; 422: an external
/// organization, an unknown or external account, a security officer without the Security
/// Officer role.
#[utoipa::path(
    tag = "catalog",
    operation_id = "set_organization_officers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = OrganizationOfficersRequest,
    responses(
        (status = 200, body = OrganizationOfficersResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[put("/organizations/{id}/officers")]
async fn set_organization_officers(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<OrganizationOfficersRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageOrganizations)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok()
        .json(catalog::set_organization_officers(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// Change an organization: its name, whether its users may request non-PROD roles, and whether
/// they must sign in with a second factor (then a sign-in with the password alone may only set
/// one up, or confirm one, before anything else; from the users' next request). Audited.
///
/// **Permissions**: Administrator.
///
/// **Refusals**: 403: not an administrator; 404: no such organization; 422: a bad name.
#[utoipa::path(
    tag = "catalog",
    operation_id = "update_organization",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = UpdateOrganizationRequest,
    responses(
        (status = 200, body = OrganizationResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[patch("/organizations/{id}")]
async fn update_organization(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateOrganizationRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageOrganizations)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(catalog::update_organization(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// Change a role's settings: description, visibility, who may request it, minimum IT level,
/// prerequisites, approval chain, expiration, MFA, data owner and IAO. Fields left out keep
/// their value; a chain change applies to the levels a request has not reached yet.
///
/// **Permissions**: Administrator or Role Catalog Owner.
///
/// **Refusals**: 403: not a catalog manager; 404: no such role.
#[utoipa::path(
    tag = "catalog",
    operation_id = "update_role",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Role id"),
    ),
    request_body = UpdateRoleRequest,
    responses(
        (status = 200, body = RoleResponse),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Invalid),
    ),
)]
#[patch("/roles/{id}")]
async fn update_role(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateRoleRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageCatalog)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(catalog::update_role(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

/// Change an approval group: name, description, or its whole member list. Open tasks of the
/// group are seen by its new members at once.
///
/// **Permissions**: Administrator or Role Catalog Owner.
///
/// **Refusals**: 403: not a catalog manager; 404: no such group; 409: name taken.
#[utoipa::path(
    tag = "catalog",
    operation_id = "update_approval_group",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Approval group id"),
    ),
    request_body = UpdateApprovalGroupRequest,
    responses(
        (status = 200, body = ApprovalGroupResponse),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Invalid),
    ),
)]
#[patch("/approval-groups/{id}")]
async fn update_approval_group(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateApprovalGroupRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    p.require(Permission::ManageCatalog)?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(catalog::update_group(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

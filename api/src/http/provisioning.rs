//! `/provisioning-tasks`: the provisioner's queue.

use super::extract::{Auth, JsonBody};
use super::problems::{Conflict, Forbidden, NotFound};
use crate::service::{Ctx, Error, provisioning};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_provisioning_tasks)
        .service(complete_provisioning_task);
}

/// Open provisioning tasks of the applications I provision, oldest first.
///
/// **Permissions**: members of an application's provisioner group; holders of the AMPS
/// Provisioner role for applications without a group.
///
/// **Refusals**: 403: not a provisioner.
#[utoipa::path(
    tag = "provisioning",
    operation_id = "list_provisioning_tasks",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ProvisioningTaskResponse>),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/provisioning-tasks")]
async fn list_provisioning_tasks(ctx: web::Data<Ctx>, auth: Auth) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    Ok(HttpResponse::Ok().json(provisioning::list_open(&ctx, p).await?))
}

/// Mark a manual provisioning task done: the role assignment becomes active and the requester
/// is told.
///
/// **Permissions**: provisioners of the task's application.
///
/// **Refusals**: 409: already done, or the removal of AMPS's last administrator's
/// Administrator role (AMPS always keeps one).
#[utoipa::path(
    tag = "provisioning",
    operation_id = "complete_provisioning_task",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Task id"),
    ),
    request_body = CompleteProvisioningRequest,
    responses(
        (status = 200, body = ProvisioningTaskResponse),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/provisioning-tasks/{id}/complete")]
async fn complete_provisioning_task(
    ctx: web::Data<Ctx>,
    req: HttpRequest,
    auth: Auth,
    id: web::Path<Uuid>,
    body: JsonBody<CompleteProvisioningRequest>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    provisioning::authorize(&ctx, p, *id).await?;
    let body = body.parse()?;
    Ok(HttpResponse::Ok().json(provisioning::complete(&ctx, &auth.actor(&req), p, *id, &body).await?))
}

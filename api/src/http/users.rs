//! `/users`: the users list of administrators and the help desk.

use super::extract::Auth;
use super::problems::{Forbidden, Invalid, Unauthorized};
use crate::service::{Ctx, Error, users};
use actix_web::{HttpResponse, get, web};
use amps_openapi::*;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Registers the handlers.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users);
}

/// Users, ordered by User ID, searched by User ID, name or email and filtered by status;
/// pages of `limit` with `cursor`.
///
/// **Permissions**: Administrator, Help Desk or Role Catalog Owner (who staffs approval groups).
///
/// **Refusals**: 403: neither administrator, help desk nor role-catalog owner; 422: invalid parameters.
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    security(("bearer" = [])),
    params(
        ListUsersQuery,
    ),
    responses(
        (status = 200, body = UserListResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Invalid),
    ),
)]
#[get("/users")]
async fn list_users(
    ctx: web::Data<Ctx>,
    auth: Auth,
    q: web::Query<ListUsersQuery>,
) -> Result<HttpResponse, Error> {
    let p = auth.0.user()?;
    q.validate()?;
    Ok(HttpResponse::Ok().json(users::list_users(&ctx, p, &q).await?))
}

//! Who is calling: resolved from a verified access token and the current database state, so a
//! disabled account's unexpired token stops working at once.

use super::{Ctx, Error, Result};
use crate::domain::account::AccountStatus;
use crate::store::entities::{application, role, role_assignment, service_client, user};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use uuid::Uuid;

/// The code of the application that holds AMPS's own administrative roles.
pub const AMPS_APP: &str = "AMPS";

/// A signed-in caller.
#[derive(Debug, Clone)]
pub enum Principal {
    User(UserPrincipal),
    Service { client_id: String, scopes: Vec<String> },
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub id: Uuid,
    pub login: String,
    /// AMPS administrative roles held (Administrator, Help Desk, …).
    pub admin_roles: Vec<String>,
    /// The account as read when the caller was authenticated (services need not read it
    /// again; a change in the same request reads the fresh row).
    pub user: user::Model,
}

impl UserPrincipal {
    /// Whether the user holds the AMPS administrative role `name`.
    pub fn has_admin_role(&self, name: &str) -> bool {
        self.admin_roles.iter().any(|r| r == name)
    }

    /// Administrators and role-catalog owners manage the catalog.
    pub fn can_manage_catalog(&self) -> bool {
        self.has_admin_role("Administrator") || self.has_admin_role("Role Catalog Owner")
    }
}

impl Principal {
    /// The person, or a 403 for a service client.
    pub fn user(&self) -> Result<&UserPrincipal> {
        match self {
            Principal::User(u) => Ok(u),
            Principal::Service { .. } => Err(Error::Forbidden(
                "This action is for people, not service clients.".into(),
            )),
        }
    }

    /// A readable label for audit events.
    pub fn label(&self) -> String {
        match self {
            Principal::User(u) => u.login.clone(),
            Principal::Service { client_id, .. } => format!("client:{client_id}"),
        }
    }

    /// The id of the person, if a person.
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User(u) => Some(u.id),
            Principal::Service { .. } => None,
        }
    }
}

/// The AMPS administrative roles a user holds.
pub async fn admin_roles(conn: &impl sea_orm::ConnectionTrait, user_id: Uuid) -> Result<Vec<String>> {
    let rows: Vec<String> = role_assignment::Entity::find()
        .select_only()
        .column(role::Column::Name)
        .join(JoinType::InnerJoin, role_assignment::Relation::Role.def())
        .join(JoinType::InnerJoin, role::Relation::Application.def())
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::Status.eq("active"))
        .filter(application::Column::Code.eq(AMPS_APP))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows)
}

/// Verifies `token` and loads the caller.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Principal> {
    let now = ctx.clock.now();
    let claims = ctx.keys.verify(token, now).map_err(|e| {
        tracing::debug!(reason = %e.0, "access token refused");
        Error::Unauthorized("The access token is not valid or has expired. Sign in again.".into())
    })?;
    match claims.kind.as_str() {
        "user" => {
            let id: Uuid = claims
                .sub
                .parse()
                .map_err(|_| Error::Unauthorized("The access token is not valid. Sign in again.".into()))?;
            let u = user::Entity::find_by_id(id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| Error::Unauthorized("The account no longer exists.".into()))?;
            let status: AccountStatus = u.status.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            if let Some(why) = status.sign_in_refusal() {
                return Err(Error::Unauthorized(why.into()));
            }
            let admin_roles = admin_roles(&ctx.db, u.id).await?;
            Ok(Principal::User(UserPrincipal {
                id: u.id,
                login: u.login.clone(),
                admin_roles,
                user: u,
            }))
        }
        "service" => {
            let client_id = claims.sub.strip_prefix("client:").unwrap_or_default().to_string();
            let c = service_client::Entity::find()
                .filter(service_client::Column::ClientId.eq(&client_id))
                .one(&ctx.db)
                .await?
                .filter(|c| !c.disabled)
                .ok_or_else(|| Error::Unauthorized("The service client is unknown or disabled.".into()))?;
            Ok(Principal::Service {
                client_id,
                scopes: c.scopes.split_whitespace().map(str::to_string).collect(),
            })
        }
        _ => Err(Error::Unauthorized(
            "The access token is not valid. Sign in again.".into(),
        )),
    }
}

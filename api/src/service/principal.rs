//! Who is calling: resolved from a verified access token and the current database state, so a
//! disabled account's unexpired token stops working at once.

use super::{Ctx, Error, Result};
use crate::domain::permission::{self, AdminRole, Permission};
use crate::store;
use crate::store::entities::{organization, user};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// A signed-in caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Boxed: a person carries their account and organization, a service client only its id.
    User(Box<UserPrincipal>),
    Service {
        client_id: String,
        scopes: Vec<String>,
    },
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub id: Uuid,
    pub login: String,
    /// AMPS administrative roles held (Administrator, Help Desk, …).
    pub admin_roles: Vec<AdminRole>,
    /// The account as read when the caller was authenticated (services need not read it
    /// again; a change in the same request reads the fresh row).
    pub user: user::Model,
    /// The account's organization, read with it.
    pub org: organization::Model,
    /// The sign-in (refresh family) the caller's token belongs to; `None` for an emailed link.
    pub session: Option<Uuid>,
}

impl UserPrincipal {
    /// Whether the administrative roles the user holds grant `p` (`domain::permission`).
    pub fn can(&self, p: Permission) -> bool {
        permission::allows(&self.admin_roles, p)
    }

    /// `Ok` when the user may `p`; a 403 in the permission's words otherwise.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(Error::Forbidden(p.refusal().into()))
        }
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
pub async fn admin_roles(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<AdminRole>> {
    Ok(store::users::admin_roles(conn, user_id).await?)
}

/// A user, their organization and the AMPS administrative roles they hold, in one query.
pub async fn caller(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(user::Model, organization::Model, Vec<AdminRole>)>> {
    Ok(store::users::caller(conn, id).await?)
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
            let (u, org, admin_roles) = caller(&ctx.read, id)
                .await?
                .ok_or_else(|| Error::Unauthorized("The account no longer exists.".into()))?;
            let status = u.status;
            if let Some(why) = status.sign_in_refusal() {
                return Err(Error::Unauthorized(why.into()));
            }
            // Every sign-in but the one kept ended when the password changed.
            if claims.epoch.unwrap_or(0) != u.session_epoch
                && (claims.sid.is_none() || claims.sid != u.kept_session)
            {
                return Err(Error::Unauthorized(
                    "Your session has ended because your password was changed. Sign in again.".into(),
                ));
            }
            Ok(Principal::User(Box::new(UserPrincipal {
                id: u.id,
                login: u.login.clone(),
                admin_roles,
                user: u,
                org,
                session: claims.sid,
            })))
        }
        "service" => {
            let client_id = claims.sub.strip_prefix("client:").unwrap_or_default().to_string();
            let c = store::sessions::client(&ctx.read, &client_id)
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

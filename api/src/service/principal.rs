//! Who is calling: resolved from a verified access token and the current database state, so a
//! disabled account's unexpired token stops working at once.

use super::{Ctx, Error, Result};
use crate::domain::account::AccountStatus;
use crate::domain::assignment::AssignmentStatus;
use crate::domain::permission::{self, AdminRole, Permission};
use crate::store::entities::{organization, role, role_assignment, service_client, user};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, QueryTrait, RelationTrait,
};
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
pub async fn admin_roles(conn: &impl sea_orm::ConnectionTrait, user_id: Uuid) -> Result<Vec<AdminRole>> {
    let mut rows: Vec<AdminRole> = role_assignment::Entity::find()
        .select_only()
        .column(role::Column::AdminKey)
        .join(JoinType::InnerJoin, role_assignment::Relation::Role.def())
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .filter(role::Column::AdminKey.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by_key(|r| r.display_name());
    rows.dedup();
    Ok(rows)
}

/// Separates the role keys aggregated by `caller`; no key contains it.
const SEP: &str = "\u{1f}";

/// A user, their organization and the AMPS administrative roles they hold, in one query (it
/// runs on every authenticated request).
pub async fn caller(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(user::Model, organization::Model, Vec<AdminRole>)>> {
    let backend = conn.get_database_backend();
    let name = Expr::col((role::Entity, role::Column::AdminKey));
    let names = match backend {
        DbBackend::Postgres => Func::cust("string_agg").arg(name).arg(SEP),
        _ => Func::cust("group_concat").arg(name).arg(SEP),
    };
    let admin = Query::select()
        .expr(names)
        .from(role_assignment::Entity)
        .inner_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id))
                .equals((role_assignment::Entity, role_assignment::Column::RoleId)),
        )
        .and_where(
            Expr::col((role_assignment::Entity, role_assignment::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(
            Expr::col((role_assignment::Entity, role_assignment::Column::Status))
                .eq(AssignmentStatus::Active),
        )
        .and_where(Expr::col((role::Entity, role::Column::AdminKey)).is_not_null())
        .to_owned();
    let stmt = user::Entity::find_by_id(id)
        .find_also_related(organization::Entity)
        .expr_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(admin))),
            "admin_roles",
        )
        .build(backend);
    let Some(row) = conn.query_one_raw(stmt).await? else {
        return Ok(None);
    };
    let u = user::Model::from_query_result(&row, "A_")?;
    let org = organization::Model::from_query_result(&row, "B_")?;
    let roles: Option<String> = row.try_get("", "admin_roles")?;
    let mut roles: Vec<AdminRole> = roles
        .iter()
        .flat_map(|r| r.split(SEP))
        .filter(|r| !r.is_empty())
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e: crate::domain::UnknownName| anyhow::anyhow!(e))?;
    roles.sort_by_key(|r| r.display_name());
    roles.dedup();
    Ok(Some((u, org, roles)))
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
            let status: AccountStatus = u.status.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            if let Some(why) = status.sign_in_refusal() {
                return Err(Error::Unauthorized(why.into()));
            }
            Ok(Principal::User(Box::new(UserPrincipal {
                id: u.id,
                login: u.login.clone(),
                admin_roles,
                user: u,
                org,
            })))
        }
        "service" => {
            let client_id = claims.sub.strip_prefix("client:").unwrap_or_default().to_string();
            let c = service_client::Entity::find()
                .filter(service_client::Column::ClientId.eq(&client_id))
                .one(&ctx.read)
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

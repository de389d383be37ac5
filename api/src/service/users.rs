//! The users list of administrators, the help desk and role-catalog owners (who staff approval
//! groups): search by User ID, name or email, filter by status, keyset pages ordered by User ID.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::domain::account::AccountStatus;
use crate::domain::permission::Permission;
use crate::store::entities::{organization, user};
use amps_openapi::{ListUsersQuery, UserListResponse, UserSummaryResponse};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

const DEFAULT_PAGE: u64 = 50;

/// `text` as a LIKE pattern that matches it literally, anywhere, ignoring case.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| {
            if matches!(c, '\\' | '%' | '_') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// One page of the users list.
pub async fn list_users(ctx: &Ctx, p: &UserPrincipal, q: &ListUsersQuery) -> Result<UserListResponse> {
    p.require(Permission::ListUsers)?;
    let mut cond = Condition::all();
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if status.parse::<AccountStatus>().is_err() {
            return Err(Error::Validation(field(
                "status",
                "unknown",
                "must be pending_verification, active, disabled, locked or deleted",
            )));
        }
        cond = cond.add(user::Column::Status.eq(status));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = contains_pattern(text);
        let mut any = Condition::any();
        for col in [
            user::Column::Login,
            user::Column::FirstName,
            user::Column::LastName,
            user::Column::Email,
        ] {
            any = any.add(Expr::expr(Func::lower(Expr::col(col))).like(pattern.clone()));
        }
        cond = cond.add(any);
    }
    if let Some(after) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
        cond = cond.add(user::Column::Login.gt(after));
    }
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    let mut rows = user::Entity::find()
        .filter(cond)
        .order_by_asc(user::Column::Login)
        .limit(limit + 1)
        .all(&ctx.db)
        .await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|u| u.login.clone())
    } else {
        None
    };
    let orgs: HashMap<_, _> = organization::Entity::find()
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    Ok(UserListResponse {
        users: rows
            .into_iter()
            .map(|u| UserSummaryResponse {
                id: u.id,
                name: format!("{} {}", u.first_name, u.last_name),
                organization: orgs.get(&u.organization_id).cloned().unwrap_or_default(),
                user_id: u.login,
                email: u.email,
                user_type: u.user_type,
                status: u.status,
                last_activity_at: u.last_activity_at,
            })
            .collect(),
        next_cursor,
    })
}

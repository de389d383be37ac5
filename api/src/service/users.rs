//! The users list of administrators, the help desk and role-catalog owners (who staff approval
//! groups): search by User ID, name or email, filter by status, keyset pages ordered by User ID.

use super::principal::UserPrincipal;
use super::views::name_of;
use super::{Ctx, Error, Result, field};
use crate::domain::account::AccountStatus;
use crate::domain::permission::Permission;
use crate::store;
use crate::store::users::UserFilter;
use amps_openapi::{ListUsersQuery, UserListResponse, UserSummaryResponse};

const DEFAULT_PAGE: u64 = 50;

/// One page of the users list.
pub async fn list_users(ctx: &Ctx, p: &UserPrincipal, q: &ListUsersQuery) -> Result<UserListResponse> {
    p.require(Permission::ListUsers)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<AccountStatus>().map_err(|_| {
            Error::Validation(field(
                "status",
                "unknown",
                "must be pending_verification, active, disabled, locked or deleted",
            ))
        })?),
    };
    let filter = UserFilter {
        status,
        text: q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        after: q.cursor.as_deref().filter(|c| !c.is_empty()),
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    let mut rows = store::users::list(&ctx.db, &filter, limit + 1).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|u| u.login.clone())
    } else {
        None
    };
    let orgs = store::users::organization_codes(&ctx.db).await?;
    Ok(UserListResponse {
        users: rows
            .into_iter()
            .map(|u| UserSummaryResponse {
                id: u.id,
                name: name_of(&u),
                organization: orgs.get(&u.organization_id).cloned().unwrap_or_default(),
                user_id: u.login,
                email: u.email,
                user_type: u.user_type,
                status: u.status.to_string(),
                last_activity_at: u.last_activity_at,
            })
            .collect(),
        next_cursor,
    })
}

//! Signing in and out: password login with brute-force throttling, rotating refresh tokens
//! (reuse of a rotated token revokes its whole family), logout, and OAuth2 client
//! credentials for service clients.

use super::{Ctx, Error, Result};
use crate::auth::{jwt, password, tokens};
use crate::domain::account::{AccountStatus, normalize_login};
use crate::domain::throttle::ThrottlePolicy;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::{login_throttle, refresh_token, service_client, user};
use amps_openapi::{ClientCredentialsRequest, LoginRequest, TokenResponse};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
    sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

/// Lifetime of a refresh token family member.
pub const REFRESH_TTL: Duration = Duration::days(7);
/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "amps_refresh";

const WRONG_CREDENTIALS: &str = "User ID or password is incorrect.";

/// A successful sign-in: the access token and the new refresh token (for the cookie).
pub struct Session {
    pub token: TokenResponse,
    pub refresh_token: String,
}

fn throttle_keys(login: &str, ip: Option<&str>) -> Vec<(String, ThrottlePolicy)> {
    let mut keys = vec![(format!("login:{login}"), ThrottlePolicy::ACCOUNT)];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), ThrottlePolicy::ADDRESS));
    }
    keys
}

async fn blocked_for(
    conn: &impl ConnectionTrait,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let mut wait = None;
    for (key, _) in keys {
        if let Some(row) = login_throttle::Entity::find_by_id(key.clone()).one(conn).await?
            && let Some(until) = row.blocked_until
            && until > now
        {
            let secs = (until - now).num_seconds().max(1);
            wait = Some(wait.map_or(secs, |w: i64| w.max(secs)));
        }
    }
    Ok(wait)
}

async fn record_failure(
    conn: &impl ConnectionTrait,
    keys: &[(String, ThrottlePolicy)],
    now: DateTime<Utc>,
) -> Result<()> {
    for (key, policy) in keys {
        let existing = login_throttle::Entity::find_by_id(key.clone()).one(conn).await?;
        let failures = match &existing {
            Some(r) => policy.next_failures(r.failures, r.last_failure_at, now),
            None => 1,
        };
        let am = login_throttle::ActiveModel {
            key: Set(key.clone()),
            failures: Set(failures),
            last_failure_at: Set(now),
            blocked_until: Set(policy.blocked_until(failures, now)),
        };
        if existing.is_some() {
            am.update(conn).await?;
        } else {
            am.insert(conn).await?;
        }
    }
    Ok(())
}

async fn clear_throttle(conn: &impl ConnectionTrait, login: &str) -> Result<()> {
    login_throttle::Entity::delete_by_id(format!("login:{login}"))
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a refresh token in `family` and returns its clear value.
async fn new_refresh(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<String> {
    let value = tokens::generate();
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family),
        token_hash: Set(tokens::digest(&value)),
        expires_at: Set(now + REFRESH_TTL),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(value)
}

fn access(ctx: &Ctx, sub: &str, kind: &str, scope: Option<String>) -> Result<TokenResponse> {
    Ok(TokenResponse {
        access_token: ctx.keys.issue(sub, kind, scope, ctx.clock.now())?,
        token_type: "Bearer".into(),
        expires_in: jwt::ACCESS_TTL_SECS,
    })
}

async fn revoke_family(conn: &impl ConnectionTrait, family: Uuid, now: DateTime<Utc>) -> Result<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes every refresh token of a user (password reset, account disabled).
pub async fn revoke_all(conn: &impl ConnectionTrait, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Password sign-in.
#[tracing::instrument(skip_all, fields(user_id = %req.user_id))]
pub async fn login(ctx: &Ctx, ip: Option<String>, req: &LoginRequest) -> Result<Session> {
    let login = normalize_login(&req.user_id);
    let now = ctx.clock.now();
    let keys = throttle_keys(&login, ip.as_deref());
    if let Some(retry_after_secs) = blocked_for(&ctx.db, &keys, now).await? {
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    let found = user::Entity::find()
        .filter(user::Column::Login.eq(&login))
        .one(&ctx.db)
        .await?
        .filter(|u| u.status != AccountStatus::Deleted.as_str());
    let ok = password::verify(
        req.password.clone(),
        found.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let actor = Actor {
        id: found.as_ref().map(|u| u.id),
        label: login.clone(),
        ip: ip.clone(),
    };
    let Some(u) = found.filter(|_| ok) else {
        let txn = ctx.db.begin().await?;
        record_failure(&txn, &keys, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_failed",
                target: actor.id.map(|id| format!("user:{id}")),
                details: json!({"reason": "wrong_credentials"}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized(WRONG_CREDENTIALS.into()));
    };
    let status: AccountStatus = u.status.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    if let Some(why) = status.sign_in_refusal() {
        let txn = ctx.db.begin().await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.login_refused",
                target: Some(format!("user:{}", u.id)),
                details: json!({"status": status.as_str()}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Forbidden(why.into()));
    }
    let txn = ctx.db.begin().await?;
    clear_throttle(&txn, &login).await?;
    let refresh = new_refresh(&txn, u.id, Uuid::now_v7(), now).await?;
    user::ActiveModel {
        id: Set(u.id),
        last_activity_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &actor,
            action: "auth.login",
            target: Some(format!("user:{}", u.id)),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Session {
        token: access(ctx, &u.id.to_string(), "user", None)?,
        refresh_token: refresh,
    })
}

/// Exchanges a refresh token for a new access token and a new refresh token.
pub async fn refresh(ctx: &Ctx, ip: Option<String>, presented: Option<&str>) -> Result<Session> {
    let unauthorized = || Error::Unauthorized("Your session has ended. Sign in again.".into());
    let presented = presented.ok_or_else(unauthorized)?;
    let now = ctx.clock.now();
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(presented)))
        .one(&ctx.db)
        .await?
        .ok_or_else(unauthorized)?;
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(unauthorized());
    }
    let txn = ctx.db.begin().await?;
    // Compare-and-set: of two uses of the same token only one rotates it.
    let rotated = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?;
    let actor = Actor {
        id: Some(row.user_id),
        label: row.user_id.to_string(),
        ip,
    };
    if rotated.rows_affected == 0 {
        revoke_family(&txn, row.family_id, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.refresh_token_reused",
                target: Some(format!("user:{}", row.user_id)),
                details: json!({"family": row.family_id}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(unauthorized());
    }
    let u = user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?
        .ok_or_else(unauthorized)?;
    if !u
        .status
        .parse::<AccountStatus>()
        .is_ok_and(AccountStatus::can_sign_in)
    {
        return Err(unauthorized());
    }
    let value = new_refresh(&txn, u.id, row.family_id, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                label: u.login.clone(),
                ..actor
            },
            action: "auth.token_refreshed",
            target: Some(format!("user:{}", u.id)),
            details: json!({"family": row.family_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Session {
        token: access(ctx, &u.id.to_string(), "user", None)?,
        refresh_token: value,
    })
}

/// Ends the session of the presented refresh token (its whole family).
pub async fn logout(ctx: &Ctx, ip: Option<String>, presented: Option<&str>) -> Result<()> {
    let Some(presented) = presented else { return Ok(()) };
    let now = ctx.clock.now();
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(presented)))
        .one(&ctx.db)
        .await?
    else {
        return Ok(());
    };
    let txn = ctx.db.begin().await?;
    revoke_family(&txn, row.family_id, now).await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &Actor {
                id: Some(row.user_id),
                label: row.user_id.to_string(),
                ip,
            },
            action: "auth.logout",
            target: Some(format!("user:{}", row.user_id)),
            details: json!({"family": row.family_id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// OAuth2 client credentials: a service client's access token.
pub async fn client_credentials(
    ctx: &Ctx,
    ip: Option<String>,
    req: &ClientCredentialsRequest,
) -> Result<TokenResponse> {
    if req.grant_type != "client_credentials" {
        return Err(Error::Validation(super::field(
            "grant_type",
            "unsupported_grant_type",
            "only client_credentials is supported",
        )));
    }
    let now = ctx.clock.now();
    let keys = throttle_keys(&format!("client:{}", req.client_id), ip.as_deref());
    if let Some(retry_after_secs) = blocked_for(&ctx.db, &keys, now).await? {
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    let client = service_client::Entity::find()
        .filter(service_client::Column::ClientId.eq(&req.client_id))
        .one(&ctx.db)
        .await?
        .filter(|c| !c.disabled);
    let ok = password::verify(
        req.client_secret.clone(),
        client.as_ref().map(|c| c.secret_hash.clone()),
    )
    .await?;
    let actor = Actor {
        id: None,
        label: format!("client:{}", req.client_id),
        ip,
    };
    let Some(client) = client.filter(|_| ok) else {
        let txn = ctx.db.begin().await?;
        record_failure(&txn, &keys, now).await?;
        audit::append(
            &txn,
            now,
            NewEvent {
                actor: &actor,
                action: "auth.client_failed",
                target: None,
                details: json!({}),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(Error::Unauthorized("Unknown client or wrong secret.".into()));
    };
    let granted: Vec<&str> = client.scopes.split_whitespace().collect();
    let scope = match &req.scope {
        None => client.scopes.clone(),
        Some(asked) => {
            if let Some(bad) = asked.split_whitespace().find(|s| !granted.contains(s)) {
                return Err(Error::Forbidden(format!(
                    "The client may not use the scope {bad:?}."
                )));
            }
            asked.clone()
        }
    };
    let txn = ctx.db.begin().await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor: &actor,
            action: "auth.client_token",
            target: Some(format!("client:{}", client.client_id)),
            details: json!({"scope": scope}),
        },
    )
    .await?;
    txn.commit().await?;
    access(
        ctx,
        &format!("client:{}", client.client_id),
        "service",
        Some(scope),
    )
}

/// A new service client; returns (client_id, secret). The secret is shown once.
pub async fn create_service_client(
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
    scopes: &str,
) -> Result<(String, String)> {
    let now = ctx.clock.now();
    let client_id = format!("svc-{}", &Uuid::new_v4().simple().to_string()[..12]);
    let secret = tokens::generate();
    let hash = password::hash(secret.clone()).await?;
    let txn = ctx.db.begin().await?;
    service_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id.clone()),
        name: Set(name.to_string()),
        secret_hash: Set(hash),
        scopes: Set(scopes.to_string()),
        disabled: Set(false),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "service_client.created",
            target: Some(format!("client:{client_id}")),
            details: json!({"name": name, "scopes": scopes}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((client_id, secret))
}

//! Where a person is signed in: their sign-ins of the last 30 days (device, address, how it
//! was proved, last use), and ending one of them — by its owner (a lost laptop, a shared
//! computer) or by the help desk or an administrator (a stolen session). An ended sign-in gets
//! no new access token, and the access token it holds is refused at once on every replica:
//! the account row lists it (`users.ended_sessions`, for as long as an access token lives), so
//! the change reaches each replica's cached caller like any account change.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result};
use crate::domain::device;
use crate::domain::permission::Permission;
use crate::store;
use crate::store::audit::{self, Actor, NewEvent};
use crate::store::entities::sign_in;
use crate::store::outbox;
use amps_openapi::SignInResponse;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

/// How far back the list goes.
const SHOWN_DAYS: i64 = 30;
/// At most this many sign-ins are listed, newest first.
const SHOWN: u64 = 50;

fn view(s: sign_in::Model, current: Option<Uuid>, now: DateTime<Utc>) -> SignInResponse {
    SignInResponse {
        id: s.id,
        device: device::describe(s.user_agent.as_deref()),
        ip: s.ip,
        methods: s.methods.split_whitespace().map(str::to_string).collect(),
        started_at: s.started_at,
        last_used_at: s.last_used_at,
        ended_at: s.ended_at,
        active: s.ended_at.is_none() && s.expires_at > now,
        current: Some(s.id) == current,
    }
}

async fn list(ctx: &Ctx, user: Uuid, current: Option<Uuid>) -> Result<Vec<SignInResponse>> {
    let now = ctx.clock.now();
    Ok(
        store::sessions::sign_ins_of(&ctx.read, user, now - Duration::days(SHOWN_DAYS), SHOWN)
            .await?
            .into_iter()
            .map(|s| view(s, current, now))
            .collect(),
    )
}

/// My sign-ins, newest first (the one asking is `current`).
pub async fn mine(ctx: &Ctx, p: &UserPrincipal) -> Result<Vec<SignInResponse>> {
    list(ctx, p.id, p.session).await
}

/// Whether `p` may see and end `user`'s sign-ins (and remove their certificates): the help
/// desk and administrators, and
/// only administrators for an account holding an AMPS administrative role (but anyone their
/// own).
pub(super) async fn may_manage(
    ctx: &Ctx,
    p: &UserPrincipal,
    user: Uuid,
) -> Result<store::entities::user::Model> {
    p.require(Permission::ChangeAccountStatus)?;
    let u = store::users::find(&ctx.read, user)
        .await?
        .ok_or_else(|| Error::NotFound("No such account.".into()))?;
    if u.id != p.id {
        super::administrators_only_for_administrative(
            &ctx.read,
            p,
            u.id,
            ctx.clock.now(),
            "Only an administrator sees and ends the sign-ins of an account that holds an AMPS administrative role.",
        )
        .await?;
    }
    Ok(u)
}

/// `user`'s sign-ins, for the help desk and administrators.
pub async fn of_user(ctx: &Ctx, p: &UserPrincipal, user: Uuid) -> Result<Vec<SignInResponse>> {
    let u = may_manage(ctx, p, user).await?;
    list(ctx, u.id, None).await
}

/// Ends my sign-in `id` (404 when it is not mine; nothing changes when it already ended).
pub async fn end_mine(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, id: Uuid) -> Result<()> {
    end(ctx, actor, p.id, id, None).await
}

/// Ends `user`'s sign-in `id` for the help desk or an administrator (the person is told by mail).
pub async fn end_for(ctx: &Ctx, actor: &Actor, p: &UserPrincipal, user: Uuid, id: Uuid) -> Result<()> {
    let u = may_manage(ctx, p, user).await?;
    end(ctx, actor, u.id, id, Some(p)).await
}

async fn end(ctx: &Ctx, actor: &Actor, user: Uuid, id: Uuid, by: Option<&UserPrincipal>) -> Result<()> {
    let now = ctx.clock.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let s = store::sessions::sign_in(&txn, user, id)
        .await?
        .ok_or_else(|| Error::NotFound("No such sign-in.".into()))?;
    if s.ended_at.is_some() || s.expires_at <= now {
        // Already over: nothing to end, nothing recorded.
        return Ok(());
    }
    store::sessions::revoke_family(&txn, id, now).await?;
    store::sessions::refuse_access_of(&txn, user, id, now).await?;
    let device = device::describe(s.user_agent.as_deref());
    if let Some(by) = by {
        let u = super::load_user(&txn, user).await?;
        outbox::enqueue(
            &txn,
            now,
            &u.email,
            "AMPS: one of your sign-ins was ended",
            &format!(
                "Hello {},\n\n{} ended your AMPS sign-in on {device} (from {}, signed in {}). If you still use that device, sign in again there; if you did not expect this, call the help desk.\n\n-- AMPS",
                u.first_name,
                by.login,
                s.ip.as_deref().unwrap_or("an unknown address"),
                s.started_at.format("%Y-%m-%d %H:%M UTC"),
            ),
        )
        .await?;
    }
    audit::append(
        &txn,
        now,
        NewEvent {
            actor,
            action: "auth.session_ended",
            target: Some(format!("user:{user}")),
            details: json!({"family": id, "device": device, "by_owner": by.is_none()}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

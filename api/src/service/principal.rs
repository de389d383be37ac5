//! Who is calling: resolved from a verified access token and the current database state, so a
//! disabled account's unexpired token stops working at once.

use super::{Ctx, Error, Result};
use crate::domain::permission::{self, AdminRole, Permission};
use crate::store;
use crate::store::entities::{organization, service_client, user};
use crate::store::principals::Change;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
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
    /// The approval groups the user belongs to (not the administrators' queue: that follows
    /// from `admin_roles`).
    pub groups: Vec<Uuid>,
    /// The account as read when the caller was authenticated (services need not read it
    /// again; a change in the same request reads the fresh row).
    pub user: user::Model,
    /// The account's organization, read with it.
    pub org: organization::Model,
    /// The sign-in (refresh family) the caller's token belongs to; `None` for an emailed link.
    pub session: Option<Uuid>,
    /// Whether the caller's sign-in proved more than a password (the token's `amr` has `otp`,
    /// or `sc` for a PIV / CAC certificate).
    pub second_factor: bool,
    /// When the sign-in last proved its second factor (the token's `auth_time`).
    pub factor_at: Option<DateTime<Utc>>,
}

impl UserPrincipal {
    /// Whether the administrative roles the user holds grant `p` (`domain::permission`).
    pub fn can(&self, p: Permission) -> bool {
        permission::allows(&self.admin_roles, p)
    }

    /// Whether the sign-in proved a second factor within the last
    /// [`STEP_UP_MAX_AGE_SECS`](crate::auth::jwt::STEP_UP_MAX_AGE_SECS) (what deciding a role
    /// marked "MFA required" asks).
    pub fn fresh_second_factor(&self, now: DateTime<Utc>) -> bool {
        self.second_factor
            && self.factor_at.is_some_and(|at| {
                now - at <= chrono::Duration::seconds(crate::auth::jwt::STEP_UP_MAX_AGE_SECS)
            })
    }

    /// Why this sign-in must prove a second factor before anything else, if it must:
    /// administrators always sign in with one, and everyone of an organization that requires
    /// it. A sign-in with a certificate has one; an emailed approval link is not a sign-in.
    pub fn second_factor_needed(&self) -> Option<String> {
        if self.session.is_none() || self.second_factor {
            return None;
        }
        self.must_use_second_factor()
    }

    /// Why the account must sign in with a second factor, if it must: administrators always,
    /// and everyone of an organization that requires it.
    pub fn must_use_second_factor(&self) -> Option<String> {
        if self.admin_roles.contains(&AdminRole::Administrator) {
            Some("Administrators sign in with a second factor".into())
        } else if self.org.mfa_required {
            Some(format!(
                "{} requires its users to sign in with a second factor",
                self.org.name
            ))
        } else {
            None
        }
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
pub async fn admin_roles(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<AdminRole>> {
    Ok(store::users::admin_roles(conn, user_id, now).await?)
}

/// A user with their organization, AMPS administrative roles (in force at `now`) and approval
/// groups, in one query.
pub async fn caller(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<Option<Caller>> {
    Ok(store::users::caller(conn, id, now).await?)
}

/// A signed-in person as read from the database: their account, organization, AMPS
/// administrative roles and approval groups.
pub use store::users::CallerRow as Caller;

/// How many callers a replica keeps; past it, it starts again from none.
const CAPACITY: usize = 10_000;
/// How long the cache is trusted after the feed last confirmed it was complete.
const TRUSTED_FOR: Duration = Duration::from_secs(1);
/// How long a barrier ([`Principals::sync`]) waits for the feed before forgetting everyone.
const SYNC_WAIT: Duration = Duration::from_secs(1);

/// The callers this replica has read, so an authenticated request costs no statement. Every
/// change to an account, its organization or its administrative roles reaches every replica
/// through the feed of migration 14 (`store::principals`; their approval groups too), which
/// forgets the callers it names:
/// on SQLite every 100 ms, on PostgreSQL at each commit. A request that changed something
/// waits, before it is answered, until its own replica has applied every change committed
/// before it ([`Principals::sync`]), so the next request sees the change; another replica sees
/// it within a poll (SQLite) or a notification (PostgreSQL). The cache is trusted only while
/// the feed confirmed itself within the last second; otherwise every request reads the
/// database, as without a cache.
pub struct Principals {
    cached: Mutex<Cached>,
    started: Instant,
    /// Milliseconds after `started` at which the feed last confirmed it was complete.
    confirmed: AtomicU64,
    /// SQLite: the log's last sequence applied (`None` before the first poll).
    applied: tokio::sync::Mutex<Option<i64>>,
    /// PostgreSQL: barriers waiting for their notification to come back.
    barriers: Mutex<HashMap<Uuid, oneshot::Sender<()>>>,
    /// PostgreSQL: the feed's last barrier came back (see [`Principals::sync`]).
    feed_up: AtomicBool,
    /// The feed said the signing keys changed, or may have (it missed changes): the key
    /// reloader (`jobs::spawn_key_reloader`) reads them again.
    signing_keys: tokio::sync::Notify,
}

#[derive(Default)]
struct Cached {
    callers: HashMap<Uuid, Arc<Caller>>,
    /// Service clients by `client_id` (their rows: scopes, disabled, the secret's digest).
    clients: HashMap<String, Arc<service_client::Model>>,
    /// Bumped by every eviction: a caller read before it is not cached after it.
    generation: u64,
}

impl Default for Principals {
    fn default() -> Self {
        Self {
            cached: Mutex::default(),
            started: Instant::now(),
            confirmed: AtomicU64::new(0),
            applied: tokio::sync::Mutex::new(None),
            barriers: Mutex::default(),
            feed_up: AtomicBool::new(false),
            signing_keys: tokio::sync::Notify::new(),
        }
    }
}

impl Principals {
    fn cached(&self) -> std::sync::MutexGuard<'_, Cached> {
        // A panic while holding the lock leaves a map that is still a valid cache.
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn trusted(&self) -> bool {
        let now = self.started.elapsed().as_millis() as u64;
        let confirmed = self.confirmed.load(Ordering::Acquire);
        confirmed > 0 && now.saturating_sub(confirmed) <= TRUSTED_FOR.as_millis() as u64
    }

    /// The feed is complete up to now.
    fn confirm(&self) {
        let now = (self.started.elapsed().as_millis() as u64).max(1);
        self.confirmed.store(now, Ordering::Release);
    }

    /// The cached caller `id`, while the feed is trusted.
    fn get(&self, id: Uuid) -> Option<Arc<Caller>> {
        if !self.trusted() {
            return None;
        }
        self.cached().callers.get(&id).cloned()
    }

    fn generation(&self) -> u64 {
        self.cached().generation
    }

    /// Keeps `caller`, read when the generation was `generation`, unless something was evicted
    /// since (it may be older than that eviction).
    fn put(&self, caller: Arc<Caller>, generation: u64) {
        let mut c = self.cached();
        if c.generation != generation || !self.trusted() {
            return;
        }
        if c.callers.len() >= CAPACITY {
            c.callers.clear();
        }
        c.callers.insert(caller.user.id, caller);
    }

    /// Forgets caller `id`.
    pub fn forget(&self, id: Uuid) {
        let mut c = self.cached();
        c.generation += 1;
        c.callers.remove(&id);
    }

    /// Forgets every caller.
    pub fn forget_all(&self) {
        let mut c = self.cached();
        c.generation += 1;
        c.callers.clear();
        c.clients.clear();
    }

    /// The cached service client `client_id`, while the feed is trusted.
    fn client(&self, client_id: &str) -> Option<Arc<service_client::Model>> {
        if !self.trusted() {
            return None;
        }
        self.cached().clients.get(client_id).cloned()
    }

    /// Keeps service client `client`, read at `generation` (see [`Principals::put`]).
    fn put_client(&self, client: Arc<service_client::Model>, generation: u64) {
        let mut c = self.cached();
        if c.generation != generation || !self.trusted() {
            return;
        }
        if c.clients.len() >= CAPACITY {
            c.clients.clear();
        }
        c.clients.insert(client.client_id.clone(), client);
    }

    /// Applies one change of the feed.
    fn apply(&self, change: Change) {
        match change {
            Change::User(id) => self.forget(id),
            Change::Client(client_id) => {
                let mut c = self.cached();
                c.generation += 1;
                c.clients.remove(&client_id);
            }
            Change::Everyone => self.forget_all(),
            Change::SigningKeys => self.signing_keys.notify_one(),
        }
    }

    /// Resolves when the signing keys changed (or may have) since the last call.
    pub async fn signing_keys_changed(&self) {
        self.signing_keys.notified().await;
    }

    /// SQLite: applies the log's changes after the last applied one.
    pub async fn poll(&self, read: &impl ConnectionTrait) -> Result<()> {
        const PAGE: i64 = 1_000;
        let mut applied = self.applied.lock().await;
        let Some(last) = *applied else {
            // Nothing is cached yet: start from the log's end.
            *applied = Some(store::principals::last_seq(read).await?);
            self.forget_all();
            self.confirm();
            return Ok(());
        };
        let changes = store::principals::changes_after(read, last, PAGE).await?;
        // A page full, or rows pruned past what was applied: start again from none.
        if changes.len() as i64 == PAGE || changes.first().is_some_and(|(seq, _)| *seq != last + 1) {
            self.forget_all();
            self.signing_keys.notify_one();
        } else {
            for (_, change) in &changes {
                self.apply(change.clone());
            }
        }
        if let Some((seq, _)) = changes.last() {
            *applied = Some(*seq);
        }
        self.confirm();
        Ok(())
    }

    /// PostgreSQL: applies one notification payload.
    pub fn notified(&self, payload: &str) {
        if let Some(nonce) = payload.strip_prefix("sync:") {
            let waiter = nonce.parse::<Uuid>().ok().and_then(|n| {
                self.barriers
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&n)
            });
            if let Some(w) = waiter {
                let _ = w.send(());
            }
            return;
        }
        self.apply(Change::from_payload(payload));
    }

    /// PostgreSQL: the listener was lost or (re)started; what it missed is unknown.
    pub fn feed_restarted(&self) {
        self.feed_up.store(false, Ordering::Release);
        self.forget_all();
        self.signing_keys.notify_one();
    }

    /// Returns once every change committed before the call has been applied here: SQLite
    /// polls the log; PostgreSQL sends itself a notification and waits for it to come back
    /// (notifications arrive in commit order). If the feed does not answer within a second,
    /// forgets everyone instead; while the PostgreSQL feed is down (its last barrier failed,
    /// or the listener lost its connection; e.g. behind a pooler that drops `LISTEN`), a
    /// request does not wait: the cache is not trusted then, so every request reads the
    /// database until the feed's heartbeat succeeds again.
    pub async fn sync(&self, db: &DatabaseConnection, read: &DatabaseConnection) {
        self.barrier(db, read, false).await;
    }

    /// The feed's own periodic barrier (PostgreSQL): tries even while the feed is down, and
    /// brings it back up when it succeeds.
    pub async fn heartbeat(&self, db: &DatabaseConnection, read: &DatabaseConnection) {
        self.barrier(db, read, true).await;
    }

    async fn barrier(&self, db: &DatabaseConnection, read: &DatabaseConnection, probe: bool) {
        if !store::principals::notifies(db) {
            if let Err(e) = self.poll(read).await {
                tracing::warn!(error = %e, "principal changes: poll failed");
                self.forget_all();
            }
            return;
        }
        if !probe && !self.feed_up.load(Ordering::Acquire) {
            self.forget_all();
            return;
        }
        let nonce = Uuid::new_v4();
        let (tx, rx) = oneshot::channel();
        self.barriers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(nonce, tx);
        let sent = store::principals::notify_sync(db, nonce).await.is_ok();
        let back = sent && matches!(tokio::time::timeout(SYNC_WAIT, rx).await, Ok(Ok(())));
        self.barriers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&nonce);
        self.feed_up.store(back, Ordering::Release);
        if back {
            self.confirm();
        } else {
            self.forget_all();
        }
    }
}

/// The caller `id` at `now`: from this replica's cache (unless one of their administrative
/// roles has ended since it was read), or read (one statement) and cached.
async fn caller_of(ctx: &Ctx, id: Uuid, now: DateTime<Utc>) -> Result<Option<Arc<Caller>>> {
    if let Some(c) = ctx.principals.get(id)
        && c.admin_until.is_none_or(|t| t > now)
    {
        return Ok(Some(c));
    }
    let generation = ctx.principals.generation();
    let Some(c) = caller(&ctx.read, id, now).await? else {
        return Ok(None);
    };
    let c = Arc::new(c);
    ctx.principals.put(c.clone(), generation);
    Ok(Some(c))
}

/// Service client `client_id` (enabled or not): from this replica's cache, or read and cached.
pub async fn client_of(ctx: &Ctx, client_id: &str) -> Result<Option<Arc<service_client::Model>>> {
    if let Some(c) = ctx.principals.client(client_id) {
        return Ok(Some(c));
    }
    let generation = ctx.principals.generation();
    let Some(c) = store::sessions::client(&ctx.read, client_id).await? else {
        return Ok(None);
    };
    let c = Arc::new(c);
    ctx.principals.put_client(c.clone(), generation);
    Ok(Some(c))
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
            let c = caller_of(ctx, id, now)
                .await?
                .ok_or_else(|| Error::Unauthorized("The account no longer exists.".into()))?;
            let (u, org, admin_roles, groups) = (
                c.user.clone(),
                c.org.clone(),
                c.admin_roles.clone(),
                c.groups.clone(),
            );
            let status = u.status;
            if let Some(why) = status.sign_in_refusal(&ctx.settings.help_desk, None) {
                return Err(Error::Unauthorized(why));
            }
            // Every sign-in but the one kept ended when the password changed.
            if claims.epoch.unwrap_or(0) != u.session_epoch
                && (claims.sid.is_none() || claims.sid != u.kept_session)
            {
                return Err(Error::Unauthorized(
                    "Your session has ended because your password was changed. Sign in again.".into(),
                ));
            }
            // A sign-in ended by its owner, the help desk or an administrator.
            if let (Some(sid), Some(ended)) = (claims.sid, u.ended_sessions.as_deref())
                && ended.contains(sid.hyphenated().encode_lower(&mut Uuid::encode_buffer()) as &str)
            {
                return Err(Error::Unauthorized(
                    "This sign-in was ended. Sign in again.".into(),
                ));
            }
            Ok(Principal::User(Box::new(UserPrincipal {
                id: u.id,
                login: u.login.clone(),
                admin_roles,
                groups,
                user: u,
                org,
                session: claims.sid,
                second_factor: claims
                    .amr
                    .as_deref()
                    .is_some_and(crate::auth::jwt::amr_has_second_factor),
                factor_at: claims.auth_time.and_then(|t| DateTime::from_timestamp(t, 0)),
            })))
        }
        "service" => {
            let client_id = claims.sub.strip_prefix("client:").unwrap_or_default().to_string();
            let c = client_of(ctx, &client_id)
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

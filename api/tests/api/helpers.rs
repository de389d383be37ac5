//! The test harness: `spawn_app` starts the real server on port 0 over a fresh database
//! (a new SQLite file, or a new PostgreSQL database), with a manual clock.

use amps::clock::ManualClock;
use amps::config::{JobPeriods, Overrides, Settings};
use amps::service::Ctx;
use amps::startup::Application;
use amps_openapi::*;
use chrono::{TimeZone, Utc};
use sea_orm::{ConnectionTrait, Database};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use url::Url;
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs an async test body once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! both_dbs {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Db::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Db::Postgres).await
                }
            }
        )*
    };
}

/// A running AMPS for one test.
pub struct TestApp {
    pub base: Url,
    pub ctx: Ctx,
    pub clock: Arc<ManualClock>,
    pub smtp: Option<SmtpSink>,
    /// The database URL, for a second replica on the same database.
    pub db_url: String,
    /// The certificate sign-in listener, when it listens.
    pub cert_base: Option<Url>,
    /// The certificate authority the server's TLS certificate chains to, when it serves
    /// HTTPS.
    pub tls_root: Option<reqwest::Certificate>,
}

/// How often the test server's background jobs run.
pub const JOB_PERIOD: std::time::Duration = std::time::Duration::from_millis(50);

/// Waits until `check` holds, as the running server's background jobs make it so; fails the
/// test after 20 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}: not within 20 s");
        tokio::time::sleep(JOB_PERIOD / 2).await;
    }
}

/// Lets the background jobs run several more rounds (to see that something happens once).
pub async fn a_few_rounds() {
    tokio::time::sleep(JOB_PERIOD * 6).await;
}

/// The password used by test accounts.
pub const PASSWORD: &str = "violet tractor umbrella 42";

fn pg_server() -> String {
    std::env::var("AMPS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

async fn database_url(db: Db) -> String {
    let name = format!("amps_test_{}", uuid::Uuid::new_v4().simple());
    match db {
        Db::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            format!("sqlite://{}?mode=rwc", path.display())
        }
        Db::Postgres => {
            let admin = Database::connect(format!("{}/postgres", pg_server()))
                .await
                .expect("PostgreSQL must run at AMPS_TEST_PG_URL (default 127.0.0.1:5432)");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            format!("{}/{name}", pg_server())
        }
    }
}

/// Starts AMPS on `db` with mail kept in the outbox (development mailbox on).
pub async fn spawn_app(db: Db) -> TestApp {
    spawn(db, false).await
}

/// Starts AMPS on `db` delivering mail to an SMTP sink on loopback.
pub async fn spawn_app_with_smtp(db: Db) -> TestApp {
    spawn(db, true).await
}

/// Starts AMPS on `db` with an SMTP relay that refuses connections.
pub async fn spawn_app_with_dead_smtp(db: Db) -> TestApp {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    spawn_with(db, None, Some(format!("smtp://127.0.0.1:{port}"))).await
}

async fn spawn(db: Db, with_smtp: bool) -> TestApp {
    let smtp = if with_smtp {
        Some(SmtpSink::start().await)
    } else {
        None
    };
    let url = smtp.as_ref().map(|s| format!("smtp://127.0.0.1:{}", s.port));
    spawn_with(db, smtp, url).await
}

async fn spawn_with(db: Db, smtp: Option<SmtpSink>, smtp_url: Option<String>) -> TestApp {
    let url = database_url(db).await;
    let dev_mailbox = smtp_url.is_none();
    spawn_on(url, smtp, smtp_url, dev_mailbox).await
}

/// Starts AMPS on `db` as `amps serve` starts by default: no SMTP relay, and no development
/// mailbox (mail waits in the outbox).
pub async fn spawn_app_without_mailbox(db: Db) -> TestApp {
    let url = database_url(db).await;
    spawn_on(url, None, None, false).await
}

/// A second replica of `app`: another server on the same database.
pub async fn spawn_replica(app: &TestApp) -> TestApp {
    spawn_on(app.db_url.clone(), None, None, true).await
}

/// Starts AMPS on `db` with the demo data, whose deadlines job (approval deadlines, role
/// expiry) runs once at start and then not for an hour: what holds between its rounds.
pub async fn seeded_between_deadline_rounds(db: Db) -> TestApp {
    let url = database_url(db).await;
    let app = spawn_on_with(
        url,
        None,
        None,
        true,
        std::time::Duration::from_secs(3600),
        &|_| {},
    )
    .await;
    amps::seed::demo(&app.ctx).await.expect("seed");
    app
}

/// Starts AMPS on `db` with the demo data and settings changed by `tweak`.
pub async fn seeded_with(db: Db, tweak: &dyn Fn(&mut Settings)) -> TestApp {
    let url = database_url(db).await;
    let app = spawn_on_with(url, None, None, true, JOB_PERIOD, tweak).await;
    amps::seed::demo(&app.ctx).await.expect("seed");
    app
}

/// Starts AMPS on `db` with the demo data and settings changed by `tweak`, and a second
/// replica with the same settings on the same database.
pub async fn seeded_pair_with(db: Db, tweak: &dyn Fn(&mut Settings)) -> (TestApp, TestApp) {
    let url = database_url(db).await;
    let app = spawn_on_with(url.clone(), None, None, true, JOB_PERIOD, tweak).await;
    amps::seed::demo(&app.ctx).await.expect("seed");
    let replica = spawn_on_with(url, None, None, true, JOB_PERIOD, tweak).await;
    (app, replica)
}

async fn spawn_on(
    db_url: String,
    smtp: Option<SmtpSink>,
    smtp_url: Option<String>,
    dev_mailbox: bool,
) -> TestApp {
    spawn_on_with(db_url, smtp, smtp_url, dev_mailbox, JOB_PERIOD, &|_| {}).await
}

async fn spawn_on_with(
    db_url: String,
    smtp: Option<SmtpSink>,
    smtp_url: Option<String>,
    dev_mailbox: bool,
    deadlines: std::time::Duration,
    tweak: &dyn Fn(&mut Settings),
) -> TestApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let settings = Settings::load(&Overrides {
        database_url: Some(db_url.clone()),
        bind: Some(format!("127.0.0.1:{port}")),
        smtp_url,
        data_dir: Some(std::env::temp_dir().display().to_string()),
        web_dir: Some("/nonexistent".into()),
        dev_mailbox,
        ..Default::default()
    })
    .expect("test settings");
    let mut settings = settings;
    // A development server (with the mailbox) has the development clock too; it moves the
    // test's manual clock.
    settings.dev_clock = dev_mailbox;
    // Every job runs, as in `amps serve`, only more often: tests wait for what they do.
    settings.jobs = JobPeriods {
        approvals: deadlines,
        webhooks: JOB_PERIOD,
        audit_seal: JOB_PERIOD,
        mail: JOB_PERIOD,
        crls: JOB_PERIOD,
        claim_lease: None,
    };
    tweak(&mut settings);
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .single()
            .expect("time"),
    ));
    let scheme = if settings.tls.is_some() { "https" } else { "http" };
    let app = Application::build(settings, clock.clone(), Some(listener))
        .await
        .expect("build app");
    let ctx = app.ctx.clone();
    let cert_base = app
        .certificate_port()
        .map(|p| Url::parse(&format!("https://127.0.0.1:{p}/")).expect("url"));
    tokio::spawn(app.run());
    TestApp {
        base: Url::parse(&format!("{scheme}://127.0.0.1:{port}/")).expect("url"),
        ctx,
        clock,
        smtp,
        db_url,
        cert_base,
        tls_root: None,
    }
}

impl TestApp {
    /// After a test wrote to the database directly, waits (as every changing request of the
    /// API does before it answers) until this server's cached callers reflect the change.
    pub async fn settle_principals(&self) {
        self.ctx.principals.sync(&self.ctx.db, &self.ctx.read).await;
    }

    /// The test clock's time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use amps::clock::Clock;
        self.clock.now()
    }

    /// A fresh client (its own cookie jar).
    pub fn client(&self) -> Client {
        match &self.tls_root {
            None => Client::new(self.base.clone()),
            Some(_) => Client::with_http(
                self.base.clone(),
                self.http_builder().cookie_store(true).build().expect("client"),
            ),
        }
    }

    /// A plain HTTP client for requests the typed client cannot make (bad bodies, headers).
    pub fn http(&self) -> reqwest::Client {
        self.http_builder().build().expect("client")
    }

    /// A plain HTTP client builder, trusting the server's certificate authority when it
    /// serves HTTPS.
    pub fn http_builder(&self) -> reqwest::ClientBuilder {
        let b = reqwest::Client::builder();
        match &self.tls_root {
            None => b,
            Some(root) => b.tls_certs_only([root.clone()]),
        }
    }

    /// An absolute URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    /// A valid registration for `login`.
    pub fn registration(&self, login: &str) -> RegisterRequest {
        RegisterRequest {
            user_id: login.into(),
            first_name: "Victoria".into(),
            middle_initial: Some("Q".into()),
            last_name: "Vendorson".into(),
            email: format!("{login}@acme.example"),
            phone: "+1 703 555 0101".into(),
            job_title: Some("Shipping clerk".into()),
            organization: "External".into(),
            company: "Acme Hazmat Logistics".into(),
            eao_email: "erin.authorizer@dla.example".into(),
            password: PASSWORD.into(),
        }
    }

    /// The newest development-mailbox message to `to`.
    pub async fn last_mail_to(&self, to: &str) -> MailboxMessage {
        self.client()
            .mailbox()
            .await
            .expect("mailbox")
            .messages
            .into_iter()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no mail to {to}"))
    }

    /// Registers and verifies `login`; returns a signed-in client.
    pub async fn active_user(&self, login: &str) -> Client {
        self.active_user_via(login, self.client()).await
    }

    /// Registers and verifies `login` from client address `addr` (the server must trust
    /// loopback as a proxy), so a test can make more accounts than one address may register
    /// in an hour; returns a signed-in client.
    pub async fn active_user_from(&self, login: &str, addr: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", addr.parse().expect("address"));
        let http = self
            .http_builder()
            .default_headers(headers)
            .build()
            .expect("client");
        self.active_user_via(login, Client::with_http(self.base.clone(), http))
            .await
    }

    async fn active_user_via(&self, login: &str, anonymous: Client) -> Client {
        let reg = self.registration(login);
        anonymous.register(&reg).await.expect("register");
        let mail = self.last_mail_to(&reg.email).await;
        let token = token_in(&mail.body, "/verify-email?token=");
        anonymous
            .verify_email(&VerifyEmailRequest { token })
            .await
            .expect("verify");
        let mut c = self.client();
        c.login(&LoginRequest {
            user_id: login.into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("login");
        c
    }

    /// An active internal account `login` (a DLA civilian), created the way an administrator
    /// creates one (the demo's `aadmin`) and activated through its invitation; signed in.
    pub async fn internal_user(&self, login: &str) -> Client {
        let email = format!("{login}@dla.example");
        as_user(self, "aadmin")
            .await
            .create_user(&CreateUserRequest {
                user_id: login.into(),
                first_name: "Ivy".into(),
                middle_initial: None,
                last_name: "Internal".into(),
                email: email.clone(),
                phone: "+1 703 555 0150".into(),
                job_title: None,
                organization: "DLA".into(),
                user_type: InternalUserType::Civilian,
                company: None,
                contract_number: None,
                contract_ends_on: None,
                supervisor: None,
            })
            .await
            .expect("created");
        let mail = self.last_mail_to(&email).await;
        let token = token_in(&mail.body, "/invitation?token=");
        self.client()
            .accept_invitation(&AcceptInvitationRequest {
                token,
                password: PASSWORD.into(),
            })
            .await
            .expect("invitation accepted");
        let mut c = self.client();
        c.login(&LoginRequest {
            user_id: login.into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("login");
        c
    }

    /// The id of account `login`.
    pub async fn user_id(&self, login: &str) -> uuid::Uuid {
        use amps::store::entities::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Login.eq(login))
            .one(&self.ctx.db)
            .await
            .expect("user")
            .unwrap_or_else(|| panic!("no user {login}"))
            .id
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .ctx
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.ctx.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }

    /// The details of every audit event `action`, oldest first.
    pub async fn audit_details(&self, action: &str) -> Vec<serde_json::Value> {
        use amps::store::entities::audit_event;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(action))
            .order_by_asc(audit_event::Column::Id)
            .all(&self.ctx.db)
            .await
            .expect("audit events")
            .into_iter()
            .map(|e| serde_json::from_str(&e.details).expect("details"))
            .collect()
    }
}

/// The token following `marker` in an email body.
pub fn token_in(body: &str, marker: &str) -> String {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {body}"))
        + marker.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// A minimal SMTP server on loopback that keeps every message it receives.
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let cmd = line.to_ascii_uppercase();
                        let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                            b"250 sink\r\n"
                        } else if cmd.starts_with("DATA") {
                            let _ = w.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            store.lock().expect("lock").push(data);
                            b"250 queued\r\n"
                        } else if cmd.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 ok\r\n"
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        Self { port, messages }
    }

    /// Waits (up to 20 s) for a message containing `needle`, decoded from quoted-printable.
    pub async fn wait_for(&self, needle: &str) -> String {
        for _ in 0..400 {
            if let Some(m) = self
                .messages
                .lock()
                .expect("lock")
                .iter()
                .map(|m| decode_qp(m))
                .find(|m| m.contains(needle))
            {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no SMTP message containing {needle:?}");
    }
}

fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running AMPS with the demo data loaded.
pub async fn seeded(db: Db) -> TestApp {
    let app = spawn_app(db).await;
    amps::seed::demo(&app.ctx).await.expect("seed");
    app
}

/// A client signed in as the demo account `login`, as its owner would: with the code of its
/// authenticator app when it has one; an account that must use a second factor (an
/// administrator) sets one up first, as the SPA asks it to.
pub async fn as_user(app: &TestApp, login: &str) -> Client {
    signed_in_as(app, login, amps::seed::DEMO_PASSWORD).await
}

/// A client signed in as `login` with `password`, as [`as_user`] signs in.
pub async fn signed_in_as(app: &TestApp, login: &str, password: &str) -> Client {
    let mut c = app.client();
    if let Err(e) = c
        .login(&LoginRequest {
            user_id: login.into(),
            password: password.into(),
        })
        .await
    {
        let token = e
            .problem()
            .and_then(|p| p.mfa_token.clone())
            .unwrap_or_else(|| panic!("{login}: {e}"));
        let code = next_code(app, login).await;
        c.login_second_factor(&SecondFactorRequest {
            mfa_token: token,
            code,
        })
        .await
        .expect(login);
    }
    if c.me().await.expect("me").second_factor_needed.is_some() {
        set_up_authenticator(app, &mut c, login).await;
    }
    c
}

/// The code an authenticator app with base32 `secret` shows for `login` at step `step`.
pub fn totp_code(secret: &str, login: &str, step: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.into())
        .to_bytes()
        .expect("base32");
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("AMPS".into()),
        login.into(),
    )
    .expect("totp")
    .generate(step as u64 * 30)
}

/// Sets up an authenticator app for `login`, signed in as `c` (which then proves it: its new
/// token says so); returns its secret.
pub async fn set_up_authenticator(app: &TestApp, c: &mut Client, login: &str) -> String {
    let setup = c.start_totp().await.expect("started");
    let email_code = match &setup.email_code_sent_to {
        Some(to) => Some(emailed_code(app, to).await),
        None => None,
    };
    c.confirm_totp(&ConfirmTotpRequest {
        code: totp_code(&setup.secret, login, app.now().timestamp() / 30),
        email_code,
    })
    .await
    .expect("confirmed");
    c.refresh().await.expect("refreshed");
    setup.secret
}

/// The next code `login`'s authenticator app gives that the server has not seen: this step's,
/// or the next one's (the server takes one step of skew); past that the test clock moves on.
pub async fn next_code(app: &TestApp, login: &str) -> String {
    let who = app.user_id(login).await;
    let cred = amps::store::mfa::totp(&app.ctx.db, who)
        .await
        .expect("totp")
        .expect("an authenticator");
    let current = app.now().timestamp() / 30;
    let step = cred.last_step.map_or(current, |last| (last + 1).max(current));
    if step > current + 1 {
        app.clock
            .advance(chrono::Duration::seconds(30 * (step - current - 1)));
    }
    totp_code(&cred.secret, login, step)
}

/// Gives the demo account `login` the AMPS administrative role `role` (an active assignment,
/// as a provisioned request would leave it).
pub async fn grant_admin_role(app: &TestApp, login: &str, role: amps::domain::permission::AdminRole) {
    use amps::store::entities::role as role_e;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let role = role_e::Entity::find()
        .filter(role_e::Column::AdminKey.eq(role))
        .one(&app.ctx.db)
        .await
        .expect("role")
        .unwrap_or_else(|| panic!("no AMPS role {role}"));
    assign_role(app, login, role.id).await;
}

/// Gives the account `login` the role `role_id` (an active assignment, as a provisioned
/// request would leave it).
pub async fn assign_role(app: &TestApp, login: &str, role_id: uuid::Uuid) {
    use amps::clock::Clock;
    use amps::store::entities::{role_assignment, user};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let who = user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .one(&app.ctx.db)
        .await
        .expect("user")
        .unwrap_or_else(|| panic!("no user {login}"));
    role_assignment::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        user_id: Set(who.id),
        role_id: Set(role_id),
        status: Set(amps::domain::assignment::AssignmentStatus::Active),
        since: Set(app.clock.now()),
        expires_at: Set(None),
        source_saar_id: Set(None),
        renewal_offered_at: Set(None),
        ended_at: Set(None),
        reviewed_at: Set(None),
    }
    .insert(&app.ctx.db)
    .await
    .expect("assignment");
    app.settle_principals().await;
}

// Builders and steps the workflow tests share.

pub const JUSTIFICATION: &str = "Need access to HMMS-POP in order to process hazardous material shipments.";

pub fn submission(roles: Vec<Uuid>, app: &TestApp) -> SubmitSaarsRequest {
    SubmitSaarsRequest {
        privacy_act_accepted: true,
        role_ids: roles,
        justification: JUSTIFICATION.into(),
        request_type: RequestType::Initial,
        user_info: SaarUserInfo {
            ia_training_date: app.now().date_naive() - chrono::Duration::days(30),
            job_title: None,
            phone: None,
        },
        on_behalf_of: None,
    }
}

/// `c` asks for `role` for themselves (the standard submission); the one SAAR opened.
pub async fn submit_one(app: &TestApp, c: &Client, role: Uuid) -> SaarResponse {
    c.submit_saars(&submission(vec![role], app))
        .await
        .expect("submit")
        .saars
        .remove(0)
}

pub async fn role_id(c: &Client, name: &str, env: &str) -> Uuid {
    c.search_roles(name, None)
        .await
        .expect("search")
        .into_iter()
        .find(|r| r.name == name && r.environment == env)
        .unwrap_or_else(|| panic!("{name} {env} not found"))
        .id
}

/// The one open task of `saar` in `approver`'s inbox.
pub async fn task_for(approver: &Client, saar: Uuid) -> ApprovalTaskResponse {
    approver
        .approvals()
        .await
        .expect("inbox")
        .into_iter()
        .find(|t| t.saar.id == saar)
        .expect("task in the approver's inbox")
}

/// The view a change answers with (built from the rows it wrote) is the one a fresh read
/// shows.
pub async fn same_as_read(c: &Client, view: &SaarResponse) {
    let read = c.get_saar(view.id).await.expect("read back");
    assert_eq!(
        serde_json::to_value(view).expect("json"),
        serde_json::to_value(&read).expect("json"),
        "the answer of a change differs from a fresh read"
    );
}

pub async fn approve_chain(app: &TestApp, saar: Uuid, approvers: &[(&str, Option<&str>)]) {
    for (login, it_level) in approvers {
        let c = as_user(app, login).await;
        let t = task_for(&c, saar).await;
        let v = c
            .approve(
                t.id,
                &ApproveRequest {
                    it_level: it_level.map(str::to_string),
                    ..Default::default()
                },
            )
            .await
            .expect(login);
        same_as_read(&c, &v).await;
    }
}

/// A role approved by a two-member group, created through the catalog API.
pub async fn group_role(app: &TestApp) -> (Uuid, Uuid) {
    let admin = as_user(app, "aadmin").await;
    let users = |login: &'static str| async move { as_user(app, login).await.me().await.expect("me").id };
    let (a, b) = (users("ssupervisor").await, users("ddataowner").await);
    let group = admin
        .create_approval_group(&CreateApprovalGroupRequest {
            name: "Reports approvers".into(),
            description: String::new(),
            members: vec![a, b],
        })
        .await
        .expect("group");
    let application = admin
        .create_application(&CreateApplicationRequest {
            code: "RPT".into(),
            name: "Reports".into(),
            provisioning_mode: ProvisioningMode::Manual,
            webhook_url: None,
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let role = admin
        .create_role(&CreateRoleRequest {
            description: "Reads reports".into(),
            default_expiration_days: Some(90),
            ..role_request(
                application.id,
                "Report Reader",
                vec![ChainLevel {
                    kind: "group".into(),
                    group_id: Some(group.id),
                }],
            )
        })
        .await
        .expect("role");
    (role.id, group.id)
}

pub async fn grant(app: &TestApp, c: &Client, roles: Vec<Uuid>) {
    let out = c.submit_saars(&submission(roles, app)).await.expect("submit");
    let prov = as_user(app, "pprovisioner").await;
    for s in &out.saars {
        approve_chain(
            app,
            s.id,
            &[
                ("ssupervisor", None),
                ("ssecurity", None),
                ("ddataowner", None),
                ("iiao", None),
            ],
        )
        .await;
        let t = prov
            .provisioning_tasks()
            .await
            .expect("queue")
            .into_iter()
            .find(|t| t.saar_number == s.number)
            .expect("task");
        prov.complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
            .await
            .expect("complete");
    }
}

/// A PROD role of `application` named `name`, open to everyone, with approval chain `chain`;
/// change what a test needs with `..role_request(…)`.
pub fn role_request(application: Uuid, name: &str, chain: Vec<ChainLevel>) -> CreateRoleRequest {
    CreateRoleRequest {
        application_id: application,
        name: name.into(),
        environment: "PROD".into(),
        description: format!("{name} (test role)"),
        hidden: false,
        visible_to: vec![],
        requestable_by: Requestable::Both,
        min_it_level: "none".into(),
        prerequisites: vec![],
        chain,
        default_expiration_days: None,
        mfa_required: false,
        data_owner_id: None,
        iao_id: None,
        renewal_approver: Default::default(),
    }
}

/// A role of `application` that the requester's supervisor approves alone.
pub fn supervised_role(application: Uuid, name: &str) -> CreateRoleRequest {
    role_request(
        application,
        name,
        vec![ChainLevel {
            kind: "supervisor".into(),
            group_id: None,
        }],
    )
}

/// How many development-mailbox messages to `to` have a subject containing `needle`.
pub async fn mails_about(app: &TestApp, to: &str, needle: &str) -> usize {
    app.client()
        .mailbox()
        .await
        .expect("mailbox")
        .messages
        .into_iter()
        .filter(|m| m.to == to && m.subject.contains(needle))
        .count()
}

/// The code for setting up a first second factor that was emailed to `to` last.
pub async fn emailed_code(app: &TestApp, to: &str) -> String {
    let body = mail_about(app, to, "your code to set up two-step sign-in")
        .await
        .body;
    let at = body.find(" is ").expect("the code in the mail") + 4;
    body[at..at + 6].to_string()
}

/// The newest development-mailbox message to `to` whose subject contains `needle`.
pub async fn mail_about(app: &TestApp, to: &str, needle: &str) -> MailboxMessage {
    app.client()
        .mailbox()
        .await
        .expect("mailbox")
        .messages
        .into_iter()
        .find(|m| m.to == to && m.subject.contains(needle))
        .unwrap_or_else(|| panic!("no mail to {to} about {needle}"))
}

/// Moves the clocks of every replica in `apps` by `by`.
pub fn advance_all(apps: &[&TestApp], by: chrono::Duration) {
    for a in apps {
        a.clock.advance(by);
    }
}

//! What the journeys against the real binary share: where the binary is, a server process
//! that is stopped when dropped, starting `amps serve`, the demo password and signing in, and
//! receivers on loopback for webhooks and mail.

use amps_openapi::{Client, ConfirmTotpRequest, LoginRequest, SecondFactorRequest};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The password of every demo account (`amps seed --demo`).
pub const DEMO_PASSWORD: &str = "Demo password for AMPS 2026";

/// The `amps` binary under test (`AMPS_BIN`, else the debug build).
pub fn binary() -> PathBuf {
    let path = std::env::var_os("AMPS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/amps"));
    assert!(
        path.is_file(),
        "build the server first (cargo build -p amps); looked for {}",
        path.display()
    );
    path
}

/// A running `amps` process, killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The newest code for setting up two-step sign-in mailed to `to`, from the development
/// mailbox.
async fn emailed_code(c: &Client, to: &str) -> String {
    let body = c
        .mailbox()
        .await
        .expect("the development mailbox")
        .messages
        .into_iter()
        .find(|m| m.to == to && m.subject.contains("your code to set up two-step sign-in"))
        .unwrap_or_else(|| panic!("no set-up code mailed to {to}"))
        .body;
    let at = body.find(" is ").expect("the code in the mail") + 4;
    body[at..at + 6].to_string()
}

/// A client signed in as `login`, as its owner signs in: an account that must use a second
/// factor (an administrator) sets up an authenticator app at its first sign-in (which proves
/// it for that sign-in), and types its code at the next ones.
pub async fn signed_in(base: &url::Url, login: &str, password: &str) -> Client {
    let mut c = Client::new(base.clone());
    match c
        .login(&LoginRequest {
            user_id: login.into(),
            password: password.into(),
        })
        .await
    {
        Ok(_) => {
            if c.me().await.expect("me").second_factor_needed.is_some() {
                let setup = c.start_totp().await.expect("set up");
                // A first second factor from a password-only sign-in needs the code mailed to
                // the owner (read from the development mailbox `serve` switches on).
                let email_code = match &setup.email_code_sent_to {
                    Some(to) => Some(emailed_code(&c, to).await),
                    None => None,
                };
                let step = current_step();
                c.confirm_totp(&ConfirmTotpRequest {
                    code: totp_code(&setup.secret, login, step),
                    email_code,
                })
                .await
                .expect("confirmed");
                c.refresh().await.expect("refreshed");
                authenticators().insert(login.to_string(), (setup.secret, step));
            }
        }
        Err(e) => {
            let mfa_token = e
                .problem()
                .and_then(|p| p.mfa_token.clone())
                .unwrap_or_else(|| panic!("{login}: {e}"));
            let (secret, last) = authenticators()
                .get(login)
                .cloned()
                .unwrap_or_else(|| panic!("{login} has an authenticator this test did not set up"));
            // Each code works once; the server takes the next step's too.
            let step = (last + 1).max(current_step());
            while step > current_step() + 1 {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            c.login_second_factor(&SecondFactorRequest {
                mfa_token,
                code: totp_code(&secret, login, step),
            })
            .await
            .expect(login);
            authenticators().insert(login.to_string(), (secret, step));
        }
    }
    c
}

/// The authenticator apps this test set up: login → (secret, last step used).
fn authenticators() -> std::sync::MutexGuard<'static, std::collections::HashMap<String, (String, u64)>> {
    static APPS: std::sync::OnceLock<Mutex<std::collections::HashMap<String, (String, u64)>>> =
        std::sync::OnceLock::new();
    APPS.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The 30-second step of now (RFC 6238).
fn current_step() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 30)
}

/// The code an authenticator app with base32 `secret` shows for `login` at `step`.
fn totp_code(secret: &str, login: &str, step: u64) -> String {
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
    .generate(step * 30)
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// Starts `amps serve` on `port` with `env`, and waits until it answers.
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all use both starts"
)]
pub async fn serve(port: u16, env: &[(&str, String)]) -> (Server, url::Url) {
    serve_logging_to(port, env, None).await
}

/// Starts `amps serve` on `port` with `env`, its log lines (both streams) written to `log`
/// (else dropped), and waits until it answers.
pub async fn serve_logging_to(
    port: u16,
    env: &[(&str, String)],
    log: Option<&std::path::Path>,
) -> (Server, url::Url) {
    let (out, err) = match log {
        Some(path) => {
            let f = std::fs::File::create(path).expect("log file");
            (Stdio::from(f.try_clone().expect("log file")), Stdio::from(f))
        }
        None => (Stdio::null(), Stdio::null()),
    };
    let mut cmd = Command::new(binary());
    cmd.arg("serve")
        .env("AMPS_BIND", format!("127.0.0.1:{port}"))
        // Journeys read mailed codes there (an administrator's first sign-in sets up a second
        // factor with one); loopback only.
        .env("AMPS_DEV_MAILBOX", "true")
        .env_remove("AMPS_SMTP_URL")
        .env_remove("DATABASE_URL")
        .stdout(out)
        .stderr(err);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let server = Server(cmd.spawn().expect("run amps serve"));
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let c = Client::new(base.clone());
    for _ in 0..200 {
        if c.jwks().await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("amps serve on port {port} did not start");
}

/// Runs `amps seed --demo` with `env` (and no inherited `DATABASE_URL`) and checks it succeeded;
/// what it printed.
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all seed the demo data"
)]
pub fn seed_demo(env: &[(&str, String)]) -> std::process::Output {
    let mut seed = Command::new(binary());
    seed.args(["seed", "--demo"]).env_remove("DATABASE_URL");
    for (k, v) in env {
        seed.env(k, v);
    }
    let out = seed.output().expect("run amps seed --demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A new, empty PostgreSQL database for one journey (`AMPS_TEST_PG_URL`, default the local
/// server); [`PgDatabase::drop_now`] removes it.
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all use PostgreSQL"
)]
pub struct PgDatabase {
    /// The database's URL, for `DATABASE_URL`.
    pub url: String,
    name: String,
    admin: sea_orm::DatabaseConnection,
}

#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all use PostgreSQL"
)]
impl PgDatabase {
    pub async fn create() -> Self {
        use sea_orm::ConnectionTrait;
        let server =
            std::env::var("AMPS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let name = format!("amps_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL must run at AMPS_TEST_PG_URL (default 127.0.0.1:5432)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        Self {
            url: format!("{server}/{name}"),
            name,
            admin,
        }
    }

    /// Drops the database, closing what is still connected to it.
    pub async fn drop_now(self) {
        use sea_orm::ConnectionTrait;
        self.admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .await
            .ok();
    }
}

/// A first request for `roles` with `justification` (IA training a month ago).
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all submit requests"
)]
pub fn first_request(roles: Vec<uuid::Uuid>, justification: &str) -> amps_openapi::SubmitSaarsRequest {
    use amps_openapi::*;
    SubmitSaarsRequest {
        privacy_act_accepted: true,
        role_ids: roles,
        justification: justification.into(),
        request_type: RequestType::Initial,
        user_info: SaarUserInfo {
            ia_training_date: chrono::Utc::now().date_naive() - chrono::Duration::days(30),
            job_title: None,
            phone: None,
        },
        on_behalf_of: None,
    }
}

/// A role of `application` in production that anyone may request and the requester's
/// supervisor approves alone.
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all make roles"
)]
pub fn supervised_role(
    application: uuid::Uuid,
    name: &str,
    description: &str,
) -> amps_openapi::CreateRoleRequest {
    use amps_openapi::*;
    CreateRoleRequest {
        application_id: application,
        name: name.into(),
        environment: "PROD".into(),
        description: description.into(),
        hidden: false,
        visible_to: vec![],
        requestable_by: Requestable::Both,
        min_it_level: "none".into(),
        prerequisites: vec![],
        chain: vec![ChainLevel {
            kind: "supervisor".into(),
            group_id: None,
        }],
        default_expiration_days: None,
        mfa_required: false,
        data_owner_id: None,
        iao_id: None,
        renewal_approver: Default::default(),
    }
}

/// An HTTP receiver on loopback that answers 200 and keeps each request (head and body).
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all receive webhooks"
)]
#[derive(Clone, Default)]
pub struct Receiver(Arc<Mutex<Vec<String>>>);

#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all receive webhooks"
)]
impl Receiver {
    pub async fn start(&self) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = self.0.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Read the head, then as much body as Content-Length says.
                    loop {
                        let Ok(n) = sock.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).into_owned();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + length {
                                seen.lock().expect("lock").push(text);
                                let _ = sock
                                    .write_all(
                                        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                                    )
                                    .await;
                                return;
                            }
                        }
                    }
                });
            }
        });
        port
    }

    pub fn requests(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }
}

/// An SMTP relay on loopback that accepts every message and keeps each one's text.
#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all send mail"
)]
#[derive(Clone, Default)]
pub struct SmtpSink(Arc<Mutex<Vec<String>>>);

#[allow(
    dead_code,
    reason = "each journey binary compiles this module; not all send mail"
)]
impl SmtpSink {
    pub async fn start(&self) -> u16 {
        use tokio::io::AsyncBufReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let store = self.0.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = tokio::io::BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let cmd = line.to_ascii_uppercase();
                        let reply: &[u8] = if cmd.starts_with("DATA") {
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
        port
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }
}

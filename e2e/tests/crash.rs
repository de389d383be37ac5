//! Crash safety, against the real binary on both databases: `amps serve` killed with SIGKILL
//! in the middle of a write load loses nothing it acknowledged and applies nothing by half. An
//! administrator's clients create accounts, a requester's submit SAARs and their supervisor's
//! approve them, all as fast as the server answers; the process is killed while requests are in
//! flight; after a restart on the same database every account answered 201 is there with its
//! `account.created` event and invitation, every SAAR submitted is there with its
//! `saar.submitted` event, every approval answered is recorded with its `saar.approved` event and
//! provisioning task (one transaction each), and the server answers as before.

mod common;

use amps_openapi::*;
use common::{DEMO_PASSWORD, PgDatabase, free_port, seed_demo, serve, signed_in, supervised_role};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Account writers running at once (besides two submitting and two approving).
const WRITERS: usize = 4;
/// Roles requested during the load, one SAAR each.
const ROLES: usize = 40;

fn account(n: usize) -> CreateUserRequest {
    CreateUserRequest {
        user_id: format!("crash{n:05}"),
        first_name: "Crash".into(),
        middle_initial: None,
        last_name: format!("Survivor{n}"),
        email: format!("crash{n:05}@dla.example"),
        phone: "+1 703 555 0142".into(),
        job_title: None,
        organization: "DLA".into(),
        user_type: InternalUserType::Civilian,
        company: None,
        contract_number: None,
        contract_ends_on: None,
        supervisor: None,
    }
}

/// An application provisioned by hand with [`ROLES`] roles that the requester's supervisor
/// approves alone.
async fn crash_roles(admin: &Client) -> Vec<uuid::Uuid> {
    let app = admin
        .create_application(&CreateApplicationRequest {
            code: "CRASH".into(),
            name: "Crash test records".into(),
            provisioning_mode: ProvisioningMode::Manual,
            webhook_url: None,
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let mut roles = Vec::with_capacity(ROLES);
    for n in 0..ROLES {
        let role = admin
            .create_role(&supervised_role(
                app.id,
                &format!("Crash Role {n:02}"),
                "Requested and approved while the server is killed",
            ))
            .await
            .expect("role");
        roles.push(role.id);
    }
    roles
}

fn request(role: uuid::Uuid) -> SubmitSaarsRequest {
    SubmitSaarsRequest {
        privacy_act_accepted: true,
        role_ids: vec![role],
        justification: "Keep the crash test's records for the audit.".into(),
        request_type: RequestType::Initial,
        user_info: SaarUserInfo {
            ia_training_date: chrono::Utc::now().date_naive() - chrono::Duration::days(30),
            job_title: None,
            phone: None,
        },
        on_behalf_of: None,
    }
}

/// Starts the server on `env`, loads it with account creations, kills it with SIGKILL while
/// they run, restarts it and checks every acknowledged account; `db_url` reads the database.
async fn acknowledged_writes_survive_kill_9(env: Vec<(&str, String)>, db_url: String) {
    seed_demo(&env);
    let (server, base) = serve(free_port(), &env).await;
    let admin = signed_in(&base, "aadmin", DEMO_PASSWORD).await;
    let roles = crash_roles(&admin).await;
    let requester = signed_in(&base, "jrequester", DEMO_PASSWORD).await;
    let supervisor = signed_in(&base, "ssupervisor", DEMO_PASSWORD).await;
    let acknowledged: Arc<Mutex<Vec<(uuid::Uuid, String)>>> = Arc::default();
    let submitted: Arc<Mutex<Vec<uuid::Uuid>>> = Arc::default();
    let approved: Arc<Mutex<Vec<uuid::Uuid>>> = Arc::default();
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (admin, acknowledged, refused) = (admin.clone(), acknowledged.clone(), refused.clone());
        writers.push(tokio::spawn(async move {
            for k in 0.. {
                let req = account(k * WRITERS + w);
                match admin.create_user(&req).await {
                    Ok(u) => acknowledged.lock().expect("lock").push((u.user.id, req.email)),
                    // The connection died with the server: this writer is done.
                    Err(e) if e.status().is_none() => return,
                    Err(e) => refused.lock().expect("lock").push(e.to_string()),
                }
            }
        }));
    }
    // Two submitters, each with half of the roles, one SAAR per role.
    for half in [0, 1] {
        let mine: Vec<uuid::Uuid> = roles.iter().skip(half).step_by(2).copied().collect();
        let (requester, submitted, refused) = (requester.clone(), submitted.clone(), refused.clone());
        writers.push(tokio::spawn(async move {
            for role in mine {
                match requester.submit_saars(&request(role)).await {
                    Ok(out) => submitted
                        .lock()
                        .expect("lock")
                        .extend(out.saars.iter().map(|s| s.id)),
                    Err(e) if e.status().is_none() => return,
                    Err(e) => refused.lock().expect("lock").push(e.to_string()),
                }
            }
        }));
    }
    // The supervisor approves what arrives.
    {
        let (supervisor, approved, refused) = (supervisor.clone(), approved.clone(), refused.clone());
        writers.push(tokio::spawn(async move {
            loop {
                let tasks = match supervisor.approvals().await {
                    Ok(tasks) => tasks,
                    Err(e) if e.status().is_none() => return,
                    Err(e) => {
                        refused.lock().expect("lock").push(e.to_string());
                        return;
                    }
                };
                let ours: Vec<_> = tasks
                    .into_iter()
                    .filter(|t| t.saar.role.application == "CRASH")
                    .collect();
                if ours.is_empty() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                for t in ours {
                    match supervisor.approve(t.id, &ApproveRequest::default()).await {
                        Ok(saar) => approved.lock().expect("lock").push(saar.id),
                        Err(e) if e.status().is_none() => return,
                        Err(e) => refused.lock().expect("lock").push(e.to_string()),
                    }
                }
            }
        }));
    }
    // Kill once the load is well under way, with requests in flight.
    for _ in 0..300 {
        let accounts = acknowledged.lock().expect("lock").len();
        let approvals = approved.lock().expect("lock").len();
        if accounts >= 60 && approvals >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server); // SIGKILL, then reaped
    for w in writers {
        tokio::time::timeout(Duration::from_secs(30), w)
            .await
            .expect("writers stop once the server is gone")
            .expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    let submitted = submitted.lock().expect("lock").clone();
    let approved = approved.lock().expect("lock").clone();
    assert!(
        refused.lock().expect("lock").is_empty(),
        "the server refused writes before it was killed: {:?}",
        refused.lock().expect("lock")
    );
    assert!(
        acknowledged.len() >= 60 && approved.len() >= 8,
        "too little load to test anything: {} accounts, {} SAARs, {} approvals acknowledged",
        acknowledged.len(),
        submitted.len(),
        approved.len()
    );

    // The same database, a new process.
    let (_server, base) = serve(free_port(), &env).await;
    let admin = signed_in(&base, "aadmin", DEMO_PASSWORD).await;
    let db = Database::connect(&db_url).await.expect("open the database");
    let backend = db.get_database_backend();
    let count = |sql: &str, value: String| {
        let db = &db;
        let sql = match backend {
            DbBackend::Postgres => sql.replace('?', "$1"),
            _ => sql.to_string(),
        };
        async move {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(backend, sql, [value.into()]))
                .await
                .expect("count")
                .expect("a row");
            row.try_get_by_index::<i64>(0).expect("a count")
        }
    };
    for (id, email) in &acknowledged {
        let u = admin
            .user(*id)
            .await
            .unwrap_or_else(|e| panic!("account {id} was acknowledged, then lost: {e}"));
        assert_eq!(&u.user.email, email);
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'account.created' AND target = ?",
                format!("user:{id}")
            )
            .await,
            1,
            "account {id}: its audit event"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM outbox WHERE recipient = ?", email.clone()).await,
            1,
            "account {id}: its invitation"
        );
    }
    let requester = signed_in(&base, "jrequester", DEMO_PASSWORD).await;
    for id in &submitted {
        let saar = requester
            .get_saar(*id)
            .await
            .unwrap_or_else(|e| panic!("SAAR {id} was acknowledged, then lost: {e}"));
        let events = count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'saar.submitted' AND target = ?",
            format!("saar:{id}"),
        )
        .await;
        assert_eq!(events, 1, "SAAR {}: its submission event", saar.number);
    }
    for id in &approved {
        let saar = requester.get_saar(*id).await.expect("an approved SAAR");
        assert_eq!(
            saar.status,
            SaarStatus::Provisioning,
            "SAAR {}: approved, then lost its approval",
            saar.number
        );
        assert_eq!(saar.steps.len(), 1);
        assert_eq!(saar.steps[0].decided_by.as_deref(), Some("Sam Supervisor"));
        let events = count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'saar.approved' AND target = ?",
            format!("saar:{id}"),
        )
        .await;
        assert_eq!(events, 1, "SAAR {}: its approval event", saar.number);
    }
    // Nothing half-written either: the load's accounts in the database are those acknowledged
    // and at most one in flight per writer, each with its audit event and its mail.
    let accounts = count("SELECT COUNT(*) FROM users WHERE login LIKE ?", "crash%".into()).await;
    let events = count(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'account.created' AND details LIKE ?",
        "%\"user_id\":\"crash%".into(),
    )
    .await;
    let mails = count(
        "SELECT COUNT(*) FROM outbox WHERE recipient LIKE ?",
        "crash%".into(),
    )
    .await;
    let acked = acknowledged.len() as i64;
    eprintln!(
        "killed under load: {acked} accounts acknowledged ({accounts} in the database after the restart), {} SAARs submitted, {} approved",
        submitted.len(),
        approved.len()
    );
    assert!(
        (acked..=acked + WRITERS as i64).contains(&accounts),
        "{accounts} accounts for {acked} acknowledged"
    );
    assert_eq!(
        (events, mails),
        (accounts, accounts),
        "events and mails for {accounts} accounts"
    );
    // And it keeps working: one more account after the restart.
    admin
        .create_user(&account(99_999))
        .await
        .expect("a write after the restart");
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_loses_no_acknowledged_write_when_the_server_is_killed() {
    let dir = std::env::temp_dir().join(format!("amps-e2e-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = vec![
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
    ];
    let db_url = format!("sqlite://{}?mode=ro", dir.join("amps.db").display());
    acknowledged_writes_survive_kill_9(env, db_url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_loses_no_acknowledged_write_when_the_server_is_killed() {
    let db = PgDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-crash-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let env = vec![
        ("DATABASE_URL", db.url.clone()),
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
    ];
    acknowledged_writes_survive_kill_9(env, db.url.clone()).await;
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_now().await;
}

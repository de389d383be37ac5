//! Background work and start-up as `amps serve` runs them, against the real binary: automatic
//! provisioning delivers its signed webhook to a receiver on loopback and the audit chain gets
//! sealed, with no test starting a job; and replicas starting together on an empty PostgreSQL
//! prepare it in turn and agree on one token-signing key.

mod common;

use amps_openapi::*;
use common::{DEMO_PASSWORD, PgDatabase, Receiver, binary, free_port, seed_demo, serve, signed_in};
use sea_orm::{ConnectionTrait, Database};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Unsealed and sealed audit events in the SQLite database at `db`.
async fn audit_seal(db: &Path) -> (i64, i64) {
    let conn = Database::connect(format!("sqlite://{}?mode=ro", db.display()))
        .await
        .expect("open the database read-only");
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT SUM(seq IS NULL), SUM(seq IS NOT NULL) FROM audit_events",
        ))
        .await
        .expect("query")
        .expect("a row");
    let unsealed: Option<i64> = row.try_get_by_index(0).expect("unsealed");
    let sealed: Option<i64> = row.try_get_by_index(1).expect("sealed");
    conn.close().await.ok();
    (unsealed.unwrap_or(0), sealed.unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amps_serve_delivers_webhooks_and_seals_the_audit_chain() {
    let dir = std::env::temp_dir().join(format!("amps-e2e-jobs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = vec![
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
        // The test's webhook receiver listens on loopback, which webhooks may not call unless
        // allowed.
        ("AMPS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32".to_string()),
    ];
    seed_demo(&env);
    let hook = Receiver::default();
    let hook_port = hook.start().await;
    let (_server, base) = serve(free_port(), &env).await;

    // An application provisioned by webhook, a role of it approved by the supervisor.
    let admin = signed_in(&base, "aadmin", DEMO_PASSWORD).await;
    let app = admin
        .create_application(&CreateApplicationRequest {
            code: "AUTO".into(),
            name: "Automatically provisioned".into(),
            provisioning_mode: ProvisioningMode::Automatic,
            webhook_url: Some(format!("http://127.0.0.1:{hook_port}/hook")),
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let role = admin
        .create_role(&common::supervised_role(
            app.id,
            "Auto Viewer",
            "Granted by the application's webhook",
        ))
        .await
        .expect("role");
    let requester = signed_in(&base, "jrequester", DEMO_PASSWORD).await;
    let saar = requester
        .submit_saars(&common::first_request(
            vec![role.id],
            "View the automatically provisioned records for audits.",
        ))
        .await
        .expect("submit")
        .saars
        .remove(0);
    let supervisor = signed_in(&base, "ssupervisor", DEMO_PASSWORD).await;
    let task = supervisor
        .approvals()
        .await
        .expect("inbox")
        .into_iter()
        .find(|t| t.saar.id == saar.id)
        .expect("the supervisor's task");
    supervisor
        .approve(task.id, &ApproveRequest::default())
        .await
        .expect("approve");

    // No test drives a job: the server's own webhook round delivers, and the role is granted.
    let mut granted = false;
    for _ in 0..150 {
        let held = requester.my_roles().await.expect("roles");
        if held.iter().any(|r| r.role.id == role.id) {
            granted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(granted, "the webhook job did not provision the role");
    let requests = hook.requests();
    assert_eq!(requests.len(), 1, "delivered once: {requests:?}");
    let req = &requests[0];
    assert!(req.starts_with("POST /hook "), "{req}");
    assert!(req.to_ascii_lowercase().contains("x-amps-signature: t="), "{req}");
    assert!(req.contains(&saar.number) && req.contains("jrequester"), "{req}");

    // The sealer chains every event: none is left unsealed for long.
    let db = dir.join("amps.db");
    let mut seal = (1, 0);
    for _ in 0..100 {
        seal = audit_seal(&db).await;
        if seal.0 == 0 && seal.1 > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seal.0, 0, "unsealed audit events remain: {seal:?}");
    assert!(seal.1 > 5, "sealed events: {seal:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_on_an_empty_postgresql_share_one_signing_key() {
    let pg = PgDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let env = vec![
        ("DATABASE_URL", pg.url.clone()),
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
        ("AMPS_PUBLIC_URL", "http://amps.localhost/".to_string()),
    ];
    // Both start at once on the empty database.
    let (a, b) = tokio::join!(serve(free_port(), &env), serve(free_port(), &env));
    let ((_sa, base_a), (_sb, base_b)) = (a, b);
    let keys_a = Client::new(base_a.clone()).jwks().await.expect("jwks a");
    let keys_b = Client::new(base_b.clone()).jwks().await.expect("jwks b");
    assert_eq!(keys_a.keys.len(), 1, "one signing key: {keys_a:?}");
    assert_eq!(
        keys_a.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
        keys_b.keys.iter().map(|k| &k.kid).collect::<Vec<_>>()
    );
    // A token one replica issued works on the other.
    let mut create = Command::new(binary());
    create
        .args([
            "user",
            "create-admin",
            "--user-id",
            "root.admin",
            "--first-name",
            "Ada",
            "--last-name",
            "Admin",
            "--email",
            "ada.admin@dla.example",
        ])
        .env_remove("AMPS_SMTP_URL");
    for (k, v) in &env {
        create.env(k, v);
    }
    let out = create.output().expect("run amps user create-admin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .rsplit("after signing in): ")
        .next()
        .map(str::trim)
        .expect("the generated password");
    let on_a = signed_in(&base_a, "root.admin", password).await;
    let on_b = Client::new(base_b.clone()).with_token(on_a.token().expect("token"));
    assert_eq!(
        on_b.me()
            .await
            .expect("replica B accepts replica A's token")
            .user_id,
        "root.admin"
    );
    drop((_sa, _sb));
    pg.drop_now().await;
    let _ = std::fs::remove_dir_all(&dir);
}

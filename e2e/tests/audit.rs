//! `amps audit verify` against the real binary on both databases: the audit chain of the demo
//! data and four service clients is intact; an event edited in the database breaks it at that event; put back, it is intact
//! again; an event deleted breaks it at the event after it. Each time the command says which
//! event, and exits non-zero when the chain is broken. And a SAAR printed as its DD 2875
//! (`GET /saars/{id}/dd2875` from `amps serve`) is checked against the log: a hash read off the
//! PDF is the seal of one of its events (`--saar --hash`); a hash that is not fails.

#[allow(dead_code, reason = "not every shared helper is used by these journeys")]
mod common;

use amps_openapi::*;
use common::{DEMO_PASSWORD, PgDatabase, binary, free_port, seed_demo, serve, signed_in, supervised_role};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::process::Command;

/// Runs `amps audit verify` with `env`: whether it passed, and what it printed.
fn verify(env: &[(&str, String)]) -> (bool, String) {
    verify_with(env, &[])
}

/// Runs `amps audit verify` with `env` and further arguments `args`.
fn verify_with(env: &[(&str, String)], args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(binary());
    cmd.args(["audit", "verify"])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("AMPS_SMTP_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run amps audit verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs the `amps` command `args` with `env` and checks it succeeded.
fn amps(env: &[(&str, String)], args: &[&str]) {
    let mut cmd = Command::new(binary());
    cmd.args(args).env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run amps");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

async fn tampering_breaks_the_chain_where_it_happened(env: Vec<(&str, String)>, db_url: String) {
    seed_demo(&env);
    // More events: each service client made is audited.
    for name in ["Ledger", "Warehouse", "Payroll", "Fleet"] {
        amps(&env, &["service-client", "create", "--name", name]);
    }
    let (ok, text) = verify(&env);
    assert!(
        ok && text.contains("The audit chain is intact: 5 events"),
        "{text}"
    );

    let db = Database::connect(&db_url).await.expect("open the database");
    let backend = db.get_database_backend();
    let sql = |s: &str| match backend {
        DbBackend::Postgres => {
            let mut n = 0;
            s.chars()
                .map(|c| {
                    if c == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        c.to_string()
                    }
                })
                .collect::<String>()
        }
        _ => s.to_string(),
    };
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT id, details FROM audit_events WHERE seq = 3",
        ))
        .await
        .expect("read")
        .expect("the demo data has a third event");
    let (id, details): (i64, String) = (
        row.try_get_by_index(0).expect("id"),
        row.try_get_by_index(1).expect("details"),
    );

    // Edited: broken at that event.
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql("UPDATE audit_events SET details = ? WHERE id = ?"),
        ["{\"note\":\"nothing happened\"}".into(), id.into()],
    ))
    .await
    .expect("edit an event");
    let (ok, text) = verify(&env);
    assert!(!ok, "an edited event passes: {text}");
    assert!(text.contains(&format!("broken at event {id} ")), "{text}");
    assert!(text.contains("The 2 events before it are intact"), "{text}");

    // Put back: intact again.
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql("UPDATE audit_events SET details = ? WHERE id = ?"),
        [details.into(), id.into()],
    ))
    .await
    .expect("restore the event");
    let (ok, text) = verify(&env);
    assert!(ok, "{text}");

    // Deleted: broken at the event after it.
    let next: i64 = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT id FROM audit_events WHERE seq = 4",
        ))
        .await
        .expect("read")
        .expect("a fourth event")
        .try_get_by_index(0)
        .expect("id");
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql("DELETE FROM audit_events WHERE id = ?"),
        [id.into()],
    ))
    .await
    .expect("delete an event");
    let (ok, text) = verify(&env);
    assert!(!ok, "a deleted event passes: {text}");
    assert!(text.contains(&format!("broken at event {next} ")), "{text}");
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_audit_verify_finds_an_edited_or_deleted_event() {
    let dir = std::env::temp_dir().join(format!("amps-e2e-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = vec![("AMPS_DATA_DIR", dir.display().to_string())];
    let db_url = format!("sqlite://{}?mode=rw", dir.join("amps.db").display());
    tampering_breaks_the_chain_where_it_happened(env, db_url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_audit_verify_finds_an_edited_or_deleted_event() {
    let pg = PgDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-audit-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let env = vec![
        ("DATABASE_URL", pg.url.clone()),
        ("AMPS_DATA_DIR", dir.display().to_string()),
    ];
    tampering_breaks_the_chain_where_it_happened(env, pg.url.clone()).await;
    let _ = std::fs::remove_dir_all(&dir);
    pg.drop_now().await;
}

/// The text of every page of a PDF.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("its text")
}

/// Every SHA-256 hash (64 hex characters after `hash `) in `text`.
fn hashes_in(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == "hash" && w[1].len() == 64 && w[1].chars().all(|c| c.is_ascii_hexdigit()))
        .map(|w| w[1].to_string())
        .collect()
}

async fn a_printed_saar_is_checked_against_the_log(env: Vec<(&str, String)>) {
    seed_demo(&env);
    let (server, base) = serve(free_port(), &env).await;
    let admin = signed_in(&base, "aadmin", DEMO_PASSWORD).await;
    let app = admin
        .create_application(&CreateApplicationRequest {
            code: "LEDGER".into(),
            name: "General ledger".into(),
            provisioning_mode: ProvisioningMode::Manual,
            webhook_url: None,
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let role = admin
        .create_role(&supervised_role(app.id, "Ledger Viewer", "Reads the ledger"))
        .await
        .expect("role");
    let requester = signed_in(&base, "jrequester", DEMO_PASSWORD).await;
    let saar = requester
        .submit_saars(&common::first_request(vec![role.id], "Month-end ledger review."))
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
    // The running server seals each event within a second.
    let mut hashes = Vec::new();
    for _ in 0..100 {
        let text = pdf_text(&requester.saar_dd2875(saar.id).await.expect("the DD 2875"));
        assert!(text.contains("Sam Supervisor"), "{text}");
        hashes = hashes_in(&text);
        if !text.contains("not yet sealed") && hashes.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        hashes.len() >= 2,
        "the submission's and the approval's seals: {hashes:?}"
    );
    drop(server);

    for hash in &hashes {
        let (ok, text) = verify_with(&env, &["--saar", &saar.number, "--hash", hash]);
        assert!(ok, "{text}");
        assert!(text.contains("the hash is the seal of audit event #"), "{text}");
    }
    // A hash that is not the seal of one of its events (here, the first one altered).
    let mut forged = hashes[0].clone();
    let last = if forged.ends_with('0') { "1" } else { "0" };
    forged.replace_range(63.., last);
    let (ok, text) = verify_with(&env, &["--saar", &saar.number, "--hash", &forged]);
    assert!(!ok, "a forged hash passes: {text}");
    assert!(text.contains("does not match the audit log"), "{text}");
    // Another SAAR's number: its events do not have these seals.
    let (ok, text) = verify_with(&env, &["--saar", "SAAR-2026-999999", "--hash", &hashes[0]]);
    assert!(!ok, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_printed_saar_is_checked_against_the_log() {
    let dir = std::env::temp_dir().join(format!("amps-e2e-dd2875-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    a_printed_saar_is_checked_against_the_log(vec![("AMPS_DATA_DIR", dir.display().to_string())]).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_a_printed_saar_is_checked_against_the_log() {
    let pg = PgDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-dd2875-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    a_printed_saar_is_checked_against_the_log(vec![
        ("DATABASE_URL", pg.url.clone()),
        ("AMPS_DATA_DIR", dir.display().to_string()),
    ])
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    pg.drop_now().await;
}

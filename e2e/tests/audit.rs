//! `amps audit verify` against the real binary on both databases: the audit chain of the demo
//! data and four service clients is intact; an event edited in the database breaks it at that event; put back, it is intact
//! again; an event deleted breaks it at the event after it. Each time the command says which
//! event, and exits non-zero when the chain is broken.

#[allow(dead_code, reason = "this journey runs commands only: it starts no server")]
mod common;

use common::{PgDatabase, binary, seed_demo};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::process::Command;

/// Runs `amps audit verify` with `env`: whether it passed, and what it printed.
fn verify(env: &[(&str, String)]) -> (bool, String) {
    let mut cmd = Command::new(binary());
    cmd.args(["audit", "verify"])
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

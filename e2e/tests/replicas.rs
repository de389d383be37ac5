//! Replicas (#19): two `amps serve` processes on one PostgreSQL, a real SMTP relay and a
//! webhook receiver on loopback. Approvals arrive at both while reminders and expiries fall
//! due (as time passing would make them, written in the database) and both replicas' jobs
//! race for them; then one replica is killed with SIGKILL. The survivor finishes everything:
//! every acknowledged approval is there once; every due reminder was sent once and every due
//! expiry happened once; every mail reached the relay and every webhook the receiver. A copy
//! is possible only of what the killed replica had in flight (at most one mail and one
//! webhook), and it carries the same `Message-ID` / idempotency key, so it can be dropped.

mod common;

use amps_openapi::*;
use common::{DEMO_PASSWORD, PgDatabase, Receiver, SmtpSink, free_port, seed_demo, serve, signed_in};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use std::collections::HashMap;
use std::time::Duration;

const ROLES: usize = 24;

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
        .await
        .expect(sql)
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    rows(db, sql).await[0].try_get_by_index(0).expect("count")
}

/// How many times each value of header `name` (lower case) appears in `texts`.
fn tally(texts: &[String], name: &str) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for t in texts {
        if let Some(v) = t.lines().find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix(name)
                .map(|v| v.trim().to_string())
        }) {
            *seen.entry(v).or_default() += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_loses_no_job_and_doubles_none() {
    let pg = PgDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("amps-e2e-replicas-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let relay = SmtpSink::default();
    let relay_port = relay.start().await;
    let hook = Receiver::default();
    let hook_port = hook.start().await;
    let env = vec![
        ("DATABASE_URL", pg.url.clone()),
        ("AMPS_DATA_DIR", dir.display().to_string()),
        ("AMPS_WEB_DIR", dir.join("no-web").display().to_string()),
        ("AMPS_SMTP_URL", format!("smtp://127.0.0.1:{relay_port}")),
        ("AMPS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32".to_string()),
        // A dead replica's mail or webhook is taken over after 3 s, not 5 minutes.
        ("AMPS_CLAIM_LEASE_SECONDS", "3".to_string()),
        ("AMPS_DEADLINES_EVERY_SECONDS", "1".to_string()),
    ];
    seed_demo(&env);
    let (mut a, base_a) = serve(free_port(), &env).await;
    let (_b, base_b) = serve(free_port(), &env).await;
    let db = Database::connect(&pg.url).await.expect("database");

    // An application provisioned by webhook; roles of it approved by the supervisor alone.
    let admin = signed_in(&base_a, "aadmin", DEMO_PASSWORD).await;
    let app = admin
        .create_application(&CreateApplicationRequest {
            code: "FLEET".into(),
            name: "Fleet management".into(),
            provisioning_mode: ProvisioningMode::Automatic,
            webhook_url: Some(format!("http://127.0.0.1:{hook_port}/hook")),
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let mut role_ids = Vec::new();
    for i in 0..ROLES {
        let r = admin
            .create_role(&common::supervised_role(
                app.id,
                &format!("Fleet Role {i:02}"),
                "Fleet",
            ))
            .await
            .expect("role");
        role_ids.push(r.id);
    }
    let requester = signed_in(&base_b, "jrequester", DEMO_PASSWORD).await;
    let mut saars = Vec::new();
    // At most 20 roles a submission.
    for half in role_ids.chunks(ROLES / 2) {
        saars.extend(
            requester
                .submit_saars(&common::first_request(
                    half.to_vec(),
                    "Dispatch the fleet for the winter exercise.",
                ))
                .await
                .expect("submit")
                .saars,
        );
    }
    assert_eq!(saars.len(), ROLES);
    let on = [
        signed_in(&base_a, "ssupervisor", DEMO_PASSWORD).await,
        signed_in(&base_b, "ssupervisor", DEMO_PASSWORD).await,
    ];
    let tasks: HashMap<uuid::Uuid, uuid::Uuid> = on[1]
        .approvals()
        .await
        .expect("inbox")
        .into_iter()
        .map(|t| (t.saar.id, t.id))
        .collect();
    let task_of = |i: usize| tasks[&saars[i].id];
    let (approved, reminded, expiring) = (0..12, 12..18, 18..24);
    let list = |r: std::ops::Range<usize>| {
        r.map(|i| format!("'{}'", task_of(i)))
            .collect::<Vec<_>>()
            .join(",")
    };

    // Approvals go to both replicas at once, while reminders and expiries fall due for the
    // other tasks (both replicas' deadlines jobs run every second).
    let mut sent = Vec::new();
    for i in approved.clone() {
        let c = on[i % 2].clone();
        let task = task_of(i);
        sent.push((
            i,
            tokio::spawn(async move { c.approve(task, &ApproveRequest::default()).await }),
        ));
    }
    db.execute_unprepared(&format!(
        "UPDATE approval_tasks SET next_reminder_at = now() - interval '1 minute' WHERE id IN ({})",
        list(reminded.clone())
    ))
    .await
    .expect("reminders due");
    db.execute_unprepared(&format!(
        "UPDATE approval_tasks SET due_at = now() - interval '1 minute' WHERE id IN ({})",
        list(expiring.clone())
    ))
    .await
    .expect("expiries due");
    tokio::time::sleep(Duration::from_millis(400)).await;
    // SIGKILL: no chance to finish what it holds.
    let _ = a.0.kill();
    let _ = a.0.wait();
    let mut acknowledged = Vec::new();
    for (i, h) in sent {
        if matches!(h.await, Ok(Ok(_))) {
            acknowledged.push(i);
        }
    }
    assert!(!acknowledged.is_empty(), "no approval was answered");

    // The survivor finishes: no mail waiting, every approved request provisioned, every due
    // reminder and expiry done.
    let done = || async {
        count(&db, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").await == 0
            && count(
                &db,
                "SELECT COUNT(*) FROM provisioning_tasks WHERE status = 'open'",
            )
            .await
                == 0
            && count(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM approval_tasks WHERE status = 'open' AND id IN ({})",
                    list(expiring.clone())
                ),
            )
            .await
                == 0
            && count(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM approval_tasks WHERE next_reminder_at < now() AND status = 'open' AND id IN ({})",
                    list(reminded.clone())
                ),
            )
            .await
                == 0
    };
    let mut finished = false;
    for _ in 0..300 {
        if done().await {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(finished, "the surviving replica did not finish the work");

    let events = |action: &'static str| {
        let db = db.clone();
        async move {
            let mut by: HashMap<String, usize> = HashMap::new();
            for r in rows(
                &db,
                &format!("SELECT details FROM audit_events WHERE action = '{action}'"),
            )
            .await
            {
                let details: serde_json::Value =
                    serde_json::from_str(&r.try_get_by_index::<String>(0).expect("details")).expect("json");
                let key = details["number"].as_str().unwrap_or_default().to_string();
                *by.entry(key).or_default() += 1;
            }
            by
        }
    };
    // Every acknowledged approval is there, once; no request was approved twice.
    let approvals = events("saar.approved").await;
    for i in &acknowledged {
        assert_eq!(approvals.get(&saars[*i].number), Some(&1), "{}", saars[*i].number);
    }
    assert!(approvals.values().all(|n| *n == 1), "{approvals:?}");
    // Each due reminder went once, each due expiry happened once, though both replicas ran.
    let reminders = events("approval.reminded").await;
    let expiries = events("saar.expired").await;
    for i in reminded {
        assert_eq!(
            reminders.get(&saars[i].number),
            Some(&1),
            "reminders: {reminders:?}"
        );
    }
    for i in expiring {
        assert_eq!(expiries.get(&saars[i].number), Some(&1), "expiries: {expiries:?}");
    }

    // Every mail of the outbox reached the relay; a copy only of one in flight at the kill.
    let mails = relay.messages();
    let by_id = tally(&mails, "message-id:");
    let outbox = count(&db, "SELECT COUNT(*) FROM outbox").await;
    assert_eq!(by_id.len() as i64, outbox, "every mail delivered");
    let copies: usize = by_id.values().map(|n| n - 1).sum();
    assert!(
        copies <= 1,
        "mail sent twice: {:?}",
        by_id.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    // Every webhook reached the receiver; a copy only of one in flight, with the same key.
    let hooks = tally(&hook.requests(), "idempotency-key:");
    let provisioned = count(
        &db,
        "SELECT COUNT(*) FROM provisioning_tasks WHERE status = 'done'",
    )
    .await;
    assert_eq!(hooks.len() as i64, provisioned, "every webhook delivered");
    assert!(provisioned >= acknowledged.len() as i64);
    let copies: usize = hooks.values().map(|n| n - 1).sum();
    assert!(copies <= 1, "webhook sent twice: {hooks:?}");

    eprintln!(
        "acknowledged approvals {}, mails {} ({} messages), webhooks {} ({} requests)",
        acknowledged.len(),
        mails.len(),
        by_id.len(),
        hook.requests().len(),
        hooks.len()
    );
    db.close().await.ok();
    let _ = std::fs::remove_dir_all(&dir);
    pg.drop_now().await;
}

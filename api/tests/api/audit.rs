//! The audit trail (#17): administrators and auditors search it, export it as CSV and check its
//! hash chain through the API; nobody else reads it; a row edited or deleted in the database is
//! found by the check.

use crate::both_dbs;
use crate::helpers::*;
use amps::domain::permission::AdminRole;
use amps_openapi::*;
use chrono::Duration;
use sea_orm::{ConnectionTrait, TransactionTrait};

both_dbs!(
    administrators_and_auditors_search_and_export_the_audit_trail,
    the_chain_check_finds_an_edited_or_deleted_event,
    a_saar_is_a_dd2875_with_every_approver_and_seal,
    exports_stopped_half_way_leave_the_server_whole
);

fn by_actor(actor: &str) -> AuditFilter {
    AuditFilter {
        actor: Some(actor.into()),
        ..Default::default()
    }
}

fn page(limit: u64, cursor: Option<String>) -> AuditPageQuery {
    AuditPageQuery {
        limit: Some(limit),
        cursor,
    }
}

async fn administrators_and_auditors_search_and_export_the_audit_trail(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let sup = as_user(&app, "ssupervisor").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let saar = submit_one(&app, &requester, pop).await;
    let task = task_for(&sup, saar.id).await;
    sup.approve(
        task.id,
        &ApproveRequest {
            comment: Some("Needed for the POP shipments".into()),
            ..Default::default()
        },
    )
    .await
    .expect("approve");
    grant_admin_role(&app, "ddataowner", AdminRole::Auditor).await;
    let auditor = as_user(&app, "ddataowner").await;

    // Everything one person did, newest first.
    let mine = auditor
        .audit_events(&by_actor("jrequester"), &AuditPageQuery::default())
        .await
        .expect("auditor");
    assert!(mine.events.iter().all(|e| e.actor == "jrequester"), "{mine:#?}");
    assert!(mine.events.windows(2).all(|w| w[0].id > w[1].id));
    let submitted = mine
        .events
        .iter()
        .find(|e| e.action == "saar.submitted")
        .expect("the submission");
    assert_eq!(
        submitted.target.as_deref(),
        Some(format!("saar:{}", saar.id).as_str())
    );
    assert!(submitted.ip.is_some());
    // One request's trail, by target; an action prefix; one action; a period.
    let trail = auditor
        .audit_events(
            &AuditFilter {
                target: Some(format!("saar:{}", saar.id)),
                ..Default::default()
            },
            &AuditPageQuery::default(),
        )
        .await
        .expect("by target");
    let actions: Vec<&str> = trail.events.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"saar.submitted") && actions.len() >= 2,
        "{actions:?}"
    );
    let approved = trail
        .events
        .iter()
        .find(|e| e.actor == "ssupervisor")
        .expect("the supervisor's decision");
    assert_eq!(
        approved.details["comment"].as_str(),
        Some("Needed for the POP shipments")
    );
    let saar_events = auditor
        .audit_events(
            &AuditFilter {
                action: Some("saar.".into()),
                ..Default::default()
            },
            &AuditPageQuery::default(),
        )
        .await
        .expect("by prefix");
    assert!(saar_events.events.len() >= trail.events.len());
    assert!(saar_events.events.iter().all(|e| e.action.starts_with("saar.")));
    let only = auditor
        .audit_events(
            &AuditFilter {
                action: Some("saar.submitted".into()),
                ..Default::default()
            },
            &AuditPageQuery::default(),
        )
        .await
        .expect("one action");
    assert_eq!(only.events.len(), 1);
    let later = auditor
        .audit_events(
            &AuditFilter {
                from: Some(app.now() + Duration::hours(1)),
                ..Default::default()
            },
            &AuditPageQuery::default(),
        )
        .await
        .expect("a later period");
    assert!(later.events.is_empty());
    // Pages: each older than the last, none twice, until the end.
    let all = auditor
        .audit_events(&AuditFilter::default(), &page(500, None))
        .await
        .expect("all");
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = auditor
            .audit_events(&AuditFilter::default(), &page(3, cursor))
            .await
            .expect("page");
        assert!(p.events.len() <= 3);
        seen.extend(p.events.iter().map(|e| e.id));
        cursor = p.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, all.events.iter().map(|e| e.id).collect::<Vec<_>>());
    // Sealed by the running server.
    eventually("the trail is sealed", || async {
        auditor
            .audit_events(&AuditFilter::default(), &AuditPageQuery::default())
            .await
            .expect("list")
            .events
            .iter()
            .all(|e| e.seq.is_some() && e.hash.as_ref().is_some_and(|h| h.len() == 64))
    })
    .await;

    // The CSV export holds what the search finds, and is itself audited.
    let csv = auditor
        .export_audit_events(&by_actor("jrequester"))
        .await
        .expect("export");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        [
            "id", "seq", "at", "actor", "action", "target", "ip", "details", "hash"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let now_mine = auditor
        .audit_events(&by_actor("jrequester"), &AuditPageQuery::default())
        .await
        .expect("mine");
    assert_eq!(
        rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(),
        now_mine
            .events
            .iter()
            .map(|e| e.id.to_string())
            .collect::<Vec<_>>()
    );
    assert!(rows.iter().any(|r| &r[4] == "saar.submitted"));
    let exported = auditor
        .audit_events(
            &AuditFilter {
                action: Some("audit.exported".into()),
                ..Default::default()
            },
            &AuditPageQuery::default(),
        )
        .await
        .expect("exports");
    assert_eq!(exported.events.len(), 1);
    assert_eq!(exported.events[0].actor, "ddataowner");
    assert_eq!(exported.events[0].details["actor"].as_str(), Some("jrequester"));
    // The server reads an export a page at a time: 2,500 events come out whole and in order.
    bulk_events(&app, 2_500).await;
    // Read as it arrives (as the web app shows its progress): the count grows page by page.
    let mut so_far = Vec::new();
    let bulk = auditor
        .export_audit_events_with_progress(
            &AuditFilter {
                action: Some("test.bulk".into()),
                ..Default::default()
            },
            |n| so_far.push(n),
        )
        .await
        .expect("bulk export");
    assert!(so_far.windows(2).all(|w| w[0] <= w[1]), "{so_far:?}");
    assert!(
        so_far.iter().any(|n| *n > 0 && *n < 2_500),
        "the rows came in pieces: {so_far:?}"
    );
    assert_eq!(so_far.last(), Some(&2_500));
    let ids: Vec<i64> = csv::Reader::from_reader(bulk.as_bytes())
        .records()
        .map(|r| r.expect("row")[0].parse().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2_500);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, none twice");

    // An administrator reads it too; nobody else does.
    let admin = as_user(&app, "aadmin").await;
    assert!(
        !admin
            .audit_events(&AuditFilter::default(), &AuditPageQuery::default())
            .await
            .expect("administrator")
            .events
            .is_empty()
    );
    for who in ["jrequester", "hhelpdesk", "ssecurity"] {
        let c = as_user(&app, who).await;
        let e = c
            .audit_events(&AuditFilter::default(), &AuditPageQuery::default())
            .await
            .expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
        let e = c
            .export_audit_events(&AuditFilter::default())
            .await
            .expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
        let e = c.verify_audit_chain().await.expect_err(who);
        assert_eq!(e.status(), Some(403), "{who}");
    }
    let e = app
        .client()
        .audit_events(&AuditFilter::default(), &AuditPageQuery::default())
        .await
        .expect_err("nobody signed in");
    assert_eq!(e.status(), Some(401));

    // Bad input: a clear problem, nothing exported.
    for (filter, paging, field) in [
        (AuditFilter::default(), page(0, None), "limit"),
        (AuditFilter::default(), page(501, None), "limit"),
        (AuditFilter::default(), page(10, Some("abc".into())), "cursor"),
        (
            AuditFilter {
                from: Some(app.now()),
                to: Some(app.now() - Duration::days(1)),
                ..Default::default()
            },
            AuditPageQuery::default(),
            "to",
        ),
        (
            AuditFilter {
                actor: Some("x".repeat(101)),
                ..Default::default()
            },
            AuditPageQuery::default(),
            "actor",
        ),
    ] {
        let e = auditor.audit_events(&filter, &paging).await.expect_err(field);
        assert_eq!(e.status(), Some(422), "{field}");
        let problem = e.problem().expect("problem+json");
        assert!(
            problem.errors.iter().any(|f| f.field == field),
            "{field}: {problem:?}"
        );
    }
    let malformed = auditor_http(&app, "ddataowner")
        .await
        .get(app.url("/api/v1/audit-events?from=yesterday"))
        .send()
        .await
        .expect("malformed");
    assert_eq!(malformed.status(), 400);
    assert_eq!(
        malformed.headers()["content-type"].to_str().expect("type"),
        "application/problem+json"
    );
    assert_eq!(
        auditor
            .audit_events(
                &AuditFilter {
                    action: Some("audit.exported".into()),
                    ..Default::default()
                },
                &AuditPageQuery::default(),
            )
            .await
            .expect("exports")
            .events
            .len(),
        2,
        "refused exports are not recorded"
    );
}

/// A reqwest client that sends `login`'s access token.
async fn auditor_http(app: &TestApp, login: &str) -> reqwest::Client {
    let token = as_user(app, login).await.token().expect("token").to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    app.http_builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

async fn the_chain_check_finds_an_edited_or_deleted_event(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    submit_one(&app, &requester, pop).await;
    grant_admin_role(&app, "ddataowner", AdminRole::Auditor).await;
    let auditor = as_user(&app, "ddataowner").await;
    let intact = auditor.verify_audit_chain().await.expect("verify");
    assert!(intact.intact, "{intact:?}");
    assert!(intact.intact_events >= 3, "{intact:?}");
    assert!(intact.broken_at.is_none());

    // Someone with the database edits event 3's details.
    let db = &app.ctx.db;
    let original: String = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT details FROM audit_events WHERE seq = 3",
        ))
        .await
        .expect("read")
        .expect("event 3")
        .try_get_by_index(0)
        .expect("details");
    let set = |details: &str| {
        sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => "UPDATE audit_events SET details = $1 WHERE seq = 3",
                _ => "UPDATE audit_events SET details = ? WHERE seq = 3",
            },
            [details.into()],
        )
    };
    db.execute_raw(set(r#"{"edited":true}"#)).await.expect("edit");
    let broken = auditor.verify_audit_chain().await.expect("verify");
    assert!(!broken.intact);
    assert_eq!(
        broken.broken_at.as_ref().and_then(|e| e.seq),
        Some(3),
        "{broken:?}"
    );
    assert_eq!(broken.intact_events, 2);
    db.execute_raw(set(&original)).await.expect("restore");
    assert!(auditor.verify_audit_chain().await.expect("verify").intact);

    // Or deletes event 2: the check stops at the event after it.
    db.execute_unprepared("DELETE FROM audit_events WHERE seq = 2")
        .await
        .expect("delete");
    let broken = auditor.verify_audit_chain().await.expect("verify");
    assert!(!broken.intact);
    assert_eq!(
        broken.broken_at.as_ref().and_then(|e| e.seq),
        Some(3),
        "{broken:?}"
    );
    assert_eq!(broken.intact_events, 1);
    let e = as_user(&app, "hhelpdesk")
        .await
        .verify_audit_chain()
        .await
        .expect_err("the help desk");
    assert_eq!(e.status(), Some(403));
}

/// The text of every page of a PDF.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("its text")
}

async fn a_saar_is_a_dd2875_with_every_approver_and_seal(db: Db) {
    let app = seeded(db).await;
    let requester = as_user(&app, "jrequester").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    // Supervisor, security officer, data owner and IAO approve; the provisioner grants it.
    grant(&app, &requester, vec![ebs]).await;
    let saar = requester
        .my_requests()
        .await
        .expect("requests")
        .history
        .into_iter()
        .find(|s| s.role.id == ebs)
        .expect("the granted request");
    let history = eventually_sealed(&requester, saar.id).await;

    let pdf = requester
        .saar_dd2875(saar.id)
        .await
        .expect("the requester's DD 2875");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "PART I - REQUESTER AND USER INFORMATION",
        "PART II - ENDORSEMENT OF ACCESS BY SUPERVISOR",
        "PART III - SECURITY MANAGER",
        "PART IV - COMPLETION BY AUTHORIZED STAFF",
        saar.number.as_str(),
        "EBS Inquiry User",
        "IT level designation",
    ] {
        assert!(flat.contains(part), "{part} missing from:\n{text}");
    }
    // Every approver by name, and the provisioner.
    for step in &saar.steps {
        let who = step.decided_by.as_deref().expect("decided");
        assert!(flat.contains(who), "{who} missing from:\n{text}");
    }
    assert!(flat.contains("pprovisioner"), "{text}");
    // Every event's seal, so a printed page can be checked against the log.
    for e in &history {
        let hash = e.hash.as_deref().expect("sealed");
        assert!(flat.contains(hash), "hash of {} missing from:\n{text}", e.action);
        assert!(flat.contains(&format!("#{}", e.seq.expect("sealed"))), "{text}");
    }
    assert!(history.iter().any(|e| e.action == "saar.provisioned"));

    // Those who may see the SAAR get it; nobody else.
    let help_desk = as_user(&app, "hhelpdesk").await;
    assert!(
        help_desk
            .saar_dd2875(saar.id)
            .await
            .expect("help desk")
            .starts_with(b"%PDF-")
    );
    let e = as_user(&app, "vvendor")
        .await
        .saar_dd2875(saar.id)
        .await
        .expect_err("a stranger");
    assert_eq!(e.status(), Some(403));
    let e = app.client().saar_dd2875(saar.id).await.expect_err("nobody");
    assert_eq!(e.status(), Some(401));
    let e = requester
        .saar_dd2875(uuid::Uuid::now_v7())
        .await
        .expect_err("no such SAAR");
    assert_eq!(e.status(), Some(404));
}

/// The SAAR's history once the running server sealed every event.
async fn eventually_sealed(c: &amps_openapi::Client, id: uuid::Uuid) -> Vec<SaarHistoryEntry> {
    eventually("the trail is sealed", || async {
        c.saar_history(id)
            .await
            .expect("history")
            .iter()
            .all(|e| e.hash.is_some())
    })
    .await;
    c.saar_history(id).await.expect("history")
}

/// Appends `n` events of action `test.bulk`, as the server appends its own.
async fn bulk_events(app: &TestApp, n: usize) {
    let txn = app.ctx.db.begin().await.expect("begin");
    for i in 0..n {
        amps::store::audit::append(
            &txn,
            app.now(),
            amps::store::audit::NewEvent {
                actor: &amps::store::audit::Actor {
                    label: "system".into(),
                    ..Default::default()
                },
                action: "test.bulk",
                target: Some(format!("bulk:{i}")),
                details: serde_json::json!({ "i": i }),
            },
        )
        .await
        .expect("append");
    }
    txn.commit().await.expect("commit");
}

/// A client that stops reading an export after its first chunk holds nothing on the server:
/// an export reads a page at a time, each a short read, so more stopped exports than the pool
/// has connections (16 on PostgreSQL, 8 readers on SQLite) leave every connection free, and
/// the next export and search answer.
async fn exports_stopped_half_way_leave_the_server_whole(db: Db) {
    let app = seeded(db).await;
    bulk_events(&app, 5_000).await;
    grant_admin_role(&app, "ddataowner", AdminRole::Auditor).await;
    let http = auditor_http(&app, "ddataowner").await;
    let url = app.url("/api/v1/audit-events/export?action=test.bulk");
    for _ in 0..20 {
        let mut r = http.get(&url).send().await.expect("export");
        assert_eq!(r.status(), 200);
        let first = r.chunk().await.expect("read").expect("a first chunk");
        assert!(
            first.starts_with(b"id,seq,at,actor"),
            "{:?}",
            &first[..20.min(first.len())]
        );
        drop(r);
    }
    // A held connection would have run the pool dry: these would wait for one and fail.
    let whole = http
        .get(&url)
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("body");
    assert_eq!(whole.trim().lines().count(), 5_001, "the header and every event");
    let search = http
        .get(app.url("/api/v1/audit-events?limit=1"))
        .send()
        .await
        .expect("search");
    assert_eq!(search.status(), 200);
    let auditor = as_user(&app, "ddataowner").await;
    let exports = auditor
        .audit_events(
            &AuditFilter {
                action: Some("audit.exported".into()),
                ..Default::default()
            },
            &AuditPageQuery::default(),
        )
        .await
        .expect("exports");
    assert_eq!(
        exports.events.len(),
        21,
        "every export is audited, stopped or not"
    );
}

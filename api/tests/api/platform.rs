//! Platform behaviour: the OpenAPI contract, problem+json for every error, health, metrics,
//! SMTP delivery.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;

both_dbs!(
    served_openapi_matches_the_committed_snapshot,
    unknown_routes_methods_and_oversize_bodies_get_problem_json,
    health_readiness_and_metrics_answer,
    mail_is_delivered_over_smtp_and_the_dev_mailbox_is_off,
    without_the_switch_there_is_no_mailbox_to_read_reset_links_from,
    without_the_switch_nobody_moves_the_clock,
    the_development_clock_moves_time_for_the_jobs_too,
    undeliverable_mail_stays_queued_with_the_error_for_a_retry,
    demo_seed_is_idempotent_and_its_accounts_sign_in,
    create_admin_makes_an_administrator_with_a_one_time_password,
    a_batch_writes_every_row_or_none,
    a_saars_provisioning_task_is_found_by_index,
);

#[test]
fn bad_configuration_stops_startup_with_one_line_naming_the_variable() {
    for (var, value) in [
        ("AMPS_BIND", "not-an-address"),
        ("DATABASE_URL", "mysql://x"),
        ("AMPS_SMTP_URL", "http://x"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_amps"))
            .arg("migrate")
            .env(var, value)
            .env("AMPS_DATA_DIR", std::env::temp_dir())
            .output()
            .expect("run amps");
        assert!(!out.status.success(), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {var}: ")), "{err}");
    }
}

#[test]
fn the_development_mailbox_is_refused_on_a_non_loopback_address() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_amps"))
        .arg("migrate")
        .env("AMPS_DEV_MAILBOX", "true")
        .env("AMPS_BIND", "0.0.0.0:8080")
        .env("AMPS_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("run amps");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: AMPS_DEV_MAILBOX: "), "{err}");
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn the_development_clock_is_refused_on_a_non_loopback_address() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_amps"))
        .arg("migrate")
        .env("AMPS_DEV_CLOCK", "true")
        .env("AMPS_BIND", "0.0.0.0:8080")
        .env("AMPS_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("run amps");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: AMPS_DEV_CLOCK: "), "{err}");
    assert!(err.contains("loopback"), "{err}");
}

async fn without_the_switch_nobody_moves_the_clock(db: Db) {
    let app = spawn_app_without_mailbox(db).await;
    let before = app.now();
    for seconds in [86_400, 0] {
        let e = app
            .client()
            .advance_clock(&AdvanceClockRequest { seconds })
            .await
            .expect_err("no clock");
        assert_eq!(e.status(), Some(404), "{e}");
    }
    assert_eq!(app.now(), before);
    assert_eq!(
        app.client().clock().await.expect_err("no clock").status(),
        Some(404)
    );
}

async fn the_development_clock_moves_time_for_the_jobs_too(db: Db) {
    let app = seeded(db).await;
    let before = app.now();
    let e = app
        .client()
        .advance_clock(&AdvanceClockRequest { seconds: 0 })
        .await
        .expect_err("nothing to move");
    assert_eq!(e.status(), Some(422));
    assert_eq!(app.now(), before, "a refused move changes nothing");
    let jane = as_user(&app, "jrequester").await;
    let ebs = role_id(&jane, "EBS Inquiry User", "PROD").await;
    grant(&app, &jane, vec![ebs]).await;
    let moved = app
        .client()
        .advance_clock(&AdvanceClockRequest {
            seconds: 340 * 86_400,
        })
        .await
        .expect("moved");
    assert_eq!(moved.now, before + chrono::Duration::days(340));
    assert_eq!(app.client().clock().await.expect("read").now, moved.now);
    // The deadlines job sees the new time: the role is inside its renewal window.
    eventually("the renewal offer", || async {
        mails_about(&app, "jane.requester@dla.example", "expires on").await == 1
    })
    .await;
}

async fn without_the_switch_there_is_no_mailbox_to_read_reset_links_from(db: Db) {
    let app = spawn_app_without_mailbox(db).await;
    amps::seed::demo(&app.ctx).await.expect("seed");
    // The attack: ask for the administrator's reset link, then read it from the mailbox.
    app.client()
        .forgot_password(&ForgotPasswordRequest {
            user_id: "aadmin".into(),
        })
        .await
        .expect("accepted");
    let refused = app.client().mailbox().await.expect_err("no mailbox");
    assert_eq!(refused.status(), Some(404));
    let body = app
        .http()
        .get(app.url("/api/v1/dev/mailbox"))
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("body");
    assert!(!body.contains("reset-password"), "{body}");
    // The mail waits in the outbox for a relay.
    assert!(app.count("outbox").await >= 1);
}

async fn served_openapi_matches_the_committed_snapshot(db: Db) {
    let app = spawn_app(db).await;
    let served: serde_json::Value = app
        .http()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let committed: serde_json::Value =
        serde_json::from_str(amps_openapi::OPENAPI_JSON).expect("committed json");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `just openapi` and commit the result"
    );
    let paths = served["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/me",
        "/api/v1/auth/token",
        "/healthz",
        "/.well-known/jwks.json",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the document");
    }
    let docs = app.http().get(app.url("/docs/")).send().await.expect("docs");
    assert_eq!(docs.status().as_u16(), 200);
    assert!(
        docs.text().await.expect("html").contains("swagger"),
        "Swagger UI page"
    );
    let css = app
        .http()
        .get(app.url("/docs/swagger-ui.css"))
        .send()
        .await
        .expect("css");
    assert_eq!(css.status().as_u16(), 200, "Swagger UI assets are served locally");
}

async fn unknown_routes_methods_and_oversize_bodies_get_problem_json(db: Db) {
    let app = spawn_app(db).await;
    let http = app.http();
    let r = http
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = http.delete(app.url("/api/v1/me")).send().await.expect("405");
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET, PATCH");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let big = format!("{{\"user_id\":\"{}\",\"password\":\"x\"}}", "a".repeat(70 * 1024));
    let r = http
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("413");
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = http
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .expect("415");
    assert_eq!(r.status().as_u16(), 415);
    let p: Problem = r.json().await.expect("problem body");
    assert_eq!(p.status, 415);
}

async fn health_readiness_and_metrics_answer(db: Db) {
    let app = spawn_app(db).await;
    let http = app.http();
    let h: HealthResponse = http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(h.status, "ok");
    let r: HealthResponse = http
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert_eq!(r.status, "ready");
    let _ = app
        .client()
        .login(&LoginRequest {
            user_id: "nobody".into(),
            password: "nothing at all here".into(),
        })
        .await;
    let text = http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(r#"http_requests_total{method="POST",route="/api/v1/auth/login",status="401"} 1"#),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"db_pool_connections{state="open"}"#), "{text}");
}

async fn mail_is_delivered_over_smtp_and_the_dev_mailbox_is_off(db: Db) {
    let app = spawn_app_with_smtp(db).await;
    app.client()
        .register(&app.registration("mailed"))
        .await
        .expect("register");
    let sink = app.smtp.as_ref().expect("sink");
    let msg = sink.wait_for("mailed@acme.example").await;
    assert!(msg.contains("Subject: AMPS: verify your email address"), "{msg}");
    let token = token_in(&msg, "/verify-email?token=");
    app.client()
        .verify_email(&VerifyEmailRequest { token })
        .await
        .expect("the emailed link works");
    assert_eq!(
        app.client()
            .mailbox()
            .await
            .expect_err("no dev mailbox with SMTP")
            .status(),
        Some(404)
    );
}

async fn undeliverable_mail_stays_queued_with_the_error_for_a_retry(db: Db) {
    let app = spawn_app_with_dead_smtp(db).await;
    app.client()
        .register(&app.registration("unlucky"))
        .await
        .expect("register");
    use amps::store::entities::outbox;
    use sea_orm::EntityTrait;
    let mut row = None;
    for _ in 0..200 {
        let m = outbox::Entity::find()
            .one(&app.ctx.db)
            .await
            .expect("query")
            .expect("queued mail");
        if m.attempts > 0 {
            row = Some(m);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let m = row.expect("a delivery attempt was made");
    assert_eq!(m.status, "pending", "kept for a retry");
    assert!(m.last_error.is_some());
    assert!(m.next_attempt_at > app.now(), "retried later, with backoff");
    assert!(m.sent_at.is_none());
}

async fn demo_seed_is_idempotent_and_its_accounts_sign_in(db: Db) {
    let app = spawn_app(db).await;
    let first = amps::seed::demo(&app.ctx).await.expect("seed");
    let users = app.count("users").await;
    let roles = app.count("roles").await;
    amps::seed::demo(&app.ctx).await.expect("seed again");
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("roles").await, roles);
    assert_eq!(first.len(), 10);
    for a in &first {
        let mut c = app.client();
        c.login(&LoginRequest {
            user_id: a.login.into(),
            password: a.password.into(),
        })
        .await
        .expect(a.login);
    }
    let mut vendor = app.client();
    vendor
        .login(&LoginRequest {
            user_id: "vvendor".into(),
            password: amps::seed::DEMO_PASSWORD.into(),
        })
        .await
        .expect("vendor");
    let me = vendor.me().await.expect("me");
    assert_eq!(me.organization.code, "External");
    assert_eq!(me.eao.expect("EAO").user_id, "eeao");
    let mut req = app.client();
    req.login(&LoginRequest {
        user_id: "jrequester".into(),
        password: amps::seed::DEMO_PASSWORD.into(),
    })
    .await
    .expect("requester");
    let me = req.me().await.expect("me");
    assert_eq!(me.supervisor.expect("supervisor").user_id, "ssupervisor");
    assert_eq!(
        me.security_officer.expect("security officer").user_id,
        "ssecurity"
    );
    use amps::store::entities::role;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let pop: Vec<role::Model> = role::Entity::find()
        .filter(role::Column::Name.eq("Web User POP-001"))
        .all(&app.ctx.db)
        .await
        .expect("roles");
    let mut envs: Vec<&str> = pop.iter().map(|r| r.environment.as_str()).collect();
    envs.sort();
    assert_eq!(envs, ["PROD", "TEST"]);
    assert_eq!(
        app.count("role_prerequisites").await,
        2,
        "both POP roles require the EBS role"
    );
}

async fn create_admin_makes_an_administrator_with_a_one_time_password(db: Db) {
    let app = spawn_app(db).await;
    let pw = amps::seed::create_admin(&app.ctx, "root.admin", "Ada", "Admin", "ada.admin@dla.example")
        .await
        .expect("create");
    let mut c = app.client();
    c.login(&LoginRequest {
        user_id: "root.admin".into(),
        password: pw,
    })
    .await
    .expect("login");
    let me = c.me().await.expect("me");
    assert_eq!(me.admin_roles, vec!["Administrator".to_string()]);
    assert_eq!(me.organization.code, "DLA");
    let again = amps::seed::create_admin(&app.ctx, "root.admin", "Ada", "Admin", "x@dla.example").await;
    assert!(matches!(again, Err(amps::service::Error::Duplicate(_))));
}

/// `store::batch` writes a change's rows in one statement: every row with its values as
/// given, or (when one fails) none of them.
async fn a_batch_writes_every_row_or_none(db: Db) {
    use amps::clock::Clock;
    use amps::store::audit::{self, Actor, NewEvent};
    use amps::store::batch::Writes;
    use amps::store::entities::{audit_event, outbox, user};
    use amps::store::outbox::enqueue_into;
    use sea_orm::sea_query::Query;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = seeded(db).await;
    let conn = &app.ctx.db;
    let now = app.clock.now();
    let outbox_before = app.count("outbox").await;
    let audit_before = app.count("audit_events").await;
    let someone = user::Entity::find()
        .filter(user::Column::Login.eq("vvendor"))
        .one(conn)
        .await
        .expect("query")
        .expect("vvendor");

    let mut w = Writes::new();
    enqueue_into(
        &mut w,
        now,
        "a@example.com",
        "First 'quoted' — ü",
        "Body one; with a semicolon",
    );
    enqueue_into(&mut w, now, "b@example.com", "Second", "Body two");
    w.update(
        Query::update()
            .table(user::Entity)
            .value(user::Column::Phone, "+1 703 555 0199")
            .and_where(user::Column::Id.eq(someone.id))
            .to_owned(),
    );
    let actor = Actor::system();
    audit::append_into(
        &mut w,
        now,
        NewEvent {
            actor: &actor,
            action: "test.batch",
            target: Some("test:1".into()),
            details: serde_json::json!({"n": 1}),
        },
    );
    w.commit(conn).await.expect("batch");
    assert_eq!(app.count("outbox").await, outbox_before + 2);
    assert_eq!(app.count("audit_events").await, audit_before + 1);
    let first = outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq("a@example.com"))
        .one(conn)
        .await
        .expect("query")
        .expect("first message");
    assert_eq!(first.subject, "First 'quoted' — ü");
    assert_eq!(first.body, "Body one; with a semicolon");
    assert_eq!(first.created_at, now);
    let phone = user::Entity::find_by_id(someone.id)
        .one(conn)
        .await
        .expect("query")
        .expect("user")
        .phone;
    assert_eq!(phone, "+1 703 555 0199");
    let ev = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("test.batch"))
        .one(conn)
        .await
        .expect("query")
        .expect("event");
    assert_eq!(ev.target.as_deref(), Some("test:1"));

    // The last row repeats the first's key: nothing of the batch is written.
    let row = amps::store::outbox::message(now, "c@example.com", "Dup", "Dup");
    let mut w = Writes::new();
    w.insert(row.clone());
    enqueue_into(&mut w, now, "d@example.com", "Between", "Between");
    w.insert(row);
    assert!(w.commit(conn).await.is_err());
    assert_eq!(app.count("outbox").await, outbox_before + 2);
}

/// Every view of a SAAR being provisioned looks up its provisioning task by SAAR: the plan
/// uses the index, not a scan of every provisioning task ever opened.
async fn a_saars_provisioning_task_is_found_by_index(db: Db) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let app = spawn_app(db).await;
    let backend = app.ctx.db.get_database_backend();
    let txn = app.ctx.db.begin().await.expect("begin");
    let (explain, column) = match backend {
        DbBackend::Postgres => {
            // The test's table is tiny, where a scan is cheapest; ask for the plan an index
            // makes possible.
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .expect("set");
            ("EXPLAIN", "QUERY PLAN")
        }
        _ => ("EXPLAIN QUERY PLAN", "detail"),
    };
    let sql = format!(
        "{explain} SELECT * FROM provisioning_tasks WHERE saar_id = '00000000-0000-0000-0000-000000000000' AND status = 'open'"
    );
    let plan: Vec<String> = txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("explain")
        .iter()
        .map(|r| r.try_get::<String>("", column).expect("plan line"))
        .collect();
    txn.rollback().await.expect("rollback");
    assert!(
        plan.iter().any(|l| l.contains("idx_provisioning_saar")),
        "{plan:?}"
    );
}
